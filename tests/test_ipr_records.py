"""IP rights: what each kind asks for, and the authentication flow draft → pending → approved | failed.

Records are built through ``ipr.services``; the forms are the ones the pages use. Dates are
relative to today in China, except where a fixed calendar case is the point.
"""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from accounts.models import User
from ipp.workdays import today_in_china
from ipr import selectors, services
from ipr.forms import IPRForm, NiceClassFormSet
from ipr.models import IPR, IPREvent

from .conftest import approve_ipr, checked_pdf, make_ipr, make_user, pdf_bytes, png_bytes

TODAY = today_in_china()


def days(n: int) -> str:
    """The ISO date ``n`` days from today in China, as a date input sends it."""
    return (TODAY + dt.timedelta(days=n)).isoformat()


# What each kind's form needs, all of it valid; tests take away or spoil one thing.
VALID = {
    "trademark": {"name": "ACME", "number": "30000001", "jurisdiction": "CN", "owner_name": "Acme Ltd",
                  "registered_on": days(-365), "expires_on": days(3000)},
    "patent": {"patent_type": "utility_model", "name": "Folding chair", "number": "ZL202320001234.5",
               "jurisdiction": "CN", "owner_name": "Acme Ltd", "registered_on": days(-100), "expires_on": days(3000)},
    "copyright": {"name": "Acme fox drawing", "work_kind": "artwork", "number": "国作登字-2021-F-00012345",
                  "jurisdiction": "CN", "owner_name": "Acme Ltd", "registered_on": days(-700)},
    "other": {"name": "Geographical indication", "number": "GI-778", "jurisdiction": "FR", "owner_name": "Acme Ltd",
              "registered_on": days(-30), "expires_on": days(700)},
}


def files(*, certificate=True, samples=1) -> MultiValueDict:
    uploads = MultiValueDict()
    if certificate:
        uploads["certificate"] = SimpleUploadedFile("certificate.pdf", pdf_bytes(), content_type="application/pdf")
    uploads.setlist("attachments", [SimpleUploadedFile(f"sample{n}.png", png_bytes(), content_type="image/png")
                                    for n in range(samples)])
    return uploads


def ipr_form(kind, *, drop=(), samples=0, **changes) -> IPRForm:
    data = {**VALID[kind], "certificate_shows": "registered", **changes}
    for field in drop:
        data.pop(field)
    return IPRForm(data, files(samples=samples), kind=kind)


def classes_formset(*rows, total=None) -> NiceClassFormSet:
    data = {"classes-TOTAL_FORMS": str(len(rows) if total is None else total), "classes-INITIAL_FORMS": "0",
            "classes-MIN_NUM_FORMS": "1", "classes-MAX_NUM_FORMS": "1000"}
    for index, (number, goods) in enumerate(rows):
        data[f"classes-{index}-number"] = str(number)
        data[f"classes-{index}-goods_services"] = goods
    return NiceClassFormSet(data, prefix="classes")


# --- What each kind asks for ------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["trademark", "patent", "other"])
def test_a_complete_form_of_each_kind_is_valid(db, kind):
    form = ipr_form(kind)
    assert form.is_valid(), form.errors


def test_a_copyright_with_a_sample_is_valid_and_is_never_asked_for_an_expiry_date(db):
    form = ipr_form("copyright", samples=2)
    assert form.is_valid(), form.errors
    assert "expires_on" not in form.fields
    assert len(form.cleaned_data["attachments"]) == 2


@pytest.mark.parametrize("missing", ["name", "number", "jurisdiction", "owner_name", "registered_on", "expires_on"])
def test_a_trademark_needs_each_of_its_fields_including_registration_and_expiry_dates(db, missing):
    form = ipr_form("trademark", drop=[missing])
    assert not form.is_valid()
    assert missing in form.errors


def test_a_trademark_needs_its_registration_certificate(db):
    form = IPRForm({**VALID["trademark"], "certificate_shows": "registered"}, files(certificate=False), kind="trademark")
    assert not form.is_valid()
    assert "certificate" in form.errors


