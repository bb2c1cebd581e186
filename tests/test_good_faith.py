"""The Good Faith Program (issue 6): complainants' records over the window and who is eligible, admins' grants,
suspensions and revocations, members' items skipping review with the listing hidden at once, reviewers' spot checks,
the flag sweep, filing suspensions, and the admins' pages.

Records are read from histories built as rows (an item's state, when it was decided, when it entered its state): the
workflow that puts them there has its own tests. Everything a member does is done through the real services, with
the tasks they send run in-process (``run_tasks``).
"""

import datetime as dt
import html
import io
import itertools
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from complaints import good_faith, services
from complaints.good_faith import GoodFaithRefused, Record
from complaints.models import (
    Complaint,
    ComplaintItem,
    ComplaintItemEvent,
    FilingSuspension,
    GoodFaithChange,
    GoodFaithMembership,
    Listing,
    Shop,
)
from ipp.models import Notification

from .conftest import api_as, approve_ipr, make_ipr, make_listing, make_user

pytestmark = pytest.mark.django_db
State = ComplaintItem.State
_listing_ids = itertools.count(700_000_000_000)

WINDOW, MIN_DECIDED, READMIT = 90, 10, 90


@pytest.fixture(autouse=True)
def program(settings):
    """The published defaults, with a small entry floor and no spot checks unless a test asks for them."""
    settings.IPP_GOOD_FAITH_WINDOW_DAYS = WINDOW
    settings.IPP_GOOD_FAITH_MIN_DECIDED = MIN_DECIDED
    settings.IPP_GOOD_FAITH_MIN_TAKEDOWN_SHARE = 0.90
    settings.IPP_GOOD_FAITH_MAX_COUNTER_SUCCESS_SHARE = 0.05
    settings.IPP_GOOD_FAITH_READMIT_DAYS = READMIT
    settings.IPP_GOOD_FAITH_SPOT_CHECK_SHARE = 0.0
    return settings


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def right(holder, reviewer):
    return approve_ipr(make_ipr(holder), reviewer=reviewer)


@pytest.fixture
def rival(reviewer):
    return make_user("rival@example.com", name="Rival Brands Co", category=User.RegistrantCategory.ENTITY,
                     verified_by=reviewer)


@pytest.fixture
def rival_right(rival, reviewer):
    return approve_ipr(make_ipr(rival, name="RIVAL", number="30000777"), reviewer=reviewer)


@pytest.fixture
def shop_owner(db):
    return make_user("shop@example.com", role=User.Role.SELLER, name="Demo Shop")


@pytest.fixture
def listing(shop_owner):
    return make_listing(title="ACME copy", shop_name="Demo Shop", owner=shop_owner)


def outcomes(complainant, right, state, count=1, *, at, reason="counterfeit", **fields) -> list[ComplaintItem]:
    """``count`` items of one complaint of ``complainant`` that reached ``state`` at ``at`` (decided then when the
    state is a decision), as rows. ``right`` only has to exist: a record reads the complainant and the outcome."""
    shop, _ = Shop.objects.get_or_create(platform_id="taobao", shop_id="good-faith-shop", defaults={"name": "GF Shop"})
    complaint = Complaint.objects.create(complainant=complainant, ipr=right, platform_id="taobao", reason=reason,
                                         status="open", submitted_at=at)
    ids = [next(_listing_ids) for _ in range(count)]
    listings = Listing.objects.bulk_create(
        Listing(platform_id="taobao", listing_id=str(n), url=f"https://item.taobao.com/item.htm?id={n}",
                title=f"Copy {n}", shop=shop) for n in ids)
    decided_at = at if state in good_faith.DECIDED else None
    return ComplaintItem.objects.bulk_create(
        ComplaintItem(complaint=complaint, listing=listing, listing_url=listing.url, state=state, state_since=at,
                      decided_at=decided_at, **fields) for listing in listings)


def change(admin, complainant, action, reason="Accurate notices, confirmed repeatedly.") -> GoodFaithMembership:
    return good_faith.good_faith_change(admin=admin, complainant_id=complainant.pk, action=action, reason=reason)


def file(complainant, right, *listings) -> Complaint:
    return services.complaint_file(user=complainant, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
                                   urls_text="\n".join(listing.url for listing in listings), statements=True)


def status_of(listing) -> str:
    return Listing.objects.get(pk=listing.pk).status



# --- 1. The record over the window, and who is eligible ---------------------------------------------------------

def test_a_record_counts_the_items_decided_in_the_window_by_outcome_and_withdrawals_by_when_they_happened(
        holder, right, now):
    start = now - dt.timedelta(days=WINDOW)
    inside, long_ago = now - dt.timedelta(days=10), start - dt.timedelta(days=1)
    outcomes(holder, right, State.TAKEN_DOWN, 5, at=inside)
    outcomes(holder, right, State.TAKEN_DOWN, at=start)  # exactly at the window's start: counted
    outcomes(holder, right, State.TAKEN_DOWN, at=start - dt.timedelta(microseconds=1))  # just before: not
    outcomes(holder, right, State.TAKEN_DOWN, at=now + dt.timedelta(minutes=1))  # after the moment asked about: not
    outcomes(holder, right, State.REJECTED, 2, at=inside)
    outcomes(holder, right, State.REJECTED, 3, at=long_ago)
    outcomes(holder, right, State.COUNTER_ACCEPTED, at=inside)
    outcomes(holder, right, State.REINSTATED, at=inside)
    outcomes(holder, right, State.WITHDRAWN, at=inside)
    outcomes(holder, right, State.WITHDRAWN, 2, at=long_ago)
    for pending in (State.SUBMITTED, State.IN_REVIEW, State.SELLER_NOTIFIED, State.COUNTER_NOTICED,
                    State.IN_DECISION, State.HELD):
        outcomes(holder, right, pending, at=inside)  # not decided yet

    record = good_faith.records_of([holder.pk], as_of=now)[holder.pk]

    assert record == Record(decided=10, taken_down=6, rejected=2, counter_succeeded=2, withdrawn=1)
    assert (record.takedown_share, record.rejected_share, record.counter_success_share) == (0.6, 0.2, 0.2)


def test_records_keep_complainants_apart_and_give_an_empty_record_to_one_without_items(holder, rival, right, now):
    outcomes(holder, right, State.TAKEN_DOWN, 3, at=now - dt.timedelta(days=1))
    outcomes(rival, right, State.REJECTED, 2, at=now - dt.timedelta(days=1))
    nobody = make_user("quiet@example.com", name="Quiet Co")

    records = good_faith.records_of([holder.pk, rival.pk, nobody.pk], as_of=now)

    assert records == {holder.pk: Record(3, 3, 0, 0, 0), rival.pk: Record(2, 0, 2, 0, 0), nobody.pk: Record(0, 0, 0, 0, 0)}
    assert records[nobody.pk].takedown_share is None and not records[nobody.pk].meets_the_bar


def test_records_of_takes_the_ids_from_any_iterable(holder, right, now):
    outcomes(holder, right, State.TAKEN_DOWN, 2, at=now - dt.timedelta(days=1))

    assert good_faith.records_of((pk for pk in [holder.pk]), as_of=now) == {holder.pk: Record(2, 2, 0, 0, 0)}


