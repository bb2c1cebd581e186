"""The REST API (issue 4): token, IP rights, listings, filing, following and withdrawing complaints.

Data is built through the real services; the API is driven with a token, as a client would.
The exhaustive per-line URL cases are in the filing service's own tests.
"""

import datetime as dt
import time

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from complaints import services
from complaints.models import Complaint, ComplaintItem
from ipp.workdays import today_in_china

from .conftest import PASSWORD, api_as, approve_ipr, make_ipr, make_listing, make_user, png_bytes

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
COMPLAINTS_URL = "/api/v1/complaints/"



@pytest.fixture
def trademark(holder, reviewer):
    """An approved Chinese trademark (class 25) of the holder."""
    return approve_ipr(make_ipr(holder), reviewer=reviewer)


@pytest.fixture
def rival(reviewer):
    """Another verified rights holder, with an approved trademark of its own."""
    user = make_user("rival@example.com", name="Rival Brands Co", category=User.RegistrantCategory.ENTITY,
                     verified_by=reviewer)
    approve_ipr(make_ipr(user, name="RIVAL", number="30000777"), reviewer=reviewer)
    return user


def file_complaint(ipr, *listings, platform="taobao") -> Complaint:
    listings = listings or (make_listing(platform),)
    return services.complaint_file(user=ipr.filed_by, platform_code=platform, ipr_id=ipr.pk, reason="counterfeit",
                                   urls_text="\n".join(listing.url for listing in listings), statements=True)


def filing(ipr, *urls, **fields) -> dict:
    return {"platform": "taobao", "ipr": ipr.pk, "reason": "counterfeit", "urls": "\n".join(urls), **fields}


# --- Token ----------------------------------------------------------------------------------------

