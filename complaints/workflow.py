"""The complaint item state machine: one table of allowed moves, one function that makes a move.

``item_move`` is the only way a single item changes state: it locks the row, checks the
table, records the event and returns the item. Set-based moves of many items at once
(holding and resuming on a right's authentication) re-check the state in their UPDATE.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ipp import workdays
from ipp.tasks import enqueue

from .effects import EFFECTS, has_effects
from .models import Complaint, ComplaintItem, ComplaintItemEvent

State = ComplaintItem.State

TRANSITIONS: dict[State, set[State]] = {
    # SUBMITTED → REJECTED: intake rejection (a DMCA notice whose notifier fails the identity check).
    # SUBMITTED → SELLER_NOTIFIED: only for a Good Faith member's item, which skips review (good_faith.start_for_member).
    State.SUBMITTED: {State.IN_REVIEW, State.SELLER_NOTIFIED, State.REJECTED, State.WITHDRAWN, State.HELD},
    State.IN_REVIEW: {State.REJECTED, State.SELLER_NOTIFIED, State.WITHDRAWN, State.HELD},
    # → REJECTED after the notice: only a reviewer's spot check finding a Good Faith item unfounded (spot_check_decide).
    State.SELLER_NOTIFIED: {State.TAKEN_DOWN, State.COUNTER_NOTICED, State.REJECTED, State.WITHDRAWN, State.HELD},
    State.COUNTER_NOTICED: {State.COUNTER_ACCEPTED, State.IN_DECISION, State.REJECTED, State.WITHDRAWN, State.HELD},
    State.IN_DECISION: {State.TAKEN_DOWN, State.REINSTATED, State.WITHDRAWN, State.HELD},
    # A held item resumes where it was; withdrawing it stays possible.
    State.HELD: {State.SUBMITTED, State.IN_REVIEW, State.SELLER_NOTIFIED, State.COUNTER_NOTICED,
                 State.IN_DECISION, State.WITHDRAWN},
    State.REJECTED: set(),
    State.TAKEN_DOWN: set(),
    State.COUNTER_ACCEPTED: set(),
    State.REINSTATED: set(),
    State.WITHDRAWN: set(),
}

# Items still being worked on: the ones a withdrawn right puts on hold.
IN_PROGRESS = frozenset(state for state, moves in TRANSITIONS.items() if State.HELD in moves)

# Items a complaint is still handling: a held item resumes when its right is authenticated again.
BEING_HANDLED = IN_PROGRESS | {State.HELD}

BATCH_SIZE = 2000


def _effects_done(from_state: str, to_state: str, *, good_faith: bool) -> dict:
    """A move with nothing to do outside its row is done when recorded; the others wait for their worker."""
    return {} if has_effects(from_state, to_state, good_faith=good_faith) else {"effects_done_at": timezone.now()}


def _moved(now) -> dict:
    """What every move resets: when the item entered its state, and any reviewer's claim (it was on the old state)."""
    return {"state_since": now, "claimed_by": None, "claimed_until": None}


def _review_due(item, now):
    return {"review_due_on": workdays.add_working_days(workdays.today_in_china(), settings.IPP_REVIEW_DUE_WORKING_DAYS)}


def _seller_window(item, now):
    return {"respond_by": now + dt.timedelta(days=item.complaint.platform.seller_response_days)}


def _answer_window(item, now):
    # The same time of day on the n-th China working day from today.
    days = item.complaint.platform.complainant_answer_working_days
    day = workdays.add_working_days(workdays.today_in_china(), days)
    return {"answer_by": now + dt.timedelta(days=(day - workdays.today_in_china()).days)}


def _decided(item, now):
    return {"decided_at": now}


# The deadline (or date) each move sets, by the state it moves into.
DEADLINES = {
    State.IN_REVIEW: _review_due,
    State.IN_DECISION: _review_due,  # reviewers decide by (the same working days as a first review)
    State.SELLER_NOTIFIED: _seller_window,
    State.COUNTER_NOTICED: _answer_window,
    State.REJECTED: _decided,
    State.TAKEN_DOWN: _decided,
    State.REINSTATED: _decided,
    State.COUNTER_ACCEPTED: _decided,
}


class IllegalMove(Exception):
    """The table does not allow this move from the item's current state."""

    def __init__(self, item: ComplaintItem, to_state: str):
        super().__init__(_("Item %(item)s is %(state)s; it cannot become %(to)s.") % {
            "item": item.pk, "state": item.get_state_display().lower(), "to": State(to_state).label.lower()})
        self.item = item