def test_the_record_by_reason_splits_the_window_by_the_complaints_reason(holder, right, now):
    inside, long_ago = now - dt.timedelta(days=3), now - dt.timedelta(days=WINDOW + 1)
    outcomes(holder, right, State.TAKEN_DOWN, 4, at=inside)
    outcomes(holder, right, State.COUNTER_ACCEPTED, at=inside)
    outcomes(holder, right, State.TAKEN_DOWN, 2, at=inside, reason="trademark_misuse")
    outcomes(holder, right, State.WITHDRAWN, at=inside, reason="trademark_misuse")
    outcomes(holder, right, State.REJECTED, 5, at=long_ago, reason="trademark_misuse")
    outcomes(holder, right, State.REJECTED, 3, at=long_ago, reason="pirated")  # only outside the window
    outcomes(holder, right, State.SELLER_NOTIFIED, at=inside, reason="image_misuse")  # nothing decided yet

    assert good_faith.record_by_reason(holder, as_of=now) == {
        "counterfeit": Record(decided=5, taken_down=4, rejected=0, counter_succeeded=1, withdrawn=0),
        "trademark_misuse": Record(decided=2, taken_down=2, rejected=0, counter_succeeded=0, withdrawn=1),
    }


def test_complainant_records_list_those_with_a_decision_or_withdrawal_in_the_window_the_busiest_first(
        holder, rival, right, now):
    inside = now - dt.timedelta(days=5)
    outcomes(holder, right, State.TAKEN_DOWN, 3, at=inside)
    outcomes(rival, right, State.TAKEN_DOWN, 4, at=inside)
    outcomes(rival, right, State.REINSTATED, at=inside)
    withdrew = make_user("withdrew@example.com", name="Withdrew Ltd")
    outcomes(withdrew, right, State.WITHDRAWN, at=inside)
    old = make_user("old@example.com", name="Old Ltd")
    outcomes(old, right, State.TAKEN_DOWN, 9, at=now - dt.timedelta(days=WINDOW + 5))
    waiting = make_user("waiting@example.com", name="Waiting Ltd")
    outcomes(waiting, right, State.IN_REVIEW, 9, at=inside)

    rows = [(row["complainant_id"], good_faith.record_of_row(row)) for row in good_faith.complainant_records(as_of=now)]

    assert rows == [(rival.pk, Record(5, 4, 0, 1, 0)), (holder.pk, Record(3, 3, 0, 0, 0)),
                    (withdrew.pk, Record(0, 0, 0, 0, 1))]


@pytest.mark.parametrize("search", ["rival brands", "RIVAL@EXAMPLE"])
def test_complainant_records_search_by_part_of_the_name_or_email(holder, rival, right, now, search):
    outcomes(holder, right, State.TAKEN_DOWN, at=now - dt.timedelta(days=1))
    outcomes(rival, right, State.TAKEN_DOWN, 2, at=now - dt.timedelta(days=1))

    assert [row["complainant_id"] for row in good_faith.complainant_records(as_of=now, search=search)] == [rival.pk]


@pytest.mark.parametrize(("taken_down", "rejected", "counter_accepted", "eligible"), [
    (9, 1, 0, True),  # the floor exactly (10 decided) and 90% exactly
    (9, 0, 0, False),  # every one taken down, but one short of the floor
    (8, 2, 0, False),  # 80% taken down
    (19, 0, 1, True),  # 95% taken down and counter-notices upheld on 5% exactly
    (18, 0, 2, False),  # 90% taken down, but counter-notices upheld on 10%
    (36, 2, 2, True),  # 90% and 5%, both exactly
    (35, 3, 2, False),  # 87.5%
])
def test_eligibility_is_the_floor_of_decided_items_the_takedown_share_and_the_counter_notice_share(
        holder, right, now, taken_down, rejected, counter_accepted, eligible):
    at = now - dt.timedelta(days=1)
    outcomes(holder, right, State.TAKEN_DOWN, taken_down, at=at)
    outcomes(holder, right, State.REJECTED, rejected, at=at)
    outcomes(holder, right, State.COUNTER_ACCEPTED, counter_accepted, at=at)

    record = good_faith.records_of([holder.pk], as_of=now)[holder.pk]
    listed = [row["complainant_id"] for row in good_faith.complainant_records(as_of=now, eligible_only=True)]

    assert record.eligible is eligible
    assert listed == ([holder.pk] if eligible else [])


def test_the_eligible_list_agrees_with_the_record_at_a_share_that_multiplies_inexactly(holder, right, now, settings):
    # 25 × 0.56 is 14.000000000000002 in floating point, while 14 / 25 is 0.56: at the bar either way it is read.
    settings.IPP_GOOD_FAITH_MIN_DECIDED = 25
    settings.IPP_GOOD_FAITH_MIN_TAKEDOWN_SHARE = 0.56
    outcomes(holder, right, State.TAKEN_DOWN, 14, at=now - dt.timedelta(days=1))
    outcomes(holder, right, State.REJECTED, 11, at=now - dt.timedelta(days=1))

    assert good_faith.records_of([holder.pk], as_of=now)[holder.pk].eligible
    assert [row["complainant_id"] for row in good_faith.complainant_records(as_of=now, eligible_only=True)] == [holder.pk]


def test_a_members_bar_has_no_floor_of_decided_items():
    record = Record(decided=3, taken_down=3, rejected=0, counter_succeeded=0, withdrawn=0)

    assert record.meets_the_bar and not record.eligible


# --- 2. Grant, suspend, revoke ---------------------------------------------------------------------------------

def test_granting_makes_a_member_keeps_the_change_with_the_admin_and_tells_the_complainant(
        admin_user, holder, run_tasks):
    with run_tasks():
        membership = change(admin_user, holder, "grant", "Six months of accurate notices.")

    assert (membership.status, membership.flagged_at) == ("member", None)
    assert good_faith.is_member(holder)
    [kept] = GoodFaithChange.objects.filter(complainant=holder)
    assert (kept.action, kept.actor, kept.reason) == ("grant", admin_user, "Six months of accurate notices.")
    [told] = Notification.objects.filter(user=holder)
    assert told.kind == "good_faith" and "Six months of accurate notices." in told.text
    assert "member of the Good Faith Program" in told.text


def test_suspending_and_revoking_are_kept_in_order_and_each_is_told(admin_user, holder, run_tasks):
    with run_tasks():
        change(admin_user, holder, "grant")
        change(admin_user, holder, "suspend", "Two unfounded notices this week.")
        change(admin_user, holder, "revoke", "The record did not recover.")

    assert good_faith.membership_of(holder).status == "revoked" and not good_faith.is_member(holder)
    assert [(c.action, c.reason) for c in GoodFaithChange.objects.filter(complainant=holder)] == [
        ("revoke", "The record did not recover."), ("suspend", "Two unfounded notices this week."),
        ("grant", "Accurate notices, confirmed repeatedly.")]
    assert Notification.objects.filter(user=holder, kind="good_faith").count() == 3


STANDINGS = {None: [], "member": ["grant"], "suspended": ["grant", "suspend"], "revoked": ["grant", "revoke"]}


