"""The admins' pages (issue 6), driven through Chromium against the live portal.

An admin opens the sellers' penalty points, keeps the repeat infringers, opens one shop's ledger (each takedown,
the running total, the seller's other shops), then lengthens Taobao's seller window and finds the change, with
its old and new value, in the platform's history.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from complaints.effects import _penalty
from complaints.models import Complaint, ComplaintItem, Platform
from tests.browser.conftest import shot
from tests.browser.test_ipr import field, messages, sign_in
from tests.conftest import approve_ipr, make_ipr, make_listing, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_EMAIL = "admin@example.com"


def takedowns(*, holder, ipr, platform, shop_name, owner, titles):
    """A complaint of ``holder`` on ``titles`` listed by one shop, every listing taken down and its points booked by
    the workflow's own step."""
    from types import SimpleNamespace

    complaint = Complaint.objects.create(complainant=holder, ipr=ipr, platform_id=platform, status="closed",
                                         reason="image_misuse" if ipr.kind == "copyright" else "counterfeit")
    for title in titles:
        listing = make_listing(platform, shop_name=shop_name, owner=owner, title=title, status="removed")
        item = ComplaintItem.objects.create(complaint=complaint, listing=listing, listing_url=listing.url,
                                            state="taken_down")
        _penalty(SimpleNamespace(item=item))
    return complaint


@pytest.fixture
def penalties(transactional_db):
    reviewer = make_user("reviewer@example.com", role=User.Role.REVIEWER)
    make_user(ADMIN_EMAIL, role=User.Role.ADMIN)
    holder = make_user("ip@northwind.example", name="Northwind Outdoor Co., Ltd.",
                       category=User.RegistrantCategory.ENTITY, verified_by=reviewer)
    mark = approve_ipr(make_ipr(holder, name="NORTHWIND", number="58123456"), reviewer=reviewer)
    work = approve_ipr(make_ipr(holder, kind="copyright", name="Panda mascot", number="2022-F-00123"), reviewer=reviewer)
    summit = make_user("owner@summit-deals.example", role=User.Role.SELLER, name="Summit Deals Trading Ltd")
    harbor = make_user("sales@harbor.example", role=User.Role.SELLER, name="Harbor Goods")
    bargain = make_user("hello@bargain.example", role=User.Role.SELLER, name="Bargain Corner")
    # Summit on Taobao: six takedowns at 2 points, 12: a repeat infringer (IPP_REPEAT_INFRINGER_POINTS).
    takedowns(holder=holder, ipr=mark, platform="taobao", shop_name="Summit Deals", owner=summit, titles=[
        "NORTHWIND Alpine 3-in-1 waterproof jacket", "NORTHWIND Ridge hiking boots, leather",
        "NORTHWIND fleece gloves"])
    takedowns(holder=holder, ipr=mark, platform="taobao", shop_name="Summit Deals", owner=summit, titles=[
        "NORTHWIND trekking poles (pair)", "NORTHWIND down vest, men's", "NORTHWIND 40 L backpack"])
    # Summit on AliExpress: two listings under one copyright complaint, counted once.
    takedowns(holder=holder, ipr=work, platform="aliexpress", shop_name="Summit Deals Global", owner=summit,
              titles=["Panda mascot plush, 30 cm", "Panda mascot keychain"])
    # Harbor Goods on Tmall: seven takedowns, 14 points; Bargain Corner on Taobao: one.
    takedowns(holder=holder, ipr=mark, platform="tmall", shop_name="Harbor Goods Flagship", owner=harbor,
              titles=[f"NORTHWIND softshell jacket, style {n}" for n in range(1, 8)])
    takedowns(holder=holder, ipr=mark, platform="taobao", shop_name="Bargain Corner", owner=bargain,
              titles=["NORTHWIND wool socks, 3 pairs"])


def seller_rows(page: Page):
    return page.locator("#sellers tbody tr[data-shop]")


def test_an_admin_finds_repeat_infringers_reads_a_ledger_and_changes_a_platforms_window(
        page: Page, live_server, penalties):
    sign_in(page, live_server.url, ADMIN_EMAIL)
    page.goto(f"{live_server.url}/admin-area/sellers/")
    expect(page.get_by_role("heading", name="Sellers and penalty points")).to_be_visible()
    expect(seller_rows(page)).to_have_count(4)
    # Most points first.
    expect(seller_rows(page).first).to_contain_text("Harbor Goods Flagship")

    page.get_by_label("Repeat infringers only").check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"repeat=on"))
    expect(seller_rows(page)).to_have_count(2)
    expect(seller_rows(page).nth(0)).to_contain_text("14")
    expect(seller_rows(page).nth(1)).to_contain_text("Summit Deals Trading Ltd")
    expect(seller_rows(page).locator("[data-repeat-infringer]")).to_have_count(2)
    expect(page.get_by_label("Repeat infringers only")).to_be_checked()
    shot(page, "admin-sellers")

    page.get_by_role("link", name="Summit Deals", exact=True).click()
    expect(page.get_by_role("heading", name="Summit Deals on Taobao")).to_be_visible()
    ledger = page.locator("#ledger tbody tr[data-entry]")
    expect(ledger).to_have_count(6)
    expect(ledger.first.locator("[data-running-total]")).to_have_text("12")
    expect(ledger.last.locator("[data-running-total]")).to_have_text("2")
    expect(ledger.first).to_contain_text("NORTHWIND 40 L backpack")
    expect(ledger.first).to_contain_text("Northwind Outdoor Co., Ltd.")
    expect(page.locator("#shop-points")).to_have_text("12")
    shops = page.locator("#seller-shops tbody tr")
    expect(shops).to_have_count(2)
    expect(shops.nth(1)).to_contain_text("Summit Deals Global")
    expect(page.locator("#seller-points")).to_have_text("14")
    shot(page, "admin-seller-ledger")

    # The seller's AliExpress shop: one complaint's two listings, one entry.
    page.get_by_role("link", name="Summit Deals Global").click()
    entry = page.locator("#ledger tbody tr[data-entry]")
    expect(entry).to_have_count(1)
    expect(entry.locator("[data-counted]")).to_contain_text("counted once per complaint (2 listings taken down)")

    page.get_by_role("link", name="Platforms").click()
    expect(page.locator("#platforms tbody tr")).to_have_count(7)
    shot(page, "admin-platforms")
    page.locator("tr[data-platform='taobao']").get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Taobao: settings")).to_be_visible()
    expect(page.locator("#platform-history")).to_contain_text("No change recorded yet.")
    window = field(page, "Seller response window (days)")
    expect(window).to_have_value("3")
    window.fill("5")
    page.get_by_role("button", name="Save changes").click()
    expect(messages(page)).to_contain_text("Saved: seller response window (days).")
    expect(field(page, "Seller response window (days)")).to_have_value("5")
    latest = page.locator("#platform-history li[data-log-entry]").first
    expect(latest).to_contain_text(ADMIN_EMAIL)
    expect(latest).to_contain_text("Seller response window (days): 3 → 5")
    assert Platform.objects.get(code="taobao").seller_response_days == 5
    shot(page, "admin-platform-edit")

    # The Django data admin shows the platforms to read and sends an admin to this page to change them.
    page.goto(f"{live_server.url}/admin/complaints/platform/")
    taobao = page.locator("#result_list tbody tr", has_text="Taobao").first
    expect(taobao).to_contain_text("5")
    shot(page, "django-admin-platforms")
    taobao.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Taobao: settings")).to_be_visible()
