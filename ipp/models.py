"""Cross-cutting records: private documents, who viewed them, and process heartbeats."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _document_path(document: "Document", filename: str) -> str:
    # The stored name is ours, never the uploader's: no path tricks, no collisions.
    return f"documents/{document.purpose}/{document.pk}{document.extension}"


def _thumbnail_path(document: "Document", filename: str) -> str:
    return f"documents/{document.purpose}/{document.pk}.thumb.jpg"


class Document(models.Model):
    """An uploaded file, kept private: served only by ``ipp.documents.document_view``."""

    class Purpose(models.TextChoices):
        IDENTITY = "identity", _("Identity document")
        BUSINESS_REGISTRATION = "business_registration", _("Business registration certificate")
        LEGAL_REPRESENTATIVE_ID = "legal_representative_id", _("Legal representative's ID")
        SOLE_ACCOUNT_STATEMENT = "sole_account_statement", _("Sole-account statement")
        CERTIFICATE = "certificate", _("IPR certificate")
        AUTHORISATION_LETTER = "authorisation_letter", _("Authorisation letter")
        EVIDENCE = "evidence", _("Evidence")

    # Purposes whose every view is logged (who, when): they identify a person.
    LOGGED_PURPOSES = {Purpose.IDENTITY, Purpose.BUSINESS_REGISTRATION, Purpose.LEGAL_REPRESENTATIVE_ID}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    file = models.FileField(upload_to=_document_path, max_length=200)
    # A small JPEG of an image, for review screens and lists; none for PDFs.
    thumbnail = models.FileField(upload_to=_thumbnail_path, max_length=200, blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "purpose"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.original_name}"

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[self.content_type]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class DocumentView(models.Model):
    """One row each time a logged document was opened."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.viewer} viewed {self.document_id} at {self.viewed_at:%Y-%m-%d %H:%M}"


class Heartbeat(models.Model):
    """The last time a background process proved it runs (worker, beat)."""

    name = models.CharField(max_length=50, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
