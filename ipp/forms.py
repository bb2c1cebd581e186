from django.forms.renderers import TemplatesSetting


class PortalFormRenderer(TemplatesSetting):
    """Every form (ours and allauth's) renders with the portal's Bootstrap field layout."""

    form_template_name = "partials/form.html"
    field_template_name = "partials/field.html"
