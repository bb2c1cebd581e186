"""The reviewers' moderation queue of complaint items: filters, order, paging, claims, bulk decisions, next item."""

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from complaints import selectors, services
from complaints.models import (
    Complaint,
    ComplaintItem,
    ComplaintItemEvent,
    GoodFaithMembership,
    Listing,
    Shop,
)
from ipp import workdays

from .conftest import api_as, approve_ipr, make_ipr, make_user

pytestmark = pytest.mark.django_db
State = ComplaintItem.State
_listing_ids = iter(range(800_000_000_000, 900_000_000_000))


def waiting_items(complainant, right, count, *, platform="taobao", state=State.IN_REVIEW, reason="counterfeit",
                  hours_ago=1, due_in_days=3) -> list[ComplaintItem]:
    """``count`` items of one filed complaint waiting for a reviewer, made as rows (the workflow has its own tests)."""
    shop, _ = Shop.objects.get_or_create(platform_id=platform, shop_id="queue-shop", defaults={"name": "Queue Shop"})
    complaint = Complaint.objects.create(complainant=complainant, ipr=right, platform_id=platform, reason=reason,
                                         status="open", submitted_at=timezone.now())
    since = timezone.now() - dt.timedelta(hours=hours_ago)
    due = workdays.today_in_china() + dt.timedelta(days=due_in_days)
    listings = Listing.objects.bulk_create(
        Listing(platform_id=platform, listing_id=str(next(_listing_ids)), url=f"https://item.taobao.com/item.htm?id={n}",
                title=f"Copy {n}", shop=shop) for n in range(count))
    return ComplaintItem.objects.bulk_create(
        ComplaintItem(complaint=complaint, listing=listing, listing_url=listing.url, state=state, state_since=since,
                      review_due_on=due) for listing in listings)


@pytest.fixture
def right(holder, reviewer):
    return approve_ipr(make_ipr(holder), reviewer=reviewer)


@pytest.fixture
def other_reviewer(db):
    return make_user("second-reviewer@example.com", role=User.Role.REVIEWER)



def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-item="(\d+)"', html)]


def queue_page(client, user, query="state=in_review") -> str:
    client.force_login(user)
    response = client.get(f"{reverse('review_items')}?{query}")
    assert response.status_code == 200
    return response.content.decode()


# --- Filters and order ---------------------------------------------------------------------------------

def test_the_queue_lists_the_longest_waiting_first_and_each_filter_narrows_it(client, reviewer, holder, right):
    old = waiting_items(holder, right, 1, hours_ago=100)
    recent = waiting_items(holder, right, 1, hours_ago=2)
    lazada = waiting_items(holder, right, 1, platform="lazada", hours_ago=50)
    misuse = waiting_items(holder, right, 1, reason="trademark_misuse", hours_ago=30)
    ids = lambda items: [item.pk for item in items]  # noqa: E731
    assert listed(queue_page(client, reviewer)) == ids(old + lazada + misuse + recent)
    assert listed(queue_page(client, reviewer, "state=in_review&sort=newest")) == ids(recent + misuse + lazada + old)
    assert listed(queue_page(client, reviewer, "state=in_review&platform=lazada")) == ids(lazada)
    assert listed(queue_page(client, reviewer, "state=in_review&reason=trademark_misuse")) == ids(misuse)
    assert listed(queue_page(client, reviewer, "state=in_review&waited_days=3")) == ids(old)
    assert listed(queue_page(client, reviewer, "state=in_review&waited_days=1")) == ids(old + lazada + misuse)
    assert listed(queue_page(client, reviewer, "state=in_review&ipr_kind=patent")) == []
    assert listed(queue_page(client, reviewer, "state=in_review&ipr_kind=trademark")) == ids(old + lazada + misuse + recent)
    assert listed(queue_page(client, reviewer, "state=in_decision")) == []
    assert "No item matches these filters." in queue_page(client, reviewer, "state=in_review&platform=tmall")


