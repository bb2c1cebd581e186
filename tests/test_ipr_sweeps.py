"""The expiry sweeps: withdrawing authentications, holding the complaint items resting on them,
reminding before things end, and ``manage.py run_sweeps`` that runs them all.

Time moves by ``as_of`` (the services) or ``--as-of`` (the command); the records are approved
today, through the services, and the sweeps look at them from a later day.
"""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from accounts import services as account_services
from accounts.models import IdentityProof, User
from complaints.models import ComplaintItem, ComplaintItemEvent
from ipp.workdays import today_in_china
from ipr import services
from ipr.models import IPR, ExpiryReminder, IPREvent

from .conftest import approve_ipr, checked_pdf, checked_png, complaint_items, make_ipr, make_user

TODAY = today_in_china()


def on(days: int) -> dt.date:
    """The day ``days`` from today in China."""
    return TODAY + dt.timedelta(days=days)


def verified_user(email, name, *, reviewer, expires_on, identity=User.Identity.OWNER) -> User:
    """An individual whose verified passport ends on ``expires_on``."""
    user = make_user(email, name=name, identity=identity)
    proof = account_services.identity_submit(user=user, document_kind="passport", document_number="E7654321",
                                             expires_on=expires_on, document=checked_png())
    account_services.identity_approve(proof_id=proof.pk, reviewer=reviewer)
    return user


def sweep_output(capsys, *args) -> list[str]:
    call_command("run_sweeps", *args)
    return capsys.readouterr().out.splitlines()


def withdrawn_events(ipr) -> list[tuple]:
    return list(ipr.events.filter(action="withdrawn").values_list("actor", "from_status", "to_status", "reason"))


# --- Withdrawal -----------------------------------------------------------------------------------

def test_a_right_past_its_term_is_withdrawn_as_ipr_expired_and_the_filer_is_told(holder, reviewer, run_tasks):
    ended = approve_ipr(make_ipr(holder, number="61000001", expires_on=on(10)), reviewer=reviewer)
    last_day = approve_ipr(make_ipr(holder, number="61000002", expires_on=on(11)), reviewer=reviewer)
    with run_tasks():
        assert services.ipr_withdraw_sweep(as_of=on(11)) == 1
    ended.refresh_from_db()
    assert (ended.status, ended.withdrawal_reason) == ("withdrawn", "ipr_expired") and ended.withdrawn_at
    assert withdrawn_events(ended) == [(None, "approved", "withdrawn", "ipr_expired")]
    assert IPR.objects.get(pk=last_day.pk).status == "approved"  # its last day is still a day in force
    notice = mail.outbox[-1]
    assert notice.to == ["holder@example.com"] and "withdrawn for 1 right" in notice.subject
    assert "61000001" in notice.body and "The right's term has ended." in notice.body
    assert "61000002" not in notice.body


def test_a_letter_past_its_term_withdraws_the_agents_right_as_letter_expired(reviewer):
    agent = make_user("agent@example.com", name="Brand Agency Co", identity=User.Identity.AGENT, verified_by=reviewer)
    ipr = approve_ipr(make_ipr(agent, owner_name="Acme Ltd"), reviewer=reviewer, letter_until=on(30))
    assert services.ipr_withdraw_sweep(as_of=on(30)) == 0
    assert services.ipr_withdraw_sweep(as_of=on(31)) == 1
    ipr.refresh_from_db()
    assert (ipr.status, ipr.withdrawal_reason) == ("withdrawn", "letter_expired")
    assert withdrawn_events(ipr) == [(None, "approved", "withdrawn", "letter_expired")]


def test_an_expired_identity_document_is_marked_first_and_the_filers_rights_are_withdrawn(holder, reviewer, capsys):
    filer = verified_user("lin@example.com", "Lin Mei", reviewer=reviewer, expires_on=on(20))
    ipr = approve_ipr(make_ipr(filer), reviewer=reviewer)
    held_by_holder = approve_ipr(make_ipr(holder), reviewer=reviewer)  # a business certificate does not end
    out = sweep_output(capsys, "--as-of", on(21).isoformat())
    assert out[1:3] == ["  identity documents expired: changed 1", "  IPR authentications withdrawn: changed 1"]
    assert IdentityProof.objects.get(user=filer).status == "expired"
    ipr.refresh_from_db()
    assert (ipr.status, ipr.withdrawal_reason) == ("withdrawn", "identity_expired")
    assert IPR.objects.get(pk=held_by_holder.pk).status == "approved"


