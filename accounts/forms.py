from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ipp.documents import check_upload

from .models import IdentityProof, User


class DocumentField(forms.FileField):
    """A file field whose value, once clean, is a checked upload (real PDF/JPEG/PNG, within the limit)."""

    widget = forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        return check_upload(upload) if upload else None


class SignupForm(AllauthSignupForm):
    complainant_name = forms.CharField(
        label=_("Full legal name or company name"), max_length=200,
        help_text=_("As it appears on your identity document or business registration certificate."),
    )
    location = forms.ChoiceField(label=_("Country or region"), choices=[("", "—")] + list(countries))
    identity = forms.ChoiceField(label=_("I am"), choices=User.Identity.choices, widget=forms.RadioSelect)
    registrant_category = forms.ChoiceField(label=_("Registrant category"), choices=User.RegistrantCategory.choices,
                                            widget=forms.RadioSelect)
    contact_email = forms.EmailField(label=_("Contact email (optional)"), required=False,
                                     help_text=_("Also receives notices about your complaints."))
    accept_agreement = forms.BooleanField(
        error_messages={"required": _("You must accept the user agreement to register.")},
    )

    field_order = ["email", "password1", "password2", "complainant_name", "location", "identity",
                   "registrant_category", "contact_email", "accept_agreement"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accept_agreement"].label = format_html(
            _('I accept the <a href="{url}" target="_blank">user agreement</a> (version {version}).'),
            url=reverse("agreement"), version=settings.IPP_USER_AGREEMENT_VERSION,
        )


class IdentityProofForm(forms.Form):
    document_kind = forms.ChoiceField(label=_("Document"))
    document_number = forms.CharField(label=_("Document number"), max_length=60)
    expires_on = forms.DateField(label=_("Expiry date"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Required for passports, ID cards and driving licences."))
    document = DocumentField(label=_("Scan or photo of the document"),
                             help_text=format_lazy(_("PDF, JPEG or PNG, up to {limit} MB. Include every page or side with your details."),
                                                   limit=settings.IPP_UPLOAD_MAX_BYTES // 1_048_576))
    legal_representative_document = DocumentField(
        label=_("Legal representative's ID (if applicable)"), required=False,
        help_text=_("For business entities: the ID of the person who represents the company."),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        kinds = IdentityProof.DocumentKind
        if user.registrant_category == User.RegistrantCategory.ENTITY:
            self.fields["document_kind"].choices = [(kinds.BUSINESS_REGISTRATION, kinds.BUSINESS_REGISTRATION.label)]
            self.fields["expires_on"].help_text = _("Leave empty if the certificate has no end date.")
        else:
            self.fields["document_kind"].choices = [(k.value, k.label) for k in IdentityProof.INDIVIDUAL_KINDS]
            del self.fields["legal_representative_document"]

    def clean_expires_on(self):
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on and expires_on <= timezone.localdate():
            raise ValidationError(_("This document has expired; upload a current one."))
        return expires_on

    def clean(self):
        data = super().clean()
        if data.get("document_kind") in IdentityProof.INDIVIDUAL_KINDS and not data.get("expires_on") \
                and "expires_on" not in self.errors:
            self.add_error("expires_on", _("Enter the expiry date printed on the document."))
        return data


class SoleAccountForm(forms.Form):
    statement = DocumentField(
        label=_("Signed sole-account statement"),
        help_text=format_lazy(_("Entities: stamped with the company seal. Individuals: signed. PDF, JPEG or PNG, up to {limit} MB."),
                              limit=settings.IPP_UPLOAD_MAX_BYTES // 1_048_576),
    )
    confirm = forms.BooleanField(label=_("I confirm this is the only account that will file complaints for this name."))


class ReviewDecisionForm(forms.Form):
    """Approve, or fail with a reason from the list plus free text."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    note = forms.CharField(label=_("Note to the user"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—")] + list(reasons)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason"):
            self.add_error("reason", _("Choose the reason for rejecting it."))
        if data.get("reason") == "other" and not data.get("note"):
            self.add_error("note", _("Explain the reason in the note."))
        return data