def can_move(state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS[State(state)]


def item_move(*, item_id: int, to_state: str, actor=None, reason: str = "", note: str = "",
              expected_state: str | None = None) -> ComplaintItem:
    """Move one item to ``to_state`` if the table allows it from its current state; raises ``IllegalMove``.

    The row is locked for the move, so two people acting on one item take turns and the
    second sees the first one's result. ``expected_state`` refuses a move made from a
    stale screen (the item moved since it was shown).
    """
    with transaction.atomic():
        item = (ComplaintItem.objects.select_for_update(of=("self",)).select_related("complaint__platform")
                .get(pk=item_id))
        if (expected_state is not None and item.state != expected_state) or not can_move(item.state, to_state):
            raise IllegalMove(item, to_state)
        from_state = item.state
        now = timezone.now()
        changed = {**(DEADLINES[to_state](item, now) if to_state in DEADLINES else {}), **_moved(now)}
        item.state = to_state
        for name, value in changed.items():
            setattr(item, name, value)
        item.save(update_fields=["state", "updated_at", *changed])
        event = ComplaintItemEvent.objects.create(item=item, actor=actor, from_state=from_state, to_state=to_state,
                                                  reason=reason, note=note,
                                                  **_effects_done(from_state, to_state, good_faith=item.good_faith))
        if event.effects_done_at is None:
            enqueue("complaints.tasks.run_item_effects", event.pk)
        complaint_status_refresh([item.complaint_id])
    return item


def items_move_due(items: QuerySet[ComplaintItem], *, from_state: str, to_state: str, reason: str) -> int:
    """Move every item of ``items`` still in ``from_state`` to ``to_state`` (a timed move: nobody acted in time).

    Set-based like holding: batches locked with SKIP LOCKED, one UPDATE re-checking the state,
    one INSERT of events, one task for the batch's side effects. A worker that dies mid-batch
    rolls the batch back; the next sweep does it.
    """
    assert can_move(from_state, to_state), (from_state, to_state)
    moved = 0
    while True:
        with transaction.atomic():
            batch = list(items.filter(state=from_state).order_by("pk").select_for_update(skip_locked=True, of=("self",))
                         .values_list("pk", flat=True)[:BATCH_SIZE])
            if not batch:
                return moved
            now = timezone.now()
            # Timed moves go to states whose deadline does not depend on the item (review due, decided at).
            update = {"state": to_state, **(DEADLINES[to_state](None, now) if to_state in DEADLINES else {}), **_moved(now)}
            ComplaintItem.objects.filter(pk__in=batch, state=from_state).update(**update, updated_at=now)
            # Timed moves neither hold nor resume: whether they have effects does not depend on the item.
            events = ComplaintItemEvent.objects.bulk_create(
                ComplaintItemEvent(item_id=pk, from_state=from_state, to_state=to_state, reason=reason,
                                   **_effects_done(from_state, to_state, good_faith=False)) for pk in batch)
            if to_state in EFFECTS:
                enqueue("complaints.tasks.run_item_effects_batch", [event.pk for event in events])
            complaint_status_refresh(ComplaintItem.objects.filter(pk__in=batch).values("complaint_id"))
        moved += len(batch)



def items_hold(items: QuerySet[ComplaintItem], *, reason: str) -> list[tuple[int, int]]:
    """Hold every in-progress item of ``items``, remembering where each was; (complainant id, item id) of each."""
    return _move_in_batches(items, from_states=IN_PROGRESS, reason=reason,
                            update={"held_from": F("state"), "state": State.HELD},
                            to_state=lambda state, held_from: State.HELD)


def items_resume(items: QuerySet[ComplaintItem], *, reason: str) -> list[tuple[int, int]]:
    """Return every held item of ``items`` to the state it was held from; (complainant id, item id) of each."""
    return _move_in_batches(items, from_states={State.HELD}, reason=reason,
                            update={"state": F("held_from"), "held_from": ""},
                            to_state=lambda state, held_from: held_from)


def _move_in_batches(items, *, from_states, update: dict, to_state, reason: str) -> list[tuple[int, int]]:
    """Move many items at once, set-based and safe with two workers.

    Each batch locks its rows (skipping rows another worker holds), moves them in one
    UPDATE that re-checks their state, and logs them with one INSERT; the few moves with
    something to do outside (a Good Faith member's listing) go to a worker in one task.
    """
    moved: list[tuple[int, int]] = []
    while True:
        with transaction.atomic():
            batch = list(
                items.filter(state__in=from_states).order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "state", "held_from", "good_faith", "complaint__complainant_id")[:BATCH_SIZE]
            )
            if not batch:
                return moved
            now = timezone.now()
            ComplaintItem.objects.filter(pk__in=[row[0] for row in batch], state__in=from_states).update(
                **update, **_moved(now))
            events = ComplaintItemEvent.objects.bulk_create(
                ComplaintItemEvent(item_id=pk, from_state=state, to_state=to_state(state, held_from), reason=reason,
                                   effects_done_at=None if has_effects(state, to_state(state, held_from),
                                                                       good_faith=good_faith) else now)
                for pk, state, held_from, good_faith, _complainant in batch
            )
            if with_effects := [event.pk for event in events if event.effects_done_at is None]:
                enqueue("complaints.tasks.run_item_effects_batch", with_effects)
        moved.extend((complainant, pk) for pk, _state, _held_from, _good_faith, complainant in batch)


def complaint_status_refresh(complaint_ids) -> None:
    """Set each filed complaint's status from its items: open while any is being handled, withdrawn when all were."""
    ids = complaint_ids if isinstance(complaint_ids, QuerySet) else list(complaint_ids)
    # Correlated EXISTS, each an index lookup on the complaint's items: "pk NOT IN (every item not withdrawn)"
    # made PostgreSQL scan a million items once per complaint (docs/benchmarks.md, the workflow sweep).
    being_handled = Exists(ComplaintItem.objects.filter(complaint=OuterRef("pk"), state__in=BEING_HANDLED))
    not_withdrawn = Exists(ComplaintItem.objects.filter(complaint=OuterRef("pk")).exclude(state=State.WITHDRAWN))
    filed = Complaint.objects.filter(pk__in=ids).exclude(status=Complaint.Status.DRAFT)
    # Rows already in the status are left alone: rewriting them changes nothing but costs a row version each.
    filed.filter(being_handled).exclude(status=Complaint.Status.OPEN).update(status=Complaint.Status.OPEN)
    done = filed.exclude(being_handled)
    done.exclude(not_withdrawn).exclude(status=Complaint.Status.WITHDRAWN).update(status=Complaint.Status.WITHDRAWN)
    done.filter(not_withdrawn).exclude(status=Complaint.Status.CLOSED).update(status=Complaint.Status.CLOSED)
