"""The default adapter: a listings catalogue kept in the portal's own database."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from ..models import Listing
from .base import Marketplace


class CatalogueMarketplace(Marketplace):
    def resolve(self, platform, listing_ids: Iterable[str]) -> dict[str, Listing]:
        listings = Listing.objects.filter(platform=platform, listing_id__in=set(listing_ids)).select_related("shop")
        return {listing.listing_id: listing for listing in listings}

    def search(self, platform=None, *, keywords: str = "", seller: str = "",
               include_removed: bool = False) -> QuerySet[Listing]:
        found = Listing.objects.select_related("shop")
        if platform is not None:
            found = found.filter(platform=platform)
        if not include_removed:
            found = found.filter(status=Listing.Status.ACTIVE)
        for word in keywords.split():
            found = found.filter(Q(title__icontains=word) | Q(listing_id=word))
        if seller.strip():
            found = found.filter(shop__name__icontains=seller.strip())
        return found.order_by("pk")

    def notify_seller(self, item) -> None:
        # The catalogue's sellers read their notices in the portal itself; there is no outside channel to call.
        return None

    def take_down(self, listing: Listing) -> None:
        Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.REMOVED)

    def hide(self, listing: Listing) -> None:
        Listing.objects.filter(pk=listing.pk, status=Listing.Status.ACTIVE).update(status=Listing.Status.HIDDEN)

    def put_back(self, listing: Listing) -> None:
        Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.ACTIVE)