@pytest.mark.parametrize("standing", list(STANDINGS))
@pytest.mark.parametrize("action", ["grant", "suspend", "revoke"])
def test_each_decision_is_allowed_only_from_the_standings_the_table_names(admin_user, holder, standing, action):
    for step in STANDINGS[standing]:
        change(admin_user, holder, step)
    GoodFaithMembership.objects.filter(complainant=holder).update(since=F("since") - dt.timedelta(days=READMIT))
    changes = GoodFaithChange.objects.count()

    if standing in good_faith.ALLOWED[action]:
        assert change(admin_user, holder, action).status == good_faith.NEW_STATUS[action]
        assert GoodFaithChange.objects.count() == changes + 1
    else:
        with pytest.raises(GoodFaithRefused, match="does not allow that"):
            change(admin_user, holder, action)
        assert GoodFaithChange.objects.count() == changes
        assert getattr(good_faith.membership_of(holder), "status", None) == standing


def test_the_table_allows_granting_newcomers_suspended_and_revoked_suspending_members_and_revoking_either():
    assert {"grant": {None, "suspended", "revoked"}, "suspend": {"member"},
                                  "revoke": {"member", "suspended"}} == good_faith.ALLOWED


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_decision_without_a_reason_is_refused_and_nothing_is_kept(admin_user, holder, run_tasks, reason):
    with run_tasks(), pytest.raises(GoodFaithRefused, match="Give the reason"):
        change(admin_user, holder, "grant", reason)

    assert not GoodFaithMembership.objects.exists() and not GoodFaithChange.objects.exists()
    assert not Notification.objects.filter(user=holder).exists()


def test_only_rights_holders_can_be_members(admin_user, seller):
    with pytest.raises(GoodFaithRefused, match="Only rights holders"):
        change(admin_user, seller, "grant")
    assert not GoodFaithMembership.objects.exists()


def test_a_flag_or_an_unknown_action_is_not_an_admins_decision(admin_user, holder):
    for action in ("flag", "promote"):
        with pytest.raises(GoodFaithRefused):
            change(admin_user, holder, action)
    assert not GoodFaithMembership.objects.exists()


def test_a_revoked_member_is_refused_readmission_until_the_wait_is_over(admin_user, holder):
    change(admin_user, holder, "grant")
    revoked = change(admin_user, holder, "revoke", "Accuracy fell to 70%.")
    readmit_on = timezone.localtime(revoked.since + dt.timedelta(days=READMIT)).date().isoformat()

    with pytest.raises(GoodFaithRefused, match=f"may be admitted again from {readmit_on}"):
        change(admin_user, holder, "grant")
    GoodFaithMembership.objects.filter(complainant=holder).update(since=F("since") - dt.timedelta(days=READMIT - 1))
    with pytest.raises(GoodFaithRefused):
        change(admin_user, holder, "grant")  # a day still to wait
    assert good_faith.membership_of(holder).status == "revoked"
    assert list(GoodFaithChange.objects.filter(complainant=holder).values_list("action", flat=True)) == ["revoke", "grant"]


def test_a_revoked_member_is_admitted_again_once_the_wait_is_over(admin_user, holder):
    change(admin_user, holder, "grant")
    change(admin_user, holder, "revoke")
    GoodFaithMembership.objects.filter(complainant=holder).update(since=F("since") - dt.timedelta(days=READMIT))

    assert good_faith.readmit_after(holder) is None
    assert change(admin_user, holder, "grant", "The wait is over; accurate since.").status == "member"


def test_a_suspended_member_may_be_granted_again_at_once(admin_user, holder):
    change(admin_user, holder, "grant")
    change(admin_user, holder, "suspend")

    assert good_faith.readmit_after(holder) is None
    assert change(admin_user, holder, "grant").status == "member"


# --- 3. A member's complaint skips review ---------------------------------------------------------------------

@pytest.fixture
def member(admin_user, holder):
    change(admin_user, holder, "grant")
    return holder


def test_a_members_complaint_goes_straight_to_the_sellers_notice_with_the_listing_hidden(
        member, right, listing, shop_owner, run_tasks):
    before = timezone.now()
    with run_tasks():
        complaint = file(member, right, listing)

    item = complaint.items.get()
    assert (item.state, item.good_faith, item.spot_check) == ("seller_notified", True, "")
    assert before + dt.timedelta(days=3) <= item.respond_by <= timezone.now() + dt.timedelta(days=3)
    assert item.events.last().reason == "good_faith" and item.events.last().actor is None
    assert status_of(listing) == "hidden"
    assert Notification.objects.get(user=shop_owner).kind == "notice_received"


def test_with_a_spot_check_share_of_one_every_members_item_waits_for_a_spot_check(
        member, right, shop_owner, run_tasks, settings):
    settings.IPP_GOOD_FAITH_SPOT_CHECK_SHARE = 1.0
    listings = [make_listing(shop_name="Demo Shop", owner=shop_owner) for _ in range(3)]
    with run_tasks():
        complaint = file(member, right, *listings)

    assert set(complaint.items.values_list("state", "good_faith", "spot_check")) == {("seller_notified", True, "pending")}


def test_with_a_spot_check_share_of_zero_no_members_item_waits_for_one(member, right, shop_owner, run_tasks):
    listings = [make_listing(shop_name="Demo Shop", owner=shop_owner) for _ in range(3)]
    with run_tasks():
        complaint = file(member, right, *listings)

    assert set(complaint.items.values_list("state", "spot_check")) == {("seller_notified", "")}


@pytest.mark.parametrize("share", [0.1, 0.25])
def test_the_spot_check_sample_is_the_configured_share_of_item_ids_spread_over_each_complaint(settings, share):
    settings.IPP_GOOD_FAITH_SPOT_CHECK_SHARE = share
    for first in (1, 5_000_001):
        sampled = sum(good_faith.spot_checked(pk) for pk in range(first, first + 10_000))
        assert abs(sampled - share * 10_000) <= 100
    # One complaint's items have consecutive ids: its sample is spread, not all or nothing.
    assert 0 < sum(good_faith.spot_checked(pk) for pk in range(42_001, 42_021)) < 20


def test_a_non_members_complaint_goes_into_review_as_before(holder, right, listing, run_tasks):
    with run_tasks():
        complaint = file(holder, right, listing)

    item = complaint.items.get()
    assert (item.state, item.good_faith, item.spot_check, item.respond_by) == ("in_review", False, "", None)
    assert status_of(listing) == "active"


def test_a_suspended_members_complaint_goes_into_review(admin_user, member, right, listing, run_tasks):
    change(admin_user, member, "suspend")
    with run_tasks():
        complaint = file(member, right, listing)

    assert (complaint.items.get().state, complaint.items.get().good_faith) == ("in_review", False)
    assert status_of(listing) == "active"


def test_the_sweep_starts_what_a_lost_message_left_members_to_the_notice_and_others_to_review(
        member, right, rival, rival_right, shop_owner, run_tasks):
    mine, theirs = (make_listing(shop_name="Demo Shop", owner=shop_owner) for _ in range(2))
    complaint = file(member, right, mine)  # the start_review task is never run: its message was lost
    other = file(rival, rival_right, theirs)
    assert {complaint.items.get().state, other.items.get().state} == {"submitted"}

    assert services.items_enter_review_sweep(as_of=timezone.now(), dry_run=True) == 2
    with run_tasks():
        assert services.items_enter_review_sweep(as_of=timezone.now()) == 2

    assert (complaint.items.get().state, complaint.items.get().good_faith) == ("seller_notified", True)
    assert (other.items.get().state, other.items.get().good_faith) == ("in_review", False)
    assert (status_of(mine), status_of(theirs)) == ("hidden", "active")
    assert services.items_enter_review_sweep(as_of=timezone.now()) == 0


