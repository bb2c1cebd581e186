"""The demo's listings catalogue, as ``manage.py seed_demo`` leaves it.

The demo seller runs one "Demo Shop" on every platform; the demo rights holder finds
listings its rights cover, in that shop and elsewhere, and can file against them.
"""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count

from accounts.models import User
from complaints import demo_catalogue, services
from complaints.listing_urls import ProductUrl, read_line
from complaints.marketplaces import marketplace
from complaints.models import Listing, Platform, Shop
from ipr.models import IPR

pytestmark = pytest.mark.django_db


def seed() -> list[str]:
    out = io.StringIO()
    call_command("seed_demo", demo=True, stdout=out)
    return [line for line in out.getvalue().splitlines() if "catalogue" in line]


def per_platform(queryset) -> dict[str, int]:
    return dict(queryset.values_list("platform").annotate(n=Count("pk")))


@pytest.fixture
def seeded() -> list[str]:
    """Everything seed_demo makes: accounts, rights, catalogue."""
    return seed()


@pytest.fixture
def catalogue() -> None:
    """The catalogue alone, for the tests that need no demo account (seeding the accounts takes longer)."""
    demo_catalogue.catalogue_seed(seller=None)


def test_seeding_twice_adds_nothing_the_second_time(seeded):
    shops, listings = per_platform(Shop.objects), per_platform(Listing.objects)
    again = seed()
    assert (per_platform(Shop.objects), per_platform(Listing.objects)) == (shops, listings)
    assert set(listings) == set(Platform.objects.values_list("code", flat=True))
    assert all(count == demo_catalogue.LISTINGS_PER_PLATFORM for count in listings.values())
    assert len(again) == 7 and all(line.endswith("(0 added)") for line in again)
    assert seeded[0].strip() == "catalogue Taobao: 250 listings in 31 shops, 24 in Demo Shop (250 added)"


def test_every_platform_has_one_demo_shop_run_by_the_demo_seller_with_at_least_twenty_listings(seeded):
    seller = User.objects.get(email="seller@demo.test")
    demo_shops = Shop.objects.filter(name="Demo Shop")
    assert sorted(demo_shops.values_list("platform", flat=True)) == sorted(Platform.objects.values_list("code", flat=True))
    for shop in demo_shops:
        assert shop.owner == seller
        assert shop.listings.filter(status="active").count() >= 20
    assert not Shop.objects.exclude(name="Demo Shop").filter(owner__isnull=False).exists()


def test_every_seeded_address_reads_back_as_its_listing_on_its_own_platform(catalogue):
    platforms = list(Platform.objects.all())
    by_code = {platform.code: platform for platform in platforms}
    for listing in Listing.objects.all():
        assert listing.url.isascii()
        result = read_line(1, listing.url, platform=by_code[listing.platform_id], platforms=platforms)
        assert isinstance(result, ProductUrl) and result.listing_id == listing.listing_id, listing.url


def test_listings_look_like_a_marketplace(catalogue):
    for code in ["taobao", "aliexpress", "lazada"]:
        listings = Listing.objects.filter(platform=code)
        assert listings.values("shop").distinct().count() >= 25
        assert listings.values("category").distinct().count() >= 8
        assert listings.values("title").distinct().count() >= 150
        assert 3 <= listings.filter(status="removed").count() <= 15
        assert not listings.filter(listed_on__isnull=True).exists()
    assert Listing.objects.filter(platform="taobao", title__regex=r"[\u4e00-\u9fff]").count() >= 200
    lazada_sites = {re.match(r"https://www\.lazada\.([a-z.]+)/", url)[1]
                    for url in Listing.objects.filter(platform="lazada").values_list("url", flat=True)}
    assert len(lazada_sites) >= 4


def test_each_listing_shows_a_small_local_picture_of_its_category(catalogue):
    images = set()
    for urls in Listing.objects.values_list("image_urls", flat=True):
        assert len(urls) == 1 and urls[0].startswith("catalogue/")
        images.add(urls[0])
    assert len(images) >= 8
    for image in images:
        path = Path(settings.BASE_DIR) / "static" / image
        assert path.suffix == ".svg" and path.stat().st_size < 2048
        assert "http" not in path.read_text().replace("http://www.w3.org/2000/svg", "")


def test_a_search_finds_the_listings_the_demo_rights_cover_in_the_demo_shop_and_elsewhere(catalogue):
    taobao, aliexpress = Platform.objects.get(code="taobao"), Platform.objects.get(code="aliexpress")
    demobrand = marketplace().search(taobao, keywords="DEMOBRAND")
    assert demobrand.count() >= 10
    assert demobrand.filter(shop__name="Demo Shop").count() >= 3 and demobrand.exclude(shop__name="Demo Shop").exists()
    for keywords in ["panda mascot", "collapsible water bottle", "Northwind backpack", "DEMOBRAND running jacket"]:
        assert marketplace().search(aliexpress, keywords=keywords, seller="Demo Shop").exists(), keywords
        assert marketplace().search(taobao, keywords=keywords).exists(), keywords


def test_the_demo_holder_files_against_a_demo_shop_listing_and_the_demo_seller_is_the_one_to_answer(seeded):
    holder, seller = User.objects.get(email="holder@demo.test"), User.objects.get(email="seller@demo.test")
    mark = IPR.objects.get(filed_by=holder, name="DEMOBRAND", jurisdiction="CN")
    jacket = marketplace().search(Platform.objects.get(code="taobao"), keywords="DEMOBRAND running jacket",
                                  seller="Demo Shop").first()
    complaint = services.complaint_file(user=holder, platform_code="taobao", ipr_id=mark.pk, reason="counterfeit",
                                        urls_text=jacket.url, statements=True)
    assert complaint.items.get().listing.shop.owner == seller


def test_the_catalogue_is_written_in_a_few_queries_per_platform(catalogue, django_assert_max_num_queries):
    Listing.objects.filter(platform="lazada").delete()
    with django_assert_max_num_queries(1 + 7 * 6):
        rows = demo_catalogue.catalogue_seed(seller=None)
    assert {row.platform.code: row.added for row in rows if row.added} == {"lazada": 250}


def test_the_demo_complaint_gives_the_reviewer_the_seller_and_the_holder_each_an_item_to_act_on(seeded):
    from complaints import selectors
    from complaints.models import Complaint, ComplaintItem

    holder = User.objects.get(email="holder@demo.test")
    seller = User.objects.get(email="seller@demo.test")
    [complaint] = Complaint.objects.filter(complainant=holder)
    assert sorted(complaint.items.values_list("state", flat=True)) == sorted(
        ["in_review", "seller_notified", "counter_noticed", "in_decision"])
    assert selectors.notices_to_answer_count(seller) == 1
    assert selectors.items_awaiting_reviewer().count() == 2
    assert ComplaintItem.objects.filter(complaint=complaint, listing__shop__owner=seller).count() == 4
    seed()  # again: the same single complaint
    assert Complaint.objects.filter(complainant=holder).count() == 1