def test_a_trademark_needs_at_least_one_nice_class_with_its_goods(db):
    formset = classes_formset()
    assert not formset.is_valid()
    assert "Add at least one Nice class" in " ".join(formset.non_form_errors())
    # The one row the page shows, left empty, is not a class either.
    assert not classes_formset(total=1).is_valid()


def test_nice_classes_run_from_1_to_45(db):
    assert classes_formset((1, "Chemicals"), (45, "Legal services")).is_valid()
    for number in (0, 46):
        formset = classes_formset((number, "Anything"))
        assert not formset.is_valid()
        assert "number" in formset.errors[0]


def test_a_nice_class_listed_twice_is_refused(db):
    formset = classes_formset((25, "Clothing"), (25, "Footwear"))
    assert not formset.is_valid()
    assert "Class 25 is listed twice" in str(formset.errors[1]["number"])


def test_the_classes_given_are_what_the_record_keeps(holder):
    formset = classes_formset((25, "Clothing"), (18, "Bags"))
    assert formset.is_valid()
    ipr = services.ipr_save(user=holder, kind="trademark", fields=VALID["trademark"], classes=formset.classes(),
                            certificate=checked_pdf())
    assert list(ipr.classes.values_list("number", "goods_services")) == [(18, "Bags"), (25, "Clothing")]


@pytest.mark.parametrize("missing", ["patent_type", "expires_on"])
def test_a_patent_needs_its_type_and_expiry_date(db, missing):
    form = ipr_form("patent", drop=[missing])
    assert not form.is_valid()
    assert missing in form.errors


def test_a_patent_grant_date_is_optional(db):
    assert ipr_form("patent", registered_on="").is_valid()


def test_a_copyright_needs_the_kind_of_work(db):
    form = ipr_form("copyright", drop=["work_kind"], samples=1)
    assert not form.is_valid()
    assert "work_kind" in form.errors


def test_a_copyright_needs_at_least_one_sample_of_the_work(db):
    form = ipr_form("copyright", samples=0)
    assert not form.is_valid()
    assert "attachments" in form.errors


def test_a_copyright_saved_without_a_sample_cannot_be_submitted(holder):
    ipr = services.ipr_save(user=holder, kind="copyright", fields=VALID["copyright"], certificate=checked_pdf())
    with pytest.raises(services.SubmissionIncomplete, match="at least one sample of the work"):
        services.ipr_submit(ipr=ipr, user=holder)
    assert IPR.objects.get(pk=ipr.pk).status == "draft"


@pytest.mark.parametrize("missing", ["registered_on", "expires_on"])
def test_another_right_needs_its_validity_period(db, missing):
    form = ipr_form("other", drop=[missing])
    assert not form.is_valid()
    assert missing in form.errors


def test_a_right_that_has_expired_when_entered_is_refused(db):
    form = ipr_form("trademark", expires_on=days(-1))
    assert not form.is_valid()
    assert f"expired on {days(-1)}" in " ".join(form.errors["expires_on"])
    # Its last day is still a day in force.
    assert ipr_form("trademark", expires_on=days(0)).is_valid()


def test_a_registration_date_in_the_future_is_refused(db):
    form = ipr_form("trademark", registered_on=days(1))
    assert not form.is_valid()
    assert "in the future" in " ".join(form.errors["registered_on"])
    assert ipr_form("trademark", registered_on=days(0)).is_valid()


def test_an_expiry_before_the_registration_is_refused(db):
    form = ipr_form("other", registered_on=days(-10), expires_on=days(-20))
    assert not form.is_valid()
    assert "after the registration date" in " ".join(form.errors["expires_on"])


# --- Pending applications are not rights --------------------------------------------------------

def test_a_certificate_that_shows_an_application_is_refused_with_the_reason(db):
    form = ipr_form("trademark", certificate_shows="application")
    assert not form.is_valid()
    message = " ".join(form.errors["certificate_shows"])
    assert "pending application or filing receipt is refused" in message


