"""The complainant's answer to a seller's counter-notice, on the complaint's page and by API: accept it (the
listing stays) or maintain the complaint (a reviewer decides), within the window."""

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from complaints import services
from complaints.models import ComplaintItem, ComplaintItemEvent, Listing
from ipp.models import Notification

from .conftest import api_as, approve_ipr, checked_pdf, make_ipr, make_listing, make_user, pdf_bytes

pytestmark = pytest.mark.django_db

NOTE = "The invoices are for another model; our test purchase shows a fake hologram."


@pytest.fixture
def shop_owner(db):
    return make_user("shop@example.com", role=User.Role.SELLER, name="Demo Shop")


@pytest.fixture
def right(holder, reviewer):
    return approve_ipr(make_ipr(holder), reviewer=reviewer)


def file_and_notify(holder, reviewer, right, shop_owner, run_tasks, *, listings=2):
    """A complaint on the seller's listings, each accepted by a reviewer: the seller is notified of each."""
    shown = [make_listing(title=f"ACME copy {n}", shop_name="Demo Shop", owner=shop_owner) for n in range(listings)]
    with run_tasks():
        complaint = services.complaint_file(user=holder, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
                                            urls_text="\n".join(listing.url for listing in shown), statements=True)
    with run_tasks():  # filed, the items went into review
        for item in complaint.items.all():
            services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
    return complaint


def counter_notice(item, shop_owner, run_tasks, *, evidence=("invoice.pdf",)):
    with run_tasks():
        services.counter_notice_file(seller=shop_owner, item_id=item.pk, ground="genuine",
                                     statement="Bought from the brand's distributor.", perjury_statement=True,
                                     evidence=[checked_pdf(name) for name in evidence])
    item.refresh_from_db()
    return item


@pytest.fixture
def complaint(holder, reviewer, right, shop_owner, run_tasks):
    return file_and_notify(holder, reviewer, right, shop_owner, run_tasks)


@pytest.fixture
def noticed(complaint, shop_owner, run_tasks):
    """The complaint's first item, counter-noticed by the seller with an invoice."""
    return counter_notice(complaint.items.order_by("pk").first(), shop_owner, run_tasks)


@pytest.fixture
def rival(reviewer):
    return make_user("rival@example.com", name="Rival Ltd", category=User.RegistrantCategory.ENTITY,
                     verified_by=reviewer)



def accept_url(item, *, api=False):
    prefix = "/api/v1" if api else ""
    return f"{prefix}/complaints/{item.complaint_id}/items/{item.pk}/accept-counter-notice/"


def maintain_url(item, *, api=False):
    prefix = "/api/v1" if api else ""
    return f"{prefix}/complaints/{item.complaint_id}/items/{item.pk}/maintain/"


def close_the_window(item):
    # Time passing: the window's end is the only thing that changes (the sweep has not run yet).
    ComplaintItem.objects.filter(pk=item.pk).update(answer_by=timezone.now() - dt.timedelta(seconds=1))


# --- The page -----------------------------------------------------------------------------------

def test_the_page_shows_the_counter_notice_its_evidence_and_the_time_to_answer_by(client, holder, noticed):
    client.force_login(holder)
    page = client.get(reverse("complaint_detail", args=[noticed.complaint_id])).content.decode()
    assert "Bought from the brand&#x27;s distributor." in page
    assert "The goods are genuine" in page  # the ground
    assert "invoice.pdf" in page
    assert timezone.localtime(noticed.answer_by).strftime("%Y-%m-%d %H:%M") in page
    assert "Accept the counter-notice (the listing stays)" in page
    assert "Maintain the complaint" in page


def test_the_complainant_can_open_the_sellers_evidence_and_nobody_else_can(client, holder, rival, noticed):
    document_id = noticed.counter_notice.evidence.get().document_id
    client.force_login(holder)
    assert client.get(reverse("document", args=[document_id])).status_code == 200
    client.force_login(rival)
    assert client.get(reverse("document", args=[document_id])).status_code == 404


def test_while_the_seller_may_answer_the_page_shows_until_when(client, holder, complaint):
    item = complaint.items.order_by("pk").first()
    client.force_login(holder)
    page = client.get(reverse("complaint_detail", args=[complaint.pk])).content.decode()
    assert f"Seller may answer until {timezone.localtime(item.respond_by):%Y-%m-%d %H:%M}" in page
    assert "Maintain the complaint" not in page  # nothing to answer yet


