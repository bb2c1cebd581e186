"""The reviewers' moderation queue (issue 6), driven through Chromium against the live portal.

Two rights holders have filed: Northwind against three Taobao listings of one shop, Lumen Optics (four days ago,
now overdue) against three Lazada listings. Sam, a reviewer, claims the Lazada items. Rita, another, sees them
taken, narrows the queue to Taobao, claims what it shows with the `c` key and decides every item with the keyboard
alone: `a` accepts, `n` skips to her next claimed item, `r` asks for the reason first, then rejects; after the
last one she is back in the queue. Sam meanwhile finds Rita's items claimed and cannot decide them, and rejects
his three in one decision ("All of them").
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from complaints import services
from complaints.models import Complaint, ComplaintItem, ComplaintItemEvent
from ipp.workdays import today_in_china
from tests.browser.conftest import press, run_enqueued_tasks, shot
from tests.browser.test_ipr import field, messages, nav, sign_in
from tests.conftest import approve_ipr, make_ipr, make_listing, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RITA = "reviewer@example.com"
SAM = "second-reviewer@example.com"
NORTHWIND = "Northwind Outdoor Co., Ltd."
LUMEN = "Lumen Optics Co., Ltd."
TAOBAO_TITLES = ("NORTHWIND Alpine 3-in-1 waterproof jacket", "NORTHWIND Ridge hiking boots, leather",
                 "NORTHWIND fleece gloves")
LAZADA_TITLES = ("LUMEN 8x42 binoculars, waterproof", "LUMEN rangefinder 600 m", "LUMEN lens cleaning kit")
REJECT_NOTE = "Jewellery, not clothing: class 25 does not cover it."
State = ComplaintItem.State
QUEUE = re.compile(r"/review/items/\?state=in_review$")


# --- Pages ----------------------------------------------------------------------------------

def rows(page: Page):
    return page.locator("#queue tbody tr[data-item]")


def row(page: Page, item: ComplaintItem):
    return page.locator(f"#queue tbody tr[data-item='{item.pk}']")


def item_url(item: ComplaintItem) -> re.Pattern:
    return re.compile(rf"/review/items/{item.pk}/$")


def open_complaint_items(page: Page, count: int) -> None:
    """The menu's "Review queue", then the "Complaint items" tab, whose badge counts what waits in review."""
    nav(page).get_by_role("link", name="Review queue").click()
    page.locator("#tab-complaint-items").click()
    expect(page).to_have_url(QUEUE)
    expect(page.locator("#tab-complaint-items .badge")).to_have_text(str(count))


def filter_platform(page: Page, label: str) -> None:
    field(page, "Marketplace").select_option(label=label)
    page.locator("#apply-filters").click()
    expect(page).to_have_url(re.compile(r"[?&]platform=\w+"))


def expect_on_item(page: Page, item: ComplaintItem) -> None:
    expect(page).to_have_url(item_url(item))
    expect(page.get_by_role("heading", level=1)).to_have_text(item.listing.title)


# --- Data -----------------------------------------------------------------------------------

def filed(holder: User, right, platform: str, listings) -> list[ComplaintItem]:
    complaint = services.complaint_file(user=holder, platform_code=platform, ipr_id=right.pk, reason="counterfeit",
                                        urls_text="\n".join(listing.url for listing in listings),
                                        description="Test purchases: the labels are misspelt.", statements=True,
                                        source=Complaint.Source.PORTAL)
    return list(complaint.items.order_by("pk"))


@pytest.fixture
def queue(transactional_db):
    """Two reviewers; three Taobao items of Northwind's in review, three Lazada ones of Lumen's four days in review
    and overdue."""
    rita = make_user(RITA, role=User.Role.REVIEWER, name="Rita Reviewer")
    sam = make_user(SAM, role=User.Role.REVIEWER, name="Sam Reviewer")
    northwind = make_user("ip@northwind.example", name=NORTHWIND, category=User.RegistrantCategory.ENTITY,
                          verified_by=rita)
    lumen = make_user("legal@lumen.example", name=LUMEN, category=User.RegistrantCategory.ENTITY, verified_by=rita)
    mark = approve_ipr(make_ipr(northwind, name="NORTHWIND", number="58123456", owner_name=NORTHWIND), reviewer=rita)
    lens = approve_ipr(make_ipr(lumen, name="LUMEN", number="30111222", owner_name=LUMEN), reviewer=rita)
    summit = make_user("owner@summit-deals.example", role=User.Role.SELLER, name="Summit Deals")
    harbor = make_user("sales@harbor.example", role=User.Role.SELLER, name="Harbor Goods")
    taobao = filed(northwind, mark, "taobao", [make_listing(title=title, shop_name="Summit Deals", owner=summit,
                                                            category="Outdoor") for title in TAOBAO_TITLES])
    lazada = filed(lumen, lens, "lazada", [make_listing("lazada", title=title, shop_name="Harbor Goods SG",
                                                        owner=harbor, category="Optics") for title in LAZADA_TITLES])
    run_enqueued_tasks()  # into review
    assert set(ComplaintItem.objects.values_list("state", flat=True)) == {State.IN_REVIEW}
    # Lumen's items have waited four days, past their due date.
    ComplaintItem.objects.filter(pk__in=[item.pk for item in lazada]).update(
        state_since=timezone.now() - dt.timedelta(days=4), review_due_on=today_in_china() - dt.timedelta(days=1))
    return rita, sam, taobao, lazada


