"""The interface every marketplace adapter implements."""

from abc import ABC, abstractmethod
from collections.abc import Iterable

from django.db.models import QuerySet


class Marketplace(ABC):
    """Resolve, search, notify, take down, put back: all the portal asks of a marketplace.

    Adapters return and update ``complaints.models.Listing`` rows: the local catalogue is
    the data itself for the default adapter, and a mirror of what a remote API answered
    for the others, so complaint items always point at a row in the database.
    """

    @abstractmethod
    def resolve(self, platform, listing_ids: Iterable[str]) -> dict:
        """The listings among ``listing_ids`` that exist on ``platform``, by listing id (absent ids: not found)."""

    @abstractmethod
    def search(self, platform=None, *, keywords: str = "", seller: str = "", include_removed: bool = False) -> QuerySet:
        """Listings (of ``platform``, or of all) whose title has every keyword and whose shop name has
        ``seller``; active ones only unless ``include_removed``."""

    @abstractmethod
    def notify_seller(self, item) -> None:
        """Tell the listing's seller about a complaint item (the notice, its evidence and the respond-by time)."""

    @abstractmethod
    def take_down(self, listing) -> None:
        """Remove the listing from sale."""

    @abstractmethod
    def hide(self, listing) -> None:
        """Hide the listing from buyers while the seller may still answer (a Good Faith member's notice)."""

    @abstractmethod
    def put_back(self, listing) -> None:
        """Reinstate a removed or hidden listing."""
