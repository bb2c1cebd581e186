"""The reviewers' queues, one tab each, in the order the tab bar shows them: what waits for a reviewer.

The tab bar (``templates/partials/review_tabs.html``) and the reviewer's dashboard count them
from here; each tab's page lists its own (identity, sole account, IPR and DMCA on
``accounts.views.review_queue``, complaint items on ``complaints.views_review.review_items``).
"""

from functools import partial

from django.db.models import Count, Q

from accounts import selectors as account_selectors
from complaints import selectors as complaint_selectors
from complaints.dmca import dmca_queue
from ipp import workdays
from ipr import selectors as ipr_selectors

QUEUE_TABS = {
    "identity": account_selectors.identity_queue,
    "sole_account": account_selectors.sole_account_queue,
    "ipr": ipr_selectors.ipr_queue,
    "dmca": dmca_queue,
    # Complaint items: in review (accept or reject), and awaiting a decision after a counter-notice.
    "complaint_items": partial(complaint_selectors.items_awaiting_reviewer, state="in_review"),
    "item_decisions": partial(complaint_selectors.items_awaiting_reviewer, state="in_decision"),
    # Good Faith members' items (they skipped review) sampled for a check.
    "spot_checks": partial(complaint_selectors.items_awaiting_reviewer, state=complaint_selectors.SPOT_CHECKS),
}

# The complaint item tabs are the items queue filtered by state.
ITEM_TAB_STATE = {"complaint_items": "in_review", "item_decisions": "in_decision",
                  "spot_checks": complaint_selectors.SPOT_CHECKS}


def queue_counts() -> dict[str, int]:
    """How many wait in each tab: one COUNT a tab."""
    return {name: queue().count() for name, queue in QUEUE_TABS.items()}


def queue_counts_with_overdue() -> dict[str, dict]:
    """Each tab's waiting and overdue counts (the reviewer's dashboard)."""
    today = workdays.today_in_china()
    return {name: queue().aggregate(pending=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
            for name, queue in QUEUE_TABS.items()}
