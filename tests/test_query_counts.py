"""List pages keep a flat query count: ten rows cost what one row costs."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services

from .conftest import checked_png, make_user


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_pending_proofs(count: int, start: int) -> None:
    for n in range(start, start + count):
        user = make_user(f"user{n}@example.com", name=f"User {n}")
        services.identity_submit(user=user, document_kind="passport", document_number=f"P{n}", expires_on=None,
                                 document=checked_png())
        services.sole_account_submit(user=user, statement=checked_png("statement.png"))


def test_the_review_queue_and_dashboard_do_not_grow_with_their_rows(client, reviewer):
    client.force_login(reviewer)
    add_pending_proofs(1, start=0)
    pages = [reverse("review_queue"), reverse("review_queue") + "?tab=sole_account", reverse("dashboard")]
    one_row = [queries_for(client, url) for url in pages]
    add_pending_proofs(9, start=1)
    assert [queries_for(client, url) for url in pages] == one_row


def test_a_queue_longer_than_one_page_says_how_many_wait(client, reviewer, monkeypatch):
    from accounts import views

    monkeypatch.setattr(views, "QUEUE_PAGE_ROWS", 2)
    add_pending_proofs(3, start=0)
    client.force_login(reviewer)
    page = client.get(reverse("review_queue")).content.decode()
    assert "Showing the oldest 2 of 3" in page
    assert page.count('href="/review/identity/') == 2
