"""The seller's side of the workflow: its notices, the counter-notice (pages and API), and who sees which evidence."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from complaints import services
from complaints.models import ComplaintItem, CounterNotice
from ipp.models import Notification

from .conftest import api_as, approve_ipr, checked_png, make_ipr, make_listing, make_user, png_bytes

pytestmark = pytest.mark.django_db

NOT_FOUND = 404


@pytest.fixture
def other_seller(db):
    return make_user("other-shop@example.com", role=User.Role.SELLER, name="Other Shop")


@pytest.fixture
def right(holder, reviewer):
    # A contact address besides the registered email, as sign-up may record it: the seller must never see it.
    User.objects.filter(pk=holder.pk).update(contact_email="legal-desk@acme.example")
    return approve_ipr(make_ipr(holder, name="ACME", number="30000777", owner_name="Acme Holdings"), reviewer=reviewer)


def file_complaint(holder, right, listings, run_tasks):
    """A complaint filed through the API's service (its task puts the items in review), with one evidence photo."""
    with run_tasks():
        return services.complaint_file(
            user=holder, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
            urls_text="\n".join(listing.url for listing in listings), description="Test purchase: no hologram.",
            evidence=[checked_png("test-purchase.png")], statements=True)


def accept(reviewer, items, run_tasks):
    with run_tasks():
        for item in items:
            services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")


def counter_notice(seller, item, run_tasks, **fields):
    with run_tasks():
        return services.counter_notice_file(seller=seller, item_id=item.pk, **{
            "ground": "genuine", "statement": "Bought from the brand's distributor.", "perjury_statement": True,
            "evidence": [checked_png("invoice.png")], **fields})


def notified_item(holder, right, reviewer, seller, run_tasks, *, title="ACME runner") -> ComplaintItem:
    """One listing of the seller's complained about and accepted by a reviewer: the seller has a notice to answer."""
    complaint = file_complaint(holder, right, [make_listing(title=title, shop_name="Seller Shop", owner=seller)],
                               run_tasks)
    item = complaint.items.get()
    accept(reviewer, [item], run_tasks)
    return ComplaintItem.objects.get(pk=item.pk)


@pytest.fixture
def notice(holder, right, reviewer, seller, run_tasks):
    return notified_item(holder, right, reviewer, seller, run_tasks)


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


# --- The list -------------------------------------------------------------------------------------

def test_the_list_holds_only_the_sellers_notified_items(client, holder, right, reviewer, seller, other_seller, run_tasks):
    mine = [make_listing(title=f"Mine {n}", shop_name="Seller Shop", owner=seller) for n in range(3)]
    theirs = make_listing(title="Theirs", shop_name="Other Shop", owner=other_seller)
    complaint = file_complaint(holder, right, [*mine, theirs], run_tasks)
    notified, in_review, rejected, other = complaint.items.order_by("pk")
    accept(reviewer, [notified, other], run_tasks)
    services.item_review_decide(reviewer=reviewer, item_id=rejected.pk, decision="reject", reason="use_not_found")
    html = page(client, seller, reverse("seller_notices")).content.decode()
    assert "Mine 0" in html
    assert "Mine 1" not in html and "Mine 2" not in html and "Theirs" not in html
    assert reverse("seller_notice", args=[notified.pk]) in html


def test_notices_to_answer_come_first_and_the_filter_narrows_to_them(client, holder, right, reviewer, seller, run_tasks):
    listings = [make_listing(title=f"Shoe {n}", shop_name="Seller Shop", owner=seller) for n in range(2)]
    answered, to_answer = file_complaint(holder, right, listings, run_tasks).items.order_by("pk")
    accept(reviewer, [to_answer], run_tasks)
    accept(reviewer, [answered], run_tasks)  # notified last: the newest
    counter_notice(seller, answered, run_tasks)
    html = page(client, seller, reverse("seller_notices")).content.decode()
    assert html.index("Shoe 1") < html.index("Shoe 0")  # the one to answer first, though the older
    filtered = client.get(reverse("seller_notices"), {"state": "seller_notified"}).content.decode()
    assert "Shoe 1" in filtered and "Shoe 0" not in filtered
    answered_only = client.get(reverse("seller_notices"), {"state": "counter_noticed"}).content.decode()
    assert "Shoe 0" in answered_only and "Shoe 1" not in answered_only