def test_a_members_item_never_reaches_the_notice_without_its_good_faith_mark(member, right, listing, monkeypatch):
    complaint = file(member, right, listing)  # its start task not run yet

    def the_worker_dies(item_id):
        raise RuntimeError("the worker died between the move and its marks")

    monkeypatch.setattr(good_faith, "spot_checked", the_worker_dies)
    with pytest.raises(RuntimeError):
        services.complaint_review_start(complaint_id=complaint.pk)
    item = complaint.items.get()
    assert (item.state, item.good_faith, item.respond_by) == ("submitted", False, None)
    assert list(item.events.values_list("to_state", flat=True)) == ["submitted"]

    monkeypatch.undo()
    assert services.complaint_review_start(complaint_id=complaint.pk) == 1  # the next delivery does it all
    assert complaint.items.filter(state="seller_notified", good_faith=True).count() == 1


def test_the_sellers_silence_takes_a_members_listing_down(member, right, listing, run_tasks):
    with run_tasks():
        complaint = file(member, right, listing)
    item = complaint.items.get()
    with run_tasks():
        assert services.seller_silence_sweep(as_of=item.respond_by) == 1

    assert ComplaintItem.objects.get(pk=item.pk).state == "taken_down"
    assert status_of(listing) == "removed"


def test_a_counter_notice_the_member_accepts_shows_the_listing_again(member, right, listing, shop_owner, run_tasks):
    with run_tasks():
        complaint = file(member, right, listing)
    item = complaint.items.get()
    with run_tasks():
        services.counter_notice_file(seller=shop_owner, item_id=item.pk, ground="genuine",
                                     statement="Bought from the brand's distributor.", perjury_statement=True)
    assert status_of(listing) == "hidden"  # a counter-notice alone does not bring it back
    with run_tasks():
        services.counter_notice_accept(user=member, item_id=item.pk)

    assert ComplaintItem.objects.get(pk=item.pk).state == "counter_accepted"
    assert status_of(listing) == "active"


def test_withdrawing_a_members_complaint_shows_the_listing_again(member, right, listing, run_tasks):
    with run_tasks():
        complaint = file(member, right, listing)
    with run_tasks():
        services.complaint_withdraw(user=member, complaint=complaint)

    assert complaint.items.get().state == "withdrawn"
    assert status_of(listing) == "active"


def test_withdrawing_a_members_notice_keeps_the_listing_hidden_while_another_members_notice_stands(
        admin_user, member, right, rival, rival_right, listing, run_tasks):
    change(admin_user, rival, "grant")
    with run_tasks():
        mine = file(member, right, listing)
        file(rival, rival_right, listing)
    with run_tasks():
        services.complaint_withdraw(user=member, complaint=mine)
    assert status_of(listing) == "hidden"

    with run_tasks():
        services.complaint_withdraw(user=rival, complaint=Complaint.objects.get(complainant=rival))
    assert status_of(listing) == "active"


def test_a_members_listing_is_on_sale_while_the_right_is_withdrawn_and_hidden_again_when_it_returns(
        member, reviewer, listing, run_tasks):
    from ipp.workdays import today_in_china
    from ipr import services as ipr_services
    from ipr.models import IPR

    from .conftest import checked_pdf

    ends = today_in_china() + dt.timedelta(days=10)
    right = approve_ipr(make_ipr(member, number="30000555", expires_on=ends), reviewer=reviewer)
    with run_tasks():
        item = file(member, right, listing).items.get()
    assert status_of(listing) == "hidden"
    after = ends + dt.timedelta(days=1)
    with run_tasks():
        ipr_services.ipr_withdraw_sweep(as_of=after)
        ipr_services.complaint_items_hold_sweep(as_of=after)
    assert (ComplaintItem.objects.get(pk=item.pk).state, status_of(listing)) == ("held", "active")

    ipr_services.ipr_renew(user=member, ipr=IPR.objects.get(pk=right.pk), fields={"expires_on": ends.replace(year=ends.year + 10)},
                           certificate=checked_pdf("renewal-certificate.pdf"))
    with run_tasks():
        ipr_services.ipr_approve(ipr_id=right.pk, reviewer=reviewer)
    assert (ComplaintItem.objects.get(pk=item.pk).state, status_of(listing)) == ("seller_notified", "hidden")
    # Every move ran its effects, once; the seller was told of the notice once (resuming tells nobody again).
    assert not ComplaintItemEvent.objects.filter(item=item, effects_done_at__isnull=True).exists()
    assert Notification.objects.filter(kind="notice_received").count() == 1


def test_holding_one_members_notice_keeps_the_listing_hidden_while_another_members_notice_stands(
        admin_user, member, rival, rival_right, listing, reviewer, run_tasks):
    from ipr import services as ipr_services

    change(admin_user, rival, "grant")
    mine_right = approve_ipr(make_ipr(member, number="30000556"), reviewer=reviewer)
    with run_tasks():
        mine = file(member, mine_right, listing).items.get()
        file(rival, rival_right, listing)
    with run_tasks():
        ipr_services.ipr_withdraw(ipr_id=mine_right.pk, actor=admin_user)
    assert (ComplaintItem.objects.get(pk=mine.pk).state, status_of(listing)) == ("held", "hidden")


def test_holding_an_ordinary_complaints_item_leaves_nothing_for_a_worker(holder, right, listing, admin_user, run_tasks):
    from ipr import services as ipr_services

    with run_tasks():
        item = file(holder, right, listing).items.get()
    with run_tasks():
        ipr_services.ipr_withdraw(ipr_id=right.pk, actor=admin_user)
    held = ComplaintItemEvent.objects.get(item=item, to_state="held")
    assert held.effects_done_at is not None and status_of(listing) == "active"


def test_rejecting_an_ordinary_complaint_does_not_show_a_listing_a_members_notice_hid(
        member, right, rival, rival_right, listing, reviewer, run_tasks):
    with run_tasks():
        theirs = file(rival, rival_right, listing).items.get()
        file(member, right, listing)
    assert status_of(listing) == "hidden"
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=theirs.pk, decision="reject", reason="use_not_found")

    assert status_of(listing) == "hidden"


def test_withdrawing_a_members_notice_leaves_a_listing_removed_by_another_complaint_removed(
        member, right, listing, run_tasks):
    with run_tasks():
        complaint = file(member, right, listing)
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.REMOVED)
    with run_tasks():
        services.complaint_withdraw(user=member, complaint=complaint)

    assert status_of(listing) == "removed"


# --- 4. Spot checks ---------------------------------------------------------------------------------------------

@pytest.fixture
def sampled(member, right, listing, run_tasks, settings):
    """A member's item in the spot-check sample, its notice sent and its listing hidden."""
    settings.IPP_GOOD_FAITH_SPOT_CHECK_SHARE = 1.0
    with run_tasks():
        complaint = file(member, right, listing)
    item = complaint.items.get()
    assert (item.spot_check, status_of(listing)) == ("pending", "hidden")
    return item


def test_a_confirmed_spot_check_keeps_the_notice_and_records_who_checked_and_when(sampled, reviewer, listing):
    before = timezone.now()
    item = services.spot_check_decide(reviewer=reviewer, item_id=sampled.pk, outcome="confirmed")

    assert (item.state, item.spot_check, item.spot_checked_by) == ("seller_notified", "confirmed", reviewer)
    assert before <= item.spot_checked_at <= timezone.now()
    assert status_of(listing) == "hidden"