def test_the_right_email_and_password_get_a_token_that_opens_the_api(holder):
    response = APIClient().post(TOKEN_URL, {"email": "holder@example.com", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/iprs/").status_code == 200


def test_a_wrong_password_gets_no_token_and_says_why(holder):
    response = APIClient().post(TOKEN_URL, {"email": "holder@example.com", "password": "wrong"}, format="json")

    assert response.status_code == 400
    assert "email and password" in response.json()["non_field_errors"][0]
    assert not Token.objects.exists()


def test_an_unverified_email_gets_no_token(holder):
    EmailAddress.objects.filter(user=holder).update(verified=False)

    response = APIClient().post(TOKEN_URL, {"email": "holder@example.com", "password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert "Verify your email" in response.json()["non_field_errors"][0]


def test_an_account_with_two_factors_needs_its_current_code_for_a_token(holder):
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
    )

    secret = generate_totp_secret()
    TOTP.activate(holder, secret)
    credentials = {"email": "holder@example.com", "password": PASSWORD}

    without_code = APIClient().post(TOKEN_URL, credentials, format="json")
    wrong_code = APIClient().post(TOKEN_URL, {**credentials, "code": "000000"}, format="json")
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with_code = APIClient().post(TOKEN_URL, {**credentials, "code": code}, format="json")

    assert without_code.status_code == wrong_code.status_code == 400
    assert "two-factor" in without_code.json()["code"][0]
    assert with_code.status_code == 200 and with_code.json()["token"]


def test_token_requests_are_throttled_per_address(holder):
    client = APIClient()
    answers = [client.post(TOKEN_URL, {"email": "holder@example.com", "password": "guess"}, format="json").status_code
               for _ in range(11)]

    assert answers == [400] * 10 + [429]


def test_a_request_without_a_token_is_unauthorised():
    response = APIClient().get("/api/v1/iprs/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_unauthorised(holder):
    client = api_as(holder)
    Token.objects.filter(user=holder).delete()

    assert client.get("/api/v1/iprs/").status_code == 401


# --- IP rights ------------------------------------------------------------------------------------

def test_the_ipr_list_shows_only_the_callers_rights(trademark, rival):
    response = api_as(trademark.filed_by).get("/api/v1/iprs/")

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.json()["results"] == [{
        "id": trademark.pk, "kind": "trademark", "status": "approved", "name": "ACME", "number": "30000001",
        "jurisdiction": "CN", "owner_name": "Acme Ltd", "classes": [25],
        "expires_on": trademark.expires_on.isoformat(),
    }]


def test_another_accounts_ipr_answers_404(trademark, rival):
    theirs = rival.iprs.get()

    assert api_as(trademark.filed_by).get(f"/api/v1/iprs/{theirs.pk}/").status_code == 404
    assert api_as(rival).get(f"/api/v1/iprs/{theirs.pk}/").json()["id"] == theirs.pk


# --- Listings -------------------------------------------------------------------------------------

def test_listings_are_found_by_platform_words_and_seller_with_their_status(holder):
    shoe = make_listing("taobao", title="Acme running shoe", shop_name="Fast Feet")
    gone = make_listing("taobao", title="Acme trail shoe", shop_name="Fast Feet", status="removed")
    make_listing("taobao", title="Acme bag", shop_name="Bag World")
    make_listing("aliexpress", title="Acme running shoe", shop_name="Fast Feet")
    client = api_as(holder)

    found = client.get("/api/v1/listings/", {"platform": "taobao", "q": "acme shoe", "seller": "fast"}).json()

    assert [row["id"] for row in found["results"]] == [shoe.pk, gone.pk]
    assert found["results"][1] == {
        "id": gone.pk, "platform": "taobao", "listing_id": gone.listing_id, "url": gone.url,
        "title": "Acme trail shoe", "category": "Shoes", "seller": "Fast Feet", "status": "removed"}
    assert client.get("/api/v1/listings/", {"q": "running"}).json()["count"] == 2


def test_an_unknown_platform_code_is_refused_with_the_codes_to_use(holder):
    response = api_as(holder).get("/api/v1/listings/", {"platform": "ebay"})

    assert response.status_code == 400
    assert "“ebay” is not a platform code" in response.json()["platform"][0]
    assert "aliexpress" in response.json()["platform"][0]


# --- Filing -----------------------------------------------------------------------------------------

def test_filing_creates_the_complaint_and_one_item_per_listing(trademark):
    first, second = make_listing("taobao"), make_listing("taobao")

    response = api_as(trademark.filed_by).post(COMPLAINTS_URL, filing(trademark, first.url, second.url), format="json")

    assert response.status_code == 201
    body = response.json()
    complaint = Complaint.objects.get(pk=body["id"])
    assert (complaint.source, complaint.status, complaint.complainant) == ("api", "open", trademark.filed_by)
    assert complaint.good_faith_statement and complaint.accuracy_statement
    items = list(complaint.items.order_by("pk"))
    assert [item.listing for item in items] == [first, second]
    assert {key: body[key] for key in ("status", "reference", "platform", "ipr", "reason", "source")} == {
        "status": "open", "reference": complaint.reference, "platform": "taobao", "ipr": trademark.pk,
        "reason": "counterfeit", "source": "api"}
    assert body["items"][0] == {
        "id": items[0].pk, "url": first.url, "listing_id": first.listing_id, "title": "Sports shoe",
        "seller": "Demo Shop", "status": "submitted", "respond_by": None, "answer_by": None, "counter_notice": None,
        "events": [{"at": body["items"][0]["events"][0]["at"], "from": "", "to": "submitted", "reason": "filed",
                    "note": ""}]}


def test_filing_as_multipart_stores_the_evidence_and_makes_the_statements(trademark):
    listing = make_listing("taobao")
    photo = SimpleUploadedFile("test-buy.png", png_bytes(), content_type="image/png")

    response = api_as(trademark.filed_by).post(
        COMPLAINTS_URL, {**filing(trademark, listing.url), "evidence": [photo]}, format="multipart")

    assert response.status_code == 201
    complaint = Complaint.objects.get(pk=response.json()["id"])
    assert complaint.evidence.get().document.original_name == "test-buy.png"
    assert complaint.good_faith_statement and complaint.accuracy_statement


def test_evidence_that_is_not_a_document_is_refused_and_nothing_is_filed(trademark):
    fake = SimpleUploadedFile("proof.pdf", b"just text", content_type="application/pdf")

    response = api_as(trademark.filed_by).post(
        COMPLAINTS_URL, {**filing(trademark, make_listing("taobao").url), "evidence": [fake]}, format="multipart")

    assert response.status_code == 400
    assert response.json()["evidence"][0].startswith("proof.pdf: ")
    assert not Complaint.objects.exists()


def test_bad_lines_are_reported_one_by_one_with_their_codes(trademark):
    good = make_listing("taobao")
    abroad = make_listing("aliexpress")

    response = api_as(trademark.filed_by).post(
        COMPLAINTS_URL, filing(trademark, good.url, abroad.url, "not an address", good.url), format="json")

    assert response.status_code == 400
    problems = response.json()["urls"]
    assert [(p["line"], p["url"], p["code"]) for p in problems] == [
        (2, abroad.url, "wrong_platform"), (3, "not an address", "invalid_url"), (4, good.url, "duplicate")]
    assert all(p["message"] for p in problems)
    assert not Complaint.objects.exists()


def test_missing_urls_are_reported_in_the_same_shape_as_bad_lines(trademark):
    response = api_as(trademark.filed_by).post(
        COMPLAINTS_URL, {"platform": "taobao", "ipr": trademark.pk, "reason": "counterfeit"}, format="json")

    assert response.status_code == 400
    assert [(p["line"], p["code"]) for p in response.json()["urls"]] == [(1, "invalid_url")]


def test_a_right_not_valid_on_the_platform_is_refused_under_ipr(holder, reviewer):
    us_mark = approve_ipr(make_ipr(holder, jurisdiction="US", number="5123456"), reviewer=reviewer)

    response = api_as(holder).post(COMPLAINTS_URL, filing(us_mark, make_listing("taobao").url), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["ipr"]
    assert "only rights valid in China" in response.json()["ipr"][0]


def test_a_reason_the_rights_kind_does_not_support_is_refused_under_reason(trademark):
    response = api_as(trademark.filed_by).post(
        COMPLAINTS_URL, filing(trademark, make_listing("taobao").url, reason="pirated"), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert "(trademark); use one of: counterfeit, trademark_misuse." in response.json()["reason"][0]


def test_an_unverified_identity_is_a_problem_of_the_whole_complaint(newcomer):
    response = api_as(newcomer).post(
        COMPLAINTS_URL, {"platform": "taobao", "ipr": 1, "reason": "counterfeit", "urls": make_listing("taobao").url},
        format="json")

    assert response.status_code == 400
    assert "identity is not verified" in response.json()["non_field_errors"][0]


def test_a_statement_sent_as_false_refuses_the_filing(trademark):
    response = api_as(trademark.filed_by).post(
        COMPLAINTS_URL, filing(trademark, make_listing("taobao").url, accuracy_statement=False), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["statements"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("role_fixture", ["seller", "reviewer"])
def test_only_rights_holders_may_file(role_fixture, request, trademark):
    user = request.getfixturevalue(role_fixture)

    response = api_as(user).post(COMPLAINTS_URL, filing(trademark, make_listing("taobao").url), format="json")

    assert response.status_code == 403
    assert not Complaint.objects.exists()


def test_anonymous_filing_is_unauthorised(trademark):
    response = APIClient().post(COMPLAINTS_URL, filing(trademark, make_listing("taobao").url), format="json")

    assert response.status_code == 401


def test_filing_is_throttled_per_account(trademark, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "complaint_file", "2/min")
    client = api_as(trademark.filed_by)

    answers = [client.post(COMPLAINTS_URL, filing(trademark, "x"), format="json").status_code for _ in range(3)]

    assert answers == [400, 400, 429]
    assert client.get(COMPLAINTS_URL).status_code == 200  # reading is not filing


# --- Following ------------------------------------------------------------------------------------

def test_the_list_shows_the_callers_filed_complaints_with_item_counts(trademark, rival):
    mine = file_complaint(trademark, make_listing("taobao"), make_listing("taobao"))
    services.complaint_withdraw(user=trademark.filed_by, complaint=mine, item_ids=[mine.items.first().pk])
    services.complaint_draft_start(user=trademark.filed_by, platform_code="taobao")
    file_complaint(rival.iprs.get())

    body = api_as(trademark.filed_by).get(COMPLAINTS_URL).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert [row["id"] for row in body["results"]] == [mine.pk]
    assert body["results"][0]["items_total"] == 2
    assert body["results"][0]["items_by_state"] == {"submitted": 1, "withdrawn": 1}


def test_the_list_filters_by_platform_status_right_and_filing_day(trademark, holder, reviewer):
    on_taobao = file_complaint(trademark)
    on_aliexpress = file_complaint(trademark, platform="aliexpress")
    design = approve_ipr(make_ipr(holder, kind="patent", number="ZL202330000001.1"), reviewer=reviewer)
    patent_case = services.complaint_file(user=holder, platform_code="taobao", ipr_id=design.pk,
                                          reason="patent_infringement", urls_text=make_listing().url, statements=True)
    services.complaint_withdraw(user=holder, complaint=patent_case)
    today = today_in_china()
    Complaint.objects.filter(pk=on_aliexpress.pk).update(submitted_at=on_aliexpress.submitted_at - dt.timedelta(days=10))
    client = api_as(holder)

    def ids(**filters):
        response = client.get(COMPLAINTS_URL, filters)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(platform="aliexpress") == {on_aliexpress.pk}
    assert ids(status="withdrawn") == {patent_case.pk}
    assert ids(ipr=trademark.pk) == {on_taobao.pk, on_aliexpress.pk}
    assert ids(created_after=today.isoformat()) == {on_taobao.pk, patent_case.pk}
    assert ids(created_before=(today - dt.timedelta(days=1)).isoformat()) == {on_aliexpress.pk}
    assert client.get(COMPLAINTS_URL, {"created_after": "last week"}).status_code == 400


def test_pages_hold_50_rows_unless_the_client_asks_for_up_to_200(trademark):
    file_complaint(trademark, *[make_listing("taobao") for _ in range(3)])
    client = api_as(trademark.filed_by)

    first = client.get("/api/v1/listings/", {"page_size": 2}).json()
    capped = client.get("/api/v1/listings/", {"page_size": 1000})

    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"].endswith("page=2&page_size=2")
    assert capped.status_code == 200 and len(capped.json()["results"]) == 3


def test_the_detail_shows_each_item_with_its_history(trademark):
    complaint = file_complaint(trademark, make_listing("taobao"), make_listing("taobao"))
    first = complaint.items.order_by("pk").first()
    services.complaint_withdraw(user=trademark.filed_by, complaint=complaint, item_ids=[first.pk], note="settled")

    body = api_as(trademark.filed_by).get(f"{COMPLAINTS_URL}{complaint.pk}/").json()

    assert body["id"] == complaint.pk and body["status"] == "open"
    history = [(event["from"], event["to"], event["reason"], event["note"]) for event in body["items"][0]["events"]]
    assert history == [("", "submitted", "filed", ""), ("submitted", "withdrawn", "withdrawn_by_complainant", "settled")]
    assert body["items"][1]["status"] == "submitted"


def test_another_accounts_complaint_answers_404_to_read_and_withdraw(trademark, rival):
    theirs = file_complaint(rival.iprs.get())
    client = api_as(trademark.filed_by)

    assert client.get(f"{COMPLAINTS_URL}{theirs.pk}/").status_code == 404
    assert client.post(f"{COMPLAINTS_URL}{theirs.pk}/withdraw/", {}, format="json").status_code == 404
    assert theirs.items.get().state == "submitted"


def test_a_draft_is_not_in_the_api(trademark):
    draft = services.complaint_draft_start(user=trademark.filed_by, platform_code="taobao")

    assert api_as(trademark.filed_by).get(f"{COMPLAINTS_URL}{draft.pk}/").status_code == 404


# --- Withdrawing ----------------------------------------------------------------------------------

def test_withdrawing_chosen_items_leaves_the_others_in_the_complaint(trademark):
    complaint = file_complaint(trademark, make_listing("taobao"), make_listing("taobao"))
    first, second = complaint.items.order_by("pk")

    response = api_as(trademark.filed_by).post(
        f"{COMPLAINTS_URL}{complaint.pk}/withdraw/", {"items": [first.pk], "note": "licensed now"}, format="json")

    assert response.status_code == 200
    assert [item["status"] for item in response.json()["items"]] == ["withdrawn", "submitted"]
    assert response.json()["status"] == "open"
    first.refresh_from_db()
    assert first.state == "withdrawn" and first.events.last().note == "licensed now"


def test_withdrawing_without_items_withdraws_the_whole_complaint_then_409(trademark):
    complaint = file_complaint(trademark, make_listing("taobao"), make_listing("taobao"))
    client = api_as(trademark.filed_by)
    url = f"{COMPLAINTS_URL}{complaint.pk}/withdraw/"

    response = client.post(url, {}, format="json")
    again = client.post(url, {}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert set(complaint.items.values_list("state", flat=True)) == {"withdrawn"}
    assert again.status_code == 409
    assert "Nothing was withdrawn" in again.json()["detail"]


def test_withdrawing_items_of_another_complaint_is_refused(trademark):
    complaint = file_complaint(trademark)
    other = file_complaint(trademark)
    foreign = other.items.get()

    response = api_as(trademark.filed_by).post(
        f"{COMPLAINTS_URL}{complaint.pk}/withdraw/", {"items": [foreign.pk]}, format="json")

    assert response.status_code == 400
    assert str(foreign.pk) in response.json()["items"][0]
    assert set(ComplaintItem.objects.values_list("state", flat=True)) == {"submitted"}


# --- Cost and documentation -----------------------------------------------------------------------

def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_lists_cost_the_same_queries_for_one_row_as_for_ten(trademark, holder, reviewer):
    client = api_as(holder)
    urls = ["/api/v1/iprs/", "/api/v1/listings/", COMPLAINTS_URL]
    file_complaint(trademark, make_listing("taobao"), make_listing("taobao"))
    one_row = [_queries(client, url) for url in urls]
    for n in range(9):
        ipr = make_ipr(holder, number=f"3100000{n}")
        if n % 2:
            ipr = approve_ipr(ipr, reviewer=reviewer)
            file_complaint(ipr, make_listing("taobao"), make_listing("taobao"))
        else:
            file_complaint(trademark, make_listing("taobao"))

    assert [_queries(client, url) for url in urls] == one_row
    assert client.get(COMPLAINTS_URL).json()["count"] == 10


def test_a_complaints_detail_costs_the_same_queries_for_one_item_as_for_ten(trademark):
    client = api_as(trademark.filed_by)
    small = file_complaint(trademark)
    large = file_complaint(trademark, *[make_listing("taobao") for _ in range(10)])
    services.complaint_withdraw(user=trademark.filed_by, complaint=large, item_ids=list(large.items.values_list("pk", flat=True)[:5]))

    assert _queries(client, f"{COMPLAINTS_URL}{large.pk}/") == _queries(client, f"{COMPLAINTS_URL}{small.pk}/")


def test_the_schema_and_the_docs_page_are_served(client):
    schema = client.get("/api/v1/schema/")
    docs = client.get("/api/v1/docs/")
    script = client.get("/api/v1/docs/?script=")

    assert schema.status_code == 200 and b"/api/v1/complaints/{id}/withdraw/" in schema.content
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.content and b"<style>" not in docs.content
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