@pytest.mark.parametrize("number", ["Application No. 12345", "申请号 2023104567890", "Appl. No 2023-778",
                                    "Filing receipt 88-1", "受理号 20231234"])
def test_an_application_number_is_refused_with_the_reason(db, number):
    form = ipr_form("patent", number=number)
    assert not form.is_valid()
    assert "looks like an application or filing number" in " ".join(form.errors["number"])


@pytest.mark.parametrize("number", ["G1234567", "ZL202320001234.5", "UK00003456789"])
def test_a_registration_number_is_accepted(db, number):
    assert ipr_form("patent", number=number).is_valid()


# --- Submitting ---------------------------------------------------------------------------------

def test_a_draft_is_submitted_as_pending_and_snapshotted(holder):
    ipr = make_ipr(holder)
    assert ipr.status == "draft"
    services.ipr_submit(ipr=ipr, user=holder)
    ipr.refresh_from_db()
    assert ipr.status == "pending" and ipr.submitted_at is not None
    event = ipr.events.get(action="submitted")
    assert event.snapshot["number"] == "30000001" and event.snapshot["classes"] == {"25": "Clothing; footwear"}


def test_submitted_just_before_national_day_it_is_due_three_working_days_after_the_holiday(holder, monkeypatch):
    # Wed 30 Sep 2026, 16:00 in China: 1-7 Oct are holidays, Sat 10 Oct is a make-up working day.
    submitted = dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    monkeypatch.setattr(timezone, "now", lambda: submitted)
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    ipr.refresh_from_db()
    assert ipr.due_on == dt.date(2026, 10, 10)


def test_the_due_date_counts_from_the_day_it_is_in_china(holder, monkeypatch):
    # 17:00 UTC on Mon 28 Sep is Tue 29 Sep in China: Wed 30 Sep, Thu 8 and Fri 9 Oct (Mon would give Thu 8 Oct).
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 9, 28, 17, 0, tzinfo=dt.UTC))
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    ipr.refresh_from_db()
    assert ipr.due_on == dt.date(2026, 10, 9)


def test_an_unverified_account_cannot_submit_and_is_told_why(newcomer):
    ipr = make_ipr(newcomer)
    with pytest.raises(services.SubmissionIncomplete, match="not verified"):
        services.ipr_submit(ipr=ipr, user=newcomer)


def test_a_pending_record_cannot_be_changed_until_it_is_decided(holder):
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    with pytest.raises(services.NotEditable):
        services.ipr_save(user=holder, kind="trademark", ipr=ipr, fields={"number": "999"})
    assert IPR.objects.get(pk=ipr.pk).number == "30000001"


# --- Reviewers decide -----------------------------------------------------------------------------

def test_a_reviewer_approves_and_the_filer_is_told(holder, reviewer, run_tasks):
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    with run_tasks():
        services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    ipr.refresh_from_db()
    assert (ipr.status, ipr.decided_by) == ("approved", reviewer)
    assert mail.outbox[-1].to == ["holder@example.com"]
    assert "30000001 is approved" in mail.outbox[-1].subject


def test_failing_needs_a_reason_from_the_list(holder, reviewer):
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    for reason in ("", "looks_fishy"):
        with pytest.raises(ValueError, match="unknown failure reason"):
            services.ipr_fail(ipr_id=ipr.pk, reviewer=reviewer, reason=reason)
    assert IPR.objects.get(pk=ipr.pk).status == "pending"
    assert not ipr.events.filter(action="failed").exists()


def test_the_review_page_refuses_a_failure_without_a_reason(client, holder, reviewer):
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    client.force_login(reviewer)
    response = client.post(reverse("review_ipr", args=[ipr.pk]), {"decision": "reject", "reason": ""})
    assert response.status_code == 400
    assert "Choose the reason" in response.content.decode()
    assert IPR.objects.get(pk=ipr.pk).status == "pending"