def test_an_unfounded_spot_check_rejects_the_item_shows_the_listing_and_tells_the_complainant(
        sampled, reviewer, member, listing, run_tasks, now):
    with run_tasks():
        item = services.spot_check_decide(reviewer=reviewer, item_id=sampled.pk, outcome="unfounded",
                                          reason="parallel_goods", note="Genuine stock from a distributor.")

    assert (item.state, ComplaintItem.objects.get(pk=item.pk).spot_check) == ("rejected", "unfounded")
    event = item.events.last()
    assert (event.from_state, event.to_state, event.actor, event.reason, event.note) == (
        "seller_notified", "rejected", reviewer, "parallel_goods", "Genuine stock from a distributor.")
    assert status_of(listing) == "active"
    assert Notification.objects.filter(user=member, kind="decision").count() == 1
    assert good_faith.records_of([member.pk], as_of=timezone.now() + dt.timedelta(seconds=1))[member.pk] == Record(
        decided=1, taken_down=0, rejected=1, counter_succeeded=0, withdrawn=0)


def test_an_unfounded_spot_check_after_a_counter_notice_rejects_the_item_too(sampled, reviewer, shop_owner, run_tasks):
    with run_tasks():
        services.counter_notice_file(seller=shop_owner, item_id=sampled.pk, ground="authorised",
                                     statement="We are an authorised reseller.", perjury_statement=True)
        item = services.spot_check_decide(reviewer=reviewer, item_id=sampled.pk, outcome="unfounded",
                                          reason="insufficient_proof")

    assert item.state == "rejected" and status_of(item.listing) == "active"


def test_an_unfounded_spot_check_needs_a_rejection_reason_and_changes_nothing_without_one(sampled, reviewer):
    for reason in ("", "not_a_reason"):
        with pytest.raises(services.ActionRefused, match="reason"):
            services.spot_check_decide(reviewer=reviewer, item_id=sampled.pk, outcome="unfounded", reason=reason)

    item = ComplaintItem.objects.get(pk=sampled.pk)
    assert (item.state, item.spot_check, item.spot_checked_by) == ("seller_notified", "pending", None)


def test_a_second_spot_check_is_refused(sampled, reviewer, run_tasks):
    services.spot_check_decide(reviewer=reviewer, item_id=sampled.pk, outcome="confirmed")

    with pytest.raises(services.ActionRefused, match="not waiting for a spot check"):
        services.spot_check_decide(reviewer=reviewer, item_id=sampled.pk, outcome="unfounded", reason="other")
    assert ComplaintItem.objects.get(pk=sampled.pk).spot_check == "confirmed"


def test_an_item_outside_the_sample_cannot_be_spot_checked(member, right, listing, reviewer, run_tasks):
    with run_tasks():
        complaint = file(member, right, listing)
    item = complaint.items.get()

    with pytest.raises(services.ActionRefused, match="not waiting for a spot check"):
        services.spot_check_decide(reviewer=reviewer, item_id=item.pk, outcome="confirmed")


def test_an_item_whose_notice_has_ended_can_no_longer_be_spot_checked(sampled, reviewer, run_tasks):
    with run_tasks():
        services.seller_silence_sweep(as_of=sampled.respond_by)

    for outcome, reason in (("confirmed", ""), ("unfounded", "other")):
        with pytest.raises(services.ActionRefused, match="not waiting for a spot check"):
            services.spot_check_decide(reviewer=reviewer, item_id=sampled.pk, outcome=outcome, reason=reason)
    item = ComplaintItem.objects.get(pk=sampled.pk)
    assert (item.state, item.spot_check, item.spot_checked_by) == ("taken_down", "pending", None)


def test_a_reviewer_records_a_spot_check_from_the_item_page(client, sampled, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("review_item_spot_check", args=[sampled.pk]),
                           {"outcome": "unfounded", "reason": "use_not_found", "note": "No ACME mark in the photos."})

    assert response.status_code == 302
    item = ComplaintItem.objects.get(pk=sampled.pk)
    assert (item.state, item.spot_check, item.spot_checked_by) == ("rejected", "unfounded", reviewer)


def test_a_spot_check_confirmed_from_the_page_goes_on_to_the_spot_check_tab(client, sampled, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("review_item_spot_check", args=[sampled.pk]), {"outcome": "confirmed"})

    assert response.status_code == 302 and response["Location"] == f"{reverse('review_items')}?state=spot_check"
    assert ComplaintItem.objects.get(pk=sampled.pk).spot_check == "confirmed"


@pytest.mark.parametrize(("who", "status"), [(None, 302), ("holder", 403), ("seller", 403)])
def test_only_reviewers_may_post_a_spot_check(client, sampled, member, shop_owner, who, status):
    if who:
        client.force_login({"holder": member, "seller": shop_owner}[who])
    response = client.post(reverse("review_item_spot_check", args=[sampled.pk]), {"outcome": "unfounded",
                                                                                 "reason": "use_not_found"})

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("account_login"))
    item = ComplaintItem.objects.get(pk=sampled.pk)
    assert (item.state, item.spot_check, item.spot_checked_by) == ("seller_notified", "pending", None)


def test_the_spot_check_tab_lists_only_pending_checks_whose_notice_still_stands(client, reviewer, holder, right, now):
    at = now - dt.timedelta(hours=5)
    notified = outcomes(holder, right, State.SELLER_NOTIFIED, at=at, good_faith=True, spot_check="pending")
    countered = outcomes(holder, right, State.COUNTER_NOTICED, at=at + dt.timedelta(hours=1), good_faith=True,
                         spot_check="pending")
    outcomes(holder, right, State.TAKEN_DOWN, at=at, good_faith=True, spot_check="pending")  # the notice has ended
    outcomes(holder, right, State.IN_DECISION, at=at, good_faith=True, spot_check="pending")
    outcomes(holder, right, State.SELLER_NOTIFIED, at=at, good_faith=True, spot_check="confirmed")  # checked
    outcomes(holder, right, State.SELLER_NOTIFIED, at=at, good_faith=True)  # not sampled
    outcomes(holder, right, State.IN_REVIEW, at=at)  # an ordinary item waiting for review

    client.force_login(reviewer)
    page = client.get(f"{reverse('review_items')}?state=spot_check")

    assert page.status_code == 200
    assert [int(pk) for pk in re.findall(r'<tr data-item="(\d+)"', page.content.decode())] == [
        notified[0].pk, countered[0].pk]


def test_spot_checks_come_soonest_closing_window_first(client, reviewer, holder, right, now):
    later = outcomes(holder, right, State.SELLER_NOTIFIED, at=now - dt.timedelta(hours=9), good_faith=True,
                     spot_check="pending", respond_by=now + dt.timedelta(days=2))
    sooner = outcomes(holder, right, State.SELLER_NOTIFIED, at=now - dt.timedelta(hours=1), good_faith=True,
                      spot_check="pending", respond_by=now + dt.timedelta(hours=3))
    client.force_login(reviewer)
    page = client.get(f"{reverse('review_items')}?state=spot_check").content.decode()
    assert [int(pk) for pk in re.findall(r'<tr data-item="(\d+)"', page)] == [sooner[0].pk, later[0].pk]


# --- 5. The flag sweep ------------------------------------------------------------------------------------------

