
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms import DocumentField
from ipp import workdays

from .models import IPR, Attachment, NiceClass

_LIMIT_MB = settings.IPP_UPLOAD_MAX_BYTES // 1_048_576
FILE_HELP = format_lazy(_("PDF, JPEG or PNG, up to {limit} MB each."), limit=_LIMIT_MB)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleDocumentField(DocumentField):
    """Several files at once; each is checked, and an error names the file it is about."""

    widget = MultipleFileInput(attrs={"accept": DocumentField.widget.attrs["accept"]})

    def clean(self, data, initial=None):
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        checked, errors = [], []
        for upload in uploads:
            try:
                checked.append(super().clean(upload, initial))
            except ValidationError as error:
                errors.extend(ValidationError(f"{upload.name}: {message}") for message in error.messages)
        if errors:
            raise ValidationError(errors)
        return checked


# What each kind asks for: (field, label, required) in order; fields not listed are not asked.
KIND_FIELDS = {
    IPR.Kind.TRADEMARK: [
        ("name", _("Mark (the word, or a short description of the logo)"), True),
        ("number", _("Registration number"), True),
        ("jurisdiction", _("Office or jurisdiction"), True),
        ("owner_name", _("Registered owner"), True),
        ("registered_on", _("Registration date"), True),
        ("expires_on", _("Expiry date"), True),
    ],
    IPR.Kind.PATENT: [
        ("patent_type", _("Patent type"), True),
        ("name", _("Title of the patent"), True),
        ("number", _("Patent number"), True),
        ("jurisdiction", _("Office or jurisdiction"), True),
        ("owner_name", _("Patentee (owner)"), True),
        ("registered_on", _("Grant date"), False),
        ("expires_on", _("Expiry date"), True),
    ],
    IPR.Kind.COPYRIGHT: [
        ("name", _("Name of the work"), True),
        ("work_kind", _("Kind of work"), True),
        ("number", _("Registration or serial number"), True),
        ("jurisdiction", _("Country of registration"), True),
        ("owner_name", _("Copyright holder"), True),
        ("registered_on", _("Registration date"), False),
    ],
    IPR.Kind.OTHER: [
        ("name", _("Name of the right"), True),
        ("number", _("Number"), True),
        ("jurisdiction", _("Office or jurisdiction"), True),
        ("owner_name", _("Holder"), True),
        ("registered_on", _("Valid from"), True),
        ("expires_on", _("Valid until"), True),
    ],
}

# The documents each kind takes besides its certificate: (role, label, help).
KIND_ATTACHMENTS = {
    IPR.Kind.TRADEMARK: (Attachment.Role.CLASS_PAGES, _("Class pages"),
                         _("The certificate's pages that list the classes and goods or services.")),
    IPR.Kind.PATENT: (Attachment.Role.EVALUATION_REPORT, _("Patent Evaluation Report"),
                      _("Optional, and strongly recommended for utility-model and design patents: it shows the patent "
                        "is likely valid, and complaints resting on it are decided faster.")),
    IPR.Kind.COPYRIGHT: (Attachment.Role.WORK_SAMPLE, _("Samples of the work"),
                         _("Images or pages of the work itself, so reviewers can compare it with listings.")),
    IPR.Kind.OTHER: (Attachment.Role.SUPPORTING, _("Supporting documents"),
                     _("Anything that shows the right and its holder.")),
}


