"""How the portal reaches a marketplace: one small interface, one adapter per marketplace API.

``marketplace()`` returns the adapter named in ``settings.IPP_MARKETPLACE_ADAPTER``. The
workflow only ever calls the interface, so a real marketplace's API plugs in as another
adapter without touching it.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Marketplace


@cache
def marketplace() -> Marketplace:
    return import_string(settings.IPP_MARKETPLACE_ADAPTER)()


__all__ = ["Marketplace", "marketplace"]