def test_accepting_on_the_page_keeps_the_listing_and_tells_the_seller(client, holder, shop_owner, noticed, run_tasks):
    client.force_login(holder)
    mail.outbox.clear()
    with run_tasks():
        response = client.post(accept_url(noticed))
    assert response.status_code == 302
    noticed.refresh_from_db()
    assert noticed.state == "counter_accepted"
    assert Listing.objects.get(pk=noticed.listing_id).status == "active"
    assert Notification.objects.filter(user=shop_owner, kind="decision").count() == 1
    assert [m.to for m in mail.outbox] == [["shop@example.com"]]
    page = client.get(response["Location"]).content.decode()
    assert "Counter-notice accepted" in page
    assert "Maintain the complaint" not in page  # answered: the buttons are gone


def test_maintaining_on_the_page_sends_the_item_to_a_decision_with_the_note_and_evidence(client, holder, noticed):
    client.force_login(holder)
    prefix = f"maintain-{noticed.pk}"
    response = client.post(maintain_url(noticed), {
        f"{prefix}-note": NOTE, f"{prefix}-files": SimpleUploadedFile("test-buy.pdf", pdf_bytes(), "application/pdf")})
    assert response.status_code == 302
    noticed.refresh_from_db()
    assert noticed.state == "in_decision"
    assert ComplaintItemEvent.objects.get(item=noticed, to_state="in_decision").note == NOTE
    page = client.get(response["Location"]).content.decode()
    assert NOTE in page  # in the history
    assert "test-buy.pdf" in page  # among the complaint's evidence


