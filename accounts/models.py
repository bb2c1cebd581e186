"""Accounts: who someone is on the portal, and the proofs that they are who they say."""

import re
import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


def complainant_key(name: str) -> str:
    """The form of a complainant name used to find accounts registered under the same name.

    “ACME Ltd.”, “Acme  Ltd” and “ＡＣＭＥ LTD” are one complainant.
    """
    folded = unicodedata.normalize("NFKC", name or "").casefold()
    return re.sub(r"[\W_]+", "", folded)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("role", User.Role.ADMIN)
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        RIGHTS_HOLDER = "rights_holder", _("Rights holder")
        REVIEWER = "reviewer", _("Reviewer")
        ADMIN = "admin", _("Admin")
        SELLER = "seller", _("Seller")

    class Identity(models.TextChoices):
        OWNER = "owner", _("IPR owner")
        AGENT = "agent", _("Authorised agent")

    class RegistrantCategory(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        ENTITY = "entity", _("Business entity")

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RIGHTS_HOLDER)
    # What a rights holder declared at sign-up (blank for staff and sellers).
    identity = models.CharField(_("identity"), max_length=10, choices=Identity.choices, blank=True)
    registrant_category = models.CharField(_("registrant category"), max_length=12, choices=RegistrantCategory.choices, blank=True)
    complainant_name = models.CharField(
        _("name"), max_length=200, blank=True,
        help_text=_("Your full legal name, or your company's registered name, as on the identity document."),
    )
    complainant_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    location = CountryField(_("country or region"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True, help_text=_("Optional: also receives notices."))
    agreement_version = models.CharField(max_length=20, blank=True)
    agreement_accepted_at = models.DateTimeField(null=True, blank=True)
    # Notices are written in the language the user signed up in.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="rights_holder_declares_identity",
                condition=~Q(role="rights_holder") | (~Q(identity="") & ~Q(registrant_category="")),
            ),
        ]

    def __str__(self) -> str:
        return self.complainant_name or self.email

    def save(self, *args, **kwargs):
        self.complainant_key = complainant_key(self.complainant_name)
        if kwargs.get("update_fields") is not None and "complainant_name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "complainant_key"}
        super().save(*args, **kwargs)

    @property
    def is_rights_holder(self) -> bool:
        return self.role == self.Role.RIGHTS_HOLDER

    @property
    def is_reviewer(self) -> bool:
        return self.role in (self.Role.REVIEWER, self.Role.ADMIN)

    @property
    def is_portal_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_seller(self) -> bool:
        return self.role == self.Role.SELLER

    @property
    def is_platform_staff(self) -> bool:
        """Reviewers and admins: they see documents of the accounts they review."""
        return self.role in (self.Role.REVIEWER, self.Role.ADMIN)

    @property
    def notice_recipients(self) -> list[str]:
        return [self.email] + ([self.contact_email] if self.contact_email and self.contact_email != self.email else [])


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    VERIFIED = "verified", _("Verified")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ReviewedSubmission(models.Model):
    """What identity proofs and sole-account statements share: reviewed, due in working days."""

    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    submitted_at = models.DateTimeField(auto_now_add=True)
    due_on = models.DateField(help_text=_("Reviewers decide by this date (working days, China's calendar)."))
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    failure_reason = models.CharField(max_length=30, blank=True)
    failure_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        abstract = True

    @property
    def failure_reason_label(self) -> str:
        """The reason in words, from the subclass's own list of reasons."""
        return self.FailureReason(self.failure_reason).label if self.failure_reason else ""


class IdentityProof(ReviewedSubmission):
    class DocumentKind(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        ID_CARD = "id_card", _("National ID card")
        DRIVING_LICENCE = "driving_licence", _("Driving licence")
        BUSINESS_REGISTRATION = "business_registration", _("Business registration certificate")

    INDIVIDUAL_KINDS = (DocumentKind.PASSPORT, DocumentKind.ID_CARD, DocumentKind.DRIVING_LICENCE)

    class FailureReason(models.TextChoices):
        ILLEGIBLE = "illegible", _("The document cannot be read clearly.")
        EXPIRED = "expired", _("The document has expired.")
        NAME_MISMATCH = "name_mismatch", _("The name on the document does not match the account's name.")
        WRONG_KIND = "wrong_kind", _("This kind of document is not accepted for your registrant category.")
        INCOMPLETE = "incomplete", _("Pages, sides or the legal representative's ID are missing.")
        DATA_MISMATCH = "data_mismatch", _("The number or expiry date entered does not match the document.")
        OTHER = "other", _("Other (see the reviewer's note).")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_proofs")
    document_kind = models.CharField(_("document type"), max_length=25, choices=DocumentKind.choices)
    document_number = models.CharField(_("document number"), max_length=60)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    document = models.ForeignKey("ipp.Document", on_delete=models.PROTECT, related_name="+")
    legal_representative_document = models.ForeignKey("ipp.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="pending"), name="one_pending_identity_proof"),
            models.UniqueConstraint(fields=["user"], condition=Q(status="verified"), name="one_verified_identity_proof"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.get_document_kind_display()} of {self.user}"


class SoleAccountStatement(ReviewedSubmission):
    """A signed/stamped statement that this account is the complainant's only one."""

    class FailureReason(models.TextChoices):
        NOT_SIGNED = "not_signed", _("The statement is not signed or stamped.")
        WRONG_NAME = "wrong_name", _("The statement names another complainant or account.")
        ILLEGIBLE = "illegible", _("The statement cannot be read clearly.")
        OTHER = "other", _("Other (see the reviewer's note).")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sole_account_statements")
    complainant_key = models.CharField(max_length=200, db_index=True)
    document = models.ForeignKey("ipp.Document", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="pending"), name="one_pending_sole_statement"),
            # Only one account can be *the* sole account of a complainant.
            models.UniqueConstraint(fields=["complainant_key"], condition=Q(status="verified"), name="one_sole_account_per_complainant"),
        ]

    def __str__(self) -> str:
        return f"Sole-account statement of {self.user}"


class AccountEvent(models.Model):
    """The audit trail of an account: one row per thing that happened to it."""

    class Action(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        IDENTITY_SUBMITTED = "identity_submitted", _("Identity proof submitted")
        IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
        IDENTITY_FAILED = "identity_failed", _("Identity verification failed")
        IDENTITY_EXPIRED = "identity_expired", _("Identity document expired")
        SOLE_ACCOUNT_SUBMITTED = "sole_submitted", _("Sole-account statement submitted")
        SOLE_ACCOUNT_CONFIRMED = "sole_confirmed", _("Confirmed as the sole account")
        SOLE_ACCOUNT_FAILED = "sole_failed", _("Sole-account statement refused")
        UNUSUAL_SIGN_IN = "unusual_sign_in", _("Unusual sign-in: code sent")
        SIGNED_IN = "signed_in", _("Signed in")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=30, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user}: {self.get_action_display()}"


class KnownDevice(models.Model):
    """A device (cookie) and network an account has signed in from; anything else is unusual."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices")
    device_id = models.CharField(max_length=64)
    network = models.CharField(max_length=50)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "device_id", "network"], name="unique_known_device")]

    def __str__(self) -> str:
        return f"{self.user} from {self.network}"
