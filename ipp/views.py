from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Heartbeat


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home.html")


def agreement(request):
    return render(request, "agreement.html")


def health(request):
    """Liveness for load balancers (always 200), and whether beat and a worker are alive.

    Beat schedules the heartbeat and a worker writes it, so a fresh heartbeat proves both.
    With ``?strict=1`` a stale or missing heartbeat answers 503, for monitors that alert.
    """
    beats = {hb.name: (timezone.now() - hb.beat_at).total_seconds() for hb in Heartbeat.objects.all()}
    stale_after = 3 * settings.CELERY_BEAT_SCHEDULE["heartbeat"]["schedule"]
    background = "ok" if beats.get("worker", float("inf")) <= stale_after else "stale"
    status = 503 if request.GET.get("strict") == "1" and background != "ok" else 200
    return JsonResponse({"status": "ok", "background": background, "heartbeat_age_seconds": beats}, status=status)


# Every answer of the API is JSON (docs/api.md), even where no API view answers: an address under it that
# matches no operation, or a server error.
API_PREFIX = "/api/"


def _api_error(request, status: int, detail: str) -> JsonResponse | None:
    return JsonResponse({"detail": detail}, status=status) if request.path.startswith(API_PREFIX) else None


def permission_denied(request, exception=None):
    return _api_error(request, 403, _("You do not have permission to perform this action.")) or \
        render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return _api_error(request, 404, _("Not found.")) or render(request, "404.html", status=404)


def server_error(request):
    return _api_error(request, 500, _("A server error occurred.")) or render(request, "500.html", status=500)
