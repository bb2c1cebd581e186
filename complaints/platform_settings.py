"""Admins change a platform's settings: the form, the one write, and its change history.

``platform_settings_update`` is the write (a service: here rather than in ``services.py``
because it belongs to the admin area alone). It locks the platform's row, checks that the
settings are still those the admin's form was built from, saves only the fields that changed
and records the change as a Django admin ``LogEntry`` whose message keeps every field's old
and new value. Two admins editing at once: the second save finds the row changed since its
form was shown and is refused (``ChangedMeanwhile``), so nothing is silently overwritten.

The form carries what the admin saw as a signed token (``seen``): no version column is
needed, and the comparison is of the values themselves, whoever changed them (this page or
a shell; the Django admin shows platforms read-only and links here).
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.admin.models import CHANGE, LogEntry
from django.core import signing
from django.core.validators import MinValueValidator
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Platform

# The settings admins edit here, in the form's order.
SETTINGS_FIELDS = [
    "is_active", "max_listings_per_complaint", "requires_china_rights",
    "seller_response_days", "complainant_answer_working_days",
    "penalty_points_per_takedown", "copyright_points_per_complaint",
    "hosts", "url_patterns",
]
TEXT_FIELDS = {"hosts", "url_patterns"}  # one entry per line
_SALT = "complaints.platform_settings.seen"
# A host as the address parser matches it: a domain name, without scheme, path or port.
_HOST = re.compile(r"^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _lines(text: str) -> str:
    """One entry per line, trimmed, blank lines dropped: how the settings are stored and compared."""
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


def settings_of(platform: Platform) -> dict[str, Any]:
    """The platform's editable settings as plain values (the multi-line ones normalised)."""
    return {name: _lines(getattr(platform, name)) if name in TEXT_FIELDS else getattr(platform, name)
            for name in SETTINGS_FIELDS}


def seen_token(values: dict[str, Any]) -> str:
    return signing.dumps(values, salt=_SALT, compress=True)