def test_the_queue_pages_and_totals_the_whole_tab_or_only_what_the_filters_keep(client, reviewer, holder, right):
    waiting_items(holder, right, 27, hours_ago=10)
    waiting_items(holder, right, 3, platform="lazada", hours_ago=5)

    def total(html: str) -> str:
        return re.search(r'id="queue-total">([^<]+)<', html).group(1)

    first, second = queue_page(client, reviewer), queue_page(client, reviewer, "state=in_review&page=2")
    assert (len(listed(first)), len(listed(second)), total(first)) == (25, 5, "30 items")
    assert not set(listed(first)) & set(listed(second))
    lazada = queue_page(client, reviewer, "state=in_review&platform=lazada")
    assert (len(listed(lazada)), total(lazada)) == (3, "3 items")


def test_complainant_good_faith_and_overdue_filters(client, reviewer, holder, right):
    rival = make_user("rival@example.com", name="Rival Brand Ltd", verified_by=reviewer)
    rival_right = approve_ipr(make_ipr(rival, number="30999999"), reviewer=reviewer)
    mine = waiting_items(holder, right, 2)
    theirs = waiting_items(rival, rival_right, 1, due_in_days=-2)
    GoodFaithMembership.objects.create(complainant=rival, status="member", since=timezone.now())
    assert listed(queue_page(client, reviewer, "state=in_review&complainant=rival brand")) == [theirs[0].pk]
    assert listed(queue_page(client, reviewer, f"state=in_review&complainant={holder.email[:6]}")) == [i.pk for i in mine]
    html = queue_page(client, reviewer, "state=in_review&good_faith=members")
    assert listed(html) == [theirs[0].pk] and "Good Faith" in html
    assert listed(queue_page(client, reviewer, "state=in_review&good_faith=others")) == [i.pk for i in mine]
    overdue = queue_page(client, reviewer, "state=in_review&breaching_sla=on")
    assert listed(overdue) == [theirs[0].pk] and 'data-due="overdue"' in overdue


def test_due_dates_count_working_days_and_say_how_many_are_left(client, reviewer, holder, right, monkeypatch):
    [item] = waiting_items(holder, right, 1)
    friday = dt.date(2026, 11, 20)
    monkeypatch.setattr(workdays, "today_in_china", lambda: friday)
    ComplaintItem.objects.filter(pk=item.pk).update(review_due_on=dt.date(2026, 11, 24))  # Tuesday
    html = queue_page(client, reviewer)
    assert 'data-due="2"' in html and "2 working days left" in html  # Monday and Tuesday; not the weekend
    ComplaintItem.objects.filter(pk=item.pk).update(review_due_on=dt.date(2026, 11, 18))  # Wednesday before
    html = queue_page(client, reviewer)
    assert "overdue · 2 working days late" in html


def test_the_queue_costs_the_same_queries_for_a_page_of_25_or_100(client, reviewer, holder, right, other_reviewer):
    items = waiting_items(holder, right, 120)
    services.items_claim(reviewer=other_reviewer, items=ComplaintItem.objects.filter(pk__in=[i.pk for i in items[:60]]),
                         count=50)
    client.force_login(reviewer)

    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            html = client.get(f"{reverse('review_items')}?state=in_review&size={size}").content.decode()
        assert len(listed(html)) == size
        return len(captured)

    assert queries(25) == queries(100)


# --- Claims ---------------------------------------------------------------------------------------------

def test_claiming_takes_the_next_free_items_in_the_queues_order_and_others_see_them_taken(
        client, reviewer, other_reviewer, holder, right):
    items = waiting_items(holder, right, 5, hours_ago=10) + waiting_items(holder, right, 5, platform="lazada")
    client.force_login(reviewer)
    response = client.post(f"{reverse('review_items')}?state=in_review&platform=lazada", {"count": "3"})
    claimed = list(ComplaintItem.objects.filter(claimed_by=reviewer).order_by("pk").values_list("pk", flat=True))
    assert claimed == [item.pk for item in items[5:8]]  # the filtered queue's first three
    assert response["Location"] == reverse("review_item", args=[claimed[0]])  # and straight to work
    others = queue_page(client, other_reviewer, "state=in_review&claims=free")
    assert not set(claimed) & set(listed(others)) and len(listed(others)) == 7
    everything = queue_page(client, other_reviewer)
    assert everything.count('data-claimed="other"') == 3 and reviewer.email in everything
    assert listed(queue_page(client, reviewer, "state=in_review&claims=mine")) == claimed
    # The other reviewer's batch skips what is claimed.
    assert services.items_claim(reviewer=other_reviewer, items=selectors.review_queue(reviewer=other_reviewer),
                                count=10) == [item.pk for item in items[:5] + items[8:]]


