"""The complaint item state machine: one table of allowed moves, one function that makes a move.

``item_move`` is the only way a single item changes state: it locks the row, checks the
table, records the event and returns the item. Set-based moves of many items at once
(holding and resuming on a right's authentication) re-check the state in their UPDATE.
"""

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from .models import ComplaintItem, ComplaintItemEvent

State = ComplaintItem.State

TRANSITIONS: dict[State, set[State]] = {
    # SUBMITTED → REJECTED: intake rejection (a DMCA notice whose notifier fails the identity check).
    State.SUBMITTED: {State.IN_REVIEW, State.REJECTED, State.WITHDRAWN, State.HELD},
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
        item = ComplaintItem.objects.select_for_update().get(pk=item_id)
        if (expected_state is not None and item.state != expected_state) or not can_move(item.state, to_state):
            raise IllegalMove(item, to_state)
        from_state = item.state
        item.state = to_state
        item.save(update_fields=["state", "updated_at"])
        ComplaintItemEvent.objects.create(item=item, actor=actor, from_state=from_state, to_state=to_state,
                                          reason=reason, note=note)
    return item


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
