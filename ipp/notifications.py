"""Telling a user something: one row in the portal's notification list and, usually, an email.

A notification is keyed by what it is about (``key``), so a task delivered twice never
notifies twice. The text is written in the user's language when it is created.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from .mail import send_notice
from .models import Notification


def notify(user, *, kind: str, key: str, subject, text, url: str = "", email: bool = True,
           details: str = "") -> Notification | None:
    """Notify ``user`` once per ``key``; ``subject`` and ``text`` are lazy strings (rendered in the user's language).
    ``details`` (rendered already) follow the text in the email only (a statement of reasons, say).

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
        # Mailed once the row is committed: a caller that rolls back (and runs again) mails once.
        body = f"{text}\n\n{details}" if details else text
        transaction.on_commit(lambda: send_notice(user, "notifications/email",
                                                  {"subject": subject, "text": body, "link": link}))
    return notification


def notifications_mark_read(*, user) -> int:
    """Mark every unread notification of ``user`` read; returns how many were unread."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# The badge stops counting here: "99+" says enough, and counting a user's whole backlog on every page does not.
UNREAD_SHOWN = 99


def unread_count(user) -> int:
    """How many notifications ``user`` has not read, up to ``UNREAD_SHOWN + 1``: one query."""
    # No ordering: the model's default one would sort the rows it only counts.
    return Notification.objects.filter(user=user, read_at__isnull=True).order_by()[:UNREAD_SHOWN + 1].count()
