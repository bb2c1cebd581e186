"""The complaint workflow (issue 5) from end to end, driven through Chromium against the live portal.

A verified rights holder files a complaint against three listings of one seller's shop. A reviewer
accepts all three; the seller is notified and answers two with counter-notices. The complainant
accepts the first (the listing stays) and maintains the complaint on the second, which a reviewer
then takes down. The seller lets the third one's window close: the sweep takes it down. Each person
sees, at each step, what they may do and what happened; the audit trail and the in-app
notifications tell the same story.
"""

import datetime as dt
import io
import itertools
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from complaints import services
from complaints.models import Complaint, ComplaintItem, ComplaintItemEvent, CounterNotice, Listing
from ipp.models import Notification
from tests.browser.conftest import run_enqueued_tasks, shot
from tests.browser.test_complaints import accept_confirm, choose_platform, next_step
from tests.browser.test_ipr import field, messages, nav, sign_in
from tests.conftest import approve_ipr, make_ipr, make_listing, make_user, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOLDER_EMAIL = "ip@northwind.example"
HOLDER_NAME = "Northwind Outdoor Co., Ltd."
REVIEWER_EMAIL = "reviewer@example.com"
SELLER_EMAIL = "owner@summit-deals.example"
SHOP = "Summit Deals"
MARK = "58123456"
TITLES = ("NORTHWIND Alpine 3-in-1 waterproof jacket", "NORTHWIND Ridge hiking boots, leather",
          "NORTHWIND fleece gloves")
GENUINE = "The goods are genuine (invoices from the brand or its distributors)"
AUTHORISED = "I am authorised by the rights owner to sell this product"
INVOICE_STATEMENT = "Bought from Northwind's Shanghai distributor in January; the invoices are attached."
RESELLER_STATEMENT = "We are an authorised Northwind reseller under contract NW-2023-118."
MAINTAIN_NOTE = "The reseller contract NW-2023-118 ended in December 2024; Northwind has not renewed it."
PERJURY = re.compile(r"^I state under penalty of perjury")


# --- Pages ----------------------------------------------------------------------------------

def state_badge(page: Page):
    """The item's state badge beside the page's heading (a seller's notice, a reviewer's item page)."""
    return page.locator("h1 + [data-state], #item-state [data-state]")


def item_row(page: Page, item: ComplaintItem):
    """The row of ``item`` in a table of items: the complaint's, the seller's notices or the review queue."""
    return page.locator(f"tbody tr[data-item='{item.pk}']")


def counter_notice_entry(page: Page, item: ComplaintItem):
    """The item's counter-notice on the complaint's page, with the complainant's buttons while it may answer."""
    return page.locator(f"#counter-notice-{item.pk}")


def notification_rows(page: Page, tag: str = "", text: str = ""):
    """The rows of the user's notification list; with ``tag``, those so tagged, and with ``text`` too, saying it."""
    rows = page.locator("#notifications li")
    if tag:
        rows = rows.filter(has=page.locator(".badge", has_text=re.compile(rf"^{tag}$")))
    return rows.filter(has_text=text) if text else rows


def open_queue_tab(page: Page, state: str, name: str, count: int) -> None:
    nav(page).get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name=re.compile(rf"^{name}")).click()
    expect(page).to_have_url(re.compile(rf"/review/items/\?state={state}$"))
    expect(page.locator(".nav-tabs .active .badge")).to_have_text(str(count))


def decide(page: Page, decision: str, done: str, *, then: ComplaintItem | None = None, state: str = "") -> None:
    """Press a decision's button on the reviewer's item page: on to the next item (``then``), or, with none left,
    back in the queue of ``state``; with the decision's message either way."""
    page.locator(f"#decision-form [data-decision={decision}]").click()
    if then is not None:
        expect(page).to_have_url(re.compile(rf"/review/items/{then.pk}/$"))
    else:
        expect(page).to_have_url(re.compile(rf"/review/items/\?state={state}$"))
        expect(page.locator("#queue tbody")).to_have_text("Nothing waiting. Well done.")
    expect(messages(page)).to_contain_text(done)


