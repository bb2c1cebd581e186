"""The authorisation letter: who needs one, its scope (enforcement, never sales only), its term,
and the bilingual PDF the portal writes for the owner to sign."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import User
from ipp.workdays import today_in_china
from ipr import letters, services
from ipr.forms import LetterUploadForm
from ipr.models import IPR

from .conftest import approve_ipr, checked_pdf, make_ipr, make_user, pdf_bytes

TODAY = today_in_china()
DAY = dt.timedelta(days=1)


@pytest.fixture
def agent(reviewer):
    """A verified agent filing rights that belong to its clients."""
    return make_user("agent@example.com", name="Brand Agency Co", identity=User.Identity.AGENT, verified_by=reviewer)


def upload_letter(ipr, *, scope="enforce", valid_from=TODAY, valid_until=TODAY + 365 * DAY):
    return services.ipr_upload_letter(ipr=ipr, user=ipr.filed_by, letter=checked_pdf("signed-letter.pdf"), scope=scope,
                                      valid_from=valid_from, valid_until=valid_until)


def letter_form(**changes) -> LetterUploadForm:
    data = {"scope": "enforce", "valid_from": TODAY.isoformat(), "valid_until": (TODAY + 365 * DAY).isoformat(), **changes}
    files = {"letter": SimpleUploadedFile("signed-letter.pdf", pdf_bytes(), content_type="application/pdf")}
    return LetterUploadForm(data, files)


# --- Who needs a letter -------------------------------------------------------------------------

def test_an_agent_needs_a_letter_even_for_a_right_in_its_own_name(agent):
    assert make_ipr(agent, owner_name="Brand Agency Co").needs_letter


def test_an_owner_needs_a_letter_for_a_right_registered_in_another_name(holder):
    assert make_ipr(holder, owner_name="Globex Corporation").needs_letter


def test_an_owner_needs_no_letter_for_its_own_right_however_the_name_is_spelt(holder):
    assert not make_ipr(holder, owner_name="ACME  LTD.").needs_letter


def test_without_a_letter_the_record_is_not_submitted_and_the_filer_is_told_what_to_do(agent):
    ipr = make_ipr(agent, owner_name="Acme Ltd")
    with pytest.raises(services.SubmissionIncomplete) as refused:
        services.ipr_submit(ipr=ipr, user=agent)
    assert "You are not the owner of this right: download the authorisation letter" in str(refused.value)
    assert IPR.objects.get(pk=ipr.pk).status == "draft"


def test_with_a_signed_enforcement_letter_the_agent_submits_and_is_approved(agent, reviewer):
    ipr = upload_letter(make_ipr(agent, owner_name="Acme Ltd"))
    assert ipr.letter.purpose == "authorisation_letter"
    assert ipr.events.filter(action="letter_uploaded").exists()
    services.ipr_submit(ipr=ipr, user=agent)
    assert services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer).status == "approved"


# --- Scope: enforcement only --------------------------------------------------------------------

def test_the_upload_form_refuses_a_letter_that_authorises_sales_only(db):
    form = letter_form(scope="sales_only")
    assert not form.is_valid()
    assert "An authorisation to sell is not an authorisation to enforce" in " ".join(form.errors["scope"])
    assert letter_form().is_valid()


def test_the_service_refuses_a_letter_that_authorises_sales_only(agent):
    ipr = make_ipr(agent, owner_name="Acme Ltd")
    with pytest.raises(services.LetterRefused, match="not an authorisation to enforce"):
        upload_letter(ipr, scope="sales_only")
    ipr.refresh_from_db()
    assert ipr.letter_id is None and ipr.letter_scope == ""


# --- Term ---------------------------------------------------------------------------------------

def test_the_upload_form_refuses_a_letter_whose_term_has_ended(db):
    form = letter_form(valid_from=(TODAY - 400 * DAY).isoformat(), valid_until=(TODAY - DAY).isoformat())
    assert not form.is_valid()
    assert "a letter authorises only within its term" in " ".join(form.errors["valid_until"])
    form = letter_form(valid_from=(TODAY + 10 * DAY).isoformat(), valid_until=(TODAY + 5 * DAY).isoformat())
    assert "The term must end after it starts." in form.errors["valid_until"]


def test_the_service_refuses_a_letter_whose_term_has_ended_or_ends_before_it_starts(agent):
    ipr = make_ipr(agent, owner_name="Acme Ltd")
    with pytest.raises(services.LetterRefused, match="authorises only within its term"):
        upload_letter(ipr, valid_from=TODAY - 400 * DAY, valid_until=TODAY - DAY)
    with pytest.raises(services.LetterRefused):
        upload_letter(ipr, valid_from=TODAY + 10 * DAY, valid_until=TODAY + 5 * DAY)
    assert IPR.objects.get(pk=ipr.pk).letter_id is None
    # A letter whose last day is today is still in force.
    assert upload_letter(ipr, valid_from=TODAY - 30 * DAY, valid_until=TODAY).letter_id is not None


def test_a_letter_authorises_from_its_first_to_its_last_day_inclusive(agent):
    start, end = TODAY + 3 * DAY, TODAY + 33 * DAY
    ipr = upload_letter(make_ipr(agent, owner_name="Acme Ltd"), valid_from=start, valid_until=end)
    assert [ipr.letter_authorises(day) for day in (start - DAY, start, end, end + DAY)] == [False, True, True, False]


def test_a_letter_not_for_enforcement_authorises_no_day(agent):
    ipr = upload_letter(make_ipr(agent, owner_name="Acme Ltd"))
    ipr.letter_scope = IPR.LetterScope.SALES_ONLY  # as a record written before the scope was checked would be
    assert not ipr.letter_authorises(TODAY)


def test_a_letter_that_has_ended_keeps_the_record_from_going_to_review(agent):
    ipr = upload_letter(make_ipr(agent, owner_name="Acme Ltd"), valid_until=TODAY + 20 * DAY)
    assert services.ipr_submission_problems(ipr, on=TODAY + 20 * DAY) == []
    problems = services.ipr_submission_problems(ipr, on=TODAY + 21 * DAY)
    assert problems == ["The authorisation letter's term has ended; upload a new signed letter."]


def test_a_letter_that_ended_while_waiting_for_review_cannot_be_approved(agent, reviewer, monkeypatch):
    real_now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: real_now - 10 * DAY)
    ipr = upload_letter(make_ipr(agent, owner_name="Acme Ltd"), valid_from=TODAY - 10 * DAY, valid_until=TODAY - DAY)
    services.ipr_submit(ipr=ipr, user=agent)
    monkeypatch.setattr(timezone, "now", lambda: real_now)
    with pytest.raises(services.ApprovalRefused, match="letter does not authorise"):
        services.ipr_approve(ipr_id=ipr.pk, reviewer=reviewer)
    assert IPR.objects.get(pk=ipr.pk).status == "pending"


def test_a_new_letter_for_an_approved_record_sends_it_back_to_review(agent, reviewer):
    ipr = approve_ipr(make_ipr(agent, owner_name="Acme Ltd"), reviewer=reviewer, letter_until=TODAY + 30 * DAY)
    ipr = upload_letter(IPR.objects.get(pk=ipr.pk), valid_until=TODAY + 400 * DAY)
    assert (ipr.status, ipr.letter_valid_until) == ("pending", TODAY + 400 * DAY)
    actions = list(ipr.events.order_by("pk").values_list("action", "from_status", "to_status"))
    assert actions[-2:] == [("letter_uploaded", "approved", "draft"), ("submitted", "draft", "pending")]


# --- The letter the portal writes -----------------------------------------------------------------

def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    # Lines wrap anywhere; compare with single spaces.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_generated_letter_is_a_pdf_naming_owner_agent_right_scope_and_term(agent):
    ipr = make_ipr(agent, kind="patent", name="Folding chair", number="ZL202320001234.5",
                   owner_name="Acme & Sons Ltd", patent_type="utility_model")
    start, end = TODAY, TODAY + 365 * DAY
    content = letters.letter_pdf(ipr, valid_from=start, valid_until=end, generated_on=TODAY)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert "Acme & Sons Ltd" in text
    assert "Brand Agency Co" in text and "agent@example.com" in text
    assert "ZL202320001234.5" in text and "Folding chair" in text and "Utility model / 实用新型" in text
    assert "to file IPR complaints on the Owner's behalf" in text
    assert "an authorisation to sell the Owner's products is not an authorisation to file complaints" in text
    assert f"from {start.isoformat()} to {end.isoformat()} inclusive" in text
    assert "代表权利人提交知识产权投诉" in text
    assert f"自 {start.isoformat()} 起至 {end.isoformat()} 止" in text
    assert f"IPR-{ipr.pk}" in text


def test_the_generated_letter_of_a_trademark_lists_its_classes(agent):
    ipr = services.ipr_save(user=agent, kind="trademark", ipr=make_ipr(agent, owner_name="Acme Ltd"), fields={},
                            classes=[(9, "Software"), (25, "Clothing")])
    text = pdf_text(letters.letter_pdf(ipr, valid_from=TODAY, valid_until=TODAY + 30 * DAY, generated_on=TODAY))
    assert "Nice classes / 类别 9, 25" in text


def test_the_default_term_is_a_year_but_never_past_the_right_itself(agent):
    ipr = make_ipr(agent, owner_name="Acme Ltd", expires_on=TODAY + 100 * DAY)
    assert letters.default_term(ipr, TODAY) == (TODAY, TODAY + 100 * DAY)
    ipr = make_ipr(agent, number="30000002", owner_name="Acme Ltd")
    assert letters.default_term(ipr, TODAY) == (TODAY, TODAY + 365 * DAY)


def test_the_agent_downloads_the_letter_for_the_term_it_asks(client, agent):
    ipr = make_ipr(agent, owner_name="Acme Ltd")
    client.force_login(agent)
    until = TODAY + 90 * DAY
    response = client.get(reverse("ipr_letter_pdf", args=[ipr.pk]),
                          {"valid_from": TODAY.isoformat(), "valid_until": until.isoformat()})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"to {until.isoformat()} inclusive" in pdf_text(response.content)


def test_an_owner_filing_its_own_right_has_no_letter_to_download(client, holder):
    ipr = make_ipr(holder)
    client.force_login(holder)
    assert client.get(reverse("ipr_letter_pdf", args=[ipr.pk])).status_code == 404
