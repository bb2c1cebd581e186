"""IP rights: the trademarks, patents, copyrights and other rights a complaint rests on.

One record holds one right and its one certificate. A record is authenticated by a
reviewer (draft → pending → approved | failed) and its authentication is withdrawn when
the right's term, the authorisation letter's term or the filer's identity document
ends. Every change of status is an ``IPREvent``.
"""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import complainant_key
from ipp import workdays

# Words on a number that give away an application, not a registration.
_APPLICATION_WORDS = re.compile(r"(application|appl\.?\s*no|filing|receipt|pending|申请|受理)", re.IGNORECASE)


def jurisdiction_choices():
    """Where a right is registered: a country's office, or a regional/international one."""
    return [
        ("EU", _("European Union (EUIPO)")),
        ("WO", _("International registration (WIPO)")),
        *countries,
    ]


class IPR(models.Model):
    class Kind(models.TextChoices):
        TRADEMARK = "trademark", _("Trademark")
        PATENT = "patent", _("Patent")
        COPYRIGHT = "copyright", _("Copyright")
        OTHER = "other", _("Other right")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending authentication")
        APPROVED = "approved", _("Approved")
        FAILED = "failed", _("Failed")
        WITHDRAWN = "withdrawn", _("Authentication withdrawn")

    class PatentType(models.TextChoices):
        INVENTION = "invention", _("Invention")
        UTILITY_MODEL = "utility_model", _("Utility model")
        DESIGN = "design", _("Design")

    class WorkKind(models.TextChoices):
        ARTWORK = "artwork", _("Fine art or drawing")
        PHOTOGRAPH = "photograph", _("Photograph")
        GRAPHIC_DESIGN = "graphic_design", _("Graphic or product design")
        WRITTEN = "written", _("Written work")
        SOFTWARE = "software", _("Computer software")
        AUDIOVISUAL = "audiovisual", _("Film, video or music")
        OTHER = "other", _("Other work")

    class LetterScope(models.TextChoices):
        ENFORCE = "enforce", _("To file IPR complaints on the owner's behalf")
        SALES_ONLY = "sales_only", _("To sell the owner's products only (e.g. an official retailer)")

    class FailureReason(models.TextChoices):
        ILLEGIBLE = "illegible", _("The certificate cannot be read clearly.")
        NOT_REGISTERED = "not_registered", _("The document is an application or filing receipt, not a registered right.")
        DATA_MISMATCH = "data_mismatch", _("The number, owner or dates entered do not match the certificate.")
        EXPIRED = "expired", _("The right has expired.")
        CLASSES_MISSING = "classes_missing", _("The classes or goods entered are not shown on the certificate's class pages.")
        OWNER_MISMATCH = "owner_mismatch", _("The owner on the certificate is not the account holder, and no valid authorisation letter was given.")
        LETTER_INVALID = "letter_invalid", _("The authorisation letter is not signed or stamped by the owner, or names another right or agent.")
        LETTER_SALES_ONLY = "letter_sales_only", _("The authorisation letter only authorises sales, not complaints.")
        SAMPLES_MISSING = "samples_missing", _("Samples of the work are missing or do not match the certificate.")
        OTHER = "other", _("Other (see the reviewer's note).")

    class WithdrawalReason(models.TextChoices):
        IPR_EXPIRED = "ipr_expired", _("The right's term has ended.")
        LETTER_EXPIRED = "letter_expired", _("The authorisation letter's term has ended.")
        IDENTITY_EXPIRED = "identity_expired", _("The account's identity document has expired.")
        DECLARED_INVALID = "declared_invalid", _("The right was declared invalid.")

    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="iprs")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)

    name = models.CharField(_("name"), max_length=200)
    number = models.CharField(_("registration number"), max_length=60)
    jurisdiction = models.CharField(_("office or jurisdiction"), max_length=2, choices=jurisdiction_choices)
    owner_name = models.CharField(_("owner"), max_length=200)
    registered_on = models.DateField(_("registration date"), null=True, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    patent_type = models.CharField(_("patent type"), max_length=15, choices=PatentType.choices, blank=True)
    work_kind = models.CharField(_("kind of work"), max_length=15, choices=WorkKind.choices, blank=True)
    certificate = models.ForeignKey("ipp.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    # The signed authorisation letter, when the filer is not the owner.
    letter = models.ForeignKey("ipp.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    letter_scope = models.CharField(max_length=12, choices=LetterScope.choices, blank=True)
    letter_valid_from = models.DateField(null=True, blank=True)
    letter_valid_until = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True, help_text=_("Reviewers decide by this date (working days, China's calendar)."))
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    failure_reason = models.CharField(max_length=20, blank=True, choices=FailureReason.choices)
    failure_note = models.TextField(blank=True, max_length=2000)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=20, blank=True, choices=WithdrawalReason.choices)

    class Meta:
        verbose_name = _("IP right")
        verbose_name_plural = _("IP rights")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One account registers a right once; a second record of it would be a second certificate.
            models.UniqueConstraint(
                fields=["filed_by", "kind", "jurisdiction", "number"], name="one_record_per_right",
                violation_error_message=_("You have already registered this right (same kind, office and number)."),
            ),
            models.CheckConstraint(name="approved_has_certificate", condition=~Q(status="approved") | Q(certificate__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"]),
            # The expiry sweep reads approved records by their end dates.
            models.Index(fields=["expires_on"], condition=Q(status="approved"), name="ipr_approved_expiry"),
            models.Index(fields=["letter_valid_until"], condition=Q(status="approved"), name="ipr_approved_letter_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} ({self.name})"

    def clean(self):
        """Only registered rights in force are entered: the page, the import and any API meet this one rule."""
        today = workdays.today_in_china()
        errors: dict[str, list] = {}
        if _APPLICATION_WORDS.search(self.number or ""):
            errors.setdefault("number", []).append(_(
                "This looks like an application or filing number. Only registered rights can be enforced: enter the "
                "registration number from the certificate."))
        if self.registered_on and self.registered_on > today:
            errors.setdefault("registered_on", []).append(_(
                "This date is in the future: a right not yet registered cannot be enforced."))
        if self.expires_on and self.expires_on < today:
            errors.setdefault("expires_on", []).append(_(
                "This right expired on %(date)s; only rights in force can be registered. Upload the renewal certificate "
                "with its new expiry date.") % {"date": self.expires_on.isoformat()})
        if self.registered_on and self.expires_on and self.expires_on <= self.registered_on:
            errors.setdefault("expires_on", []).append(_("The expiry date must be after the registration date."))
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def letter_problem(*, scope: str, valid_from: dt.date | None, valid_until: dt.date | None,
                       on: dt.date) -> tuple[str, str] | None:
        """Why a signed letter cannot authorise complaints, as (field, message); None if it can.

        An authorisation to sell is not one to enforce, and a letter authorises only within its term.
        """
        if scope != IPR.LetterScope.ENFORCE:
            return "scope", _("An authorisation to sell is not an authorisation to enforce: it does not let you file "
                              "complaints. Have the owner sign the portal's letter.")
        if valid_from is None or valid_until is None:
            return None  # the dates' own fields say they are missing
        if valid_until < valid_from:
            return "valid_until", _("The term must end after it starts.")
        if valid_until < on:
            return "valid_until", _("This date has passed: a letter authorises only within its term.")
        return None

    @property
    def needs_letter(self) -> bool:
        """The filer is an agent, or its name is not the owner's: only a letter lets it enforce."""
        filer = self.filed_by
        return filer.identity == filer.Identity.AGENT or complainant_key(self.owner_name) != filer.complainant_key

    def letter_authorises(self, on: dt.date) -> bool:
        """A letter authorises only complaints (not sales), and only within its term."""
        return bool(
            self.letter_id and self.letter_scope == self.LetterScope.ENFORCE
            and self.letter_valid_from and self.letter_valid_until
            and self.letter_valid_from <= on <= self.letter_valid_until
        )

    @property
    def is_editable(self) -> bool:
        """What the filer may change: anything not waiting for a reviewer."""
        return self.status != self.Status.PENDING

    @property
    def failure_reason_label(self) -> str:
        return self.get_failure_reason_display()

    @property
    def ends_on(self) -> dt.date | None:
        """The first day the record stops authorising: its own term or its letter's, whichever ends first."""
        ends = [d for d in (self.expires_on, self.letter_valid_until if self.needs_letter else None) if d]
        return min(ends) if ends else None


class NiceClass(models.Model):
    """One Nice class of a trademark, with the goods or services it is registered for."""

    ipr = models.ForeignKey(IPR, on_delete=models.CASCADE, related_name="classes")
    number = models.PositiveSmallIntegerField(_("class"))
    goods_services = models.TextField(_("goods or services"), max_length=4000)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["ipr", "number"], name="one_entry_per_nice_class"),
            models.CheckConstraint(name="nice_class_1_to_45", condition=Q(number__gte=1, number__lte=45)),
        ]

    def __str__(self) -> str:
        return f"Class {self.number}"


class Attachment(models.Model):
    """A document that comes with the certificate: class pages, an evaluation report, samples."""

    class Role(models.TextChoices):
        CLASS_PAGES = "class_pages", _("Class pages")
        EVALUATION_REPORT = "evaluation_report", _("Patent Evaluation Report")
        WORK_SAMPLE = "work_sample", _("Sample of the work")
        SUPPORTING = "supporting", _("Supporting document")

    ipr = models.ForeignKey(IPR, on_delete=models.CASCADE, related_name="attachments")
    role = models.CharField(max_length=20, choices=Role.choices)
    document = models.ForeignKey("ipp.Document", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["role", "pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} of {self.ipr_id}"


class IPREvent(models.Model):
    """The history of a record: one row per change of status (who, when, why)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Saved as a draft")
        SUBMITTED = "submitted", _("Submitted for authentication")
        APPROVED = "approved", _("Approved")
        FAILED = "failed", _("Failed")
        WITHDRAWN = "withdrawn", _("Authentication withdrawn")
        LETTER_UPLOADED = "letter_uploaded", _("Authorisation letter uploaded")

    ipr = models.ForeignKey(IPR, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=10, blank=True, choices=IPR.Status.choices)
    to_status = models.CharField(max_length=10, blank=True, choices=IPR.Status.choices)
    reason = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    # What was submitted, so a reviewer sees what changed since the last submission.
    snapshot = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.ipr_id}: {self.action}"

    @property
    def reason_label(self) -> str:
        for choices in (IPR.FailureReason, IPR.WithdrawalReason):
            if self.reason in choices.values:
                return choices(self.reason).label
        return ""


class ExpiryReminder(models.Model):
    """A reminder that something ends soon, sent once per deadline and lead time.

    The sweep inserts the rows (the unique constraint makes that idempotent); sending
    claims unsent rows, so two workers never send the same reminder twice.
    """

    class Subject(models.TextChoices):
        IPR_TERM = "ipr_term", _("The right's term")
        LETTER_TERM = "letter_term", _("The authorisation letter's term")
        IDENTITY = "identity", _("The identity document")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=12, choices=Subject.choices)
    # The IPR's id, or the identity proof's.
    object_id = models.PositiveBigIntegerField()
    deadline = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "object_id", "deadline", "days_before"], name="one_reminder_per_deadline"),
        ]
        indexes = [models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="reminder_unsent")]

    def __str__(self) -> str:
        return f"{self.subject} {self.object_id}: {self.deadline} ({self.days_before} days)"