def file_counter_notice(page: Page, ground: str, statement: str, evidence=None) -> None:
    form = page.locator("#counter-notice-form")
    form.get_by_label(ground).check()
    field(page, "Statement").fill(statement)
    if evidence is not None:
        field(page, "Evidence (PDF, JPEG or PNG)").set_input_files(evidence)
    form.get_by_label(PERJURY).check()
    form.locator("#file-counter-notice").click()


def expect_history(page: Page, expected: list[str]) -> None:
    """The seller's history of the notice: each move's new state, oldest first."""
    expect(page.locator("#history li > span:nth-child(2)")).to_have_text(expected)


def expect_notifications(page: Page, expected: list[tuple[str, str]]) -> None:
    """The user's notification list holds exactly these rows, each given as (its tag, a text it contains)."""
    nav(page).locator("#notifications-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    rows = notification_rows(page)
    expect(rows).to_have_count(len(expected))
    for tag, text in expected:
        expect(notification_rows(page, tag, text)).to_have_count(1)


# --- Data -----------------------------------------------------------------------------------

def the_cast(titles=TITLES):
    """A reviewer, a verified owner of an approved CN trademark (the right), and a seller whose shop sells a
    listing of each title."""
    reviewer = make_user(REVIEWER_EMAIL, role=User.Role.REVIEWER, name="Rita Reviewer")
    holder = make_user(HOLDER_EMAIL, name=HOLDER_NAME, category=User.RegistrantCategory.ENTITY, verified_by=reviewer)
    right = approve_ipr(make_ipr(holder, name="NORTHWIND", number=MARK, owner_name=HOLDER_NAME), reviewer=reviewer)
    seller = make_user(SELLER_EMAIL, role=User.Role.SELLER, name=SHOP)
    listings = [make_listing(title=title, shop_name=SHOP, owner=seller, category="Outdoor") for title in titles]
    run_enqueued_tasks()  # the set-up's mails, and the holder's notifications of its identity and right
    return reviewer, holder, right, seller, listings


def chain(item: ComplaintItem) -> list[tuple[str, str, str | None, str]]:
    """(from, to, actor's email, reason) of each of the item's events, oldest first."""
    return [(event.from_state, event.to_state, event.actor.email if event.actor else None, event.reason)
            for event in ComplaintItemEvent.objects.filter(item=item).select_related("actor").order_by("at", "pk")]


# --- The story ------------------------------------------------------------------------------

def test_three_listings_go_from_complaint_to_counter_notice_decision_and_takedown_through_every_persons_pages(
        live_server, new_context, tmp_path):
    base = live_server.url
    _reviewer, holder, _right, seller, listings = the_cast()
    jacket, boots, gloves = listings

    # 1. The rights holder files against the three listings (pasted addresses).
    complainant = new_context().new_page()
    sign_in(complainant, base, HOLDER_EMAIL)
    nav(complainant).get_by_role("link", name="Manage Complaints").click()
    complainant.locator("#new-complaint").click()
    choose_platform(complainant, "Taobao")
    next_step(complainant, "IP right")
    complainant.get_by_role("radio", name=re.compile(r"^NORTHWIND Trademark")).check()
    next_step(complainant, "Reason")
    complainant.get_by_role("radio", name=re.compile(r"^Counterfeit")).check()
    next_step(complainant, "Listings")
    complainant.locator("#id_urls_text").fill("\n".join(listing.url for listing in listings))
    next_step(complainant, "Evidence")
    field(complainant, "Describe the evidence").fill("Test purchases of all three: the labels read NORTHWlND.")
    next_step(complainant, "Statements")
    complainant.get_by_label(re.compile(r"^I have a good-faith belief")).check()
    complainant.get_by_label(re.compile(r"^The information in this complaint is accurate")).check()
    next_step(complainant, "Review and file")
    complainant.locator("#file-complaint").click()
    complaint = Complaint.objects.get(complainant=holder)
    expect(messages(complainant)).to_contain_text(f"Complaint {complaint.reference} filed against 3 listings.")
    first, second, third = complaint.items.order_by("listing__pk")
    assert [first.listing, second.listing, third.listing] == listings
    complaint_url = complainant.url

    # 2. The worker puts the items into review; a reviewer accepts each on its page.
    run_enqueued_tasks()
    assert set(complaint.items.values_list("state", flat=True)) == {"in_review"}
    reviewer = new_context().new_page()
    sign_in(reviewer, base, REVIEWER_EMAIL)
    open_queue_tab(reviewer, "in_review", "Complaint items", 3)
    for item in (first, second, third):
        row = item_row(reviewer, item)
        expect(row).to_contain_text(item.listing.title)
        expect(row).to_contain_text(f"Taobao · {SHOP} · Counterfeit")
        expect(row).to_contain_text(f"Trademark {MARK}")
    item_row(reviewer, first).get_by_role("link", name="Review").click()
    for n, item in enumerate((first, second, third)):
        expect(reviewer.get_by_role("heading", level=1)).to_have_text(item.listing.title)
        expect(state_badge(reviewer)).to_have_text("In review")
        expect(reviewer.locator("#item-listing")).to_contain_text(f"{SHOP} (shop-summit-deals)")
        expect(reviewer.locator("#item-complaint")).to_contain_text(HOLDER_NAME)
        expect(reviewer.locator("#item-ipr")).to_contain_text(MARK)
        expect(reviewer.locator("#decision-form [data-decision]")).to_have_text(
            [re.compile(r"^Accept: notify the seller"), re.compile(r"^Reject with the reason")])
        expect(reviewer.locator("#counter-notice")).to_have_count(0)
        if n == 0:
            shot(reviewer, "workflow-review-item")
        decide(reviewer, "accept", "Accepted. The seller is notified and may file a counter-notice.",
               then=(second, third, None)[n], state="in_review")
    expect(reviewer.locator(".nav-tabs .active .badge")).to_have_text("0")
    assert set(complaint.items.values_list("state", flat=True)) == {"seller_notified"}
    assert not Notification.objects.filter(user=seller).exists()  # the worker tells the seller …
    run_enqueued_tasks()
    assert Notification.objects.filter(user=seller, kind="notice_received").count() == 3  # … once per listing

    # 3. The seller sees three notices to answer and files a counter-notice on two of them.
    shop = new_context().new_page()
    sign_in(shop, base, SELLER_EMAIL)
    expect(shop.locator("#notices-to-answer")).to_have_text("3")
    expect(shop.locator("#unread-count")).to_have_text("3")
    nav(shop).get_by_role("link", name="Notices").click()
    expect(shop.get_by_role("heading", level=1)).to_have_text("Notices")
    expect(shop.locator("#notices tbody tr")).to_have_count(3)
    for item in (first, second, third):
        row = item_row(shop, item)
        expect(row.locator("[data-state]")).to_have_text("Seller notified")
        expect(row.locator("[data-deadline]")).to_have_attribute("data-deadline", "open")
        expect(row).to_contain_text(f"complaint {complaint.reference}")

    item_row(shop, first).get_by_role("link", name=jacket.title).click()
    expect(shop.get_by_role("heading", level=1)).to_have_text(f"Complaint {complaint.reference} on Taobao")
    expect(state_badge(shop)).to_have_text("Seller notified")
    expect(shop.locator("#complainant")).to_contain_text(HOLDER_NAME)
    expect(shop.locator("#right")).to_contain_text(f"No. {MARK}")
    expect(shop.locator("#evidence")).to_contain_text("the labels read NORTHWlND")
    expect(shop.locator("#counter-notice-form")).to_contain_text("If the listing does not infringe, say why by")
    expect_history(shop, ["Seller notified"])
    invoice = tmp_path / "invoice-2026-01.pdf"
    invoice.write_bytes(pdf_bytes())
    shot(shop, "workflow-seller-notice-form")
    file_counter_notice(shop, GENUINE, INVOICE_STATEMENT, evidence=invoice)
    expect(messages(shop)).to_contain_text("Counter-notice filed: the complainant is told and may accept it")
    expect(state_badge(shop)).to_have_text("Counter-notice received")
    expect(shop.locator("#counter-notice-form")).to_have_count(0)  # one counter-notice per notice
    answer = shop.locator("#counter-notice")
    expect(answer).to_contain_text(GENUINE)
    expect(answer).to_contain_text(INVOICE_STATEMENT)
    expect(answer.get_by_role("link", name="invoice-2026-01.pdf")).to_be_visible()
    expect(answer).to_contain_text("under penalty of perjury")
    expect_history(shop, ["Seller notified", "Counter-notice received"])

    # The second: without the statement under penalty of perjury the browser does not send the form.
    shop.locator(".breadcrumb").get_by_role("link", name="Notices").click()
    item_row(shop, second).get_by_role("link", name=boots.title).click()
    form = shop.locator("#counter-notice-form")
    form.get_by_label(AUTHORISED).check()
    field(shop, "Statement").fill(RESELLER_STATEMENT)
    form.locator("#file-counter-notice").click()
    expect(form.locator("input:invalid")).to_have_count(1)  # that box, and only it, is missing
    expect(form.get_by_label(PERJURY)).to_have_js_property(
        "validationMessage", "Please check this box if you want to proceed.")  # Chromium's own bubble
    expect(state_badge(shop)).to_have_text("Seller notified")
    file_counter_notice(shop, AUTHORISED, RESELLER_STATEMENT)
    expect(messages(shop)).to_contain_text("Counter-notice filed")
    expect(state_badge(shop)).to_have_text("Counter-notice received")
    expect(shop.locator("#counter-notice")).to_contain_text(RESELLER_STATEMENT)

    shop.locator(".breadcrumb").get_by_role("link", name="Notices").click()
    expect(item_row(shop, first).locator("[data-state]")).to_have_text("Counter-notice received")
    expect(item_row(shop, second).locator("[data-state]")).to_have_text("Counter-notice received")
    expect(item_row(shop, third).locator("[data-state]")).to_have_text("Seller notified")
    expect(shop.locator("#notices tbody tr").first).to_have_attribute("data-item", str(third.pk))  # to answer first
    run_enqueued_tasks()
    assert Notification.objects.filter(user=holder, kind="counter_notice_received").count() == 2

    # 4. The complainant accepts the first counter-notice and maintains the complaint on the second.
    complainant.goto(complaint_url)
    expect(complainant.locator("#unread-count")).to_have_text("4")  # with its identity's and its right's
    expect(item_row(complainant, first).locator("[data-state]")).to_have_text("Counter-notice received")
    expect(item_row(complainant, second).locator("[data-state]")).to_have_text("Counter-notice received")
    expect(item_row(complainant, third).locator("[data-state]")).to_have_text("Seller notified")
    expect(item_row(complainant, first).locator("[data-deadline=answer_by]")).to_contain_text(
        "Answer the counter-notice by")
    expect(item_row(complainant, third).locator("[data-deadline=respond_by]")).to_contain_text(
        "Seller may answer until")
    expect(complainant.locator("#counter-notices > ul > li")).to_have_count(2)
    accepted, maintained = counter_notice_entry(complainant, first), counter_notice_entry(complainant, second)
    expect(accepted).to_contain_text(GENUINE)
    expect(accepted).to_contain_text(INVOICE_STATEMENT)
    expect(accepted.get_by_role("link", name="invoice-2026-01.pdf")).to_be_visible()
    expect(maintained).to_contain_text(AUTHORISED)
    expect(maintained).to_contain_text(RESELLER_STATEMENT)
    for entry, item in ((accepted, first), (maintained, second)):
        expect(entry.locator(f"#accept-{item.pk}")).to_have_text("Accept the counter-notice (the listing stays)")
        expect(entry.locator(f"#maintain-{item.pk}")).to_have_text("Maintain the complaint")
        expect(entry).to_contain_text("Without an answer by then, the platform decides.")
    shot(complainant, "workflow-complaint-answers")

    asked = accept_confirm(complainant)
    accepted.locator(f"#accept-{first.pk}").click()
    expect(messages(complainant)).to_contain_text("Counter-notice accepted: the listing stays on sale")
    assert asked == ["Accept the counter-notice? The listing stays on sale; this cannot be undone."]
    expect(item_row(complainant, first).locator("[data-state]")).to_have_text("Counter-notice accepted")
    expect(accepted.locator("[data-state]")).to_have_text("Counter-notice accepted")
    expect(accepted.locator("button")).to_have_count(0)  # answered: nothing more to press
    expect(maintained.locator("button")).to_have_count(2)

    maintained.get_by_label(re.compile(r"^Why does the counter-notice not hold\?")).fill(MAINTAIN_NOTE)
    maintained.locator(f"#maintain-{second.pk}").click()
    expect(messages(complainant)).to_contain_text("Complaint maintained: a reviewer decides, with your note")
    expect(item_row(complainant, second).locator("[data-state]")).to_have_text("Awaiting decision")
    expect(maintained.locator("[data-state]")).to_have_text("Awaiting decision")
    expect(complainant.locator("#counter-notices button")).to_have_count(0)
    expect(complainant.locator("#history li", has_text="Counter-notice received → Awaiting decision")).to_contain_text(
        f"“{MAINTAIN_NOTE}”")
    run_enqueued_tasks()

    # The seller learns the first stays on sale, but not the complainant's words.
    shop.goto(f"{base}/notices/{first.pk}/")
    expect(state_badge(shop)).to_have_text("Counter-notice accepted")
    expect_history(shop, ["Seller notified", "Counter-notice received", "Counter-notice accepted"])
    shop.goto(f"{base}/notices/{second.pk}/")
    expect(state_badge(shop)).to_have_text("Awaiting decision")
    expect(shop.locator("#history")).not_to_contain_text("NW-2023-118 ended")
    expect(shop.locator("#history li").last).to_contain_text("complainant")

    # 5. A reviewer decides the maintained one: taken down.
    open_queue_tab(reviewer, "in_decision", "Awaiting decision", 1)
    expect(reviewer.locator("#queue tbody tr")).to_have_count(1)
    item_row(reviewer, second).get_by_role("link", name="Decide").click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(boots.title)
    expect(state_badge(reviewer)).to_have_text("Awaiting decision")
    expect(reviewer.locator("#counter-notice-statement")).to_have_text(RESELLER_STATEMENT)
    expect(reviewer.locator("#complainant-answer")).to_contain_text(f"“{MAINTAIN_NOTE}”")
    expect(reviewer.locator("#decision-form [data-decision]")).to_have_text(
        [re.compile(r"^Take the listing down"), re.compile(r"^Reinstate: the listing stays")])
    expect(reviewer.get_by_label("Reason of a rejection")).to_have_count(0)
    expect(reviewer.locator("#listing-status")).to_have_text("Active")
    shot(reviewer, "workflow-review-decision")
    decide(reviewer, "take_down", "Taken down. The listing is removed and both sides are told.", state="in_decision")
    assert Listing.objects.get(pk=boots.pk).status == "active"  # the worker removes it …
    run_enqueued_tasks()
    assert Listing.objects.get(pk=boots.pk).status == "removed"  # … through the marketplace adapter
    reviewer.goto(f"{base}/review/items/{second.pk}/")
    expect(state_badge(reviewer)).to_have_text("Taken down")
    expect(reviewer.locator("#listing-status")).to_have_text("Removed")
    expect(reviewer.locator("#decision-form")).to_have_count(0)
    expect(reviewer.locator("#no-decision")).to_have_text("No decision is waiting on this item: it is taken down.")

    # 6. The seller never answered the third: once its window has closed, the sweep takes it down.
    third.refresh_from_db()
    shop.goto(f"{base}/notices/{third.pk}/")
    expect(shop.locator("#counter-notice-form")).to_be_visible()  # still open until respond_by
    call_command("run_sweeps", as_of=(third.respond_by - dt.timedelta(minutes=1)).isoformat(), stdout=io.StringIO())
    assert ComplaintItem.objects.get(pk=third.pk).state == "seller_notified"  # not a minute early
    out = io.StringIO()
    call_command("run_sweeps", as_of=(third.respond_by + dt.timedelta(minutes=1)).isoformat(), stdout=out)
    assert "listings taken down (no counter-notice in time): changed 1" in out.getvalue()
    run_enqueued_tasks()
    assert ComplaintItem.objects.get(pk=third.pk).state == "taken_down"
    assert dict(Listing.objects.filter(pk__in=[x.pk for x in listings]).values_list("pk", "status")) == {
        jacket.pk: "active", boots.pk: "removed", gloves.pk: "removed"}
    api = shop.request.get(f"{base}/api/v1/listings/?q=NORTHWIND")
    assert api.ok, api.text()
    assert {row["listing_id"]: row["status"] for row in api.json()["results"]} == {
        jacket.listing_id: "active", boots.listing_id: "removed", gloves.listing_id: "removed"}

    shop.reload()
    expect(state_badge(shop)).to_have_text("Taken down")
    expect(shop.locator("#counter-notice-form")).to_have_count(0)
    expect(shop.locator("#window-closed")).to_have_count(0)  # no longer "will be": it was
    expect(shop.locator("#listing")).to_contain_text("removed from sale")
    expect(shop.locator("#respond-by")).to_have_text("—")
    expect_history(shop, ["Seller notified", "Taken down"])
    expect(shop.locator("#history li").last).to_contain_text("automatic")
    shop.locator(".breadcrumb").get_by_role("link", name="Notices").click()
    expected_states = {first: "Counter-notice accepted", second: "Taken down", third: "Taken down"}
    for item, label in expected_states.items():
        expect(item_row(shop, item).locator("[data-state]")).to_have_text(label)
    expect(shop.locator("#notices [data-deadline]")).to_have_count(0)  # nothing left to answer
    shot(shop, "workflow-seller-notices")
    shop.goto(f"{base}/dashboard/")
    expect(shop.locator("#notices-to-answer")).to_have_count(0)
    expect(shop.get_by_text("No notices to answer.")).to_be_visible()

    # The complainant's page: the three outcomes, and nothing left to do.
    complainant.goto(complaint_url)
    for item, label in expected_states.items():
        expect(item_row(complainant, item).locator("[data-state]")).to_have_text(label)
    expect(item_row(complainant, first)).not_to_contain_text("removed from sale")
    expect(item_row(complainant, second)).to_contain_text("removed from sale")
    expect(item_row(complainant, third)).to_contain_text("removed from sale")
    expect(complainant.locator("#summary [data-state]")).to_have_text(["Counter-notice accepted · 1", "Taken down · 2"])
    expect(complainant.locator(".d-flex:has(> h1) > .badge")).to_have_text("Closed")
    expect(complainant.locator("#items input[type=checkbox]")).to_have_count(0)  # nothing left to withdraw
    expect(complainant.locator("#withdraw-items")).to_have_count(0)
    expect(complainant.locator("#counter-notices button")).to_have_count(0)
    expect(complainant.locator("#history li", has_text="Seller notified → Taken down")).to_contain_text("automatic")
    expect(complainant.locator("#history li", has_text="Awaiting decision → Taken down")).to_contain_text("platform")
    shot(complainant, "workflow-complaint-final")

    # 7. The audit trail of each item: every move from the one before, none missing.
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    filed = ("", "submitted", HOLDER_EMAIL, "filed")
    into_review = ("submitted", "in_review", None, "review_started")
    notified = ("in_review", "seller_notified", REVIEWER_EMAIL, "accepted")
    counter_noticed = ("seller_notified", "counter_noticed", SELLER_EMAIL, "counter_notice")
    trails = {item: chain(item) for item in (first, second, third)}
    assert trails[first] == [filed, into_review, notified, counter_noticed,
                             ("counter_noticed", "counter_accepted", HOLDER_EMAIL, "counter_notice_accepted")]
    assert trails[second] == [filed, into_review, notified, counter_noticed,
                              ("counter_noticed", "in_decision", HOLDER_EMAIL, "complaint_maintained"),
                              ("in_decision", "taken_down", REVIEWER_EMAIL, "take_down")]
    assert trails[third] == [filed, into_review, notified, ("seller_notified", "taken_down", None, "no_counter_notice")]
    for item, trail in trails.items():
        assert all(before[1] == after[0] for before, after in itertools.pairwise(trail)), (item, trail)
    assert second.events.get(to_state="in_decision").note == MAINTAIN_NOTE
    assert not ComplaintItemEvent.objects.filter(item__complaint=complaint, effects_done_at__isnull=True).exists()

    # The notifications of each side, as their lists show them.
    expect_notifications(shop, [
        ("Notice", f"“{jacket.title}”"), ("Notice", f"“{boots.title}”"), ("Notice", f"“{gloves.title}”"),
        ("Decision", f"The complainant accepted your counter-notice: “{jacket.title}” stays on sale"),
        ("Takedown", f"Your Taobao listing “{boots.title}” was taken down after complaint {complaint.reference}."),
        ("Takedown", f"Your Taobao listing “{gloves.title}” was taken down after complaint {complaint.reference}."),
    ])
    expect(notification_rows(shop).first).to_have_attribute("data-unread", "true")
    shot(shop, "workflow-seller-notifications")
    notification_rows(shop, "Takedown", gloves.title).get_by_role("link").click()
    expect(shop).to_have_url(re.compile(rf"/notices/{third.pk}/$"))
    expect_notifications(complainant, [
        ("Counter-notice", f"The seller of “{jacket.title}” (complaint {complaint.reference}) filed a counter-notice."),
        ("Counter-notice", f"The seller of “{boots.title}” (complaint {complaint.reference}) filed a counter-notice."),
        ("Takedown", f"“{boots.title}” was taken down (complaint {complaint.reference})."),
        ("Takedown", f"“{gloves.title}” was taken down (complaint {complaint.reference})."),
        ("Identity", ""), ("Authentication", "NORTHWIND"),
    ])
    shot(complainant, "workflow-complainant-notifications")
    complainant.locator("#mark-all-read").click()
    expect(messages(complainant)).to_contain_text("6 notifications marked read.")
    expect(complainant.locator("#unread-count")).to_have_count(0)
    expect(complainant.locator("#notifications li[data-unread=true]")).to_have_count(0)


def test_a_counter_notice_sent_after_the_window_closed_is_refused_and_the_sweep_takes_the_listing_down(
        live_server, page):
    base = live_server.url
    reviewer, holder, right, seller, [jacket] = the_cast(TITLES[:1])
    complaint = services.complaint_file(user=holder, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
                                        urls_text=jacket.url, statements=True, source=Complaint.Source.PORTAL)
    run_enqueued_tasks()  # into review
    item = complaint.items.get()
    services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
    run_enqueued_tasks()  # the seller is notified

    sign_in(page, base, SELLER_EMAIL)
    page.goto(f"{base}/notices/{item.pk}/")
    form = page.locator("#counter-notice-form")
    expect(form).to_be_visible()
    # The seller takes too long over it: the window closes before the form is sent (as if three days passed).
    ComplaintItem.objects.filter(pk=item.pk).update(respond_by=timezone.now() - dt.timedelta(minutes=1))
    file_counter_notice(page, GENUINE, INVOICE_STATEMENT)
    expect(messages(page)).to_contain_text("The window for a counter-notice on this listing has closed.")
    expect(page).to_have_url(re.compile(rf"/notices/{item.pk}/$"))
    expect(form).to_have_count(0)
    expect(page.locator("#window-closed")).to_have_text(
        "The window for a counter-notice on this listing has closed: the listing will be taken down.")
    expect(page.locator("#respond-by [data-deadline]")).to_have_attribute("data-deadline", "overdue")
    expect(page.locator("#respond-by")).to_contain_text("window closed")
    assert ComplaintItem.objects.get(pk=item.pk).state == "seller_notified"
    assert not CounterNotice.objects.filter(item=item).exists()
    page.locator(".breadcrumb").get_by_role("link", name="Notices").click()
    expect(item_row(page, item).locator("[data-deadline]")).to_have_text(re.compile(r"· window closed$"))

    # The next sweep (now: no time travel needed) takes it down.
    call_command("run_sweeps", stdout=io.StringIO())
    run_enqueued_tasks()
    page.reload()
    expect(item_row(page, item).locator("[data-state]")).to_have_text("Taken down")
    expect(item_row(page, item).locator("[data-deadline]")).to_have_count(0)
    item_row(page, item).get_by_role("link", name=jacket.title).click()
    expect(page.locator("#window-closed")).to_have_count(0)
    expect(page.locator("#listing")).to_contain_text("removed from sale")
    assert Listing.objects.get(pk=jacket.pk).status == "removed"
    assert chain(item)[-1] == ("seller_notified", "taken_down", None, "no_counter_notice")
