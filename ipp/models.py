"""Cross-cutting records: private documents, who viewed them, process heartbeats, and bulk import jobs."""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
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


class ImportJob(models.Model):
    """One bulk import from a CSV, run by a worker: IP rights (with a ZIP of their documents) or complaints.

    queued → running → done | failed (refused, with every problem) | error (crashed;
    nothing imported). ``ipp.bulk`` owns every write: the web request stores the files
    and queues the job; the worker claims it, reports its progress and its outcome, and
    deletes the files. ``csv_path``/``zip_path`` are storage names we chose (never the
    filer's); they are emptied once the files are deleted.
    """

    class Kind(models.TextChoices):
        IPR = "ipr", _("IP rights")
        COMPLAINTS = "complaints", _("Complaints")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Importing")
        FAILED = "failed", _("Not imported: problems found")
        DONE = "done", _("Imported")
        ERROR = "error", _("Not imported: something went wrong")

    class Phase(models.TextChoices):
        CHECKING = "checking", _("Checking the rows")
        SAVING = "saving", _("Saving what the rows hold")

    ACTIVE = (Status.QUEUED, Status.RUNNING)
    # The worker's hard time limit for one run (the kind's task, e.g. ipr.tasks.run_import_job), in seconds.
    # It stays below Redis's visibility timeout (1 h by default): a message whose worker died is delivered
    # again after that timeout, and by then its job counts as abandoned and may be claimed again.
    TIME_LIMIT = 50 * 60

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=10, choices=Phase.choices, blank=True)
    # The problems are written in the language the filer uploaded in, not the worker's.
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    csv_name = models.CharField(max_length=255, blank=True, help_text=_("The CSV's name as uploaded (shown only)."))
    zip_name = models.CharField(max_length=255, blank=True, help_text=_("The ZIP's name as uploaded (shown only)."))
    csv_path = models.CharField(max_length=255, blank=True)
    zip_path = models.CharField(max_length=255, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # Each problem as {"line", "column", "value", "message", "code"} (``ipp.bulk.ImportProblem``).
    problems = models.JSONField(default=list, blank=True)
    records = models.PositiveIntegerField(default=0, help_text=_("How many records the import created."))
    # The ids of the records it created (IP rights or complaints), for its outcome page.
    created_ids = models.JSONField(default=list, blank=True)
    # IP rights only: how many of the records were submitted for authentication, and kept as drafts.
    submitted = models.PositiveIntegerField(default=0)
    drafts = models.PositiveIntegerField(default=0)
    # Claims so far: a job that kills its worker every time is given up after a few.
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "kind", "-created_at"], name="importjob_owner_kind_recent")]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} of {self.owner_id}: {self.status}"

    # Checking took ~40% of an IPR import's time, saving the rest (300 rows, a PDF and a PNG each).
    CHECKING_SHARE = 40

    @property
    def percent(self) -> int:
        """How far the whole import is, 0 to 100: one bar across both phases, which never goes back."""
        if self.status == self.Status.DONE:
            return 100
        part = min(self.processed_rows, self.total_rows) / self.total_rows if self.total_rows else 0
        if self.phase == self.Phase.SAVING:
            return self.CHECKING_SHARE + int(part * (100 - self.CHECKING_SHARE))
        return int(part * self.CHECKING_SHARE)

    @property
    def is_abandoned(self) -> bool:
        """Still ``running`` past the time limit: its worker died. Nothing of it was imported, since
        ``done`` commits with the records; a redelivered message may still claim it again."""
        limit = dt.timedelta(seconds=self.TIME_LIMIT)
        return self.status == self.Status.RUNNING and self.started_at is not None and self.started_at < timezone.now() - limit

    @property
    def state(self) -> str:
        """The status as the filer is told it: an abandoned run is an error, and the page stops waiting for it."""
        return self.Status.ERROR if self.is_abandoned else self.status

    @property
    def state_label(self) -> str:
        return self.Status(self.state).label

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE


class Notification(models.Model):
    """Something a user must act on or would want to know, listed in the portal (and usually emailed too)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    # What it is about, so one event never notifies twice (a task delivered again).
    key = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_event")]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_recent")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