def event(item: ComplaintItem) -> tuple[str, str, str, str]:
    last = ComplaintItemEvent.objects.filter(item=item).select_related("actor").latest("at", "pk")
    return last.to_state, last.actor.email, last.reason, last.note


# --- The story ------------------------------------------------------------------------------

def test_a_reviewer_claims_a_filtered_batch_and_decides_it_with_the_keyboard_while_another_cannot_touch_it(
        live_server, new_context, queue):
    base = live_server.url
    _rita, _sam, (jacket, boots, gloves), lazada = queue

    # Sam takes Lumen's Lazada items: the queue narrowed to Lazada, the batch size chosen, the button pressed.
    sam = new_context().new_page()
    sign_in(sam, base, SAM)
    open_complaint_items(sam, 6)
    filter_platform(sam, "Lazada")
    expect(rows(sam)).to_have_count(3)
    sam.locator("#claim-count").select_option("5")
    sam.locator("#claim-next").click()
    expect_on_item(sam, lazada[0])  # the longest waiting of what was shown
    expect(messages(sam)).to_contain_text("3 items claimed for 30 minutes.")
    assert set(ComplaintItem.objects.filter(claimed_by__email=SAM).values_list("pk", flat=True)) == {
        item.pk for item in lazada}

    # Rita sees them taken; she narrows the queue to Taobao and claims what it shows with `c`.
    rita = new_context().new_page()
    sign_in(rita, base, RITA)
    open_complaint_items(rita, 6)
    expect(rows(rita)).to_have_count(6)
    expect(rows(rita).first).to_have_attribute("data-item", str(lazada[0].pk))  # the longest waiting first
    for item in lazada:
        expect(row(rita, item)).to_have_attribute("data-claimed", "other")
        expect(row(rita, item)).to_contain_text(SAM)
        expect(row(rita, item).locator("[data-due]")).to_have_attribute("data-due", "overdue")
        expect(row(rita, item).get_by_role("link")).to_have_text("View")
    filter_platform(rita, "Taobao")
    expect(rows(rita)).to_have_count(3)
    expect(rita.locator("#queue-total")).to_have_text("3 items")
    for item in (jacket, boots, gloves):
        expect(row(rita, item)).to_contain_text(item.listing.title)
        expect(row(rita, item)).to_contain_text("Taobao · Summit Deals · Counterfeit")
        expect(row(rita, item)).not_to_have_attribute("data-claimed", re.compile(".*"))
        expect(row(rita, item).locator("td").nth(5)).to_have_text("free")
    press(rita, "c")
    expect_on_item(rita, jacket)
    expect(messages(rita)).to_contain_text("3 items claimed for 30 minutes.")
    expect(rita.locator("#claim-status")).to_have_attribute("data-claim", "mine")
    expect(rita.locator("#claim-status .badge")).to_have_text("yours")
    expect(rita.locator("#next-item")).to_have_attribute("href", f"/review/items/{boots.pk}/")
    assert set(ComplaintItem.objects.filter(claimed_by__email=RITA).values_list("pk", flat=True)) == {
        jacket.pk, boots.pk, gloves.pk}
    shot(rita, "review-item-claimed")

    # `q` is the queue: her three are hers, Sam's three his.
    press(rita, "q")
    expect(rita).to_have_url(QUEUE)
    expect(rita.locator("#my-claims")).to_have_text("3 items claimed by you")
    for item in (jacket, boots, gloves):
        expect(row(rita, item)).to_have_attribute("data-claimed", "mine")
        expect(row(rita, item).locator(".badge")).to_have_text("yours")
    for item in lazada:
        expect(row(rita, item)).to_have_attribute("data-claimed", "other")
    shot(rita, "review-queue-items")

    # Sam sees Rita's three claimed, and on one of them, whose it is and nothing to press.
    open_complaint_items(sam, 6)
    for item in (jacket, boots, gloves):
        expect(row(sam, item)).to_have_attribute("data-claimed", "other")
        expect(row(sam, item)).to_contain_text(RITA)
    for item in lazada:
        expect(row(sam, item)).to_have_attribute("data-claimed", "mine")
    row(sam, jacket).get_by_role("link", name="View").click()
    expect_on_item(sam, jacket)
    claim = sam.locator("#claim-status")
    expect(claim).to_have_attribute("data-claim", "other")
    expect(claim).to_have_text(re.compile(rf"^{re.escape(RITA)} has claimed this item until \d\d:\d\d: it is theirs to "
                                          r"decide\.$"))
    expect(sam.locator("#decision-form")).to_have_count(0)
    expect(sam.locator("[data-decision]")).to_have_count(0)
    expect(sam.locator("#claim-item")).to_have_count(0)
    expect(sam.locator("#no-decision")).to_have_count(0)  # a decision is waiting: Rita's
    shot(sam, "review-item-other-claim")

    # Rita decides with the keyboard alone. `a`: the jacket is accepted, on to the boots.
    row(rita, jacket).get_by_role("link", name="Review").click()
    expect_on_item(rita, jacket)
    press(rita, "a")
    expect_on_item(rita, boots)
    expect(messages(rita)).to_contain_text("Accepted. The seller is notified and may file a counter-notice.")
    assert event(jacket) == (State.SELLER_NOTIFIED, RITA, "accepted", "")

    # `n`: the boots wait; on to the gloves, her other claim.
    expect(rita.locator("#next-item")).to_have_attribute("href", f"/review/items/{gloves.pk}/")
    press(rita, "n")
    expect_on_item(rita, gloves)

    # `r` with no reason chosen: the reason's list takes the focus, nothing is decided.
    reason = field(rita, "Reason of a rejection")
    press(rita, "r")
    expect(reason).to_be_focused()
    expect(rita).to_have_url(item_url(gloves))
    assert ComplaintItem.objects.get(pk=gloves.pk).state == State.IN_REVIEW
    press(rita, "ArrowDown")
    press(rita, "ArrowDown")
    expect(reason).to_have_value("ipr_mismatch")
    press(rita, "Tab")  # on to the note
    expect(field(rita, "Note")).to_be_focused()
    rita.keyboard.type(REJECT_NOTE)
    press(rita, "Escape")  # out of the field: the keys work again
    expect(field(rita, "Note")).not_to_be_focused()
    press(rita, "r")
    expect_on_item(rita, boots)  # the one she skipped, still hers
    expect(messages(rita)).to_contain_text("Rejected. The complainant is told.")
    assert event(gloves) == (State.REJECTED, RITA, "ipr_mismatch", REJECT_NOTE)

    # `a` on the last: back in the queue, where only Sam's items are left.
    expect(rita.locator("#next-item")).to_have_count(0)  # nothing else is hers, or free
    press(rita, "a")
    expect(rita).to_have_url(QUEUE)
    expect(messages(rita)).to_contain_text("Accepted. The seller is notified")
    expect(messages(rita)).to_contain_text("That was the last item waiting for you.")
    expect(rows(rita)).to_have_count(3)
    for item in lazada:
        expect(row(rita, item)).to_have_attribute("data-claimed", "other")
    expect(rita.locator("#my-claims")).to_have_count(0)
    expect(rita.locator("#tab-complaint-items .badge")).to_have_text("3")
    states = dict(ComplaintItem.objects.values_list("pk", "state"))
    assert [states[item.pk] for item in (jacket, boots, gloves)] == [
        State.SELLER_NOTIFIED, State.SELLER_NOTIFIED, State.REJECTED]
    assert event(boots) == (State.SELLER_NOTIFIED, RITA, "accepted", "")
    assert not ComplaintItem.objects.filter(claimed_by__email=RITA).exists()  # deciding ends each claim

    # Sam rejects his three in one decision: "All of them", the reason, the button.
    sam.goto(f"{base}/review/items/?state=in_review")
    sam.locator("#my-claims").click()
    expect(rows(sam)).to_have_count(3)
    row(sam, lazada[0]).get_by_role("link", name="Review").click()
    expect_on_item(sam, lazada[0])
    siblings = sam.locator("#siblings input[name=also]")
    expect(siblings).to_have_count(2)
    sam.get_by_label("All of them").check()
    for box in siblings.all():
        expect(box).to_be_checked()
    field(sam, "Reason of a rejection").select_option(label="The evidence does not prove the listing is counterfeit.")
    sam.locator("#decision-form [data-decision=reject]").click()
    expect(sam).to_have_url(QUEUE)
    expect(messages(sam)).to_contain_text("Rejected. The complainant is told. (3 items.)")
    expect(messages(sam)).to_contain_text("That was the last item waiting for you.")
    expect(sam.locator("#queue-empty")).to_have_text("Nothing waiting. Well done.")
    expect(sam.locator("#tab-complaint-items .badge")).to_have_text("0")
    for item in lazada:
        assert event(item) == (State.REJECTED, SAM, "insufficient_proof", "")
    assert set(ComplaintItem.objects.filter(complaint=lazada[0].complaint).values_list("state", flat=True)) == {
        State.REJECTED}
    run_enqueued_tasks()  # the decisions' effects run without a fault