def test_a_filer_who_renewed_its_identity_in_time_keeps_its_rights(reviewer):
    filer = verified_user("lin@example.com", "Lin Mei", reviewer=reviewer, expires_on=on(20))
    ipr = approve_ipr(make_ipr(filer), reviewer=reviewer)
    renewal = account_services.identity_submit(user=filer, document_kind="passport", document_number="E1111111",
                                               expires_on=on(3650), document=checked_png())
    account_services.identity_approve(proof_id=renewal.pk, reviewer=reviewer)
    assert services.ipr_withdraw_sweep(as_of=on(21)) == 0
    assert IPR.objects.get(pk=ipr.pk).status == "approved"


@pytest.mark.parametrize(("ended", "reason"), [
    ({"ipr", "letter", "identity"}, "ipr_expired"),
    ({"ipr", "identity"}, "ipr_expired"),
    ({"letter", "identity"}, "letter_expired"),
    ({"identity"}, "identity_expired"),
])
def test_when_several_things_ended_the_right_is_withdrawn_once_for_the_first_in_order(reviewer, ended, reason):
    end, later = on(20), on(3000)
    agent = verified_user("agent@example.com", "Brand Agency Co", reviewer=reviewer, identity=User.Identity.AGENT,
                          expires_on=end if "identity" in ended else later)
    ipr = approve_ipr(make_ipr(agent, owner_name="Acme Ltd", expires_on=end if "ipr" in ended else later),
                      reviewer=reviewer, letter_until=end if "letter" in ended else on(2000))
    assert services.ipr_withdraw_sweep(as_of=on(21)) == 1
    assert IPR.objects.get(pk=ipr.pk).withdrawal_reason == reason
    assert withdrawn_events(ipr) == [(None, "approved", "withdrawn", reason)]


# --- Reminders ------------------------------------------------------------------------------------

def reminders() -> list[tuple]:
    return list(ExpiryReminder.objects.order_by("pk").values_list("subject", "object_id", "deadline", "days_before"))


def test_reminders_are_queued_30_and_7_days_before_a_deadline_once_each(holder, reviewer):
    ipr = approve_ipr(make_ipr(holder, expires_on=on(30)), reviewer=reviewer)
    assert services.expiry_reminder_sweep(as_of=on(-1)) == 0  # 31 days before: too early
    assert services.expiry_reminder_sweep(as_of=TODAY) == 1
    assert services.expiry_reminder_sweep(as_of=TODAY) == 0
    assert services.expiry_reminder_sweep(as_of=on(5)) == 0
    assert services.expiry_reminder_sweep(as_of=on(22)) == 0  # 8 days before: between the two
    assert services.expiry_reminder_sweep(as_of=on(23)) == 1
    assert services.expiry_reminder_sweep(as_of=on(25)) == 0
    assert reminders() == [("ipr_term", ipr.pk, on(30), 30), ("ipr_term", ipr.pk, on(30), 7)]


def test_a_record_first_seen_inside_seven_days_gets_only_the_seven_day_reminder(holder, reviewer):
    ipr = approve_ipr(make_ipr(holder, expires_on=on(5)), reviewer=reviewer)
    for day in range(6):
        services.expiry_reminder_sweep(as_of=on(day))
    assert reminders() == [("ipr_term", ipr.pk, on(5), 7)]