@pytest.fixture
def under_the_bar(member, right, now):
    """A member whose record fell to 80% taken down."""
    outcomes(member, right, State.TAKEN_DOWN, 8, at=now - dt.timedelta(days=2))
    outcomes(member, right, State.REJECTED, 2, at=now - dt.timedelta(days=2))
    return member


@pytest.fixture
def admins(admin_user):
    make_user("inactive-admin@example.com", role=User.Role.ADMIN)
    User.objects.filter(email="inactive-admin@example.com").update(is_active=False)
    return [admin_user, make_user("second-admin@example.com", role=User.Role.ADMIN)]


def test_a_member_under_the_bar_is_flagged_once_and_every_active_admin_told_once(under_the_bar, admins, now):
    assert good_faith.good_faith_flag_sweep(as_of=now) == 1

    assert good_faith.membership_of(under_the_bar).flagged_at == now
    flag = GoodFaithChange.objects.get(complainant=under_the_bar, action="flag")
    assert flag.actor is None
    assert flag.reason == ("Over the last 90 days, 80.0% of 10 decided items were taken down (the bar: 90%); "
                           "sellers' counter-notices succeeded on 0.0% (at most 5%).")
    told = Notification.objects.filter(kind="good_faith", user__role=User.Role.ADMIN)
    assert sorted(told.values_list("user__email", flat=True)) == ["admin@example.com", "second-admin@example.com"]
    assert all(flag.reason in notice.text for notice in told)

    assert good_faith.good_faith_flag_sweep(as_of=now + dt.timedelta(minutes=5)) == 0
    assert good_faith.membership_of(under_the_bar).flagged_at == now
    assert GoodFaithChange.objects.filter(action="flag").count() == 1 and told.count() == 2


def test_a_dry_run_of_the_flag_sweep_counts_and_flags_nobody(under_the_bar, admins, now):
    assert good_faith.good_faith_flag_sweep(as_of=now, dry_run=True) == 1

    assert good_faith.membership_of(under_the_bar).flagged_at is None
    assert not GoodFaithChange.objects.filter(action="flag").exists() and not Notification.objects.exists()


def test_a_flagged_member_whose_record_recovers_is_unflagged(under_the_bar, right, admins, now):
    good_faith.good_faith_flag_sweep(as_of=now)
    outcomes(under_the_bar, right, State.TAKEN_DOWN, 10, at=now - dt.timedelta(days=1))  # 18 of 20: 90%

    assert good_faith.good_faith_flag_sweep(as_of=now + dt.timedelta(minutes=5)) == 1
    assert good_faith.membership_of(under_the_bar).flagged_at is None
    assert good_faith.good_faith_flag_sweep(as_of=now + dt.timedelta(minutes=10)) == 0


def test_a_member_flagged_again_after_an_admins_decision_is_told_to_the_admins_again(under_the_bar, admins, now):
    good_faith.good_faith_flag_sweep(as_of=now)
    change(admins[0], under_the_bar, "suspend", "Looking into the rejections.")
    change(admins[0], under_the_bar, "grant", "The rejections were a reviewer's mistake.")

    assert good_faith.good_faith_flag_sweep(as_of=now + dt.timedelta(hours=1)) == 1
    assert GoodFaithChange.objects.filter(action="flag").count() == 2
    assert Notification.objects.filter(user=admins[0], kind="good_faith").count() == 2


def test_members_without_decided_items_in_the_window_are_not_flagged(member, right, admins, now):
    outcomes(member, right, State.WITHDRAWN, 3, at=now - dt.timedelta(days=1))
    outcomes(member, right, State.REJECTED, 5, at=now - dt.timedelta(days=WINDOW + 1))

    assert good_faith.good_faith_flag_sweep(as_of=now) == 0
    assert good_faith.membership_of(member).flagged_at is None


def test_only_members_are_flagged_not_suspended_ones(under_the_bar, admin_user, now):
    change(admin_user, under_the_bar, "suspend")

    assert good_faith.good_faith_flag_sweep(as_of=now) == 0
    assert good_faith.membership_of(under_the_bar).flagged_at is None


def test_run_sweeps_flags_a_member_under_the_bar(under_the_bar, admins, now):
    out = io.StringIO()
    call_command("run_sweeps", as_of=now.isoformat(), stdout=out)

    assert "Good Faith members under the bar flagged: changed 1" in out.getvalue()
    assert good_faith.membership_of(under_the_bar).flagged_at == now


# --- 6. Filing suspensions ----------------------------------------------------------------------------------

REASON = "Twelve notices on genuine goods in May."


@pytest.fixture
def suspended(admin_user, holder, run_tasks):
    with run_tasks():
        return good_faith.filing_suspend(admin=admin_user, complainant_id=holder.pk, days=30, reason=REASON)


def refusal(suspension) -> str:
    until = timezone.localtime(suspension.ends_at).strftime("%Y-%m-%d %H:%M")
    return f"You may not file complaints until {until}: {REASON}"


def test_a_suspension_is_kept_with_the_admin_and_the_complainant_is_told(suspended, admin_user, holder):
    assert (suspended.complainant, suspended.actor, suspended.reason, suspended.lifted_at) == (
        holder, admin_user, REASON, None)
    assert dt.timedelta(days=30) - dt.timedelta(seconds=5) <= suspended.ends_at - suspended.starts_at <= dt.timedelta(days=30)
    [told] = Notification.objects.filter(user=holder, kind="good_faith")
    assert REASON in told.text and "You may not file complaints until" in told.text


def test_a_suspended_complainant_cannot_file_and_is_told_why(suspended, holder, right, listing):
    with pytest.raises(services.FilingRefused) as refused:
        file(holder, right, listing)

    assert refused.value.errors == {"__all__": [refusal(suspended)]}
    assert not Complaint.objects.exists()


def test_the_filing_page_shows_a_suspended_complainant_the_reason(client, suspended, holder):
    client.force_login(holder)
    response = client.get(reverse("complaint_new"))

    assert response.status_code == 403
    assert html.unescape(response.content.decode()).count(refusal(suspended)) == 1


def test_the_api_refuses_a_suspended_complainants_complaint_with_the_reason(suspended, holder, right, listing):
    response = api_as(holder).post("/api/v1/complaints/", {"platform": "taobao", "ipr": right.pk,
                                                            "reason": "counterfeit", "urls": listing.url}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [refusal(suspended)]}
    assert not Complaint.objects.exists()


def test_lifting_a_suspension_restores_filing_and_tells_the_complainant(suspended, admin_user, holder, right, listing,
                                                                        run_tasks):
    with run_tasks():
        assert good_faith.filing_suspension_lift(admin=admin_user, complainant_id=holder.pk,
                                                 suspension_id=suspended.pk) == 1

    assert FilingSuspension.objects.get(pk=suspended.pk).lifted_at is not None
    assert file(holder, right, listing).items.count() == 1
    assert Notification.objects.filter(user=holder, kind="good_faith").count() == 2
    assert good_faith.filing_suspension_lift(admin=admin_user, complainant_id=holder.pk, suspension_id=suspended.pk) == 0


def test_lifting_a_suspension_names_whose_it_is(suspended, admin_user, rival):
    assert good_faith.filing_suspension_lift(admin=admin_user, complainant_id=rival.pk, suspension_id=suspended.pk) == 0
    assert FilingSuspension.objects.get(pk=suspended.pk).lifted_at is None


