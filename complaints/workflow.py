"""The complaint item state machine: one table of allowed moves.

Issue 3 adds the moves of holding (the right behind an item lost its authentication)
and resuming; the moves of review, seller notice, counter-notice and decision are
listed here too so the table stays the one place that says what may follow what.
"""

from django.db import transaction
from django.db.models import F, QuerySet

from .models import ComplaintItem, ComplaintItemEvent

State = ComplaintItem.State

TRANSITIONS: dict[State, set[State]] = {
    State.SUBMITTED: {State.IN_REVIEW, State.WITHDRAWN, State.HELD},
    State.IN_REVIEW: {State.REJECTED, State.SELLER_NOTIFIED, State.WITHDRAWN, State.HELD},
    State.SELLER_NOTIFIED: {State.TAKEN_DOWN, State.COUNTER_NOTICED, State.WITHDRAWN, State.HELD},
    State.COUNTER_NOTICED: {State.COUNTER_ACCEPTED, State.IN_DECISION, State.WITHDRAWN, State.HELD},
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

BATCH_SIZE = 2000


def items_hold(items: QuerySet[ComplaintItem], *, reason: str) -> list[tuple[int, int]]:
    """Hold every in-progress item of ``items``, remembering where each was.

    Set-based: a batch of rows is locked (skipping rows another worker holds), moved in
    one UPDATE that re-checks the state, and logged with one INSERT. Returns the
    (item id, complainant id) pairs it held.
    """
    held: list[tuple[int, int]] = []
    while True:
        with transaction.atomic():
            batch = list(
                items.filter(state__in=IN_PROGRESS).order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "state", "complaint__complainant_id")[:BATCH_SIZE]
            )
            if not batch:
                return held
            ComplaintItem.objects.filter(pk__in=[pk for pk, _, _ in batch], state__in=IN_PROGRESS).update(
                held_from=F("state"), state=State.HELD
            )
            ComplaintItemEvent.objects.bulk_create(
                ComplaintItemEvent(item_id=pk, from_state=state, to_state=State.HELD, reason=reason)
                for pk, state, _ in batch
            )
        held.extend((pk, complainant) for pk, _, complainant in batch)


def items_resume(items: QuerySet[ComplaintItem], *, reason: str) -> list[tuple[int, int]]:
    """Return every held item of ``items`` to the state it was held from."""
    resumed: list[tuple[int, int]] = []
    while True:
        with transaction.atomic():
            batch = list(
                items.filter(state=State.HELD).order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "held_from", "complaint__complainant_id")[:BATCH_SIZE]
            )
            if not batch:
                return resumed
            ComplaintItem.objects.filter(pk__in=[pk for pk, _, _ in batch], state=State.HELD).update(
                state=F("held_from"), held_from=""
            )
            ComplaintItemEvent.objects.bulk_create(
                ComplaintItemEvent(item_id=pk, from_state=State.HELD, to_state=held_from, reason=reason)
                for pk, held_from, _ in batch
            )
        resumed.extend((pk, complainant) for pk, _, complainant in batch)
