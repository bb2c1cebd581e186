from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IppConfig(AppConfig):
    name = "ipp"
    verbose_name = _("Portal")