def test_an_ended_suspension_no_longer_blocks(suspended, holder, right, listing):
    FilingSuspension.objects.filter(pk=suspended.pk).update(
        starts_at=F("starts_at") - dt.timedelta(days=31), ends_at=timezone.now() - dt.timedelta(seconds=1))

    assert file(holder, right, listing).items.count() == 1


@pytest.mark.parametrize(("days", "allowed"), [(0, False), (-3, False), (366, False), (1, True), (365, True)])
def test_a_suspension_lasts_from_one_to_365_days(admin_user, holder, days, allowed):
    if allowed:
        suspension = good_faith.filing_suspend(admin=admin_user, complainant_id=holder.pk, days=days, reason=REASON)
        assert dt.timedelta(days=days, minutes=-1) < suspension.ends_at - suspension.starts_at <= dt.timedelta(days=days)
    else:
        with pytest.raises(GoodFaithRefused, match="from 1 to 365 days"):
            good_faith.filing_suspend(admin=admin_user, complainant_id=holder.pk, days=days, reason=REASON)
        assert not FilingSuspension.objects.exists()


def test_a_suspension_needs_a_reason_and_a_rights_holder(admin_user, holder, seller):
    with pytest.raises(GoodFaithRefused, match="Give the reason"):
        good_faith.filing_suspend(admin=admin_user, complainant_id=holder.pk, days=30, reason="  ")
    with pytest.raises(GoodFaithRefused, match="Only rights holders"):
        good_faith.filing_suspend(admin=admin_user, complainant_id=seller.pk, days=30, reason=REASON)
    assert not FilingSuspension.objects.exists()


# --- 7. The admins' pages ---------------------------------------------------------------------------------------

LIST = "admin_good_faith"
PAGE = "admin_good_faith_complainant"


def url(name, complainant=None) -> str:
    return reverse(name, args=[complainant.pk]) if complainant else reverse(name)


def rows(page: str, table: str) -> dict[int, str]:
    """The complainant rows of one table of the list page: id → the row's HTML."""
    fragment = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return {int(pk): row for pk, row in re.findall(r'<tr data-complainant="(\d+)">(.*?)</tr>', fragment, re.S)}


def record_cells(row: str) -> tuple[str, ...]:
    return tuple(html.unescape(cell).strip() for cell in re.findall(r'<td class="text-end" data-[\w-]+>(.*?)</td>', row))


def record_table(page: str) -> dict[str, tuple[str, ...]]:
    """The complainant page's record: the row's label → its cells (decided, the three shares, withdrawn)."""
    fragment = page.split('id="record"', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S):
        label = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S)
        if label:
            found[html.unescape(label.group(1)).strip()] = record_cells(row)
    return found


@pytest.fixture
def people(holder, reviewer, admin_user, seller):
    return {"holder": holder, "reviewer": reviewer, "admin": admin_user, "seller": seller}


@pytest.mark.parametrize(("who", "status"), [(None, 302), ("holder", 403), ("seller", 403), ("reviewer", 403),
                                             ("admin", 200)])
@pytest.mark.parametrize("page", [LIST, PAGE])
def test_only_admins_open_the_good_faith_pages(client, people, who, status, page):
    if who:
        client.force_login(people[who])
    response = client.get(url(page, people["holder"] if page == PAGE else None))

    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("who", "status"), [(None, 302), ("holder", 403), ("seller", 403), ("reviewer", 403)])
def test_posts_by_anyone_but_an_admin_change_nothing(client, people, run_tasks, who, status):
    suspension = good_faith.filing_suspend(admin=people["admin"], complainant_id=people["holder"].pk, days=5,
                                           reason=REASON)
    if who:
        client.force_login(people[who])
    target = url(PAGE, people["holder"])
    with run_tasks():
        answers = [client.post(target, {"form": "change", "action": "grant", "reason": "Let me in."}).status_code,
                   client.post(target, {"form": "suspend", "days": 30, "reason": "Unfounded."}).status_code,
                   client.post(target, {"form": "lift", "suspension": suspension.pk}).status_code]

    assert answers == [status] * 3
    assert not GoodFaithMembership.objects.exists() and not GoodFaithChange.objects.exists()
    assert list(FilingSuspension.objects.values_list("pk", "lifted_at")) == [(suspension.pk, None)]


def test_the_list_shows_members_with_the_flag_eligible_non_members_and_every_record(
        client, admin_user, holder, rival, right, now):
    inside = now - dt.timedelta(days=3)
    change(admin_user, holder, "grant")
    outcomes(holder, right, State.TAKEN_DOWN, 8, at=inside)
    outcomes(holder, right, State.REJECTED, 2, at=inside)
    GoodFaithMembership.objects.filter(complainant=holder).update(flagged_at=now)
    outcomes(rival, right, State.TAKEN_DOWN, 10, at=inside)  # eligible: 10 of 10
    lapsed = make_user("lapsed@example.com", name="Lapsed Ltd")
    change(admin_user, lapsed, "grant")
    change(admin_user, lapsed, "suspend")
    outcomes(lapsed, right, State.TAKEN_DOWN, 12, at=inside)  # eligible, and not a member now
    busy = make_user("busy@example.com", name="Busy Ltd")
    outcomes(busy, right, State.TAKEN_DOWN, 5, at=inside)
    outcomes(busy, right, State.COUNTER_ACCEPTED, 6, at=inside)
    client.force_login(admin_user)

    page = client.get(url(LIST)).content.decode()

    members = rows(page, "members")
    assert list(members) == [holder.pk, lapsed.pk]  # members first, then suspended
    assert "data-flagged" in members[holder.pk] and "data-flagged" not in members[lapsed.pk]
    assert record_cells(members[holder.pk]) == ("10", "80.0%", "20.0%", "0.0%", "0")
    assert list(rows(page, "eligible")) == [lapsed.pk, rival.pk]
    assert list(rows(page, "complainants")) == [lapsed.pk, busy.pk, holder.pk, rival.pk]
    assert record_cells(rows(page, "complainants")[busy.pk]) == ("11", "45.5%", "0.0%", "54.5%", "0")


def test_the_list_searches_complainants_by_name_or_email_and_keeps_the_search_in_its_links(
        client, admin_user, holder, rival, right, now):
    outcomes(holder, right, State.TAKEN_DOWN, at=now - dt.timedelta(days=1))
    outcomes(rival, right, State.TAKEN_DOWN, at=now - dt.timedelta(days=1))
    client.force_login(admin_user)

    assert list(rows(client.get(url(LIST), {"q": "rival brands"}).content.decode(), "complainants")) == [rival.pk]
    assert list(rows(client.get(url(LIST), {"q": "holder@"}).content.decode(), "complainants")) == [holder.pk]
    response = client.get(url(LIST), {"q": "Smith & Sons"})
    assert rows(response.content.decode(), "complainants") == {}
    assert response.context["query"] == "q=Smith+%26+Sons"


