"""The filing steps' forms: each asks for one part of the complaint; the services check the whole."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ipr.forms import MultipleDocumentField
from ipr.models import IPR

from .listing_urls import EXAMPLE_URLS
from .models import Complaint, Platform
from .selectors import SPOT_CHECKS, QueueFilters, QueueSort


class PlatformForm(forms.Form):
    platform = forms.ModelChoiceField(
        label=_("Where is the listing sold?"), queryset=Platform.objects.filter(is_active=True),
        widget=forms.RadioSelect, empty_label=None,
        error_messages={"required": _("Choose the platform the listings are on.")})


class RightForm(forms.Form):
    ipr = forms.TypedChoiceField(label=_("Which of your rights do the listings infringe?"), coerce=int,
                                 widget=forms.RadioSelect,
                                 error_messages={"required": _("Choose the right the complaint rests on.")})

    def __init__(self, *args, usable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ipr"].choices = [(ipr.pk, str(ipr)) for ipr in usable]


class ReasonForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong with the listings?"), widget=forms.RadioSelect,
                               error_messages={"required": _("Choose the reason of the complaint.")})

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(reason.value, reason.label) for reason in reasons]


class ListingsForm(forms.Form):
    urls_text = forms.CharField(
        label=_("Product addresses, one per line"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "class": "font-monospace"}))

    def __init__(self, *args, platform_code: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["urls_text"].widget.attrs["placeholder"] = EXAMPLE_URLS.get(platform_code, "").format(id="…")

    def clean_urls_text(self) -> str:
        # Browsers send CRLF; lines added from the search use LF: one kind of line end in the draft.
        return self.cleaned_data["urls_text"].replace("\r\n", "\n").replace("\r", "\n").strip("\n")


class ListingSearchForm(forms.Form):
    q = forms.CharField(label=_("Keywords in the title"), required=False, max_length=100)
    seller = forms.CharField(label=_("Shop name"), required=False, max_length=100)


class EvidenceForm(forms.Form):
    description = forms.CharField(
        label=_("Describe the evidence"), required=False, max_length=5000,
        help_text=_("What shows the infringement: e.g. a test purchase, the differences from the genuine product, "
                    "where your work was copied. Up to 5,000 characters."),
        widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleDocumentField(label=_("Evidence files (PDF, JPEG or PNG)"), required=False,
                                  help_text=_("Photos of a test purchase, comparison pictures, the original work."))


class StatementsForm(forms.Form):
    good_faith_statement = forms.BooleanField(
        label=_("I have a good-faith belief that the use of the right in these listings is not authorised by "
                "the right's owner, its agent or the law."),
        error_messages={"required": _("Make this statement to file the complaint.")})
    accuracy_statement = forms.BooleanField(
        label=_("The information in this complaint is accurate and, under penalty of perjury, I am the owner of "
                "the right or authorised to act on the owner's behalf."),
        error_messages={"required": _("Make this statement to file the complaint.")})


class FilterForm(forms.Form):
    """Manage Complaints' filters; bad values are ignored rather than refused (a shared link keeps working)."""

    platform = forms.ModelChoiceField(label=_("Platform"), queryset=Platform.objects.all(), required=False,
                                      to_field_name="code", empty_label=_("All platforms"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status"))] + [c for c in Complaint.Status.choices if c[0] != "draft"])
    ipr = forms.TypedChoiceField(label=_("IP right"), required=False, coerce=int, empty_value=None)
    filed_from = forms.DateField(label=_("Filed from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    filed_until = forms.DateField(label=_("Filed until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, iprs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ipr"].choices = [("", _("All rights"))] + [(ipr.pk, str(ipr)) for ipr in iprs]

    def filters(self) -> dict:
        self.is_valid()  # invalid fields are left out of cleaned_data: they do not filter
        data = self.cleaned_data
        platform = data.get("platform")
        return {"platform": platform.code if platform else "", "status": data.get("status") or "",
                "ipr": data.get("ipr"), "filed_from": data.get("filed_from"), "filed_until": data.get("filed_until")}


class MaintainForm(forms.Form):
    """The complainant's answer to a counter-notice that does not hold: why, and more evidence."""

    note = forms.CharField(
        label=_("Why does the counter-notice not hold?"), max_length=5000,
        help_text=_("A reviewer reads it with the seller's counter-notice and decides. Up to 5,000 characters."),
        error_messages={"required": _("Say why the counter-notice does not hold.")},
        widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleDocumentField(label=_("More evidence (PDF, JPEG or PNG, optional)"), required=False)


class QueueFilterForm(forms.Form):
    """The reviewers' queue of complaint items: filters, order and page size. Bad values are ignored, not refused
    (a shared link keeps working)."""

    state = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        ("in_review", "in_review"), ("in_decision", "in_decision"), (SPOT_CHECKS, SPOT_CHECKS)])
    platform = forms.ModelChoiceField(label=_("Marketplace"), queryset=Platform.objects.all(), required=False,
                                      to_field_name="code", empty_label=_("All marketplaces"))
    ipr_kind = forms.ChoiceField(label=_("Right"), required=False,
                                 choices=[("", _("Any kind")), *IPR.Kind.choices, ("dmca", _("DMCA notice"))])
    reason = forms.ChoiceField(label=_("Reason"), required=False, choices=[("", _("Any reason")), *Complaint.Reason.choices])
    complainant = forms.CharField(label=_("Complainant"), required=False, max_length=100,
                                  widget=forms.TextInput(attrs={"placeholder": _("name or email")}))
    good_faith = forms.ChoiceField(label=_("Good Faith"), required=False, choices=[
        ("", _("Everyone")), ("members", _("Good Faith members")), ("others", _("Not members"))])
    waited_days = forms.TypedChoiceField(label=_("Waiting"), required=False, coerce=int, empty_value=None, choices=[
        ("", _("Any time")), (1, _("1 day or more")), (3, _("3 days or more")), (7, _("7 days or more"))])
    claims = forms.ChoiceField(label=_("Claims"), required=False, choices=[
        ("", _("All items")), ("free", _("Free for me")), ("mine", _("Claimed by me"))])
    breaching_sla = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=QueueSort.choices)
    size = forms.TypedChoiceField(label=_("Per page"), required=False, coerce=int, empty_value=25,
                                  choices=[(25, "25"), (50, "50"), (100, "100")])

    def filters(self) -> QueueFilters:
        self.is_valid()  # invalid fields are left out of cleaned_data: they do not filter
        data = self.cleaned_data
        platform = data.get("platform")
        return QueueFilters(
            state=data.get("state") or "", platform=platform.code if platform else "",
            ipr_kind=data.get("ipr_kind") or "", reason=data.get("reason") or "",
            complainant=data.get("complainant") or "", good_faith=data.get("good_faith") or "",
            breaching_sla=bool(data.get("breaching_sla")), waited_days=data.get("waited_days"),
            claims=data.get("claims") or "", sort=data.get("sort") or QueueSort.WAITING)

    def page_size(self) -> int:
        return (self.cleaned_data.get("size") if self.is_valid() else None) or 25
