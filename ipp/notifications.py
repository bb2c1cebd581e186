"""Telling a user something: one row in the portal's notification list and, usually, an email.

A notification is keyed by what it is about (``key``), so a task delivered twice never
notifies twice. The text is written in the user's language when it is created.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from .mail import send_notice
from .models import Notification


def notify(user, *, kind: str, key: str, subject, text, url: str = "", email: bool = True) -> Notification | None:
    """Notify ``user`` once per ``key``; ``subject`` and ``text`` are lazy strings (rendered in the user's language).

    Returns the new notification, or None when this one was already sent.
    """
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject, text = str(subject), str(text)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(user=user, kind=kind, key=key, text=text[:500], url=url)
    except IntegrityError:
        return None  # sent already: a repeated delivery of the same event
    if email:
        link = settings.IPP_SITE_URL.rstrip("/") + url if url else ""
        send_notice(user, "notifications/email", {"subject": subject, "text": text, "link": link})
    return notification
