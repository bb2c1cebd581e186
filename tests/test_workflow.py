"""The complaint item workflow: review → seller notice → counter-notice → decision, its deadlines and side effects."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from complaints import services, workflow
from complaints.effects import run_event_effects
from complaints.models import ComplaintItem, ComplaintItemEvent, Listing, PenaltyEntry
from ipp.models import Notification

from .conftest import approve_ipr, make_ipr, make_listing, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_owner(db):
    from accounts.models import User

    return make_user("shop@example.com", role=User.Role.SELLER, name="Demo Shop")


@pytest.fixture
def filed(holder, reviewer, shop_owner, run_tasks):
    """A complaint on three of the seller's listings, filed and (by its task) put into review."""
    right = approve_ipr(make_ipr(holder), reviewer=reviewer)
    listings = [make_listing(title=f"ACME copy {n}", shop_name="Demo Shop", owner=shop_owner) for n in range(3)]
    with run_tasks():
        complaint = services.complaint_file(user=holder, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
                                            urls_text="\n".join(listing.url for listing in listings), statements=True)
    return complaint


def items(complaint):
    return list(complaint.items.order_by("pk"))


def test_filing_puts_the_items_into_review_with_a_due_date(filed):
    assert {item.state for item in items(filed)} == {"in_review"}
    assert all(item.review_due_on for item in items(filed))


def test_accepting_notifies_the_seller_and_opens_its_window(filed, reviewer, shop_owner, run_tasks):
    item = items(filed)[0]
    before = timezone.now()
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
    item.refresh_from_db()
    assert item.state == "seller_notified"
    assert before + dt.timedelta(days=3) <= item.respond_by <= timezone.now() + dt.timedelta(days=3)
    [notice] = Notification.objects.filter(user=shop_owner)
    assert notice.kind == "notice_received" and "ACME copy 0" in notice.text
    # The deadline as the seller's notice page shows it: China time, said so.
    assert f"{timezone.localtime(item.respond_by):%Y-%m-%d %H:%M} (UTC+8)" in notice.text
    assert [m.to for m in mail.outbox] == [["shop@example.com"]]


def test_rejecting_needs_a_reason_and_tells_the_complainant(filed, reviewer, holder, run_tasks):
    item = items(filed)[0]
    with pytest.raises(services.ActionRefused):
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="reject")
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="reject", reason="use_not_found",
                                    note="No ACME mark in the photos.")
    assert ComplaintItem.objects.get(pk=item.pk).state == "rejected"
    assert Notification.objects.get(user=holder).kind == "decision"


def test_an_illegal_move_is_a_clear_error_and_changes_nothing(filed, reviewer):
    item = items(filed)[0]
    with pytest.raises(services.ActionRefused, match="cannot become"):
        services.item_decide(reviewer=reviewer, item_id=item.pk, decision="take_down")
    assert ComplaintItem.objects.get(pk=item.pk).state == "in_review"


def test_the_whole_story_counter_notice_accepted_decided_and_taken_down_by_the_sweep(
        filed, reviewer, holder, shop_owner, run_tasks):
    first, second, third = items(filed)
    with run_tasks():
        for item in (first, second, third):
            services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
        # One counter-notice accepted by the complainant: the listing stays.
        services.counter_notice_file(seller=shop_owner, item_id=first.pk, ground="genuine",
                                     statement="Bought from the brand's distributor; invoices attached.",
                                     perjury_statement=True)
        services.counter_notice_accept(user=holder, item_id=first.pk)
        # One maintained and decided by a reviewer: taken down.
        services.counter_notice_file(seller=shop_owner, item_id=second.pk, ground="authorised",
                                     statement="We are an authorised reseller.", perjury_statement=True)
        services.complaint_maintain(user=holder, item_id=second.pk, note="The reseller contract ended in 2024.")
        services.item_decide(reviewer=reviewer, item_id=second.pk, decision="take_down")
    states = {item.pk: item.state for item in items(filed)}
    assert states == {first.pk: "counter_accepted", second.pk: "taken_down", third.pk: "seller_notified"}
    # The third: the seller stays silent past the window; the sweep takes it down.
    later = timezone.now() + dt.timedelta(days=3, minutes=1)
    with run_tasks():
        call_command("run_sweeps", "--as-of", later.isoformat(), stdout=io.StringIO())
    third.refresh_from_db()
    assert third.state == "taken_down"
    assert ComplaintItemEvent.objects.filter(item=third, to_state="taken_down").get().reason == "no_counter_notice"
    assert dict(Listing.objects.filter(pk__in=[i.listing_id for i in (first, second, third)]).values_list("pk", "status")) == {
        first.listing_id: "active", second.listing_id: "removed", third.listing_id: "removed"}
    assert PenaltyEntry.objects.filter(shop=third.listing.shop).count() == 2
    filed.refresh_from_db()
    assert filed.status == "closed"
    kinds = sorted(Notification.objects.filter(user=holder).values_list("kind", flat=True))
    assert kinds == ["counter_notice_received", "counter_notice_received", "takedown", "takedown"]


