"""The admins' pages (issue 6): sellers' penalty points and repeat infringers, each shop's ledger, the platforms'
settings and their change history; and the Django admin's lists of complaints data.

Penalty points are made the way the portal makes them: by the workflow (a complaint filed, accepted, and its
listings taken down when the seller stays silent), or by ``complaints.effects._penalty`` on items built in the
taken-down state where only the number of rows matters (the query counts).
"""

import datetime as dt
import html
import json
import re
import threading
from types import SimpleNamespace

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from complaints import platform_settings, services
from complaints.effects import _penalty
from complaints.models import Complaint, ComplaintItem, ComplaintItemEvent, PenaltyEntry, Platform

from .conftest import approve_ipr, make_ipr, make_listing, make_user, put_platforms_back

pytestmark = pytest.mark.django_db

OK, LOGIN, FORBIDDEN = 200, "login", 403


# --- Building a history -----------------------------------------------------------------------------------

def taken_down_by_the_workflow(*, holder, reviewer, ipr, platform, listings, run_tasks, reason="counterfeit"):
    """File a complaint on ``listings``, accept every item, and let the seller's window close: each listing is
    taken down and its points booked by the worker's side effects, as in production."""
    with run_tasks():
        complaint = services.complaint_file(user=holder, platform_code=platform, ipr_id=ipr.pk, reason=reason,
                                            urls_text="\n".join(listing.url for listing in listings), statements=True)
    with run_tasks():
        for item in complaint.items.all():
            services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
    with run_tasks():
        services.seller_silence_sweep(as_of=timezone.now() + dt.timedelta(days=30))
    assert set(complaint.items.values_list("state", flat=True)) == {"taken_down"}
    return complaint


def penalised_items(count, *, shop_name, owner=None, platform="taobao", complainant):
    """``count`` items of one complaint on listings of one shop, taken down, each with its penalty booked by the
    workflow's own step (``effects._penalty``)."""
    complaint = Complaint.objects.create(complainant=complainant, ipr=None, platform_id=platform,
                                         reason="counterfeit", status="closed", source="dmca")
    items = []
    for n in range(count):
        listing = make_listing(platform, shop_name=shop_name, owner=owner, title=f"{shop_name} copy {n}")
        item = ComplaintItem.objects.create(complaint=complaint, listing=listing, listing_url=listing.url,
                                            state="taken_down")
        _penalty(SimpleNamespace(item=item))
        items.append(item)
    return items


@pytest.fixture
def shop_owner(db):
    return make_user("owner@summit.example", role=User.Role.SELLER, name="Summit Deals Ltd")


@pytest.fixture
def history(holder, reviewer, shop_owner, run_tasks):
    """Summit Deals Ltd sells on Taobao and AliExpress; another seller on Taobao.

    - Taobao (2 points per takedown): three of Summit's listings taken down under one trademark complaint, then
      the platform raises its points to 5 and one more is taken down: 2 + 2 + 2 + 5 = 11 points, 4 takedowns.
    - AliExpress counts copyright once per complaint: two listings taken down under one copyright complaint are
      one entry of 2 points.
    - Bargain Corner (another seller) on Taobao: one takedown, 2 points.
    """
    mark = approve_ipr(make_ipr(holder, name="ACME", number="30000001"), reviewer=reviewer)
    work = approve_ipr(make_ipr(holder, kind="copyright", name="Panda mascot", number="2022-F-1"), reviewer=reviewer)
    taobao = [make_listing("taobao", shop_name="Summit Deals", owner=shop_owner, title=f"ACME runner {n}")
              for n in range(4)]
    aliexpress = [make_listing("aliexpress", shop_name="Summit Deals AE", owner=shop_owner, title=f"Panda plush {n}")
                  for n in range(2)]
    other_seller = make_user("bargain@example.com", role=User.Role.SELLER, name="Bargain Corner Co")
    bargain = make_listing("taobao", shop_name="Bargain Corner", owner=other_seller, title="ACME socks")

    first = taken_down_by_the_workflow(holder=holder, reviewer=reviewer, ipr=mark, platform="taobao",
                                       listings=taobao[:3], run_tasks=run_tasks)
    Platform.objects.filter(code="taobao").update(penalty_points_per_takedown=5)
    later = taken_down_by_the_workflow(holder=holder, reviewer=reviewer, ipr=mark, platform="taobao",
                                       listings=taobao[3:], run_tasks=run_tasks)
    Platform.objects.filter(code="taobao").update(penalty_points_per_takedown=2)
    per_complaint = taken_down_by_the_workflow(holder=holder, reviewer=reviewer, ipr=work, platform="aliexpress",
                                               listings=aliexpress, run_tasks=run_tasks, reason="image_misuse")
    bargain_complaint = taken_down_by_the_workflow(holder=holder, reviewer=reviewer, ipr=mark, platform="taobao",
                                                   listings=[bargain], run_tasks=run_tasks)
    return SimpleNamespace(summit=taobao[0].shop, summit_ae=aliexpress[0].shop, bargain=bargain.shop,
                           first=first, later=later, per_complaint=per_complaint, bargain_complaint=bargain_complaint)


