"""The Good Faith Program (issue 6), driven through Chromium against the live portal.

Northwind's notices have held up: over the last three months 12 of its complaint items were decided and 11 of
them taken down. An admin finds it among the eligible complainants, reads its record and grants it membership
with a reason, which its history keeps. Northwind's next complaint skips review: its items go straight to the
seller's notice with the listings hidden, nothing waits in the reviewers' queue, and a reviewer spot-checks the
sampled items (every one, here) with the `y` key.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from complaints import good_faith, services
from complaints.models import (
    Complaint,
    ComplaintItem,
    ComplaintItemEvent,
    GoodFaithChange,
    GoodFaithMembership,
    Listing,
    SpotCheck,
)
from ipp.models import Notification
from tests.browser.conftest import press, run_enqueued_tasks, shot
from tests.browser.test_ipr import field, messages, nav, sign_in
from tests.conftest import approve_ipr, make_ipr, make_listing, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN = "admin@example.com"
REVIEWER = "reviewer@example.com"
NORTHWIND = "Northwind Outdoor Co., Ltd."
NORTHWIND_EMAIL = "ip@northwind.example"
AURORA = "Aurora Cosmetics Ltd."
LUMEN = "Lumen Optics Co., Ltd."
GRANT_REASON = "12 items decided in 90 days, 91.7% taken down, no counter-notice upheld; test purchases on file."
NEW_TITLES = ("NORTHWIND Summit down jacket", "NORTHWIND Trail running shoes")
State = ComplaintItem.State
SPOT_CHECKS = re.compile(r"/review/items/\?state=spot_check$")


# --- Pages ----------------------------------------------------------------------------------

def complainant_row(page: Page, table: str, user: User):
    return page.locator(f"#{table} tbody tr[data-complainant='{user.pk}']")


def record_cells(row) -> list:
    return [row.locator(f"[data-{name}]") for name in ("decided", "takedown-share", "rejected-share", "counter-share",
                                                          "withdrawn")]


def expect_record(row, figures: list[str]) -> None:
    """The record's columns: decided, taken down, rejected, counter-notice upheld, withdrawn."""
    for cell, figure in zip(record_cells(row), figures, strict=True):
        expect(cell).to_have_text(figure)


# --- Data -----------------------------------------------------------------------------------

def decided_history(holder: User, right, *, shop: str, days_ago: int, **states: int) -> Complaint:
    """A closed complaint of ``holder`` decided ``days_ago``, with ``states`` items in each final state (rows: the
    workflow that gets them there has its own tests)."""
    at = timezone.now() - dt.timedelta(days=days_ago)
    complaint = Complaint.objects.create(complainant=holder, ipr=right, platform_id="taobao", reason="counterfeit",
                                         status="closed", submitted_at=at - dt.timedelta(days=5))
    for state, count in states.items():
        for n in range(count):
            listing = make_listing(title=f"{right.name} copy {state} {n}", shop_name=shop,
                                   status="removed" if state == State.TAKEN_DOWN else "active")
            ComplaintItem.objects.create(complaint=complaint, listing=listing, listing_url=listing.url, state=state,
                                         decided_at=None if state == State.WITHDRAWN else at, state_since=at)
    return complaint


@pytest.fixture
def program(transactional_db, settings):
    """An admin, a reviewer; Northwind eligible (12 decided, 11 taken down), Aurora a member already, Lumen far
    from the bar. The entry floor is 5 decided items, and every member's item is spot-checked."""
    settings.IPP_GOOD_FAITH_MIN_DECIDED = 5
    settings.IPP_GOOD_FAITH_SPOT_CHECK_SHARE = 1.0
    admin = make_user(ADMIN, role=User.Role.ADMIN, name="Ada Admin")
    reviewer = make_user(REVIEWER, role=User.Role.REVIEWER, name="Rita Reviewer")
    northwind = make_user(NORTHWIND_EMAIL, name=NORTHWIND, category=User.RegistrantCategory.ENTITY,
                          verified_by=reviewer)
    aurora = make_user("brand@aurora.example", name=AURORA, category=User.RegistrantCategory.ENTITY,
                       verified_by=reviewer)
    lumen = make_user("legal@lumen.example", name=LUMEN, category=User.RegistrantCategory.ENTITY, verified_by=reviewer)
    mark = approve_ipr(make_ipr(northwind, name="NORTHWIND", number="58123456", owner_name=NORTHWIND),
                       reviewer=reviewer)
    decided_history(northwind, mark, shop="Summit Deals", days_ago=60, taken_down=6, rejected=1)
    decided_history(northwind, mark, shop="Peak Outlet", days_ago=20, taken_down=5, withdrawn=1)
    decided_history(northwind, mark, shop="Old Stock", days_ago=200, rejected=4)  # before the window: not counted
    aurora_mark = approve_ipr(make_ipr(aurora, name="AURORA", number="30222333", owner_name=AURORA), reviewer=reviewer)
    decided_history(aurora, aurora_mark, shop="Glow Mall", days_ago=30, taken_down=19, counter_accepted=1)
    good_faith.good_faith_change(admin=admin, complainant_id=aurora.pk, action="grant",
                                 reason="19 of 20 taken down over the quarter.")
    lumen_mark = approve_ipr(make_ipr(lumen, name="LUMEN", number="30111222", owner_name=LUMEN), reviewer=reviewer)
    decided_history(lumen, lumen_mark, shop="Harbor Goods", days_ago=10, taken_down=4, rejected=1,
                    counter_accepted=1)
    seller = make_user("owner@summit-deals.example", role=User.Role.SELLER, name="Summit Deals")
    listings = [make_listing(title=title, shop_name="Summit Deals", owner=seller, category="Outdoor")
                for title in NEW_TITLES]
    run_enqueued_tasks()  # the set-up's mails and notifications
    return northwind, mark, aurora, lumen, listings