class PlatformSettingsForm(forms.ModelForm):
    """The settings of one platform. Validation is the model's (``Platform.clean`` reports each broken regular
    expression of ``url_patterns``), plus the checks here that a page can make before saving."""

    seen = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = Platform
        fields = SETTINGS_FIELDS
        widgets = {
            "hosts": forms.Textarea(attrs={"rows": 4, "class": "font-monospace", "spellcheck": "false"}),
            "url_patterns": forms.Textarea(attrs={"rows": 5, "class": "font-monospace", "spellcheck": "false"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["seen"] = seen_token(settings_of(self.instance))
        self.fields["seen"].error_messages["required"] = _("This form is out of date: open the platform's page again.")
        self.fields["hosts"].error_messages["required"] = _("Give at least one web address, one per line.")
        self.fields["url_patterns"].error_messages["required"] = _("Give at least one product page shape, one per line.")
        # A window of no days, or a complaint of no listings, would stop the workflow: at least one.
        for name in ("seller_response_days", "complainant_answer_working_days", "max_listings_per_complaint"):
            self.fields[name].validators.append(MinValueValidator(1))
            self.fields[name].widget.attrs["min"] = 1

    def clean_seen(self) -> dict[str, Any]:
        try:
            return signing.loads(self.cleaned_data["seen"], salt=_SALT)
        except signing.BadSignature:
            raise forms.ValidationError(_("This form is out of date: open the platform's page again.")) from None

    def clean_hosts(self) -> str:
        hosts = _lines(self.cleaned_data["hosts"]).lower()
        problems = [_("Line %(n)s is not a domain name: write it as taobao.com, without https:// or a path.")
                    % {"n": number} for number, host in enumerate(hosts.splitlines(), start=1) if not _HOST.match(host)]
        if problems:
            raise forms.ValidationError(problems)
        return hosts

    def clean_url_patterns(self) -> str:
        return _lines(self.cleaned_data["url_patterns"])  # each line is checked by Platform.clean (the model's)

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SETTINGS_FIELDS}


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


class ChangedMeanwhile(Exception):
    """The platform's settings changed after the admin's form was shown: nothing was saved."""

    def __init__(self, *, current: dict[str, Any], seen: dict[str, Any], latest: LogEntry | None):
        self.current, self.seen, self.latest = current, seen, latest
        # What changed since the form was shown: (field, what the admin saw, what it is now).
        self.changes = [Change(name, seen.get(name), current[name]) for name in SETTINGS_FIELDS
                        if seen.get(name) != current[name]]
        super().__init__("The platform's settings changed since the form was shown.")


def _label(name: str) -> str:
    """The field's label as the form shows it (and as the Django admin records it)."""
    return str(capfirst(Platform._meta.get_field(name).verbose_name))


def platform_settings_update(*, admin: User, code: str, seen: dict[str, Any], values: dict[str, Any]) -> list[Change]:
    """Save the platform's new settings ``values``, if its settings are still ``seen``; return what changed.

    Under the row's lock: settings different from ``seen`` raise ``ChangedMeanwhile`` and nothing is saved;
    otherwise the changed fields are validated as the model validates them, saved (those alone), and recorded
    in one ``LogEntry`` by ``admin`` whose message lists each field old → new. No change, no record.
    """
    with transaction.atomic():
        platform = Platform.objects.select_for_update().get(pk=code)
        current = settings_of(platform)
        if current != seen:
            latest = (LogEntry.objects.filter(content_type__app_label="complaints", content_type__model="platform",
                                              object_id=platform.pk).select_related("user")
                      .order_by("-action_time", "-pk").first())
            raise ChangedMeanwhile(current=current, seen=seen, latest=latest)
        changes = [Change(name, current[name], values[name]) for name in SETTINGS_FIELDS if values[name] != current[name]]
        if not changes:
            return []
        for change in changes:
            setattr(platform, change.field, change.new)
        platform.full_clean()
        platform.save(update_fields=[change.field for change in changes])
        with translation.override(None):  # stored untranslated, as the Django admin stores its labels
            fields = [_label(change.field) for change in changes]
        message = [{"changed": {"fields": fields,
                                "values": {change.field: [change.old, change.new] for change in changes}}}]
        LogEntry.objects.log_actions(user_id=admin.pk, queryset=[platform], action_flag=CHANGE,
                                     change_message=message, single_object=True)
    return changes


# --- Reading the history ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShownChange:
    """One field's change as the history shows it: a value's old → new, or a list's lines removed and added."""

    label: str
    old: Any = None
    new: Any = None
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    is_lines: bool = False


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def changes_of(entry: LogEntry) -> list[ShownChange] | None:
    """The field changes recorded by ``platform_settings_update`` in ``entry``, labels in the current language;
    None for an entry recorded otherwise (the Django admin records the fields' names alone)."""
    try:
        message = json.loads(entry.change_message)
    except (TypeError, ValueError):
        return None
    if not isinstance(message, list):
        return None
    shown = []
    for part in message:
        values = isinstance(part, dict) and part.get("changed", {}).get("values")
        if not values:
            return None
        for name, (old, new) in values.items():
            try:
                label = _label(name)
            except Exception:  # noqa: BLE001 - a field since removed keeps its name
                label = name
            if name in TEXT_FIELDS:
                old_lines, new_lines = str(old).splitlines(), str(new).splitlines()
                shown.append(ShownChange(label, removed=tuple(x for x in old_lines if x not in new_lines),
                                         added=tuple(x for x in new_lines if x not in old_lines), is_lines=True))
            else:
                shown.append(ShownChange(label, old=_shown(old), new=_shown(new)))
    return shown


def conflict_form(posted: PlatformSettingsForm, conflict: ChangedMeanwhile, platform: Platform) -> PlatformSettingsForm:
    """The form to show after ``ChangedMeanwhile``: the current settings, with the admin's own changes kept on top,
    a fresh ``seen`` token, and an error on each field both changed differently. Saving it again applies the
    admin's changes to the settings as they are now, knowingly."""
    mine = posted.values()
    merged = {name: mine[name] if mine[name] != conflict.seen.get(name) else conflict.current[name]
              for name in SETTINGS_FIELDS}
    data = {name: value for name, value in merged.items() if not isinstance(value, bool)}
    data.update({name: "on" for name, value in merged.items() if value is True})
    data["seen"] = seen_token(conflict.current)
    form = PlatformSettingsForm(data, instance=platform)
    form.is_valid()
    who = ""
    if conflict.latest is not None:
        who = _(" (last recorded change: %(who)s, %(at)s)") % {
            "who": conflict.latest.user.email, "at": f"{timezone.localtime(conflict.latest.action_time):%Y-%m-%d %H:%M}"}
    summary = "; ".join(f"{_label(change.field)}: {_shown(change.old)} → {_shown(change.new)}"
                        if change.field not in TEXT_FIELDS else _label(change.field) for change in conflict.changes)
    form.add_error(None, _("Nothing was saved: these settings were changed meanwhile, while you were editing%(who)s: "
                           "%(changes)s. The form now shows the current settings with your own changes on top; check "
                           "them and save again.") % {"who": who, "changes": summary})
    for change in conflict.changes:
        if mine[change.field] != change.old and mine[change.field] != change.new:
            form.add_error(change.field, _("Changed meanwhile to “%(value)s”; your value is kept here.")
                           % {"value": _shown(change.new)})
    return form