def test_a_counter_notice_after_the_window_or_on_another_sellers_listing_is_refused(filed, reviewer, shop_owner, run_tasks):
    from accounts.models import User

    item = items(filed)[0]
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
    other = make_user("other-shop@example.com", role=User.Role.SELLER)
    with pytest.raises(ComplaintItem.DoesNotExist):
        services.counter_notice_file(seller=other, item_id=item.pk, ground="genuine", statement="x",
                                     perjury_statement=True)
    with pytest.raises(services.FilingRefused) as refused:
        services.counter_notice_file(seller=shop_owner, item_id=item.pk, ground="genuine", statement="x",
                                     perjury_statement=False)
    assert "perjury_statement" in refused.value.errors
    ComplaintItem.objects.filter(pk=item.pk).update(respond_by=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(services.ActionRefused, match="window"):
        services.counter_notice_file(seller=shop_owner, item_id=item.pk, ground="genuine", statement="x",
                                     perjury_statement=True)


def test_the_complainants_silence_sends_a_counter_notice_to_a_decision(filed, reviewer, shop_owner, run_tasks):
    item = items(filed)[0]
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
        services.counter_notice_file(seller=shop_owner, item_id=item.pk, ground="own_right", statement="Our own design.",
                                     perjury_statement=True)
    item.refresh_from_db()
    assert item.answer_by > timezone.now() + dt.timedelta(days=2)  # three China working days
    assert services.complainant_silence_sweep(as_of=item.answer_by - dt.timedelta(seconds=1)) == 0
    assert services.complainant_silence_sweep(as_of=item.answer_by) == 1
    assert ComplaintItem.objects.get(pk=item.pk).state == "in_decision"


def test_side_effects_run_once_even_when_delivered_twice(filed, reviewer, shop_owner, run_tasks):
    item = items(filed)[0]
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
    services.seller_silence_sweep(as_of=timezone.now() + dt.timedelta(days=4))  # its task is not run here
    event = ComplaintItemEvent.objects.get(item=item, to_state="taken_down")
    assert event.effects_done_at is None
    assert run_event_effects([event.pk]) == 1
    assert run_event_effects([event.pk]) == 0
    ComplaintItemEvent.objects.filter(pk=event.pk).update(effects_done_at=None)  # as if the worker died before marking
    run_event_effects([event.pk])
    assert PenaltyEntry.objects.count() == 1
    assert Notification.objects.filter(user=shop_owner, kind="takedown").count() == 1


def test_the_effects_sweep_runs_what_a_lost_message_left(filed, reviewer, shop_owner):
    item = items(filed)[0]
    workflow.item_move(item_id=item.pk, to_state="seller_notified", actor=reviewer)  # its task never sent (no commit hook)
    assert not Notification.objects.filter(user=shop_owner).exists()
    assert services.item_effects_sweep(as_of=timezone.now()) == 0  # within the grace period: the task may still come
    assert services.item_effects_sweep(as_of=timezone.now() + dt.timedelta(minutes=6)) == 1
    assert Notification.objects.filter(user=shop_owner, kind="notice_received").exists()


def test_copyright_points_count_once_per_complaint_on_aliexpress_but_per_listing_elsewhere(
        holder, reviewer, shop_owner, run_tasks):
    work = approve_ipr(make_ipr(holder, kind="copyright", name="Panda", number="2022-F-1"), reviewer=reviewer)
    for platform, expected in (("aliexpress", 1), ("lazada", 2)):
        listings = [make_listing(platform, shop_name="Demo Shop", owner=shop_owner) for _n in range(2)]
        with run_tasks():
            complaint = services.complaint_file(user=holder, platform_code=platform, ipr_id=work.pk, reason="image_misuse",
                                                urls_text="\n".join(x.url for x in listings), statements=True)
        with run_tasks():
            for item in complaint.items.all():
                services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
            services.seller_silence_sweep(as_of=timezone.now() + dt.timedelta(days=4))
        assert PenaltyEntry.objects.filter(item__complaint=complaint).count() == expected


def test_a_notice_is_written_in_the_sellers_language_not_the_workers(filed, reviewer, shop_owner, run_tasks):
    shop_owner.language = "zh-hans"
    shop_owner.save(update_fields=["language"])
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=items(filed)[0].pk, decision="accept")
    notice = Notification.objects.get(user=shop_owner)
    assert "淘宝" in notice.text and "Taobao" not in notice.text


