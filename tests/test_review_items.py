"""Reviewers decide complaint items (issue 5, "Reviewer decisions"): the queue tabs, the item's page and the API.

Data is built through the real services: a complaint filed (its task puts the items in review), accepted, answered
by the seller's counter-notice and maintained by the complainant. Tasks run in-process with ``run_tasks``.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from complaints import services
from complaints.models import ComplaintItem, ComplaintItemEvent, Listing
from ipp import workdays
from ipp.models import Notification

from .conftest import api_as, approve_ipr, checked_png, make_ipr, make_listing, make_user

pytestmark = pytest.mark.django_db

QUEUE_URL = "/api/v1/review/queue/"


def decide_url(item_id: int) -> str:
    return f"/api/v1/review/items/{item_id}/decide/"


@pytest.fixture
def shop_owner(db):
    return make_user("shop@example.com", role=User.Role.SELLER, name="Demo Shop")


@pytest.fixture
def right(holder, reviewer):
    # Owned by a company other than the filer's name: the filer enforces it under an authorisation letter.
    return approve_ipr(make_ipr(holder, name="ACME", number="30000777", owner_name="Acme Holdings"), reviewer=reviewer)


def file_complaint(holder, right, run_tasks, *, titles=("ACME runner",), owner=None, platform="taobao"):
    """A complaint on new listings of the seller's shop, filed with evidence; its task puts the items in review."""
    listings = [make_listing(platform, title=title, shop_name="Demo Shop", owner=owner, category="Sports shoes")
                for title in titles]
    with run_tasks():
        complaint = services.complaint_file(
            user=holder, platform_code=platform, ipr_id=right.pk, reason="counterfeit",
            urls_text="\n".join(listing.url for listing in listings), description="Test purchase: no hologram.",
            evidence=[checked_png("test-purchase.png")], statements=True)
    return list(complaint.items.order_by("pk"))


def to_decision(item, *, holder, reviewer, seller, run_tasks) -> ComplaintItem:
    """Accepted, answered by the seller's counter-notice, and maintained by the complainant: a reviewer decides."""
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
        services.counter_notice_file(seller=seller, item_id=item.pk, ground="genuine",
                                     statement="Bought from the brand's distributor.", perjury_statement=True,
                                     evidence=[checked_png("invoice.png")])
        services.complaint_maintain(user=holder, item_id=item.pk, note="The invoice is for another model.")
    return ComplaintItem.objects.get(pk=item.pk)


@pytest.fixture
def in_review(holder, right, shop_owner, run_tasks) -> ComplaintItem:
    return file_complaint(holder, right, run_tasks, owner=shop_owner)[0]


@pytest.fixture
def in_decision(holder, right, reviewer, shop_owner, run_tasks) -> ComplaintItem:
    item = file_complaint(holder, right, run_tasks, titles=["ACME trainer"], owner=shop_owner)[0]
    return to_decision(item, holder=holder, reviewer=reviewer, seller=shop_owner, run_tasks=run_tasks)


def state_of(item) -> str:
    return ComplaintItem.objects.get(pk=item.pk).state