# --- The story ------------------------------------------------------------------------------

def test_an_admin_grants_good_faith_and_the_members_next_complaint_skips_review_for_a_spot_check(
        live_server, new_context, program):
    base = live_server.url
    northwind, mark, aurora, lumen, listings = program

    # 1. The admin opens the program: Aurora a member, Northwind eligible, everyone's record.
    admin = new_context().new_page()
    sign_in(admin, base, ADMIN)
    nav(admin).get_by_role("link", name="Admin area").click()
    admin.locator("#admin-area-tabs").get_by_role("link", name="Good Faith Program").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Good Faith Program")
    expect(admin.locator("#admin-area-tabs [aria-current=page]")).to_have_text("Good Faith Program")
    expect(admin.locator("#criteria")).to_contain_text("Eligible: at least 5 decided items, at least 90.0% of them "
                                                       "taken down")
    expect(admin.locator("#members tbody tr")).to_have_count(1)
    member = complainant_row(admin, "members", aurora)
    expect(member).to_contain_text(AURORA)
    expect(member.locator(".badge")).to_have_text("Member")
    expect_record(member, ["20", "95.0%", "0.0%", "5.0%", "0"])
    expect(admin.locator("#eligible tbody tr")).to_have_count(1)
    eligible = complainant_row(admin, "eligible", northwind)
    expect(eligible).to_contain_text(NORTHWIND)
    expect_record(eligible, ["12", "91.7%", "8.3%", "0.0%", "1"])  # the 4 rejected 200 days ago are out of the window
    everyone = admin.locator("#complainants tbody tr")
    expect(everyone).to_have_count(3)
    for n, who in enumerate((aurora, northwind, lumen)):  # the busiest first
        expect(everyone.nth(n)).to_have_attribute("data-complainant", str(who.pk))
    expect(complainant_row(admin, "complainants", lumen).locator(".badge")).to_have_count(0)  # not eligible
    expect_record(complainant_row(admin, "complainants", lumen), ["6", "66.7%", "16.7%", "16.7%", "0"])
    shot(admin, "admin-good-faith")

    # 2. Northwind's page: its record, no standing yet; the admin grants membership with a reason.
    eligible.get_by_role("link", name="Review and grant").click()
    expect(admin).to_have_url(re.compile(rf"/admin-area/good-faith/{northwind.pk}/$"))
    expect(admin.get_by_role("heading", level=1)).to_contain_text(NORTHWIND)
    expect(admin.locator("#standing")).to_have_text("not a member")
    expect(admin.locator("#record-heading .badge")).to_have_text("eligible")
    expect_record(admin.locator("#record tbody tr").first, ["12", "91.7%", "8.3%", "0.0%", "1"])
    expect(admin.locator("#gf-history")).to_have_text("No change yet.")
    decision = field(admin, "Decision")
    expect(decision.locator("option")).to_have_text(["Grant membership"])  # what its standing allows
    admin.locator("#save-standing").click()  # without a reason: refused, nothing changes
    expect(admin.locator("#change-form")).to_contain_text("Give the reason: it is kept, and the complainant is told.")
    assert not GoodFaithMembership.objects.filter(complainant=northwind).exists()
    field(admin, "Reason").fill(GRANT_REASON)
    admin.locator("#save-standing").click()
    expect(messages(admin)).to_contain_text("Saved; the complainant is told.")
    expect(admin.locator("#standing .badge")).to_have_text("Member")
    history = admin.locator("#gf-history li")
    expect(history).to_have_count(1)
    expect(history).to_have_text(re.compile(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d Granted · {re.escape(ADMIN)}: "
                                            rf"{re.escape(GRANT_REASON)}$"))
    expect(decision.locator("option")).to_have_text(["Suspend membership", "Revoke membership"])
    shot(admin, "admin-good-faith-complainant")
    membership = GoodFaithMembership.objects.get(complainant=northwind)
    assert membership.status == GoodFaithMembership.Status.MEMBER
    assert list(GoodFaithChange.objects.filter(complainant=northwind).values_list("action", "actor__email", "reason")) \
        == [("grant", ADMIN, GRANT_REASON)]

    # The members' table lists it; nobody else is eligible.
    admin.locator(".breadcrumb").get_by_role("link", name="Good Faith Program").click()
    expect(admin.locator("#members tbody tr")).to_have_count(2)
    joined = complainant_row(admin, "members", northwind)
    expect(joined.locator(".badge")).to_have_text("Member")
    expect(joined).to_contain_text(f"since {timezone.localtime(membership.since):%Y-%m-%d}")
    expect(admin.locator("#eligible tbody")).to_have_text("Nobody meets the criteria now.")
    run_enqueued_tasks()
    told = Notification.objects.get(user=northwind, kind="good_faith")
    assert GRANT_REASON in told.text

    # 3. Northwind files its next complaint; the worker sends its items straight to the seller's notice.
    complaint = services.complaint_file(user=northwind, platform_code="taobao", ipr_id=mark.pk, reason="counterfeit",
                                        urls_text="\n".join(listing.url for listing in listings),
                                        description="Test purchases: the labels read NORTHWlND.", statements=True,
                                        source=Complaint.Source.PORTAL)
    run_enqueued_tasks()  # the start: past review
    run_enqueued_tasks()  # the moves' effects: the seller's notice, the listing hidden
    items = list(complaint.items.order_by("pk"))
    assert [(item.state, item.good_faith, item.spot_check) for item in items] == [
        (State.SELLER_NOTIFIED, True, SpotCheck.PENDING)] * 2
    for item in items:
        assert list(ComplaintItemEvent.objects.filter(item=item).order_by("at", "pk").values_list(
            "from_state", "to_state", "reason")) == [("", State.SUBMITTED, "filed"),
                                                     (State.SUBMITTED, State.SELLER_NOTIFIED, "good_faith")]
        assert item.respond_by is not None and item.review_due_on is None
    assert set(Listing.objects.filter(pk__in=[x.pk for x in listings]).values_list("status", flat=True)) == {"hidden"}

    holder = new_context().new_page()
    sign_in(holder, base, NORTHWIND_EMAIL)
    holder.goto(f"{base}/complaints/{complaint.pk}/")
    for item in items:
        expect(holder.locator(f"#items tr[data-item='{item.pk}'] [data-state]")).to_have_text("Seller notified")

    # 4. The reviewer: nothing of it in review, both items among the spot checks.
    reviewer = new_context().new_page()
    sign_in(reviewer, base, REVIEWER)
    nav(reviewer).get_by_role("link", name="Review queue").click()
    reviewer.locator("#tab-complaint-items").click()
    expect(reviewer.locator("#tab-complaint-items .badge")).to_have_text("0")
    expect(reviewer.locator("#queue tbody")).to_have_text("Nothing waiting. Well done.")
    expect(reviewer.locator("#tab-spot-checks .badge")).to_have_text("2")
    reviewer.locator("#tab-spot-checks").click()
    expect(reviewer).to_have_url(SPOT_CHECKS)
    rows = reviewer.locator("#queue tbody tr[data-item]")
    expect(rows).to_have_count(2)
    for n, (item, listing) in enumerate(zip(items, listings, strict=True)):
        row = rows.nth(n)
        expect(row).to_have_attribute("data-item", str(item.pk))
        expect(row).to_contain_text(listing.title)
        expect(row.locator(".badge", has_text="Good Faith")).to_be_visible()
    expect(reviewer.locator("#claim-form")).to_have_count(0)  # a spot check is not claimed
    rows.first.get_by_role("link", name="Check").click()
    expect(reviewer).to_have_url(re.compile(rf"/review/items/{items[0].pk}/$"))
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(listings[0].title)
    expect(reviewer.locator("#item-state [data-state]")).to_have_text("Seller notified")
    expect(reviewer.locator("#listing-status")).to_have_text("Hidden pending the seller's answer")
    expect(reviewer.locator("#spot-check")).to_contain_text("This member's notice skipped review")
    expect(reviewer.locator("#item-history li")).to_have_count(2)
    expect(reviewer.locator("#item-history li").last).to_contain_text("Submitted → Seller notified")
    shot(reviewer, "review-spot-check")

    # `y`: the notice stands; on to the other, and then back to the (empty) spot checks.
    press(reviewer, "y")
    expect(reviewer).to_have_url(re.compile(rf"/review/items/{items[1].pk}/$"))
    expect(messages(reviewer)).to_contain_text("Spot check recorded: the notice stands.")
    press(reviewer, "y")
    expect(reviewer).to_have_url(SPOT_CHECKS)
    expect(messages(reviewer)).to_contain_text("Spot check recorded: the notice stands.")
    expect(reviewer.locator("#queue tbody")).to_have_text("Nothing waiting. Well done.")
    expect(reviewer.locator("#tab-spot-checks .badge")).to_have_text("0")
    checked = ComplaintItem.objects.filter(pk__in=[item.pk for item in items])
    assert set(checked.values_list("state", "spot_check", "spot_checked_by__email")) == {
        (State.SELLER_NOTIFIED, SpotCheck.CONFIRMED, REVIEWER)}
    assert set(Listing.objects.filter(pk__in=[x.pk for x in listings]).values_list("status", flat=True)) == {"hidden"}
