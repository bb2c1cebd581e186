"""The notification list and the nav's unread badge; authentication results and expiry reminders in the list."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as account_services
from ipp.models import Notification
from ipp.notifications import notify
from ipp.workdays import today_in_china
from ipr import services as ipr_services
from ipr.tasks import send_ipr_decision

from .conftest import approve_ipr, checked_png, make_ipr, make_user

pytestmark = pytest.mark.django_db


def tell(user, n: int, *, url: str = "") -> None:
    notify(user, kind="decision", key=f"test:{n}", subject="news", text=f"News number {n}", url=url, email=False)


def unread_badge(client) -> str | None:
    page = client.get(reverse("dashboard")).content.decode()
    marker = 'id="unread-count">'
    return page.split(marker, 1)[1].split("<", 1)[0] if marker in page else None


@pytest.fixture
def rival(db):
    return make_user("rival@example.com", name="Rival Ltd")


# --- The list -----------------------------------------------------------------------------------

def test_the_list_shows_only_the_users_own_notifications_newest_first_each_linking_to_its_page(client, holder, rival):
    tell(holder, 1, url="/complaints/1/")
    tell(holder, 2, url="/ipr/2/")
    tell(rival, 3)
    client.force_login(holder)
    page = client.get(reverse("notifications")).content.decode()
    assert page.index("News number 2") < page.index("News number 1")
    assert "News number 3" not in page
    assert '<a href="/complaints/1/">News number 1</a>' in page


def test_unread_ones_are_marked_until_all_are_marked_read_and_only_the_users_own(client, holder, rival):
    tell(holder, 1)
    tell(rival, 2)
    client.force_login(holder)
    assert client.get(reverse("notifications")).content.decode().count('data-unread="true"') == 1
    response = client.post(reverse("notifications_read"), follow=True)
    page = response.content.decode()
    assert "1 notification marked read." in page
    assert 'data-unread="true"' not in page and 'data-unread="false"' in page
    assert Notification.objects.get(user=rival).read_at is None


def test_the_list_is_paginated(client, holder):
    for n in range(30):
        tell(holder, n)
    client.force_login(holder)
    first = client.get(reverse("notifications")).content.decode()
    second = client.get(reverse("notifications") + "?page=2").content.decode()
    assert first.count("data-notification=") == 25 and "News number 29" in first
    assert second.count("data-notification=") == 5 and "News number 0" in second


def test_the_list_costs_the_same_queries_for_one_row_or_a_full_page(client, holder):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("notifications")).status_code == 200
        return len(captured)

    client.force_login(holder)
    tell(holder, 0)
    one = queries()
    for n in range(1, 25):
        tell(holder, n)
    assert queries() == one


def test_signing_in_is_needed(client):
    response = client.get(reverse("notifications"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert client.post(reverse("notifications_read")).status_code == 302


def test_every_role_has_a_list(client, reviewer, seller):
    for user in (reviewer, seller):
        tell(user, user.pk)
        client.force_login(user)
        assert f"News number {user.pk}" in client.get(reverse("notifications")).content.decode()


# --- The badge ----------------------------------------------------------------------------------

def test_the_nav_badge_counts_the_unread_and_goes_once_read(client, holder):
    client.force_login(holder)
    assert unread_badge(client) is None
    tell(holder, 1)
    tell(holder, 2)
    assert unread_badge(client) == "2"
    client.post(reverse("notifications_read"))
    assert unread_badge(client) is None


def test_the_badge_stops_counting_at_99(client, holder):
    Notification.objects.bulk_create(Notification(user=holder, kind="decision", key=f"k{n}", text="x")
                                     for n in range(120))
    client.force_login(holder)
    assert unread_badge(client) == "99+"


def test_the_badge_costs_one_query_for_a_signed_in_user_and_none_otherwise(client, holder):
    def notification_queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return sum('"ipp_notification"' in query["sql"] for query in captured)

    assert notification_queries(reverse("agreement")) == 0
    client.force_login(holder)
    assert notification_queries(reverse("agreement")) == 1


# --- What creates notifications besides the complaint workflow -----------------------------------

def test_approving_a_right_notifies_once_and_still_emails_once(holder, reviewer, run_tasks):
    ipr = make_ipr(holder)
    ipr_services.ipr_submit(ipr=ipr, user=holder)
    mail.outbox.clear()
    with run_tasks():
        ipr_services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    [note] = Notification.objects.filter(user=holder, kind="ipr_decision")
    assert "30000001" in note.text and "authenticated" in note.text
    assert note.url == reverse("ipr_detail", args=[ipr.pk])
    assert len(mail.outbox) == 1 and "is approved" in mail.outbox[0].subject
    send_ipr_decision(ipr.pk)  # the task delivered again
    assert Notification.objects.filter(user=holder, kind="ipr_decision").count() == 1


def test_a_failed_right_is_notified_with_the_reason(holder, reviewer, run_tasks):
    ipr = make_ipr(holder)
    ipr_services.ipr_submit(ipr=ipr, user=holder)
    with run_tasks():
        ipr_services.ipr_fail(ipr_id=ipr.pk, reviewer=reviewer, reason="illegible")
    note = Notification.objects.get(user=holder, kind="ipr_decision")
    assert "was not authenticated: The certificate cannot be read clearly." in note.text


def test_an_identity_decision_is_notified_in_the_users_language(newcomer, reviewer, run_tasks):
    newcomer.language = "zh-hans"
    newcomer.save(update_fields=["language"])
    proof = account_services.identity_submit(user=newcomer, document_kind="passport", document_number="X1",
                                             expires_on=dt.date(2031, 1, 1), document=checked_png())
    with run_tasks():
        account_services.identity_reject(proof_id=proof.pk, reviewer=reviewer, reason="illegible")
    note = Notification.objects.get(user=newcomer, kind="identity_decision")
    assert note.url == reverse("identity")
    assert "证件内容无法清晰辨认。" in note.text  # the reason, written when the task ran (in English)
    assert len(mail.outbox) == 1


def test_expiry_reminders_are_notified_once_each(holder, reviewer, run_tasks):
    ipr = approve_ipr(make_ipr(holder, expires_on=today_in_china() + dt.timedelta(days=20)), reviewer=reviewer)
    with run_tasks():
        assert ipr_services.expiry_reminder_sweep(as_of=today_in_china()) == 1
    [note] = Notification.objects.filter(user=holder, kind="expiry_reminder")
    assert (today_in_china() + dt.timedelta(days=20)).isoformat() in note.text and "30000001" in note.text
    assert note.url == reverse("ipr_detail", args=[ipr.pk])
    with run_tasks():
        ipr_services.expiry_reminder_sweep(as_of=today_in_china())
        ipr_services.reminders_send()
    assert Notification.objects.filter(user=holder, kind="expiry_reminder").count() == 1



def test_a_withdrawn_authentication_is_notified_once_with_the_reason(holder, reviewer, run_tasks):
    ipr = approve_ipr(make_ipr(holder), reviewer=reviewer)
    with run_tasks():
        ipr_services.ipr_withdraw(ipr_id=ipr.pk, actor=reviewer)
    [note] = Notification.objects.filter(user=holder, kind="ipr_decision", key__startswith="ipr_withdrawn:")
    assert "was withdrawn: The right was declared invalid." in note.text
    assert len(mail.outbox) == 1  # the email, as before