def test_maintaining_without_a_note_shows_the_error_at_the_field_and_changes_nothing(client, holder, noticed):
    client.force_login(holder)
    response = client.post(maintain_url(noticed), {f"maintain-{noticed.pk}-note": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_maintain-{noticed.pk}-note_errors"' in page
    assert "Say why the counter-notice does not hold." in page
    noticed.refresh_from_db()
    assert noticed.state == "counter_noticed"


def test_an_answer_after_the_window_is_refused_with_a_message(client, holder, noticed):
    close_the_window(noticed)
    client.force_login(holder)
    response = client.post(accept_url(noticed), follow=True)
    assert "The window to answer this counter-notice has closed" in response.content.decode()
    response = client.post(maintain_url(noticed), {f"maintain-{noticed.pk}-note": NOTE}, follow=True)
    assert "The window to answer this counter-notice has closed" in response.content.decode()
    assert ComplaintItem.objects.get(pk=noticed.pk).state == "counter_noticed"  # the sweep sends it to a decision
    assert "Maintain the complaint" not in client.get(reverse("complaint_detail", args=[noticed.complaint_id])).content.decode()


def test_another_accounts_item_or_an_item_of_another_complaint_is_not_found(
        client, holder, rival, reviewer, right, shop_owner, run_tasks, noticed):
    client.force_login(rival)
    assert client.post(accept_url(noticed)).status_code == 404
    assert client.post(maintain_url(noticed), {f"maintain-{noticed.pk}-note": NOTE}).status_code == 404
    client.force_login(holder)
    other = file_and_notify(holder, reviewer, right, shop_owner, run_tasks, listings=1)
    wrong_pair = f"/complaints/{other.pk}/items/{noticed.pk}/accept-counter-notice/"
    assert client.post(wrong_pair).status_code == 404
    assert ComplaintItem.objects.get(pk=noticed.pk).state == "counter_noticed"


def test_the_page_costs_the_same_queries_for_one_counter_notice_or_many(
        client, holder, reviewer, right, shop_owner, run_tasks):
    def queries(complaint):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("complaint_detail", args=[complaint.pk])).status_code == 200
        return len(captured)

    one = file_and_notify(holder, reviewer, right, shop_owner, run_tasks, listings=1)
    counter_notice(one.items.get(), shop_owner, run_tasks)
    many = file_and_notify(holder, reviewer, right, shop_owner, run_tasks, listings=4)
    for item in many.items.all():
        counter_notice(item, shop_owner, run_tasks, evidence=("invoice.pdf", "licence.pdf"))
    client.force_login(holder)
    assert queries(many) == queries(one)


# --- The API ------------------------------------------------------------------------------------

def test_the_api_shows_each_items_counter_notice_and_deadlines(holder, noticed):
    body = api_as(holder).get(f"/api/v1/complaints/{noticed.complaint_id}/").json()
    first, second = body["items"]
    assert first["status"] == "counter_noticed"
    assert first["counter_notice"]["ground"] == "genuine"
    assert first["counter_notice"]["statement"] == "Bought from the brand's distributor."
    [evidence] = first["counter_notice"]["evidence"]
    assert evidence["name"] == "invoice.pdf" and evidence["url"].startswith("http://testserver/documents/")
    assert first["answer_by"] and first["respond_by"] is None
    assert second["counter_notice"] is None and second["respond_by"] and second["answer_by"] is None


def test_accepting_by_api_keeps_the_listing_and_tells_the_seller(holder, shop_owner, noticed, run_tasks):
    with run_tasks():
        response = api_as(holder).post(accept_url(noticed, api=True), {}, format="json")
    assert response.status_code == 200
    item = next(i for i in response.json()["items"] if i["id"] == noticed.pk)
    assert item["status"] == "counter_accepted"
    assert item["events"][-1]["reason"] == "counter_notice_accepted"
    assert Listing.objects.get(pk=noticed.listing_id).status == "active"
    assert Notification.objects.filter(user=shop_owner, kind="decision").count() == 1


def test_maintaining_by_api_with_the_issues_body_sends_the_item_to_a_decision(holder, noticed):
    response = api_as(holder).post(maintain_url(noticed, api=True), {"note": NOTE}, format="json")
    assert response.status_code == 200
    item = next(i for i in response.json()["items"] if i["id"] == noticed.pk)
    assert item["status"] == "in_decision"
    assert item["events"][-1]["note"] == NOTE


def test_maintaining_by_api_takes_evidence_files(holder, noticed):
    response = api_as(holder).post(maintain_url(noticed, api=True), {
        "note": NOTE, "evidence": [SimpleUploadedFile("test-buy.pdf", pdf_bytes(), "application/pdf")]},
        format="multipart")
    assert response.status_code == 200
    assert noticed.complaint.evidence.get().document.original_name == "test-buy.pdf"


def test_maintaining_by_api_without_a_note_is_a_400_naming_the_field(holder, noticed):
    client = api_as(holder)
    assert client.post(maintain_url(noticed, api=True), {}, format="json").json().keys() == {"note"}
    response = client.post(maintain_url(noticed, api=True), {"note": ""}, format="json")
    assert response.status_code == 400 and "note" in response.json()
    assert ComplaintItem.objects.get(pk=noticed.pk).state == "counter_noticed"


def test_answering_by_api_after_the_window_or_twice_is_a_409(holder, complaint, noticed):
    client = api_as(holder)
    assert client.post(maintain_url(noticed, api=True), {"note": NOTE}, format="json").status_code == 200
    again = client.post(accept_url(noticed, api=True), {}, format="json")
    assert again.status_code == 409 and again.json()["detail"]
    unanswered = complaint.items.exclude(pk=noticed.pk).get()  # the seller has not answered it: nothing to accept
    assert client.post(accept_url(unanswered, api=True), {}, format="json").status_code == 409


def test_answering_by_api_after_the_window_closed_is_a_409_saying_so(holder, noticed):
    close_the_window(noticed)
    response = api_as(holder).post(maintain_url(noticed, api=True), {"note": NOTE}, format="json")
    assert response.status_code == 409
    assert "window" in response.json()["detail"]
    assert ComplaintItem.objects.get(pk=noticed.pk).state == "counter_noticed"


def test_by_api_another_accounts_item_or_an_item_of_another_complaint_is_a_404(
        holder, rival, reviewer, right, shop_owner, run_tasks, noticed):
    assert api_as(rival).post(accept_url(noticed, api=True), {}, format="json").status_code == 404
    assert api_as(rival).post(maintain_url(noticed, api=True), {"note": NOTE}, format="json").status_code == 404
    other = file_and_notify(holder, reviewer, right, shop_owner, run_tasks, listings=1)
    response = api_as(holder).post(f"/api/v1/complaints/{other.pk}/items/{noticed.pk}/maintain/", {"note": NOTE},
                                   format="json")
    assert response.status_code == 404
    assert ComplaintItem.objects.get(pk=noticed.pk).state == "counter_noticed"
