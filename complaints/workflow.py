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
    UPDATE that re-checks their state, and logs them with one INSERT.
    """
    moved: list[tuple[int, int]] = []
    while True:
        with transaction.atomic():
            batch = list(
                items.filter(state__in=from_states).order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "state", "held_from", "complaint__complainant_id")[:BATCH_SIZE]
            )
            if not batch:
                return moved
            ComplaintItem.objects.filter(pk__in=[row[0] for row in batch], state__in=from_states).update(**update)
            ComplaintItemEvent.objects.bulk_create(
                ComplaintItemEvent(item_id=pk, from_state=state, to_state=to_state(state, held_from), reason=reason)
                for pk, state, held_from, _complainant in batch
            )
        moved.extend((complainant, pk) for pk, _state, _held_from, complainant in batch)
