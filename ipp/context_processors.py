from django.conf import settings


def portal(request):
    return {"IPP_AGREEMENT_VERSION": settings.IPP_USER_AGREEMENT_VERSION}