def test_a_claim_blocks_another_reviewers_decision_until_it_lapses(
        client, reviewer, other_reviewer, holder, right, run_tasks):
    [item] = waiting_items(holder, right, 1)
    assert services.items_claim(reviewer=reviewer, items=ComplaintItem.objects.filter(pk=item.pk), count=1) == [item.pk]
    client.force_login(other_reviewer)
    page = client.get(reverse("review_item", args=[item.pk])).content.decode()
    assert "has claimed this item until" in page and 'data-decision="accept"' not in page
    response = client.post(reverse("review_item", args=[item.pk]), {"decision": "accept"}, follow=True)
    assert "it is theirs to decide" in response.content.decode()
    api = api_as(other_reviewer).post(f"/api/v1/review/items/{item.pk}/decide/", {"decision": "accept"}, format="json")
    assert api.status_code == 409 and reviewer.email in api.json()["detail"]
    assert services.items_claim(reviewer=other_reviewer, items=ComplaintItem.objects.filter(pk=item.pk), count=1) == []
    assert ComplaintItem.objects.get(pk=item.pk).state == State.IN_REVIEW

    # The claim lapses (the reviewer left): the item is free again, and deciding it ends the claim.
    ComplaintItem.objects.filter(pk=item.pk).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    with run_tasks():
        services.item_review_decide(reviewer=other_reviewer, item_id=item.pk, decision="accept")
    item.refresh_from_db()
    assert (item.state, item.claimed_by, item.claimed_until) == (State.SELLER_NOTIFIED, None, None)