def text_of(response) -> str:
    """The page's text, tags and runs of whitespace collapsed: what a reader sees."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def rows(response, attribute: str) -> list[str]:
    return re.findall(rf'<tr {attribute}="([^"]+)"', response.content.decode())


def cells(response, row_attribute: str, row_id, cell_attribute: str) -> str:
    """The text of the element marked ``cell_attribute`` in the table row marked ``row_attribute``=``row_id``."""
    body = response.content.decode()
    row = re.search(rf'<tr {row_attribute}="{row_id}"[^>]*>(.*?)</tr>', body, flags=re.S).group(1)
    element = re.search(rf'<(\w+)\b[^>]*?\s{cell_attribute}(?:="[^"]*")?(?=[\s>])[^>]*>(.*?)</\1>', row, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", element.group(2)))).strip()


# --- Who may open the pages, and post ------------------------------------------------------------------------

ROLES = ["anonymous", "rights_holder", "seller", "reviewer", "admin"]
ADMINS_ONLY = {"anonymous": LOGIN, "admin": OK, "*": FORBIDDEN}


@pytest.fixture
def users(db):
    return {
        "anonymous": None,
        "rights_holder": make_user("holder-x@example.com", name="Holder X"),
        "seller": make_user("seller-x@example.com", role=User.Role.SELLER),
        "reviewer": make_user("reviewer-x@example.com", role=User.Role.REVIEWER),
        "admin": make_user("admin-x@example.com", role=User.Role.ADMIN),
    }


def outcome(response):
    if response.status_code == 302 and "/login" in response["Location"]:
        return LOGIN
    return response.status_code


def as_(client, user):
    if user is not None:
        client.force_login(user)
    return client


PAGES = {
    "admin_sellers": lambda shop: reverse("admin_sellers"),
    "admin_sellers_filtered": lambda shop: reverse("admin_sellers") + "?repeat=on&platform=taobao&q=demo&sort=latest",
    "admin_seller_ledger": lambda shop: reverse("admin_seller_ledger", args=[shop.pk]),
    "admin_platforms": lambda shop: reverse("admin_platforms"),
    "admin_platform_edit": lambda shop: reverse("admin_platform_edit", args=["taobao"]),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_every_admin_area_page_is_for_admins_only(client, users, role, page):
    [item] = penalised_items(1, shop_name="Demo Shop", complainant=None)
    response = as_(client, users[role]).get(PAGES[page](item.listing.shop))
    assert outcome(response) == ADMINS_ONLY.get(role, ADMINS_ONLY["*"])


def form_data(platform: Platform, *, seen=None, **changes) -> dict:
    """What the edit form posts: the platform's settings as its page showed them (``seen``: the token the page
    carried; by default, the settings as they are now), with ``changes``."""
    values = {**platform_settings.settings_of(platform), **changes}
    data = {name: value for name, value in values.items() if not isinstance(value, bool)}
    data.update({name: "on" for name, value in values.items() if value is True})
    data["seen"] = seen or platform_settings.seen_token(platform_settings.settings_of(platform))
    return data


@pytest.mark.parametrize("role", ["anonymous", "rights_holder", "seller", "reviewer"])
def test_a_platform_edit_posted_by_anyone_but_an_admin_changes_nothing(client, users, role):
    taobao = Platform.objects.get(code="taobao")
    before = platform_settings.settings_of(taobao)
    response = as_(client, users[role]).post(reverse("admin_platform_edit", args=["taobao"]),
                                             form_data(taobao, seller_response_days=9, is_active=False))
    assert outcome(response) == ADMINS_ONLY.get(role, FORBIDDEN)
    assert platform_settings.settings_of(Platform.objects.get(code="taobao")) == before
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["admin_sellers", "admin_seller_ledger", "admin_platforms"])
def test_the_read_only_pages_take_no_post(client, users, role, page):
    [item] = penalised_items(1, shop_name="Demo Shop", complainant=None)
    before = list(PenaltyEntry.objects.values_list("pk", "points"))
    response = as_(client, users[role]).post(PAGES[page](item.listing.shop), {"points": 0})
    assert outcome(response) == {"anonymous": LOGIN, "admin": 405}.get(role, FORBIDDEN)
    assert list(PenaltyEntry.objects.values_list("pk", "points")) == before


def test_a_missing_shop_or_platform_is_not_found(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin_seller_ledger", args=[999_999])).status_code == 404
    assert client.get(reverse("admin_platform_edit", args=["ebay"])).status_code == 404


# --- Sellers: the list and the ledger, on a built history ------------------------------------------------------

def test_the_sellers_list_has_every_penalised_shop_with_its_exact_figures(client, admin_user, history, settings):
    settings.IPP_REPEAT_INFRINGER_POINTS = 10
    client.force_login(admin_user)
    response = client.get(reverse("admin_sellers"))
    # Most points first: Summit on Taobao 11, then the two shops with 2 (the older shop first).
    assert rows(response, "data-shop") == [str(s.pk) for s in (history.summit, history.summit_ae, history.bargain)]
    figures = {shop.pk: (cells(response, "data-shop", shop.pk, "data-points"),
                         cells(response, "data-shop", shop.pk, "data-takedowns"))
               for shop in (history.summit, history.summit_ae, history.bargain)}
    # Two AliExpress listings taken down under one copyright complaint: two takedowns, one entry of 2 points.
    assert figures == {history.summit.pk: ("11", "4"), history.summit_ae.pk: ("2", "2"), history.bargain.pk: ("2", "1")}
    page = text_of(response)
    assert "Summit Deals Ltd owner@summit.example Summit Deals" in page
    badges = re.findall(r'<tr data-shop="(\d+)"(?:(?!</tr>).)*data-repeat-infringer', response.content.decode(), re.S)
    assert badges == [str(history.summit.pk)]  # Summit on Taobao alone: 11 ≥ 10
    assert "3 shops" in page


def test_the_repeat_infringer_filter_keeps_the_shops_at_the_threshold(client, admin_user, history, settings):
    client.force_login(admin_user)
    settings.IPP_REPEAT_INFRINGER_POINTS = 11  # exactly Summit's points: at the threshold counts
    assert rows(client.get(reverse("admin_sellers") + "?repeat=on"), "data-shop") == [str(history.summit.pk)]
    settings.IPP_REPEAT_INFRINGER_POINTS = 12
    response = client.get(reverse("admin_sellers") + "?repeat=on")
    assert rows(response, "data-shop") == []
    assert "No shop matches these filters." in text_of(response)
    settings.IPP_REPEAT_INFRINGER_POINTS = 2
    assert len(rows(client.get(reverse("admin_sellers") + "?repeat=on"), "data-shop")) == 3


def test_the_sellers_list_filters_by_platform_searches_and_sorts(client, admin_user, history):
    client.force_login(admin_user)
    url = reverse("admin_sellers")
    assert rows(client.get(url + "?platform=aliexpress"), "data-shop") == [str(history.summit_ae.pk)]
    # By the seller account's email or name, and by the shop's name.
    assert rows(client.get(url + "?q=owner@summit"), "data-shop") == [str(history.summit.pk), str(history.summit_ae.pk)]
    assert rows(client.get(url + "?q=bargain corner co"), "data-shop") == [str(history.bargain.pk)]
    assert rows(client.get(url + "?q=Deals AE"), "data-shop") == [str(history.summit_ae.pk)]
    assert rows(client.get(url + "?sort=points_asc"), "data-shop") == [
        str(history.summit_ae.pk), str(history.bargain.pk), str(history.summit.pk)]
    assert rows(client.get(url + "?sort=latest"), "data-shop") == [
        str(history.bargain.pk), str(history.summit_ae.pk), str(history.summit.pk)]
    # The points column's heading turns the order around, keeping the filters.
    assert 'href="?platform=taobao&amp;sort=points_asc"' in client.get(url + "?platform=taobao").content.decode()
    # An unknown filter value is ignored, not an error, and the other filters still apply.
    assert client.get(url + "?platform=ebay&sort=nonsense").status_code == 200
    assert rows(client.get(url + "?platform=aliexpress&sort=nonsense"), "data-shop") == [str(history.summit_ae.pk)]


def test_the_sellers_list_pages_and_keeps_its_filters(client, admin_user, monkeypatch):
    from complaints import views_admin

    monkeypatch.setattr(views_admin, "SELLERS_PAGE_SIZE", 2)
    for n in range(3):
        penalised_items(1, shop_name=f"Shop {n}", complainant=None)
    client.force_login(admin_user)
    first = client.get(reverse("admin_sellers") + "?platform=taobao")
    assert len(rows(first, "data-shop")) == 2 and "Page 1 of 2" in text_of(first)
    assert 'href="?platform=taobao&page=2"' in first.content.decode()
    assert len(rows(client.get(reverse("admin_sellers") + "?platform=taobao&page=2"), "data-shop")) == 1


def test_a_shops_ledger_lists_each_entry_with_its_running_total(client, admin_user, history, holder):
    client.force_login(admin_user)
    response = client.get(reverse("admin_seller_ledger", args=[history.summit.pk]))
    entries = list(PenaltyEntry.objects.filter(shop=history.summit).order_by("-created_at", "-pk"))
    assert rows(response, "data-entry") == [str(entry.pk) for entry in entries]
    assert [cells(response, "data-entry", e.pk, "data-points") for e in entries] == ["+5", "+2", "+2", "+2"]
    assert [cells(response, "data-entry", e.pk, "data-running-total") for e in entries] == ["11", "6", "4", "2"]
    assert [cells(response, "data-entry", e.pk, "data-counted") for e in entries] == ["one listing"] * 4
    page = text_of(response)
    assert "Summit Deals on Taobao" in page
    # Each entry names its listing (linked to the item's page), its complaint's reference and the complainant.
    newest = entries[0]
    assert f'href="{reverse("review_item", args=[newest.item_id])}"' in response.content.decode()
    assert f"ACME runner 3 {newest.item.listing.listing_id} {history.later.reference} Trademark Acme Ltd" in page
    assert history.first.reference in page
    # The seller's shops, each platform's points, and the whole.
    assert rows(response, "data-shop") == [str(history.summit.pk), str(history.summit_ae.pk)]
    assert "Taobao Summit Deals 11 AliExpress Summit Deals AE 2 All platforms 13" in page


def test_a_per_complaint_copyright_entry_says_what_it_counted(client, admin_user, history):
    client.force_login(admin_user)
    response = client.get(reverse("admin_seller_ledger", args=[history.summit_ae.pk]))
    [entry] = PenaltyEntry.objects.filter(shop=history.summit_ae)
    assert entry.counted_as == f"complaint:{history.per_complaint.pk}"
    assert cells(response, "data-entry", entry.pk, "data-running-total") == "2"
    page = text_of(response)
    assert "one complaint copyright, counted once per complaint (2 listings taken down)" in page
    assert f"{history.per_complaint.reference} Copyright" in page
    assert "Listings taken down 2 in 1 ledger entry" in page


def test_the_repeat_infringer_notification_opens_the_shops_ledger(client, settings):
    from ipp.models import Notification

    settings.IPP_REPEAT_INFRINGER_POINTS = 4
    admin = make_user("admin@example.com", role=User.Role.ADMIN)
    [item, _second] = penalised_items(2, shop_name="Demo Shop", complainant=None)
    [flag] = Notification.objects.filter(user=admin, kind="repeat_infringer")
    assert flag.url == reverse("admin_seller_ledger", args=[item.listing.shop.pk])
    assert "Demo Shop on Taobao" in text_of(as_(client, admin).get(flag.url))


def test_a_ledger_of_a_shop_without_an_account_and_without_points(client, admin_user):
    [item] = penalised_items(1, shop_name="Nameless", complainant=None)
    client.force_login(admin_user)
    page = text_of(client.get(reverse("admin_seller_ledger", args=[item.listing.shop.pk])))
    assert "no portal account" in page and "its other shops are not known" in page
    other = make_listing("lazada", shop_name="Clean Shop").shop
    page = text_of(client.get(reverse("admin_seller_ledger", args=[other.pk])))
    assert "No penalty points on this shop." in page


# --- Platforms' settings -------------------------------------------------------------------------------------

def seen_on_the_page(client, code="taobao") -> str:
    body = client.get(reverse("admin_platform_edit", args=[code])).content.decode()
    return html.unescape(re.search(r'name="seen" value="([^"]+)"', body).group(1))


def test_a_valid_change_is_saved_and_logged_old_to_new(client, admin_user):
    client.force_login(admin_user)
    taobao = Platform.objects.get(code="taobao")
    seen = seen_on_the_page(client)
    old_hosts = platform_settings.settings_of(taobao)["hosts"]
    hosts = old_hosts + "\ntb.cn"
    response = client.post(reverse("admin_platform_edit", args=["taobao"]),
                           form_data(taobao, seen=seen, seller_response_days=5, requires_china_rights=False,
                                     hosts=hosts.replace("\n", "\r\n") + "\r\n\r\n"))
    assert response.status_code == 302
    taobao.refresh_from_db()
    assert (taobao.seller_response_days, taobao.requires_china_rights) == (5, False)
    assert taobao.host_list[-1] == "tb.cn"
    [entry] = LogEntry.objects.all()
    assert (entry.user, entry.object_id, entry.action_flag) == (admin_user, "taobao", 2)
    values = json.loads(entry.change_message)[0]["changed"]["values"]
    assert values == {"requires_china_rights": [True, False], "seller_response_days": [3, 5],
                      "hosts": [old_hosts, old_hosts + "\ntb.cn"]}
    # The Django admin reads the same entry in its own words.
    assert entry.get_change_message() == ("Changed Rights must be valid in China, Seller response window (days) "
                                          "and Web addresses.")
    page = text_of(client.get(reverse("admin_platform_edit", args=["taobao"])))
    assert "Saved: rights must be valid in China, seller response window (days), web addresses." in page
    history = page.split("Change history", 1)[1]
    assert "admin@example.com" in history
    assert "Rights must be valid in China: yes → no" in history
    assert "Seller response window (days): 3 → 5" in history
    assert "Web addresses: + tb.cn" in history
    # The list shows the new window and who changed it last.
    listing = client.get(reverse("admin_platforms"))
    assert cells(listing, "data-platform", "taobao", "data-seller-window") == "5 days"
    assert "admin@example.com" in text_of(listing)


def test_an_unchanged_form_records_nothing(client, admin_user):
    client.force_login(admin_user)
    taobao = Platform.objects.get(code="taobao")
    response = client.post(reverse("admin_platform_edit", args=["taobao"]), form_data(taobao))
    assert response.status_code == 302
    assert not LogEntry.objects.exists()
    assert "Nothing to save" in text_of(client.get(response["Location"]))


@pytest.mark.parametrize(("field", "value", "error"), [
    ("url_patterns", r"item\.taobao\.com/item\.htm\?(?:.*&)?id=(?P<id>\d+", "Line 1 is not a valid regular expression"),
    ("url_patterns", "item\\.taobao\\.com/item\\.htm\\?id=(?P<id>\\d+)\nitem\\.taobao\\.com/(\\d+)",
     "Line 2 has no (?P<id>…) group"),
    ("url_patterns", "  \n ", "Give at least one product page shape"),
    ("hosts", "", "Give at least one web address"),
    ("hosts", "taobao.com\nhttps://world.taobao.com/", "Line 2 is not a domain name"),
    ("seller_response_days", "0", "greater than or equal to 1"),
    ("max_listings_per_complaint", "-3", "greater than or equal to"),
])
def test_a_broken_setting_is_refused_on_its_field_and_nothing_is_saved(client, admin_user, field, value, error):
    client.force_login(admin_user)
    taobao = Platform.objects.get(code="taobao")
    before = platform_settings.settings_of(taobao)
    # A valid change alongside the broken one is not saved either.
    data = {**form_data(taobao, complainant_answer_working_days=7), field: value}
    response = client.post(reverse("admin_platform_edit", args=["taobao"]), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert error in " ".join(form.errors[field])
    # Tied to its field for screen readers, with what was typed kept.
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert platform_settings.settings_of(Platform.objects.get(code="taobao")) == before
    assert not LogEntry.objects.exists()


def test_a_forged_or_missing_token_is_refused(client, admin_user):
    client.force_login(admin_user)
    taobao = Platform.objects.get(code="taobao")
    for seen in ("forged", ""):
        data = {**form_data(taobao, seller_response_days=4), "seen": seen}
        response = client.post(reverse("admin_platform_edit", args=["taobao"]), data)
        assert response.status_code == 400
        assert "This form is out of date: open the platform's page again." in text_of(response)
    assert Platform.objects.get(code="taobao").seller_response_days == 3


def test_a_stale_edit_is_refused_and_shows_what_changed_meanwhile(client, admin_user):
    other_admin = make_user("second-admin@example.com", role=User.Role.ADMIN)
    client.force_login(admin_user)
    taobao = Platform.objects.get(code="taobao")
    seen = seen_on_the_page(client)  # the first admin opens the page...
    platform_settings.platform_settings_update(  # ...the second saves a new window meanwhile...
        admin=other_admin, code="taobao", seen=platform_settings.settings_of(taobao),
        values={**platform_settings.settings_of(taobao), "seller_response_days": 5})
    # ...and the first saves its own change on the settings it saw.
    response = client.post(reverse("admin_platform_edit", args=["taobao"]),
                           form_data(taobao, seen=seen, complainant_answer_working_days=4))
    assert response.status_code == 409
    page = text_of(response)
    assert "Nothing was saved: these settings were changed meanwhile" in page
    assert "second-admin@example.com" in page and "Seller response window (days): 3 → 5" in page
    current = Platform.objects.get(code="taobao")
    assert (current.seller_response_days, current.complainant_answer_working_days) == (5, 3)
    assert LogEntry.objects.count() == 1
    # The form shows the current settings with the first admin's own change on top, ready to save knowingly.
    form = response.context["form"]
    assert (form["seller_response_days"].value(), form["complainant_answer_working_days"].value()) == (5, 4)
    again = client.post(reverse("admin_platform_edit", args=["taobao"]), form.data)
    assert again.status_code == 302
    current.refresh_from_db()
    assert (current.seller_response_days, current.complainant_answer_working_days) == (5, 4)
    assert LogEntry.objects.count() == 2


def test_a_stale_edit_of_the_same_field_marks_it(client, admin_user):
    client.force_login(admin_user)
    taobao = Platform.objects.get(code="taobao")
    seen = seen_on_the_page(client)
    Platform.objects.filter(code="taobao").update(seller_response_days=5)  # even a change the log does not know
    response = client.post(reverse("admin_platform_edit", args=["taobao"]),
                           form_data(taobao, seen=seen, seller_response_days=7))
    assert response.status_code == 409
    form = response.context["form"]
    assert form.errors["seller_response_days"] == ["Changed meanwhile to “5”; your value is kept here."]
    assert form["seller_response_days"].value() == 7
    assert Platform.objects.get(code="taobao").seller_response_days == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_saving_at_once_one_wins_and_the_other_is_told():
    put_platforms_back()
    first, second = (make_user(f"racer{n}@example.com", role=User.Role.ADMIN) for n in (1, 2))
    seen = platform_settings.settings_of(Platform.objects.get(code="tmall"))
    start = threading.Barrier(2)
    outcomes = {}

    def save(admin, days):
        from django.db import connection as thread_connection

        try:
            start.wait()
            platform_settings.platform_settings_update(admin=admin, code="tmall", seen=seen,
                                                       values={**seen, "seller_response_days": days})
            outcomes[days] = "saved"
        except platform_settings.ChangedMeanwhile:
            outcomes[days] = "changed meanwhile"
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=save, args=(admin, days)) for admin, days in ((first, 5), (second, 6))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["changed meanwhile", "saved"]
    winner = next(days for days, result in outcomes.items() if result == "saved")
    assert Platform.objects.get(code="tmall").seller_response_days == winner
    assert LogEntry.objects.count() == 1


def test_the_django_admin_shows_platforms_read_only_and_sends_admins_to_the_checked_edit(client, admin_user):
    client.force_login(admin_user)
    admin_page = reverse("admin:complaints_platform_change", args=["lazada"])
    lazada = Platform.objects.get(code="lazada")
    response = client.post(admin_page, {
        "name": lazada.name, "position": lazada.position, "is_active": "on", "hosts": lazada.hosts,
        "url_patterns": lazada.url_patterns, "seller_response_days": 9, "max_listings_per_complaint": 200,
        "complainant_answer_working_days": 3, "penalty_points_per_takedown": 2})
    assert response.status_code == 403
    assert Platform.objects.get(code="lazada").seller_response_days == lazada.seller_response_days
    assert client.get(admin_page).status_code == 200  # still there to read
    changelist = client.get(reverse("admin:complaints_platform_changelist")).content.decode()
    assert reverse("admin_platform_edit", args=["lazada"]) in changelist
    assert 'name="form-0-seller_response_days"' not in changelist  # no edits in the list either


# --- Query counts --------------------------------------------------------------------------------------------

def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_sellers_list_and_a_ledger_do_not_grow_with_their_rows(client, admin_user, shop_owner, holder, settings):
    settings.IPP_REPEAT_INFRINGER_POINTS = 2  # every shop is one: the filtered list has rows too
    client.force_login(admin_user)
    [first] = penalised_items(1, shop_name="Shop 0", owner=shop_owner, complainant=holder)
    shop = first.listing.shop
    pages = [reverse("admin_sellers"), reverse("admin_sellers") + "?repeat=on&q=shop&platform=taobao",
             reverse("admin_seller_ledger", args=[shop.pk])]
    queries_for(client, pages[0])  # warm the content types' cache
    one_row = [queries_for(client, url) for url in pages]
    penalised_items(9, shop_name="Shop 0", owner=shop_owner, complainant=holder)  # nine more entries in the ledger
    for n in range(1, 10):  # nine more shops of the seller, on other platforms too
        penalised_items(1, shop_name=f"Shop {n}", owner=shop_owner, platform=["taobao", "tmall", "lazada"][n % 3],
                        complainant=holder)
    assert [queries_for(client, url) for url in pages] == one_row
    assert one_row[2] <= one_row[0] + 2  # the ledger: the shop, its entries and the seller's shops


def test_the_platforms_pages_do_not_grow_with_their_history(client, admin_user):
    client.force_login(admin_user)
    pages = [reverse("admin_platforms"), reverse("admin_platform_edit", args=["taobao"])]

    def change(days):
        taobao = Platform.objects.get(code="taobao")
        platform_settings.platform_settings_update(
            admin=admin_user, code="taobao", seen=platform_settings.settings_of(taobao),
            values={**platform_settings.settings_of(taobao), "seller_response_days": days})

    change(4)
    queries_for(client, pages[0])
    one_change = [queries_for(client, url) for url in pages]
    for days in range(5, 15):
        change(days)
    assert [queries_for(client, url) for url in pages] == one_change


# --- The Django admin's lists of complaints data -------------------------------------------------------------

DJANGO_ADMIN_LISTS = ["complaint", "complaintitem", "complaintitemevent", "counternotice", "dmcanotice", "listing",
                      "shop", "penaltyentry", "platform"]


def some_workflow(holder, reviewer, shop_owner, run_tasks, *, n):
    right = approve_ipr(make_ipr(holder, number=f"3000{n:04d}"), reviewer=reviewer)
    listings = [make_listing(shop_name="Demo Shop", owner=shop_owner) for _ in range(2)]
    complaint = taken_down_by_the_workflow(holder=holder, reviewer=reviewer, ipr=right, platform="taobao",
                                           listings=listings, run_tasks=run_tasks)
    with run_tasks():
        other = services.complaint_file(user=holder, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
                                        urls_text=make_listing(shop_name="Demo Shop", owner=shop_owner).url,
                                        statements=True)
    with run_tasks():
        [item] = other.items.all()
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
        services.counter_notice_file(seller=shop_owner, item_id=item.pk, ground="genuine", statement="Invoices.",
                                     perjury_statement=True)
    return complaint


@pytest.mark.parametrize("model", DJANGO_ADMIN_LISTS)
def test_the_django_admin_lists_open_search_and_do_not_grow_with_their_rows(
        client, admin_user, holder, reviewer, shop_owner, run_tasks, model):
    client.force_login(admin_user)
    url = reverse(f"admin:complaints_{model}_changelist")
    some_workflow(holder, reviewer, shop_owner, run_tasks, n=1)
    queries_for(client, url)
    one = queries_for(client, url)
    for n in range(2, 5):
        some_workflow(holder, reviewer, shop_owner, run_tasks, n=n)
    assert queries_for(client, url) == one
    assert client.get(url + "?q=Demo").status_code == 200


def test_the_django_admins_complaint_list_counts_each_complaints_listings(client, admin_user, holder, reviewer,
                                                                          shop_owner, run_tasks):
    client.force_login(admin_user)
    some_workflow(holder, reviewer, shop_owner, run_tasks, n=1)  # one complaint of two listings, one of one
    changelist = reverse("admin:complaints_complaint_changelist")

    def listings(query: str = "") -> list[str]:
        return re.findall(r'<td class="field-listings">(\d+)</td>', client.get(changelist + query).content.decode())

    assert sorted(listings()) == ["1", "2"]
    assert listings("?o=7") == ["1", "2"] and listings("?o=-7") == ["2", "1"]  # sortable by the count (column 7)


def test_the_django_admin_keeps_the_workflows_records_read_only(client, admin_user, holder, reviewer, shop_owner,
                                                                run_tasks):
    client.force_login(admin_user)
    some_workflow(holder, reviewer, shop_owner, run_tasks, n=1)
    event = ComplaintItemEvent.objects.first()
    change = reverse("admin:complaints_complaintitemevent_change", args=[event.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # a view, not a form
    assert client.post(change, {"note": "rewritten"}).status_code == 403
    assert client.get(reverse("admin:complaints_complaintitemevent_add")).status_code == 403
    assert client.get(reverse("admin:complaints_complaintitemevent_delete", args=[event.pk])).status_code == 403
    entry = PenaltyEntry.objects.first()
    assert client.post(reverse("admin:complaints_penaltyentry_change", args=[entry.pk]), {"points": 0}).status_code == 403
    assert ComplaintItemEvent.objects.get(pk=event.pk).note == event.note
    assert PenaltyEntry.objects.get(pk=entry.pk).points == entry.points
    item = ComplaintItem.objects.filter(state="taken_down").first()
    assert client.post(reverse("admin:complaints_complaintitem_change", args=[item.pk]),
                       {"state": "in_review"}).status_code == 403
    assert ComplaintItem.objects.get(pk=item.pk).state == "taken_down"