def test_each_user_gets_one_reminder_email_listing_everything_of_its_that_ends(holder, reviewer, run_tasks):
    first = approve_ipr(make_ipr(holder, number="62000001", expires_on=on(20)), reviewer=reviewer)
    second = approve_ipr(make_ipr(holder, number="62000002", expires_on=on(30)), reviewer=reviewer)
    approve_ipr(make_ipr(holder, number="62000003", expires_on=on(31)), reviewer=reviewer)  # not yet
    agent = verified_user("agent@example.com", "Brand Agency Co", reviewer=reviewer, identity=User.Identity.AGENT,
                          expires_on=on(28))
    letter_ipr = approve_ipr(make_ipr(agent, number="62000004", owner_name="Acme Ltd"), reviewer=reviewer,
                             letter_until=on(25))
    with run_tasks():
        assert services.expiry_reminder_sweep(as_of=TODAY) == 4
    assert sorted(reminders()) == sorted([
        ("ipr_term", first.pk, on(20), 30), ("ipr_term", second.pk, on(30), 30),
        ("letter_term", letter_ipr.pk, on(25), 30),
        ("identity", IdentityProof.objects.get(user=agent).pk, on(28), 30),
    ])
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert sorted(by_recipient) == [("agent@example.com",), ("holder@example.com",)]
    to_holder = by_recipient[("holder@example.com",)]
    assert f"Renew before {on(20).isoformat()}" in to_holder.subject
    assert "62000001" in to_holder.body and "62000002" in to_holder.body and "62000003" not in to_holder.body
    to_agent = by_recipient[("agent@example.com",)]
    assert "The authorisation letter's term" in to_agent.body and "62000004" in to_agent.body
    assert "The identity document — Passport" in to_agent.body
    # Nothing is sent twice: not by a second sweep, not by another sending run.
    with run_tasks():
        assert services.expiry_reminder_sweep(as_of=TODAY) == 0
        assert services.reminders_send() == 0
    assert len(mail.outbox) == 2
    assert not ExpiryReminder.objects.filter(sent_at__isnull=True).exists()


def test_only_approved_rights_get_reminders(holder, reviewer):
    ipr = approve_ipr(make_ipr(holder, expires_on=on(30)), reviewer=reviewer)
    services.ipr_save(user=holder, kind="trademark", ipr=ipr, fields={"name": "ACME (renewing)"})  # back to draft
    assert services.expiry_reminder_sweep(as_of=TODAY) == 0


# --- Complaint items resting on a withdrawn right -----------------------------------------------------

def test_withdrawal_holds_the_complaint_items_in_progress_and_tells_the_complainant(holder, reviewer, run_tasks):
    ipr = approve_ipr(make_ipr(holder, number="63000001", expires_on=on(10)), reviewer=reviewer)
    submitted, notified, taken_down = complaint_items(ipr, "submitted", "seller_notified", "taken_down")
    with run_tasks():
        services.ipr_withdraw_sweep(as_of=on(11))
        assert services.complaint_items_hold_sweep(as_of=on(11)) == 2
    for item, was in ((submitted, "submitted"), (notified, "seller_notified")):
        item.refresh_from_db()
        assert (item.state, item.held_from) == ("held", was)
        assert list(item.events.values_list("from_state", "to_state", "reason")) == [(was, "held", "ipr_withdrawn")]
    taken_down.refresh_from_db()
    assert (taken_down.state, taken_down.held_from) == ("taken_down", "")
    assert not taken_down.events.exists()
    notice = [m for m in mail.outbox if "on hold" in m.subject]
    assert len(notice) == 1 and notice[0].to == ["holder@example.com"]
    assert "2 complaint items are on hold" in notice[0].subject
    assert submitted.listing_url in notice[0].body and notified.listing_url in notice[0].body
    assert taken_down.listing_url not in notice[0].body


def test_items_of_a_right_still_in_force_are_not_held(holder, reviewer):
    ipr = approve_ipr(make_ipr(holder, expires_on=on(10)), reviewer=reviewer)
    (item,) = complaint_items(ipr, "in_review")
    assert services.complaint_items_hold_sweep(as_of=on(10)) == 0
    assert ComplaintItem.objects.get(pk=item.pk).state == "in_review"


def test_reapproval_after_renewal_resumes_held_items_where_they_stopped(holder, reviewer, run_tasks):
    ipr = approve_ipr(make_ipr(holder, number="63000002", expires_on=on(10)), reviewer=reviewer)
    submitted, notified, taken_down = complaint_items(ipr, "submitted", "seller_notified", "taken_down")
    services.ipr_withdraw_sweep(as_of=on(11))
    services.complaint_items_hold_sweep(as_of=on(11))

    renewed = services.ipr_renew(user=holder, ipr=IPR.objects.get(pk=ipr.pk), fields={"expires_on": on(3650)},
                                 certificate=checked_pdf("renewal-certificate.pdf"))
    assert renewed.status == "pending"
    assert ComplaintItem.objects.get(pk=submitted.pk).state == "held"  # not before a reviewer approves
    with run_tasks():
        services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)

    states = dict(ComplaintItem.objects.filter(complaint__ipr=ipr).values_list("pk", "state"))
    assert states == {submitted.pk: "submitted", notified.pk: "seller_notified", taken_down.pk: "taken_down"}
    assert not ComplaintItem.objects.exclude(held_from="").exists()
    assert list(ComplaintItemEvent.objects.filter(item=notified).values_list("from_state", "to_state", "reason")) == [
        ("seller_notified", "held", "ipr_withdrawn"), ("held", "seller_notified", "ipr_reauthenticated")]
    decision = mail.outbox[-1]
    assert "is approved" in decision.subject
    assert "2 complaint items that were on hold because of this right are being processed again" in decision.body
    # Another sweep leaves the resumed items alone: the right is approved again.
    assert services.complaint_items_hold_sweep(as_of=on(11)) == 0


