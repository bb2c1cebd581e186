"""The embedded default's email backend: the console and a folder the user can read."""

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileBackend(BaseEmailBackend):
    """Prints each message and also writes it under ``EMAIL_FILE_PATH`` (one file per batch)."""

    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.console = ConsoleBackend(fail_silently=fail_silently, **kwargs)
        self.file = FileBackend(fail_silently=fail_silently, **kwargs)

    def send_messages(self, email_messages):
        self.console.send_messages(email_messages)
        return self.file.send_messages(email_messages)


def send_notice(user, template: str, context: dict) -> None:
    """Email ``user`` (and its contact address) in the language it signed up in.

    ``template`` names a pair: ``<template>_subject.txt`` and ``<template>.txt``.
    """
    send_to_addresses(user.notice_recipients, language=user.language, template=template,
                      context={"user": user, **context})


def send_to_addresses(recipients: list[str], *, language: str, template: str, context: dict) -> None:
    """Email people who have no account (a DMCA notifier) in ``language``; ``template`` as for ``send_notice``."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, None, recipients)
