from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from .models import Heartbeat


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home.html")


def agreement(request):
    return render(request, "agreement.html")


def health(request):
    """Liveness for load balancers, and whether the worker and beat are alive."""
    beats = {hb.name: (timezone.now() - hb.beat_at).total_seconds() for hb in Heartbeat.objects.all()}
    return JsonResponse({"status": "ok", "heartbeat_age_seconds": beats})


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