# --- manage.py run_sweeps ---------------------------------------------------------------------------

def build_expiring_world(holder, reviewer) -> dict:
    """Something for every sweep to do at ``on(21)``: an ended right with items, an ended letter, an ended
    identity, and deadlines 30 and 7 days ahead."""
    agent = verified_user("agent@example.com", "Brand Agency Co", reviewer=reviewer, identity=User.Identity.AGENT,
                          expires_on=on(3000))
    lin = verified_user("lin@example.com", "Lin Mei", reviewer=reviewer, expires_on=on(20))
    ended = approve_ipr(make_ipr(holder, number="64000001", expires_on=on(20)), reviewer=reviewer)
    complaint_items(ended, "in_review", "counter_noticed", "rejected")
    # The letter ends before the right does, and the right would be due a reminder: withdrawal comes first.
    letter_ended = approve_ipr(make_ipr(agent, number="64000002", owner_name="Acme Ltd", expires_on=on(40)),
                               reviewer=reviewer, letter_until=on(20))
    complaint_items(letter_ended, "in_decision")
    identity_ended = approve_ipr(make_ipr(lin, number="64000003"), reviewer=reviewer)
    soon = approve_ipr(make_ipr(holder, number="64000004", expires_on=on(25)), reviewer=reviewer)
    later = approve_ipr(make_ipr(holder, number="64000005", expires_on=on(50)), reviewer=reviewer)
    return {"ended": ended, "letter_ended": letter_ended, "identity_ended": identity_ended, "soon": soon, "later": later}


def counts_in(lines: list[str]) -> dict[str, int]:
    return {line.split(":")[0].strip(): int(line.rsplit(" ", 1)[1]) for line in lines[1:]}


def test_run_sweeps_as_of_a_later_day_moves_time_and_lists_each_sweep_with_its_count(holder, reviewer, capsys):
    gone = approve_ipr(make_ipr(holder, number="65000001", expires_on=dt.date(2027, 4, 30)), reviewer=reviewer)
    complaint_items(gone, "in_review", "taken_down")
    last_day = approve_ipr(make_ipr(holder, number="65000002", expires_on=dt.date(2027, 5, 1)), reviewer=reviewer)
    approve_ipr(make_ipr(holder, number="65000003", expires_on=dt.date(2027, 5, 20)), reviewer=reviewer)
    today = sweep_output(capsys)
    assert all(line.endswith("changed 0") for line in today[1:])

    out = sweep_output(capsys, "--as-of", "2027-05-01")
    assert out == [
        "Sweeps as of 2027-05-01T00:00:00+08:00:",
        "  identity documents expired: changed 0",
        "  IPR authentications withdrawn: changed 1",
        "  complaint items held on withdrawn IPRs: changed 1",
        "  expiry reminders queued (30 and 7 days): changed 2",
        "  complaint items put into review: changed 0",
        "  listings taken down (no counter-notice in time): changed 0",
        "  counter-notices sent to a decision (no answer in time): changed 0",
        "  complaint item side effects run again: changed 0",
        "  Good Faith members under the bar flagged: changed 0",
        "  import jobs queued again (IPR and complaint uploads): changed 0",
    ]
    assert IPR.objects.get(pk=gone.pk).status == "withdrawn"
    assert IPR.objects.get(pk=last_day.pk).status == "approved"
    assert sorted(ExpiryReminder.objects.values_list("deadline", "days_before")) == [
        (dt.date(2027, 5, 1), 7), (dt.date(2027, 5, 20), 30)]