class IPRForm(forms.ModelForm):
    """One record of one kind; it asks only what that kind needs."""

    certificate_shows = forms.ChoiceField(
        label=_("The certificate shows"), widget=forms.RadioSelect,
        choices=[("registered", _("A registered right (a registration certificate or granted patent)")),
                 ("application", _("An application or filing receipt (not registered yet)"))],
    )
    certificate = DocumentField(label=_("Registration certificate"), help_text=format_lazy(
        _("One certificate per record; register several rights as several records. {files}"), files=FILE_HELP))
    attachments = MultipleDocumentField(required=False)

    class Meta:
        model = IPR
        fields = ["patent_type", "work_kind", "name", "number", "jurisdiction", "owner_name", "registered_on", "expires_on"]
        widgets = {"registered_on": forms.DateInput(attrs={"type": "date"}), "expires_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        asked = {field: (label, required) for field, label, required in KIND_FIELDS[kind]}
        for name in list(self.Meta.fields):
            if name not in asked:
                del self.fields[name]
                continue
            label, required = asked[name]
            self.fields[name].label = label
            self.fields[name].required = required
        self.order_fields([field for field, _label, _required in KIND_FIELDS[kind]] + ["certificate_shows", "certificate", "attachments"])
        if self.instance.pk:
            self.fields["certificate_shows"].initial = "registered"
            if self.instance.certificate_id:
                self.fields["certificate"].required = False
                self.fields["certificate"].help_text = _("Leave empty to keep the certificate you uploaded; upload the renewal certificate to replace it.")
        role, label, help_text = KIND_ATTACHMENTS[kind]
        self.attachment_role = role
        self.fields["attachments"].label = label
        self.fields["attachments"].help_text = format_lazy("{help} {files}", help=help_text, files=FILE_HELP)
        if kind == IPR.Kind.COPYRIGHT and not (self.instance.pk and self.instance.attachments.filter(role=role).exists()):
            self.fields["attachments"].required = True
        if "jurisdiction" in self.fields:
            self.fields["jurisdiction"].help_text = _("Taobao, Tmall, Tmall HK and 1688 accept only rights valid in China.")

    def clean_certificate_shows(self):
        if self.cleaned_data["certificate_shows"] != "registered":
            raise ValidationError(_("Only registered rights can be enforced: a pending application or filing receipt "
                                    "is refused. Register the right here once the office has granted it."))
        return "registered"

    def record_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields if name in self.fields}


class NiceClassForm(forms.Form):
    number = forms.TypedChoiceField(
        label=_("Class"), coerce=int, choices=[("", "—")] + [(n, str(n)) for n in range(1, 46)],
        error_messages={"invalid_choice": _("Class %(value)s does not exist; Nice classes are 1 to 45.")})
    goods_services = forms.CharField(
        label=_("Goods or services, as on the certificate"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Enter the goods or services this class is registered for.")})


class BaseNiceClassFormSet(forms.BaseFormSet):
    def clean(self):
        seen, filled = set(), 0
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            filled += 1
            number = form.cleaned_data.get("number")
            if number is None:
                continue  # its own error says why
            if number in seen:
                form.add_error("number", _("Class %(n)s is listed twice; put all its goods in one entry.") % {"n": number})
            seen.add(number)
        if filled == 0:
            raise ValidationError(_("Add at least one Nice class with the goods or services it is registered for."))

    def classes(self) -> list[tuple[int, str]]:
        return [(f.cleaned_data["number"], f.cleaned_data["goods_services"]) for f in self.forms
                if f.has_changed() and not self._should_delete_form(f)]


NiceClassFormSet = forms.formset_factory(NiceClassForm, formset=BaseNiceClassFormSet, extra=1, can_delete=True)


def nice_class_initial(ipr: IPR) -> list[dict]:
    return [{"number": c.number, "goods_services": c.goods_services} for c in NiceClass.objects.filter(ipr=ipr)]


class LetterTermForm(forms.Form):
    valid_from = forms.DateField(label=_("Authorised from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Authorised until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        problem = IPR.letter_problem(scope=data.get("scope", IPR.LetterScope.ENFORCE), valid_from=data.get("valid_from"),
                                     valid_until=data.get("valid_until"), on=workdays.today_in_china())
        if problem:
            self.add_error(*problem)
        return data


class LetterUploadForm(LetterTermForm):
    letter = DocumentField(label=_("Signed or stamped letter"), help_text=FILE_HELP)
    scope = forms.ChoiceField(label=_("The signed letter authorises me"), choices=IPR.LetterScope.choices,
                              widget=forms.RadioSelect, initial=IPR.LetterScope.ENFORCE)

    field_order = ["letter", "scope", "valid_from", "valid_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].label = _("Term on the signed letter: from")
        self.fields["valid_until"].label = _("until")