def test_a_notice_past_its_window_is_marked_overdue(client, notice, seller):
    ComplaintItem.objects.filter(pk=notice.pk).update(respond_by=timezone.now() - dt.timedelta(minutes=5))
    assert 'data-deadline="overdue"' in page(client, seller, reverse("seller_notices")).content.decode()
    ComplaintItem.objects.filter(pk=notice.pk).update(respond_by=timezone.now() + dt.timedelta(hours=3))
    assert 'data-deadline="soon"' in client.get(reverse("seller_notices")).content.decode()


def test_the_list_and_the_api_do_not_grow_in_queries_with_their_rows(client, holder, right, reviewer, seller, run_tasks):
    def listings(n, start):
        return [make_listing(title=f"Item {k}", shop_name="Seller Shop", owner=seller) for k in range(start, start + n)]

    api = api_as(seller)

    def counts():
        urls = [reverse("seller_notices"), reverse("dashboard")]
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result.append(len(captured))
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/notices/").status_code == 200
        return [*result, len(captured)]

    # Two notices of one complaint, one answered; then five more of another complaint, one answered.
    few = list(file_complaint(holder, right, listings(2, 0), run_tasks).items.all())
    accept(reviewer, few, run_tasks)
    counter_notice(seller, few[0], run_tasks)
    client.force_login(seller)
    two = counts()
    more = list(file_complaint(holder, right, listings(5, 2), run_tasks).items.all())
    accept(reviewer, more, run_tasks)
    counter_notice(seller, more[0], run_tasks)
    assert counts() == two


# --- One notice -----------------------------------------------------------------------------------

def test_the_notice_shows_the_right_reason_evidence_and_only_the_complainants_name_and_email(
        client, notice, holder, seller):
    html = page(client, seller, reverse("seller_notice", args=[notice.pk])).content.decode()
    evidence = notice.complaint.evidence.get().document
    for shown in ("ACME runner", "30000777", "Acme Holdings", "Trademark", "Class 25", "Clothing; footwear",
                  "Counterfeit", "Test purchase: no hologram.", "test-purchase.png",
                  reverse("document", args=[evidence.pk]), "Acme Ltd", "holder@example.com",
                  notice.complaint.reference, 'id="counter-notice-form"'):
        assert shown in html, shown
    # Nothing else of the complainant: not its contact address, not its identity proof.
    assert "legal-desk@acme.example" not in html
    assert str(holder.identity_proofs.get().document_id) not in html


def test_the_history_starts_at_the_notice(client, notice, seller):
    html = page(client, seller, reverse("seller_notice", args=[notice.pk])).content.decode()
    history = html[html.index('id="history"'):]
    assert "Seller notified" in history
    assert "In review" not in history and "Submitted" not in history