def test_run_sweeps_twice_changes_nothing_and_sends_nothing_the_second_time(holder, reviewer, capsys, run_tasks):
    world = build_expiring_world(holder, reviewer)
    with run_tasks():
        first = counts_in(sweep_output(capsys, "--as-of", on(21).isoformat()))
    assert first == {
        "identity documents expired": 1,
        "IPR authentications withdrawn": 3,
        "complaint items held on withdrawn IPRs": 3,
        "expiry reminders queued (30 and 7 days)": 2,  # 64000004 (7 days) and 64000005 (30 days)
        "complaint items put into review": 0,
        "listings taken down (no counter-notice in time)": 0,
        "counter-notices sent to a decision (no answer in time)": 0,
        "complaint item side effects run again": 0,
        "Good Faith members under the bar flagged": 0,
        "import jobs queued again (IPR and complaint uploads)": 0,
    }
    told = sorted((message.to[0], message.subject) for message in mail.outbox)
    assert told == [
        ("agent@example.com", "[IPP] 1 complaint item is on hold"),
        ("agent@example.com", "[IPP] Authentication withdrawn for 1 right"),
        ("holder@example.com", "[IPP] 2 complaint items are on hold"),
        ("holder@example.com", "[IPP] Authentication withdrawn for 1 right"),
        ("holder@example.com", f"[IPP] Renew before {on(25).isoformat()}: your authentication will be withdrawn"),
        ("lin@example.com", "[IPP] Authentication withdrawn for 1 right"),
        ("lin@example.com", "[IPP] Your identity document has expired"),
    ]
    sent = len(mail.outbox)
    events = IPREvent.objects.count(), ComplaintItemEvent.objects.count()
    with run_tasks():
        second = counts_in(sweep_output(capsys, "--as-of", on(21).isoformat()))
    assert set(second.values()) == {0}
    assert len(mail.outbox) == sent
    assert (IPREvent.objects.count(), ComplaintItemEvent.objects.count()) == events
    reasons = {key: IPR.objects.get(pk=ipr.pk).withdrawal_reason for key, ipr in world.items()}
    assert reasons == {"ended": "ipr_expired", "letter_ended": "letter_expired", "identity_ended": "identity_expired",
                       "soon": "", "later": ""}


def test_a_dry_run_changes_nothing_and_counts_what_the_real_run_then_changes(holder, reviewer, capsys, run_tasks):
    build_expiring_world(holder, reviewer)
    statuses = dict(IPR.objects.values_list("pk", "status"))
    items = dict(ComplaintItem.objects.values_list("pk", "state"))
    with run_tasks():
        dry = sweep_output(capsys, "--as-of", on(21).isoformat(), "--dry-run")
    assert dry[0].endswith("(dry run):") and all("would change" in line for line in dry[1:])
    assert dict(IPR.objects.values_list("pk", "status")) == statuses
    assert dict(ComplaintItem.objects.values_list("pk", "state")) == items
    assert not ExpiryReminder.objects.exists() and not IdentityProof.objects.filter(status="expired").exists()
    assert mail.outbox == []
    with run_tasks():
        real = sweep_output(capsys, "--as-of", on(21).isoformat())
    assert counts_in(dry) == counts_in(real)


# --- Notices: many users in few tasks, each told once ----------------------------------------------------

def expiring_filers(reviewer, count: int) -> list[User]:
    """``count`` verified filers, the ``n``-th with ``n + 1`` rights that end in ten days."""
    filers = []
    for n in range(count):
        filer = make_user(f"filer{n}@example.com", name=f"Filer {n} Ltd", verified_by=reviewer)
        for k in range(n + 1):
            approve_ipr(make_ipr(filer, number=f"65{n:03d}{k:03d}", expires_on=on(10)), reviewer=reviewer)
        filers.append(filer)
    return filers


@pytest.fixture
def sent_tasks(monkeypatch):
    """The (task, args) the IPR services enqueue, still sent as usual."""
    sent: list[tuple] = []
    real = services.enqueue

    def recording(task_name, *args):
        sent.append((task_name, args))
        real(task_name, *args)

    monkeypatch.setattr(services, "enqueue", recording)
    return sent