def test_a_failure_keeps_the_reason_and_the_filer_is_told_it(holder, reviewer, run_tasks):
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    with run_tasks():
        services.ipr_fail(ipr_id=ipr.pk, reviewer=reviewer, reason="data_mismatch", note="The number differs")
    ipr.refresh_from_db()
    assert (ipr.status, ipr.failure_reason, ipr.failure_note) == ("failed", "data_mismatch", "The number differs")
    body = mail.outbox[-1].body
    assert "do not match the certificate" in body and "The number differs" in body
    assert "was not approved" in mail.outbox[-1].subject


def test_a_failed_record_is_corrected_and_resubmitted_and_the_reviewer_sees_what_changed(client, holder, reviewer):
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    assert selectors.submission_changes(ipr) is None  # a first submission has nothing to compare with
    services.ipr_fail(ipr_id=ipr.pk, reviewer=reviewer, reason="data_mismatch", note="The number differs")

    ipr = services.ipr_save(user=holder, kind="trademark", ipr=ipr, fields={"number": "30000002"},
                            classes=[(25, "Clothing; footwear"), (18, "Bags")])
    assert ipr.status == "draft"
    services.ipr_submit(ipr=ipr, user=holder)
    ipr.refresh_from_db()
    assert ipr.status == "pending" and ipr.failure_reason == "" and ipr.failure_note == ""

    changes = selectors.submission_changes(ipr)
    assert ("Number", "30000001", "30000002") in changes
    assert ("Nice classes", "25: Clothing; footwear", "18: Bags; 25: Clothing; footwear") in changes
    assert len(changes) == 2
    client.force_login(reviewer)
    page = client.get(reverse("review_ipr", args=[ipr.pk])).content.decode()
    assert "30000001 → 30000002" in page


def test_a_second_decision_on_the_same_record_is_a_conflict_not_a_silent_change(holder, reviewer):
    other_reviewer = make_user("reviewer2@example.com", role=User.Role.REVIEWER)
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    with pytest.raises(services.ReviewConflict):
        services.ipr_fail(ipr_id=ipr.pk, reviewer=other_reviewer, reason="illegible")
    ipr.refresh_from_db()
    assert (ipr.status, ipr.decided_by) == ("approved", reviewer)
    assert ipr.events.filter(action__in=["approved", "failed"]).count() == 1


def test_a_right_that_expired_while_waiting_for_review_cannot_be_approved(holder, reviewer, monkeypatch):
    # Submitted five days ago, on the right's last day; the reviewer opens it today.
    real_now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: real_now - dt.timedelta(days=5))
    ipr = make_ipr(holder, expires_on=TODAY - dt.timedelta(days=5))
    services.ipr_submit(ipr=ipr, user=holder)
    monkeypatch.setattr(timezone, "now", lambda: real_now)
    with pytest.raises(services.ApprovalRefused, match=f"expired on {days(-5)}"):
        services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    assert IPR.objects.get(pk=ipr.pk).status == "pending"
    # The reviewer fails it with the reason instead.
    services.ipr_fail(ipr_id=ipr.pk, reviewer=reviewer, reason="expired")
    assert IPR.objects.get(pk=ipr.pk).failure_reason == "expired"


