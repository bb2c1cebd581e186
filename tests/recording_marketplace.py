"""The catalogue adapter, counting what the workflow asks of the marketplace: the edge we do not own.

Tests point ``IPP_MARKETPLACE_ADAPTER`` here to count calls per listing or item; the calls still
do what the catalogue does (a takedown marks the listing removed).
"""

import threading
from collections import Counter

from complaints.marketplaces.catalogue import CatalogueMarketplace


class RecordingMarketplace(CatalogueMarketplace):
    calls: Counter = Counter()  # (method, pk) -> how many times
    # When set, notify_seller announces it has started (``entered``) and waits for ``release``.
    hold: tuple[threading.Event, threading.Event] | None = None

    @classmethod
    def reset(cls) -> None:
        cls.calls = Counter()
        cls.hold = None

    def notify_seller(self, item) -> None:
        type(self).calls["notify_seller", item.pk] += 1
        if type(self).hold is not None:
            entered, release = type(self).hold
            entered.set()
            release.wait(timeout=30)
        super().notify_seller(item)

    def take_down(self, listing) -> None:
        type(self).calls["take_down", listing.pk] += 1
        super().take_down(listing)

    def hide(self, listing) -> None:
        type(self).calls["hide", listing.pk] += 1
        super().hide(listing)

    def put_back(self, listing) -> None:
        type(self).calls["put_back", listing.pk] += 1
        super().put_back(listing)