def test_a_sweep_tells_many_filers_in_few_tasks_and_each_filer_once(reviewer, monkeypatch, sent_tasks, run_tasks):
    filers = expiring_filers(reviewer, 5)
    monkeypatch.setattr(services, "NOTICE_USERS_PER_TASK", 2)
    mail.outbox.clear()
    sent_tasks.clear()
    with run_tasks():
        assert services.ipr_withdraw_sweep(as_of=on(11)) == 15
    assert [(name, args[0], len(args[1])) for name, args in sent_tasks] == [
        ("ipr.tasks.send_user_notices", "withdrawn", 2), ("ipr.tasks.send_user_notices", "withdrawn", 2),
        ("ipr.tasks.send_user_notices", "withdrawn", 1)]
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        (f.email, f"[IPP] Authentication withdrawn for {n + 1} right{'s' if n else ''}") for n, f in enumerate(filers))
    for n, filer in enumerate(filers):
        body = next(m.body for m in mail.outbox if m.to == [filer.email])
        assert all(f"65{n:03d}{k:03d}" in body for k in range(n + 1))
        assert filer.notifications.filter(key__startswith="ipr_withdrawn:").count() == n + 1


def test_every_notice_task_of_the_sweeps_delivered_again_sends_nothing_more(holder, reviewer, capsys, sent_tasks, run_tasks):
    from ipr.tasks import send_user_notices

    build_expiring_world(holder, reviewer)
    with run_tasks():
        sweep_output(capsys, "--as-of", on(21).isoformat())
    notices = [args for name, args in sent_tasks if name == "ipr.tasks.send_user_notices"]
    assert sorted({kind for kind, _ in notices}) == ["expiry_reminders", "items_held", "withdrawn"]
    sent, listed = len(mail.outbox), list(holder.notifications.values_list("key", flat=True))
    assert sent == 7 and any(key.startswith("items_held:") for key in listed)  # as listed by the test above
    for kind, batch in notices:  # as a worker killed before acknowledging would get them again
        send_user_notices.apply(args=[kind, batch])
    assert len(mail.outbox) == sent
    assert list(holder.notifications.values_list("key", flat=True)) == listed


def test_a_filer_whose_email_fails_is_tried_again_alone_and_the_others_are_not_mailed_twice(reviewer, monkeypatch,
                                                                                            run_tasks):
    import smtplib

    from ipr import tasks

    filers = expiring_filers(reviewer, 3)
    real_send, refused = tasks.send_notice, []

    def send_notice(user, template, context):
        if user == filers[1] and not refused:
            refused.append(user.email)
            raise smtplib.SMTPServerDisconnected("the mail server went away")
        real_send(user, template, context)

    monkeypatch.setattr(tasks, "send_notice", send_notice)
    asked = []
    real_user_notice_send = tasks.user_notice_send
    monkeypatch.setattr(tasks, "user_notice_send", lambda kind, user_id, ids: asked.append(user_id) or
                        real_user_notice_send(kind, user_id, ids))
    mail.outbox.clear()
    with run_tasks():
        services.ipr_withdraw_sweep(as_of=on(11))
    # One task for the three; the retry (run at once here, later on a worker) carries only the one that failed.
    assert asked == [filers[0].pk, filers[1].pk, filers[2].pk, filers[1].pk]
    assert refused == ["filer1@example.com"]
    assert sorted(m.to[0] for m in mail.outbox) == ["filer0@example.com", "filer1@example.com", "filer2@example.com"]
    # The refused email rolled its notification rows back with it, and the retry wrote them once.
    assert [f.notifications.count() for f in filers] == [1, 2, 3]


# --- Two workers at once ------------------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_running_at_once_withdraw_each_right_exactly_once(monkeypatch):
    reviewer = make_user("reviewer@example.com", role=User.Role.REVIEWER)
    holder = make_user("holder@example.com", name="Acme Ltd", category=User.RegistrantCategory.ENTITY,
                       verified_by=reviewer)
    for n in range(300):
        approve_ipr(make_ipr(holder, number=f"7{n:07d}", expires_on=on(10)), reviewer=reviewer)
    # Small batches, so the two workers take turns over the rows instead of one taking all at once.
    monkeypatch.setattr(services, "SWEEP_BATCH", 20)
    start = threading.Barrier(2)
    changed: list[int] = []
    errors: list[BaseException] = []

    def sweep():
        try:
            start.wait()
            changed.append(services.ipr_withdraw_sweep(as_of=on(11)))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=sweep) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    assert sum(changed) == 300
    assert IPR.objects.filter(status="withdrawn").count() == 300
    per_right = IPREvent.objects.filter(action="withdrawn").values("ipr").annotate(n=Count("pk"))
    assert len(per_right) == 300 and {row["n"] for row in per_right} == {1}