def page_of(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def listed_items(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-item="(\d+)">', html)]


# --- The queue ------------------------------------------------------------------------------------

def test_the_complaint_items_tab_lists_items_in_review_oldest_first_with_their_due_date(
        client, holder, right, reviewer, shop_owner, run_tasks, in_review):
    later = file_complaint(holder, right, run_tasks, titles=["ACME sandal"], owner=shop_owner)[0]
    html = page_of(client, reviewer, reverse("review_items") + "?state=in_review")
    assert listed_items(html) == [in_review.pk, later.pk]
    assert "ACME sandal" in html and in_review.complaint.reference in html
    assert in_review.review_due_on.isoformat() in html and "overdue" not in html
    assert reverse("review_item", args=[in_review.pk]) in html


def test_an_item_past_its_review_due_date_is_marked_overdue(client, reviewer, in_review, monkeypatch):
    monkeypatch.setattr(workdays, "today_in_china", lambda: in_review.review_due_on + dt.timedelta(days=1))
    html = page_of(client, reviewer, reverse("review_items") + "?state=in_review")
    assert re.search(rf'{in_review.review_due_on.isoformat()}<div class="small ipp-overdue">overdue', html)
    dashboard = page_of(client, reviewer, reverse("dashboard"))
    assert "1 overdue" in dashboard


def test_the_awaiting_decision_tab_lists_only_items_after_a_counter_notice(client, reviewer, in_review, in_decision):
    html = page_of(client, reviewer, reverse("review_items") + "?state=in_decision")
    assert listed_items(html) == [in_decision.pk]
    assert "Waiting since" in html and reverse("review_item", args=[in_decision.pk]) in html
    assert listed_items(page_of(client, reviewer, reverse("review_items") + "?state=in_review")) == [in_review.pk]


def test_the_dashboard_counts_items_to_review_and_to_decide(client, reviewer, in_review, in_decision):
    html = page_of(client, reviewer, reverse("dashboard"))
    assert re.search(r'id="complaint-items-pending">1<', html)
    assert re.search(r'id="item-decisions-pending">1<', html)


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_tabs_dashboard_and_api_queue_do_not_grow_with_their_rows(
        client, holder, right, reviewer, shop_owner, run_tasks, in_review, in_decision):
    client.force_login(reviewer)
    api = api_as(reviewer)
    urls = [reverse("review_items") + "?state=in_review", reverse("review_items") + "?state=in_decision",
            reverse("dashboard")]

    def api_queries():
        with CaptureQueriesContext(connection) as captured:
            assert api.get(QUEUE_URL).status_code == 200
        return len(captured)

    one_each = [queries_for(client, url) for url in urls] + [api_queries()]
    more = file_complaint(holder, right, run_tasks, titles=[f"ACME copy {n}" for n in range(6)], owner=shop_owner)
    for item in more[:3]:
        to_decision(item, holder=holder, reviewer=reviewer, seller=shop_owner, run_tasks=run_tasks)
    client.force_login(reviewer)
    assert [queries_for(client, url) for url in urls] + [api_queries()] == one_each


# --- The item's page ------------------------------------------------------------------------------

def test_the_page_shows_the_right_the_listing_and_the_complaint(client, reviewer, in_review, right):
    html = page_of(client, reviewer, reverse("review_item", args=[in_review.pk]))
    ipr = html[html.index('id="item-ipr"'):]
    for fact in ["Trademark", "30000777", "China", "Acme Holdings", "25", "Clothing; footwear",
                 right.expires_on.isoformat(), "authorises complaints today"]:
        assert fact in ipr, fact
    assert reverse("document", args=[right.certificate_id]) in html
    listing = html[html.index('id="item-listing"'):]
    for fact in ["ACME runner", "Sports shoes", "Demo Shop", in_review.listing.url, "Active"]:
        assert fact in listing, fact
    complaint = html[html.index('id="item-complaint"'):]
    assert "Counterfeit" in complaint and "Test purchase: no hologram." in complaint and "test-purchase.png" in complaint
    history = html[html.index('id="item-history"'):]
    assert "Submitted → In review" in history
    assert 'data-decision="accept"' in html and 'data-decision="reject"' in html
    assert 'data-decision="take_down"' not in html and 'id="counter-notice"' not in html


def test_after_a_counter_notice_the_page_shows_it_the_complainants_note_and_only_the_final_decisions(
        client, reviewer, in_decision):
    html = page_of(client, reviewer, reverse("review_item", args=[in_decision.pk]))
    notice = html[html.index('id="counter-notice"'):]
    assert "Bought from the brand&#x27;s distributor." in notice and "invoice.png" in notice
    assert "The invoice is for another model." in html[html.index('id="complainant-answer"'):]
    assert "Seller notified → Counter-notice received" in html
    assert 'data-decision="take_down"' in html and 'data-decision="reinstate"' in html
    assert 'data-decision="accept"' not in html


def test_an_item_of_a_dmca_notice_shows_its_notifier_and_work_in_place_of_a_right(client, reviewer, run_tasks):
    from complaints import dmca

    listing = make_listing(title="Pirated artbook", shop_name="Copy Shop")
    with run_tasks():
        notice = dmca.dmca_notice_file(
            platform_code="taobao", reason="pirated", urls_text=listing.url, full_name="Ada Lovelace",
            email="ada@example.org", phone="+44 20 7946 0000", address="12 Engine Street, London",
            work_description="Engines of Thought (2021)", signature="Ada Lovelace", good_faith=True, accuracy=True,
            statements_text="Both statements.")
        dmca.dmca_notice_verify(notice_id=notice.pk, reviewer=reviewer)
    item = notice.complaint.items.get()
    assert state_of(item) == "in_review"
    queue = page_of(client, reviewer, reverse("review_items") + "?state=in_review")
    assert listed_items(queue) == [item.pk] and "ada@example.org" in queue and "copyright work (DMCA)" in queue
    html = page_of(client, reviewer, reverse("review_item", args=[item.pk]))
    assert "Engines of Thought (2021)" in html[html.index('id="dmca-work"'):]
    assert "Ada Lovelace" in html[html.index('id="item-complaint"'):]
    assert api_as(reviewer).get(QUEUE_URL).json()["results"][0]["ipr"] is None


def post_decision(client, user, item, **data):
    client.force_login(user)
    return client.post(reverse("review_item", args=[item.pk]), data)


def test_accepting_notifies_the_seller_and_returns_to_the_queue(client, reviewer, in_review, shop_owner, run_tasks):
    with run_tasks():
        response = post_decision(client, reviewer, in_review, decision="accept", note="The logo is on the box.")
    assert response.status_code == 302 and response["Location"].endswith("?state=in_review")  # none left: the queue
    assert state_of(in_review) == "seller_notified"
    assert Notification.objects.get(user=shop_owner).kind == "notice_received"
    event = ComplaintItemEvent.objects.filter(item=in_review).latest("pk")
    assert (event.actor, event.note) == (reviewer, "The logo is on the box.")


def test_rejecting_without_a_reason_is_an_error_and_changes_nothing(client, reviewer, in_review):
    response = post_decision(client, reviewer, in_review, decision="reject", note="Looks fine.")
    assert response.status_code == 400
    assert "Choose the reason of the rejection" in response.content.decode()
    assert state_of(in_review) == "in_review"


def test_rejecting_for_another_reason_needs_a_note(client, reviewer, in_review):
    response = post_decision(client, reviewer, in_review, decision="reject", reason="other")
    assert response.status_code == 400 and "Explain the reason in the note." in response.content.decode()
    assert state_of(in_review) == "in_review"


def test_rejecting_with_a_reason_rejects_and_records_it(client, reviewer, in_review, holder, run_tasks):
    with run_tasks():
        response = post_decision(client, reviewer, in_review, decision="reject", reason="use_not_found",
                                 note="No ACME mark in the photos.")
    assert response.status_code == 302
    assert state_of(in_review) == "rejected"
    event = ComplaintItemEvent.objects.filter(item=in_review).latest("pk")
    assert (event.reason, event.note) == ("use_not_found", "No ACME mark in the photos.")
    assert Notification.objects.get(user=holder).kind == "decision"
    page = page_of(client, reviewer, reverse("review_item", args=[in_review.pk]))
    history = re.sub(r"<[^>]+>", "", page[page.index('id="item-history"'):])
    assert "In review → Rejected (The use of the right cannot be found in the listing.)" in history
    assert 'id="no-decision"' in page


def test_taking_down_removes_the_listing(client, reviewer, in_decision, run_tasks):
    with run_tasks():
        response = post_decision(client, reviewer, in_decision, decision="take_down", note="Contract ended.")
    assert response.status_code == 302 and response["Location"].endswith("?state=in_decision")  # none left: the queue
    assert state_of(in_decision) == "taken_down"
    assert Listing.objects.get(pk=in_decision.listing_id).status == "removed"


def test_reinstating_keeps_the_listing_on_sale(client, reviewer, in_decision, run_tasks):
    with run_tasks():
        post_decision(client, reviewer, in_decision, decision="reinstate", note="The invoices hold.")
    assert state_of(in_decision) == "reinstated"
    assert Listing.objects.get(pk=in_decision.listing_id).status == "active"


def test_a_decision_the_state_does_not_offer_is_refused_and_changes_nothing(client, reviewer, in_review):
    response = post_decision(client, reviewer, in_review, decision="take_down")
    assert response.status_code == 302 and response["Location"] == reverse("review_item", args=[in_review.pk])
    assert state_of(in_review) == "in_review"


def test_a_second_reviewer_on_a_stale_screen_is_told_and_changes_nothing(client, reviewer, in_review, run_tasks):
    second = make_user("second@example.com", role=User.Role.REVIEWER)
    # Both open the page while the item is in review; the first accepts, then the second rejects.
    assert 'data-decision="reject"' in page_of(client, second, reverse("review_item", args=[in_review.pk]))
    with run_tasks():
        post_decision(client, reviewer, in_review, decision="accept")
    events = ComplaintItemEvent.objects.filter(item=in_review).count()
    client.force_login(second)
    response = client.post(reverse("review_item", args=[in_review.pk]),
                           {"decision": "reject", "reason": "use_not_found"}, follow=True)
    html = response.content.decode()
    assert "Nothing was changed: the item moved since this page was shown." in html
    assert "it cannot become rejected" in html and 'id="no-decision"' in html
    assert state_of(in_review) == "seller_notified"
    assert ComplaintItemEvent.objects.filter(item=in_review).count() == events


# --- The API --------------------------------------------------------------------------------------

def test_the_api_queue_lists_items_waiting_with_what_a_reviewer_needs(reviewer, in_review, in_decision, right):
    body = api_as(reviewer).get(QUEUE_URL).json()
    assert body["count"] == 2
    entry = next(row for row in body["results"] if row["id"] == in_review.pk)
    assert entry == {
        "id": in_review.pk, "state": "in_review", "platform": "taobao", "reason": "counterfeit",
        "complaint_reference": in_review.complaint.reference,
        "listing": {"listing_id": in_review.listing.listing_id, "url": in_review.listing.url, "title": "ACME runner",
                    "seller": "Demo Shop", "status": "active"},
        "ipr": {"id": right.pk, "kind": "trademark", "number": "30000777", "jurisdiction": "CN"},
        "review_due_on": in_review.review_due_on.isoformat(), "waiting_since": entry["waiting_since"],
        "has_counter_notice": False, "complainant_in_good_faith": False, "claimed_by": None, "claimed_until": None,
    }
    decided = next(row for row in body["results"] if row["id"] == in_decision.pk)
    in_decision.refresh_from_db()  # the decision is due in working days from the move into in_decision
    assert (decided["state"], decided["has_counter_notice"], decided["review_due_on"]) == (
        "in_decision", True, in_decision.review_due_on.isoformat())


def test_the_api_queue_filters_by_state_and_platform(reviewer, holder, right, run_tasks, in_review, in_decision):
    api = api_as(reviewer)
    assert [row["id"] for row in api.get(QUEUE_URL, {"state": "in_decision"}).json()["results"]] == [in_decision.pk]
    assert [row["id"] for row in api.get(QUEUE_URL, {"state": "in_review"}).json()["results"]] == [in_review.pk]
    assert api.get(QUEUE_URL, {"platform": "tmall"}).json()["count"] == 0
    bad = api.get(QUEUE_URL, {"state": "seller_notified"})
    assert bad.status_code == 400 and "state" in bad.json()


def test_accepting_by_api_notifies_the_seller(reviewer, in_review, shop_owner, run_tasks):
    with run_tasks():
        response = api_as(reviewer).post(decide_url(in_review.pk), {"decision": "accept", "reason": "", "note": ""},
                                         format="json")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["state"]) == (in_review.pk, "seller_notified")
    assert Notification.objects.get(user=shop_owner).kind == "notice_received"


def test_rejecting_by_api_needs_a_valid_reason(reviewer, in_review):
    api = api_as(reviewer)
    for body in ({"decision": "reject", "note": "No mark."}, {"decision": "reject", "reason": "ugly", "note": ""}):
        response = api.post(decide_url(in_review.pk), body, format="json")
        assert response.status_code == 400 and "use_not_found" in response.json()["reason"][0]
    assert state_of(in_review) == "in_review"
    response = api.post(decide_url(in_review.pk), {"decision": "reject", "reason": "use_not_found",
                                                   "note": "No ACME mark in the photos."}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "rejected"


def test_an_unknown_decision_is_400(reviewer, in_review):
    response = api_as(reviewer).post(decide_url(in_review.pk), {"decision": "approve"}, format="json")
    assert response.status_code == 400 and "decision" in response.json()
    assert state_of(in_review) == "in_review"


def test_taking_down_and_reinstating_by_api(reviewer, holder, right, shop_owner, run_tasks, in_decision):
    other = to_decision(file_complaint(holder, right, run_tasks, titles=["ACME boot"], owner=shop_owner)[0],
                        holder=holder, reviewer=reviewer, seller=shop_owner, run_tasks=run_tasks)
    api = api_as(reviewer)
    with run_tasks():
        down = api.post(decide_url(in_decision.pk), {"decision": "take_down", "note": "Contract ended."}, format="json")
        kept = api.post(decide_url(other.pk), {"decision": "reinstate", "note": "The invoices hold."}, format="json")
    assert (down.status_code, down.json()["state"]) == (200, "taken_down")
    assert (kept.status_code, kept.json()["state"]) == (200, "reinstated")
    # The marketplace acts after the answer, in the worker.
    assert Listing.objects.get(pk=in_decision.listing_id).status == "removed"
    assert Listing.objects.get(pk=other.listing_id).status == "active"


def test_a_decision_the_items_state_does_not_allow_is_409_and_changes_nothing(reviewer, in_review, in_decision):
    api = api_as(reviewer)
    wrong_kind = api.post(decide_url(in_review.pk), {"decision": "take_down"}, format="json")
    assert wrong_kind.status_code == 409 and "cannot become taken down" in wrong_kind.json()["detail"]
    assert api.post(decide_url(in_decision.pk), {"decision": "accept"}, format="json").status_code == 409
    assert (state_of(in_review), state_of(in_decision)) == ("in_review", "in_decision")


def test_the_second_of_two_api_decisions_on_one_item_is_409(reviewer, in_review, run_tasks):
    second = make_user("second@example.com", role=User.Role.REVIEWER)
    with run_tasks():
        first = api_as(reviewer).post(decide_url(in_review.pk), {"decision": "accept"}, format="json")
    late = api_as(second).post(decide_url(in_review.pk), {"decision": "reject", "reason": "use_not_found"},
                               format="json")
    assert (first.status_code, late.status_code) == (200, 409)
    assert state_of(in_review) == "seller_notified"
    assert ComplaintItemEvent.objects.filter(item=in_review, to_state="rejected").count() == 0


def test_an_unknown_item_is_404(reviewer):
    assert api_as(reviewer).post(decide_url(999999), {"decision": "accept"}, format="json").status_code == 404


def test_admins_decide_too(admin_user, in_review, run_tasks):
    with run_tasks():
        response = api_as(admin_user).post(decide_url(in_review.pk), {"decision": "accept"}, format="json")
    assert response.status_code == 200


# --- Who may ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["holder", "shop_owner", "newcomer"])
def test_rights_holders_and_sellers_cannot_reach_the_page_or_the_api(client, request, role, in_review):
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = reverse("review_item", args=[in_review.pk])
    assert client.get(page).status_code == 403
    assert client.post(page, {"decision": "accept"}).status_code == 403
    assert client.get(reverse("review_items") + "?state=in_review").status_code == 403
    api = api_as(user)
    assert api.get(QUEUE_URL).status_code == 403
    assert api.post(decide_url(in_review.pk), {"decision": "accept"}, format="json").status_code == 403
    assert state_of(in_review) == "in_review"


def test_anonymous_visitors_are_sent_to_sign_in_or_refused(client, in_review):
    page = reverse("review_item", args=[in_review.pk])
    assert client.get(page).status_code == 302 and "login" in client.get(page)["Location"]
    assert client.post(page, {"decision": "accept"}).status_code == 302
    assert api_as(None).get(QUEUE_URL).status_code == 401
    assert api_as(None).post(decide_url(in_review.pk), {"decision": "accept"}, format="json").status_code == 401
    assert state_of(in_review) == "in_review"
