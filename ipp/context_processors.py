from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .notifications import UNREAD_SHOWN, unread_count


def portal(request):
    return {"IPP_AGREEMENT_VERSION": settings.IPP_USER_AGREEMENT_VERSION}


def notifications(request):
    """The nav's unread badge ("" when none, "3", "99+"): one query for a signed-in user, made only when a page
    shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def badge() -> str:
        count = unread_count(user)
        return f"{UNREAD_SHOWN}+" if count > UNREAD_SHOWN else str(count or "")

    return {"unread_notifications": SimpleLazyObject(badge)}