def test_a_shop_reaching_the_threshold_is_flagged_to_admins_once_as_a_repeat_infringer(
        filed, reviewer, admin_user, shop_owner, run_tasks, settings, client):
    settings.IPP_REPEAT_INFRINGER_POINTS = 4  # two takedowns at Taobao's 2 points each
    first, second, third = items(filed)
    with run_tasks():
        for item in (first, second, third):
            services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
    with run_tasks():
        ComplaintItem.objects.filter(pk=first.pk).update(respond_by=timezone.now() - dt.timedelta(minutes=1))
        services.seller_silence_sweep(as_of=timezone.now())
    assert not Notification.objects.filter(user=admin_user, kind="repeat_infringer").exists()  # 2 points of 4
    with run_tasks():
        services.seller_silence_sweep(as_of=timezone.now() + dt.timedelta(days=4))  # the other two: 6 points
    [flag] = Notification.objects.filter(user=admin_user, kind="repeat_infringer")
    assert "Demo Shop" in flag.text and "4 penalty points" in flag.text
    assert not Notification.objects.filter(user=reviewer, kind="repeat_infringer").exists()  # admins only

    client.force_login(admin_user)
    flagged = client.get("/admin/complaints/shop/?repeat_infringer=yes")
    assert "Demo Shop" in flagged.content.decode()
    assert "Demo Shop" not in client.get("/admin/complaints/shop/?repeat_infringer=no").content.decode()


# --- Every illegal move is refused --------------------------------------------------------------------------

ILLEGAL_MOVES = [(from_state, to_state) for from_state in ComplaintItem.State for to_state in ComplaintItem.State
                 if to_state not in workflow.TRANSITIONS[from_state]]


def an_item_in(state, *, complainant, reviewer, seller):
    """One item of a filed complaint, sitting in ``state`` with the deadlines that state has (made as rows)."""
    from complaints.models import Complaint

    right = approve_ipr(make_ipr(complainant), reviewer=reviewer)
    complaint = Complaint.objects.create(complainant=complainant, ipr=right, platform_id="taobao", reason="counterfeit",
                                         status="open")
    listing = make_listing(shop_name="Demo Shop", owner=seller)
    later = timezone.now() + dt.timedelta(days=2)
    return ComplaintItem.objects.create(complaint=complaint, listing=listing, listing_url=listing.url, state=state,
                                        respond_by=later, answer_by=later,
                                        held_from="in_review" if state == "held" else "")


@pytest.mark.parametrize(("from_state", "to_state"), ILLEGAL_MOVES, ids=[f"{a}->{b}" for a, b in ILLEGAL_MOVES])
def test_every_move_the_table_does_not_allow_is_refused_and_changes_nothing(
        from_state, to_state, holder, reviewer, shop_owner, django_capture_on_commit_callbacks):
    item = an_item_in(from_state, complainant=holder, reviewer=reviewer, seller=shop_owner)
    with django_capture_on_commit_callbacks() as sent, pytest.raises(workflow.IllegalMove, match="cannot become"):
        workflow.item_move(item_id=item.pk, to_state=to_state, actor=reviewer)
    assert ComplaintItem.objects.get(pk=item.pk).state == from_state
    assert not ComplaintItemEvent.objects.filter(item=item).exists()
    assert sent == []  # no side effect was scheduled


# Each action a person takes, and the one state it is taken from.
ACTIONS = {
    "accept": ("in_review", lambda item, who: services.item_review_decide(
        reviewer=who["reviewer"], item_id=item.pk, decision="accept")),
    "reject": ("in_review", lambda item, who: services.item_review_decide(
        reviewer=who["reviewer"], item_id=item.pk, decision="reject", reason="use_not_found")),
    "counter_notice": ("seller_notified", lambda item, who: services.counter_notice_file(
        seller=who["seller"], item_id=item.pk, ground="genuine", statement="Invoices.", perjury_statement=True)),
    "accept_counter_notice": ("counter_noticed", lambda item, who: services.counter_notice_accept(
        user=who["complainant"], item_id=item.pk)),
    "maintain": ("counter_noticed", lambda item, who: services.complaint_maintain(
        user=who["complainant"], item_id=item.pk, note="The invoices are for another model.")),
    "take_down": ("in_decision", lambda item, who: services.item_decide(
        reviewer=who["reviewer"], item_id=item.pk, decision="take_down")),
    "reinstate": ("in_decision", lambda item, who: services.item_decide(
        reviewer=who["reviewer"], item_id=item.pk, decision="reinstate")),
}
OUT_OF_TURN = [(action, state) for action, (allowed, _act) in ACTIONS.items() for state in ComplaintItem.State
               if state != allowed]


@pytest.mark.parametrize(("action", "state"), OUT_OF_TURN, ids=[f"{a}@{s}" for a, s in OUT_OF_TURN])
def test_every_action_out_of_its_state_is_refused_in_words_and_changes_nothing(
        action, state, holder, reviewer, shop_owner):
    item = an_item_in(state, complainant=holder, reviewer=reviewer, seller=shop_owner)
    with pytest.raises(services.ActionRefused) as refused:
        ACTIONS[action][1](item, {"reviewer": reviewer, "seller": shop_owner, "complainant": holder})
    assert str(refused.value)  # a sentence for the page or the API, never an empty error
    assert ComplaintItem.objects.get(pk=item.pk).state == state
    assert not ComplaintItemEvent.objects.filter(item=item).exists()
    assert not item.complaint.evidence.exists()
