from django import forms, template

register = template.Library()


def _css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.simple_tag
def styled_widget(field: forms.BoundField):
    """The field's widget with Bootstrap classes, error state and its help text tied by aria."""
    widget = field.field.widget
    classes = [_css_class(widget), widget.attrs.get("class", "")]
    if field.errors:
        classes.append("is-invalid")
    attrs = {"class": " ".join(c for c in classes if c)}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_help")
    if field.errors:
        described_by.append(f"{field.auto_id}_errors")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        widget.attrs.update(attrs)
        return ""
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_choice_list(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)


@register.simple_tag(takes_context=True)
def nav_active(context, *url_names: str) -> str:
    match = getattr(context["request"], "resolver_match", None)
    return "active" if match and match.url_name in url_names else ""


@register.filter
def negate(number: int) -> int:
    return -number


@register.filter
def percent(share) -> str:
    """A share from 0 to 1 as a percentage with one decimal ("95.5%"); "—" when there is none."""
    return "—" if share is None else f"{100 * share:.1f}%"