def test_every_status_change_leaves_an_event_saying_who_from_to_and_why(holder, reviewer):
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    services.ipr_fail(ipr_id=ipr.pk, reviewer=reviewer, reason="illegible", note="Blurred scan")
    services.ipr_save(user=holder, kind="trademark", ipr=ipr, fields={}, certificate=checked_pdf("sharp.pdf"))
    services.ipr_submit(ipr=ipr, user=holder)
    services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    services.ipr_withdraw_sweep(as_of=TODAY + dt.timedelta(days=3651))
    history = list(ipr.events.order_by("pk").values_list("action", "actor__email", "from_status", "to_status", "reason"))
    assert history == [
        ("created", "holder@example.com", "", "draft", ""),
        ("submitted", "holder@example.com", "draft", "pending", ""),
        ("failed", "reviewer@example.com", "pending", "failed", "illegible"),
        ("created", "holder@example.com", "failed", "draft", ""),
        ("submitted", "holder@example.com", "draft", "pending", ""),
        ("approved", "reviewer@example.com", "pending", "approved", ""),
        ("withdrawn", None, "approved", "withdrawn", "ipr_expired"),
    ]
    assert IPR.objects.get(pk=ipr.pk).status == "withdrawn"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_one_wins_and_the_other_gets_a_conflict():
    reviewer = make_user("reviewer@example.com", role=User.Role.REVIEWER)
    other_reviewer = make_user("reviewer2@example.com", role=User.Role.REVIEWER)
    holder = make_user("holder@example.com", name="Acme Ltd", category=User.RegistrantCategory.ENTITY,
                       verified_by=reviewer)
    ipr = make_ipr(holder)
    services.ipr_submit(ipr=ipr, user=holder)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(name, action):
        try:
            start.wait()
            action()
            outcomes[name] = "decided"
        except Exception as exc:  # noqa: BLE001 - the outcome is what is asserted
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("approve", lambda: services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer))),
        threading.Thread(target=decide, args=("fail", lambda: services.ipr_fail(
            ipr_id=ipr.pk, reviewer=other_reviewer, reason="illegible"))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(outcome).__name__ for outcome in outcomes.values()) == ["ReviewConflict", "str"]
    winner = "approved" if outcomes["approve"] == "decided" else "failed"
    assert IPR.objects.get(pk=ipr.pk).status == winner
    decisions = IPREvent.objects.filter(ipr=ipr, action__in=["approved", "failed"])
    assert list(decisions.values_list("action", flat=True)) == [winner]


# --- Pages keep a flat query count ------------------------------------------------------------------

def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_records(filer, reviewer, *, count: int, start: int) -> None:
    """Records of several kinds and statuses: every other one approved, the rest pending (they fill the queue)."""
    for n in range(start, start + count):
        ipr = make_ipr(filer, number=f"4000{n:04d}", kind=["trademark", "patent", "copyright"][n % 3])
        if n % 2:
            approve_ipr(ipr, reviewer=reviewer)
            continue
        if ipr.needs_letter:
            services.ipr_upload_letter(ipr=ipr, user=filer, letter=checked_pdf("letter.pdf"), scope="enforce",
                                       valid_from=TODAY, valid_until=TODAY + dt.timedelta(days=90))
        services.ipr_submit(ipr=ipr, user=filer)


def test_ipr_management_and_the_review_queue_do_not_grow_with_their_rows(client, holder, reviewer):
    agent = make_user("agent@example.com", name="Brand Agency", identity=User.Identity.AGENT, verified_by=reviewer)
    pages = [(holder, reverse("ipr_list")), (agent, reverse("ipr_list")), (reviewer, reverse("review_queue") + "?tab=ipr")]

    def counts():
        result = []
        for user, url in pages:
            client.force_login(user)
            result.append(queries_for(client, url))
        return result

    for filer in (holder, agent):
        add_records(filer, reviewer, count=1, start=0)
    one_row = counts()
    for filer in (holder, agent):
        add_records(filer, reviewer, count=9, start=1)
    assert IPR.objects.filter(filed_by=agent).count() == 10 and IPR.objects.filter(status="pending").count() == 10
    assert counts() == one_row


def test_ipr_management_lists_the_filers_own_records_with_their_next_step(client, holder, reviewer):
    approved = approve_ipr(make_ipr(holder, number="50000001"), reviewer=reviewer)
    make_ipr(holder, number="50000002", kind="patent")
    someone_else = make_user("other@example.com", name="Globex", verified_by=reviewer)
    make_ipr(someone_else, number="50000003")
    client.force_login(holder)
    page = client.get(reverse("ipr_list")).content.decode()
    assert f'data-ipr="{approved.pk}"' in page and "50000002" in page
    assert "50000003" not in page
    assert "Ready: you can file complaints with it." in page and "Complete it and submit it" in page
