"""The signed-in user's notifications: what happened that it must act on or would want to know."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from .models import Notification
from .notifications import notifications_mark_read

PAGE_SIZE = 25

# What each kind is about, as a short tag beside its text; a kind not listed shows none.
KIND_LABELS = {
    "notice_received": _("Notice"),
    "counter_notice_received": _("Counter-notice"),
    "decision": _("Decision"),
    "takedown": _("Takedown"),
    "ipr_decision": _("Authentication"),
    "identity_decision": _("Identity"),
    "expiry_reminder": _("Expiry reminder"),
    "repeat_infringer": _("Repeat infringer"),
}


@login_required
@require_GET
def notification_list(request):
    page = Paginator(Notification.objects.filter(user=request.user).order_by("-created_at", "-pk"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "rows": [(n, KIND_LABELS.get(n.kind, "")) for n in page.object_list]})


@login_required
@require_POST
def notifications_read(request):
    marked = notifications_mark_read(user=request.user)
    if marked:
        messages.success(request, ngettext("%(n)s notification marked read.", "%(n)s notifications marked read.",
                                           marked) % {"n": marked})
    return redirect("notifications")