def test_releasing_gives_the_items_back(client, reviewer, other_reviewer, holder, right):
    items = waiting_items(holder, right, 4)
    services.items_claim(reviewer=reviewer, items=selectors.review_queue(reviewer=reviewer), count=4)
    services.items_claim(reviewer=other_reviewer, items=selectors.review_queue(reviewer=other_reviewer), count=4)
    assert not ComplaintItem.objects.filter(claimed_by=other_reviewer).exists()
    client.force_login(reviewer)
    client.post(f"{reverse('review_items')}?state=in_review", {"action": "release"})
    assert not ComplaintItem.objects.filter(claimed_by__isnull=False).exists()
    assert len(services.items_claim(reviewer=other_reviewer, items=selectors.review_queue(reviewer=other_reviewer),
                                    count=10)) == len(items)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_reviewers_claiming_at_once_never_get_the_same_item(holder, reviewer, other_reviewer, right):
    items = waiting_items(holder, right, 50)
    for _round in range(5):
        ComplaintItem.objects.update(claimed_by=None, claimed_until=None)
        start = threading.Barrier(2)
        got: dict[int, list[int]] = {}

        def claim(who, start=start, got=got):
            try:
                start.wait(timeout=20)
                got[who.pk] = services.items_claim(reviewer=who, items=selectors.review_queue(reviewer=who), count=30)
            finally:
                connection.close()

        threads = [threading.Thread(target=claim, args=(who,)) for who in (reviewer, other_reviewer)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        first, second = got[reviewer.pk], got[other_reviewer.pk]
        assert not set(first) & set(second)
        assert len(first) + len(second) == len(items)  # 30 and 20: every item given to exactly one
        owners = dict(ComplaintItem.objects.values_list("pk", "claimed_by"))
        assert all(owners[pk] == reviewer.pk for pk in first) and all(owners[pk] == other_reviewer.pk for pk in second)


# --- The API ----------------------------------------------------------------------------------------------

def test_the_api_claims_a_batch_with_the_queues_filters_and_releases_it(reviewer, other_reviewer, holder, right):
    waiting_items(holder, right, 3, hours_ago=5)
    lazada = waiting_items(holder, right, 4, platform="lazada")
    response = api_as(reviewer).post("/api/v1/review/claims/", {"count": 2, "platform": "lazada"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert [row["id"] for row in body] == [item.pk for item in lazada[:2]]
    assert {row["claimed_by"] for row in body} == {reviewer.email} and all(row["claimed_until"] for row in body)
    free = api_as(other_reviewer).get("/api/v1/review/queue/?claims=free&platform=lazada").json()
    assert [row["id"] for row in free["results"]] == [item.pk for item in lazada[2:]]
    named = api_as(other_reviewer).post("/api/v1/review/claims/", {"items": [lazada[0].pk, lazada[3].pk]}, format="json")
    assert [row["id"] for row in named.json()] == [lazada[3].pk]  # the first is the other reviewer's
    assert api_as(reviewer).post("/api/v1/review/claims/release/", {}, format="json").json() == {"released": 2}
    bad = api_as(reviewer).post("/api/v1/review/claims/", {"count": 500, "platform": "ebay"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"count", "platform"}
    assert api_as(holder).post("/api/v1/review/claims/", {"count": 1}, format="json").status_code == 403


def test_the_api_queue_takes_the_pages_filters(reviewer, holder, right):
    waiting_items(holder, right, 2, hours_ago=30)
    [late] = waiting_items(holder, right, 1, due_in_days=-1)
    body = api_as(reviewer).get("/api/v1/review/queue/?breaching_sla=true&sort=newest").json()
    assert [row["id"] for row in body["results"]] == [late.pk]
    assert api_as(reviewer).get("/api/v1/review/queue/?sort=sideways").status_code == 400


# --- Deciding: bulk, and on to the next item --------------------------------------------------------------

def test_a_decision_taken_for_chosen_items_of_one_complaint_takes_them_all_then_goes_to_the_next(
        client, reviewer, other_reviewer, holder, right, run_tasks):
    first, second, third, fourth = waiting_items(holder, right, 4, hours_ago=10)
    [elsewhere] = waiting_items(holder, right, 1, hours_ago=1)
    services.items_claim(reviewer=other_reviewer, items=ComplaintItem.objects.filter(pk=fourth.pk), count=1)
    client.force_login(reviewer)
    page = client.get(reverse("review_item", args=[first.pk])).content.decode()
    assert f'name="also" value="{second.pk}"' in page and f'value="{elsewhere.pk}"' not in page
    assert re.search(rf'value="{fourth.pk}" id="also-{fourth.pk}" disabled', page)  # claimed by another
    with run_tasks():
        response = client.post(reverse("review_item", args=[first.pk]), {
            "decision": "reject", "reason": "ipr_mismatch", "note": "Jewellery, not clothing.",
            "also": [second.pk, third.pk, fourth.pk, elsewhere.pk]})
    states = dict(ComplaintItem.objects.values_list("pk", "state"))
    assert [states[item.pk] for item in (first, second, third)] == [State.REJECTED] * 3
    assert states[fourth.pk] == states[elsewhere.pk] == State.IN_REVIEW  # claimed by another; not of this complaint
    assert ComplaintItemEvent.objects.filter(to_state=State.REJECTED, reason="ipr_mismatch", actor=reviewer).count() == 3
    assert response["Location"] == reverse("review_item", args=[elsewhere.pk])  # the next free item


def test_the_next_item_is_the_reviewers_own_claim_before_any_free_one(client, reviewer, holder, right, run_tasks):
    first, second = waiting_items(holder, right, 2, hours_ago=10)
    [claimed] = waiting_items(holder, right, 1, hours_ago=1)
    services.items_claim(reviewer=reviewer, items=ComplaintItem.objects.filter(pk=claimed.pk), count=1)
    client.force_login(reviewer)
    page = client.get(reverse("review_item", args=[first.pk])).content.decode()
    assert f'href="{reverse("review_item", args=[claimed.pk])}" id="next-item" data-key="n"' in page
    assert 'data-key="a"' in page and 'data-key="r" data-key-needs="#id_reason"' in page
    with run_tasks():
        response = client.post(reverse("review_item", args=[first.pk]), {"decision": "accept"})
    assert response["Location"] == reverse("review_item", args=[claimed.pk])