def test_a_counter_notice_with_errors_says_what_is_missing_and_files_nothing(client, notice, seller):
    client.force_login(seller)
    response = client.post(reverse("seller_notice", args=[notice.pk]), {"ground": "genuine", "statement": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_statement_errors"' in html and "Explain why the listing does not infringe." in html
    assert 'id="id_perjury_statement_errors"' in html
    assert not CounterNotice.objects.exists()
    assert ComplaintItem.objects.get(pk=notice.pk).state == "seller_notified"


def test_a_counter_notice_on_the_page_reaches_the_complainant_and_is_shown_read_only(
        client, notice, seller, holder, run_tasks):
    client.force_login(seller)
    with run_tasks():
        response = client.post(reverse("seller_notice", args=[notice.pk]), {
            "ground": "authorised", "statement": "We are the brand's authorised reseller.", "perjury_statement": "on",
            "evidence": [SimpleUploadedFile("authorisation.png", png_bytes(), content_type="image/png")]})
    assert response.status_code == 302
    item = ComplaintItem.objects.get(pk=notice.pk)
    assert item.state == "counter_noticed"
    assert [e.document.original_name for e in item.counter_notice.evidence.all()] == ["authorisation.png"]
    assert Notification.objects.get(user=holder, kind="counter_notice_received")
    html = client.get(reverse("seller_notice", args=[notice.pk])).content.decode()
    assert 'id="counter-notice"' in html and "the brand&#x27;s authorised reseller" in html
    assert 'id="counter-notice-form"' not in html
    # A second post files nothing more.
    client.post(reverse("seller_notice", args=[notice.pk]), {"ground": "other", "statement": "Again",
                                                             "perjury_statement": "on"})
    assert CounterNotice.objects.count() == 1


def test_a_counter_notice_after_the_window_is_refused(client, notice, seller):
    ComplaintItem.objects.filter(pk=notice.pk).update(respond_by=timezone.now() - dt.timedelta(seconds=1))
    html = page(client, seller, reverse("seller_notice", args=[notice.pk])).content.decode()
    assert 'id="counter-notice-form"' not in html and 'id="window-closed"' in html
    response = client.post(reverse("seller_notice", args=[notice.pk]), {
        "ground": "genuine", "statement": "Too late?", "perjury_statement": "on"}, follow=True)
    assert "has closed" in response.content.decode()
    assert not CounterNotice.objects.exists()


def test_another_sellers_item_and_one_not_yet_notified_are_not_found(
        client, notice, holder, right, other_seller, seller, run_tasks):
    assert page(client, other_seller, reverse("seller_notice", args=[notice.pk])).status_code == NOT_FOUND
    assert client.post(reverse("seller_notice", args=[notice.pk]), {
        "ground": "genuine", "statement": "Mine!", "perjury_statement": "on"}).status_code == NOT_FOUND
    in_review = file_complaint(holder, right, [make_listing(shop_name="Seller Shop", owner=seller)], run_tasks).items.get()
    assert page(client, seller, reverse("seller_notice", args=[in_review.pk])).status_code == NOT_FOUND
    assert not CounterNotice.objects.exists()


def test_only_sellers_open_the_notice_pages(client, notice, holder, reviewer):
    for user in (holder, reviewer):
        assert page(client, user, reverse("seller_notices")).status_code == 403
        assert client.get(reverse("seller_notice", args=[notice.pk])).status_code == 403


def test_the_dashboard_counts_the_notices_to_answer_and_links_to_them(client, notice, seller):
    html = page(client, seller, reverse("dashboard")).content.decode()
    assert 'id="notices-to-answer">1<' in html
    assert reverse("seller_notices") + "?state=seller_notified" in html
    assert 'id="nav-notices"' in html


# --- Evidence, both ways ----------------------------------------------------------------------------

def test_each_side_sees_the_others_evidence_and_nobody_else_does(
        client, notice, holder, seller, other_seller, reviewer, run_tasks):
    outsider = make_user("outsider@example.com", name="Beta Co", verified_by=reviewer)
    counter_notice(seller, notice, run_tasks)
    complaint_file = notice.complaint.evidence.get().document
    seller_file = CounterNotice.objects.get(item=notice).evidence.get().document
    expected = {  # who: (the complaint's evidence, the counter-notice's evidence)
        holder: (200, 200), seller: (200, 200), reviewer: (200, 200),
        other_seller: (NOT_FOUND, NOT_FOUND), outsider: (NOT_FOUND, NOT_FOUND),
    }
    for user, want in expected.items():
        client.force_login(user)
        got = tuple(client.get(reverse("document", args=[doc.pk])).status_code for doc in (complaint_file, seller_file))
        assert got == want, user.email


def test_the_seller_does_not_see_the_evidence_before_the_complaint_reaches_it(client, holder, right, seller, run_tasks):
    complaint = file_complaint(holder, right, [make_listing(shop_name="Seller Shop", owner=seller)], run_tasks)
    client.force_login(seller)
    assert client.get(reverse("document", args=[complaint.evidence.get().document_id])).status_code == NOT_FOUND


# --- The API --------------------------------------------------------------------------------------


def test_the_api_lists_the_sellers_notices_with_the_complaint_it_may_see(
        notice, holder, right, reviewer, seller, other_seller, run_tasks):
    theirs = file_complaint(holder, right, [make_listing(shop_name="Other Shop", owner=other_seller)], run_tasks)
    accept(reviewer, list(theirs.items.all()), run_tasks)
    body = api_as(seller).get("/api/v1/notices/").json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["id"] == notice.pk and row["state"] == "seller_notified" and row["platform"] == "taobao"
    assert row["listing"]["title"] == "ACME runner" and row["listing"]["listing_id"] == notice.listing.listing_id
    complaint = row["complaint"]
    assert complaint["reference"] == notice.complaint.reference and complaint["reason"] == "counterfeit"
    assert {k: complaint["ipr"][k] for k in ("kind", "number", "jurisdiction", "owner_name")} == {
        "kind": "trademark", "number": "30000777", "jurisdiction": "CN", "owner_name": "Acme Holdings"}
    assert complaint["complainant"] == {"name": "Acme Ltd", "email": "holder@example.com"}
    assert complaint["description"] == "Test purchase: no hologram."
    [evidence] = complaint["evidence"]
    assert evidence["name"] == "test-purchase.png" and evidence["url"].endswith(
        reverse("document", args=[notice.complaint.evidence.get().document_id]))
    assert row["respond_by"] and row["counter_notice"] is None
    assert "legal-desk@acme.example" not in str(body)
    detail = api_as(seller).get(f"/api/v1/notices/{notice.pk}/")
    assert detail.status_code == 200 and detail.json() == row


def test_the_issues_example_files_a_counter_notice_by_api(notice, seller, holder, run_tasks):
    with run_tasks():
        response = api_as(seller).post(f"/api/v1/notices/{notice.pk}/counter-notice/", {
            "statement": "Genuine goods bought from the brand's distributor.", "perjury_statement": True},
            format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == notice.pk and body["state"] == "counter_noticed"
    assert body["counter_notice"]["ground"] == "other" and body["counter_notice"]["perjury_statement"] is True
    assert Notification.objects.filter(user=holder, kind="counter_notice_received").count() == 1


def test_evidence_files_go_by_multipart(notice, seller):
    response = api_as(seller).post(f"/api/v1/notices/{notice.pk}/counter-notice/", {
        "statement": "Our own design patent.", "perjury_statement": "true", "ground": "own_right",
        "evidence": [SimpleUploadedFile("patent.png", png_bytes(), content_type="image/png")]}, format="multipart")
    assert response.status_code == 201
    assert [e["name"] for e in response.json()["counter_notice"]["evidence"]] == ["patent.png"]


def test_a_counter_notice_by_api_reports_each_field_and_needs_the_sworn_statement(notice, seller):
    client = api_as(seller)
    response = client.post(f"/api/v1/notices/{notice.pk}/counter-notice/", {
        "statement": "x", "perjury_statement": False, "ground": "made_up"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"ground"}
    response = client.post(f"/api/v1/notices/{notice.pk}/counter-notice/", {"statement": "x", "perjury_statement": False},
                           format="json")
    assert response.status_code == 400 and set(response.json()) == {"perjury_statement"}
    bad_file = client.post(f"/api/v1/notices/{notice.pk}/counter-notice/", {
        "statement": "x", "perjury_statement": "true",
        "evidence": [SimpleUploadedFile("invoice.pdf", b"not a pdf", content_type="application/pdf")]},
        format="multipart")
    assert bad_file.status_code == 400 and "invoice.pdf" in bad_file.json()["evidence"][0]
    assert not CounterNotice.objects.exists()


def test_a_counter_notice_by_api_conflicts_once_answered_or_past_the_window(
        notice, holder, right, reviewer, seller, run_tasks):
    client = api_as(seller)
    body = {"statement": "Genuine.", "perjury_statement": True}
    url = f"/api/v1/notices/{notice.pk}/counter-notice/"
    assert client.post(url, body, format="json").status_code == 201
    assert client.post(url, body, format="json").status_code == 409
    late = notified_item(holder, right, reviewer, seller, run_tasks, title="Late")
    # The window closed a moment ago; the sweep has not taken the listing down yet.
    ComplaintItem.objects.filter(pk=late.pk).update(respond_by=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(f"/api/v1/notices/{late.pk}/counter-notice/", body, format="json")
    assert response.status_code == 409 and "closed" in response.json()["detail"]
    assert CounterNotice.objects.count() == 1


def test_the_api_hides_other_sellers_notices_and_refuses_other_roles(notice, other_seller, holder, reviewer):
    body = {"statement": "Mine!", "perjury_statement": True}
    for url in (f"/api/v1/notices/{notice.pk}/", f"/api/v1/notices/{notice.pk}/counter-notice/"):
        client = api_as(other_seller)
        response = client.post(url, body, format="json") if url.endswith("counter-notice/") else client.get(url)
        assert response.status_code == NOT_FOUND, url
    assert api_as(other_seller).get("/api/v1/notices/").json()["count"] == 0
    for user in (holder, reviewer):
        assert api_as(user).get("/api/v1/notices/").status_code == 403
        assert api_as(user).post(f"/api/v1/notices/{notice.pk}/counter-notice/", body, format="json").status_code == 403
    assert api_as(None).get("/api/v1/notices/").status_code == 401
    assert not CounterNotice.objects.exists()