def test_the_complainant_page_shows_the_exact_record_and_a_row_per_reason(client, admin_user, holder, right, now):
    inside = now - dt.timedelta(days=3)
    outcomes(holder, right, State.TAKEN_DOWN, 6, at=inside)
    outcomes(holder, right, State.REJECTED, at=inside)
    outcomes(holder, right, State.COUNTER_ACCEPTED, at=inside)
    outcomes(holder, right, State.WITHDRAWN, at=inside)
    outcomes(holder, right, State.TAKEN_DOWN, 2, at=inside, reason="trademark_misuse")
    outcomes(holder, right, State.REJECTED, 4, at=now - dt.timedelta(days=WINDOW + 1))
    client.force_login(admin_user)

    page = client.get(url(PAGE, holder)).content.decode()

    assert record_table(page) == {
        "All reasons": ("10", "80.0%", "10.0%", "10.0%", "1"),
        str(Complaint.Reason.COUNTERFEIT.label): ("8", "75.0%", "12.5%", "12.5%", "1"),
        str(Complaint.Reason.TRADEMARK_MISUSE.label): ("2", "100.0%", "0.0%", "0.0%", "0"),
    }
    assert "not a member" in page and "No change yet." in page and "Never suspended." in page


def test_the_complainant_page_is_only_for_rights_holders(client, admin_user, reviewer):
    client.force_login(admin_user)

    assert client.get(url(PAGE, reviewer)).status_code == 404


def test_each_field_on_the_complainant_page_has_an_id_of_its_own(client, admin_user, holder):
    client.force_login(admin_user)
    page = client.get(url(PAGE, holder)).content.decode()

    ids = re.findall(r'\sid="([^"]+)"', page)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_an_admin_grants_from_the_complainant_page_and_the_history_shows_it(client, admin_user, holder, run_tasks):
    client.force_login(admin_user)
    with run_tasks():
        response = client.post(url(PAGE, holder), {"form": "change", "action": "grant",
                                                   "reason": "Six months of accurate notices."})

    assert response.status_code == 302 and response["Location"] == url(PAGE, holder)
    assert good_faith.is_member(holder)
    assert Notification.objects.filter(user=holder, kind="good_faith").count() == 1
    page = client.get(url(PAGE, holder)).content.decode()
    assert "Saved; the complainant is told." in page
    history = page.split('id="gf-history"', 1)[1].split("</ul>", 1)[0]
    assert "Granted" in history and "admin@example.com" in history and "Six months of accurate notices." in history


def test_the_decision_form_offers_only_what_the_standing_allows(client, admin_user, holder):
    change(admin_user, holder, "grant")
    client.force_login(admin_user)

    page = client.get(url(PAGE, holder)).content.decode()
    form = page.split('id="change-form"', 1)[1].split("</form>", 1)[0]

    assert re.findall(r'<option value="(\w+)"', form) == ["suspend", "revoke"]


def test_a_decision_without_a_reason_is_shown_next_to_the_field_and_saves_nothing(client, admin_user, holder):
    client.force_login(admin_user)
    response = client.post(url(PAGE, holder), {"form": "change", "action": "grant", "reason": "  "})

    assert response.status_code == 400
    errors = re.search(r'id="id_reason_errors">(.*?)</div>', response.content.decode()).group(1)
    assert html.unescape(errors) == "Give the reason: it is kept, and the complainant is told."
    assert not GoodFaithMembership.objects.exists() and not GoodFaithChange.objects.exists()


def test_a_refused_decision_shows_why_and_saves_nothing(client, admin_user, holder):
    change(admin_user, holder, "grant")
    revoked = change(admin_user, holder, "revoke")
    client.force_login(admin_user)

    response = client.post(url(PAGE, holder), {"form": "change", "action": "grant", "reason": "Try again."})

    assert response.status_code == 400
    readmit_on = timezone.localtime(revoked.since + dt.timedelta(days=READMIT)).date().isoformat()
    form = html.unescape(response.content.decode().split('id="change-form"', 1)[1].split("</form>", 1)[0])
    assert f'<div class="alert alert-danger" role="alert">A revoked member may be admitted again from {readmit_on}.' in form
    assert good_faith.membership_of(holder).status == "revoked" and GoodFaithChange.objects.count() == 2


def test_an_admin_suspends_filing_from_the_complainant_page(client, admin_user, holder, run_tasks):
    client.force_login(admin_user)
    with run_tasks():
        response = client.post(url(PAGE, holder), {"form": "suspend", "days": "14", "reason": REASON})

    assert response.status_code == 302
    suspension = FilingSuspension.objects.get(complainant=holder)
    assert (suspension.actor, suspension.reason) == (admin_user, REASON)
    page = client.get(url(PAGE, holder)).content.decode()
    assert "Filing suspended; the complainant is told." in page and "in force" in page


@pytest.mark.parametrize(("posted", "field", "message"), [
    ({"days": "30", "reason": ""}, "reason", "Give the reason: it is kept, and the complainant is told."),
    ({"days": "0", "reason": REASON}, "days", "Ensure this value is greater than or equal to 1."),
    ({"days": "366", "reason": REASON}, "days", "Ensure this value is less than or equal to 365."),
])
def test_a_suspension_form_with_a_mistake_shows_it_next_to_the_field_and_saves_nothing(
        client, admin_user, holder, posted, field, message):
    client.force_login(admin_user)
    response = client.post(url(PAGE, holder), {"form": "suspend", **posted})

    assert response.status_code == 400
    form = response.content.decode().split('id="suspension-form"', 1)[1].split("</form>", 1)[0]
    errors = re.search(rf'id="suspension_{field}_errors">(.*?)</div>', form).group(1)
    assert html.unescape(errors) == message
    assert not FilingSuspension.objects.exists()


def test_an_admin_lifts_a_suspension_from_the_complainant_page(client, admin_user, holder, suspended):
    client.force_login(admin_user)
    response = client.post(url(PAGE, holder), {"form": "lift", "suspension": suspended.pk})

    assert response.status_code == 302
    assert FilingSuspension.objects.get(pk=suspended.pk).lifted_at is not None
    assert "Suspension lifted: the complainant may file again." in client.get(url(PAGE, holder)).content.decode()


@pytest.mark.parametrize("posted", [{}, {"suspension": ""}, {"suspension": "abc"}, {"suspension": "²"},
                                    {"suspension": "99999999"}, {"suspension": "9" * 30}])
def test_lifting_nothing_recognisable_changes_nothing(client, admin_user, holder, suspended, posted):
    client.force_login(admin_user)
    response = client.post(url(PAGE, holder), {"form": "lift", **posted})

    assert response.status_code == 302
    assert FilingSuspension.objects.get(pk=suspended.pk).lifted_at is None


def test_another_complainants_suspension_cannot_be_lifted_from_this_page(client, admin_user, rival, suspended):
    client.force_login(admin_user)
    client.post(url(PAGE, rival), {"form": "lift", "suspension": suspended.pk})

    assert FilingSuspension.objects.get(pk=suspended.pk).lifted_at is None


def test_the_list_costs_the_same_queries_for_2_or_30_complainants(client, admin_user, right, now, settings):
    settings.IPP_GOOD_FAITH_MIN_DECIDED = 1
    client.force_login(admin_user)

    def build(count: int) -> None:
        for n in range(count):
            person = make_user(f"brand{n}-{count}@example.com", name=f"Brand {n} of {count}")
            outcomes(person, right, State.TAKEN_DOWN, 2, at=now - dt.timedelta(days=1))
            if n % 3 == 0:
                GoodFaithMembership.objects.create(complainant=person, status="member", since=now,
                                                   flagged_at=now if n % 2 else None)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(LIST)).status_code == 200
        return len(captured)

    build(2)
    few = queries()
    build(28)
    assert queries() == few
