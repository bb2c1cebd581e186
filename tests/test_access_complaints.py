"""Every role against every complaints page, API operation and evidence file (issue 4).

Another account's complaint, draft, upload, right or evidence answers like a missing one (404),
other roles are refused (403 on pages), nobody signed out gets in (sign-in on pages, 401 on the
API), and what another account posts changes nothing. The DMCA pages are in test_access.py.

The world is built once for the module through the real services, inside a transaction rolled
back when the module ends; each test runs in a savepoint within it (pytest-django's ``db``), so
what one test changes (a withdrawal, a deleted draft) is undone before the next.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints import bulk, dmca, services
from complaints.models import Complaint, ComplaintItem, ComplaintItemEvent, CounterNotice
from complaints.views import STEP_NAMES
from ipp.models import Notification
from ipp.notifications import notify

from .conftest import (
    PASSWORD,
    api_as,
    approve_ipr,
    built_once,
    checked_png,
    make_ipr,
    make_listing,
    make_user,
)
from .test_access import FORBIDDEN, LOGIN, NOT_FOUND, OK, client_for, outcome, users_of_every_role
from .test_access import ROLES as ROLES_OF_EVERY_PAGE

# One worker runs the whole module, so the world is built once per run.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("access_complaints")]

ROLES = [*ROLES_OF_EVERY_PAGE, "newcomer"]
MOVED, UNAUTHORISED = 302, 401


def _build_world():
    # The roles of test_access.py, and a rights holder whose identity is not verified.
    users = {**users_of_every_role(), "newcomer": make_user("new@example.com", name="Lin Mei")}
    reviewer = users["reviewer"]
    a, b = users["holder_a"], users["holder_b"]
    ipr_a = approve_ipr(make_ipr(a, name="ALPHA", number="30000101"), reviewer=reviewer)
    ipr_b = approve_ipr(make_ipr(b, name="BETA", number="30000202"), reviewer=reviewer)
    # A's filed complaint (two listings, one evidence photo), A's draft with everything but filing, A's upload.
    listings_a = [make_listing("taobao"), make_listing("taobao")]
    complaint_a = services.complaint_file(user=a, platform_code="taobao", ipr_id=ipr_a.pk, reason="counterfeit",
                                          urls_text="\n".join(listing.url for listing in listings_a),
                                          evidence=[checked_png("test-purchase.png")], statements=True)
    draft_a = services.complaint_draft_start(user=a, platform_code="taobao")
    services.complaint_draft_update(complaint=draft_a, ipr=ipr_a, reason="counterfeit", urls_text=make_listing("taobao").url,
                                    description="Test purchase", good_faith_statement=True, accuracy_statement=True)
    services.complaint_evidence_add(complaint=draft_a, user=a, uploads=[checked_png("photo.png")])
    job_a = bulk.complaint_import_job_create(user=a, statements=True, csv_file=SimpleUploadedFile(
        "complaints.csv", f"platform,ipr,reason,url\r\ntaobao,30000101,counterfeit,{make_listing('taobao').url}\r\n".encode()))
    # B's own complaint and draft: B's lists are not empty, and B's own objects take A's ids as input.
    complaint_b = services.complaint_file(user=b, platform_code="taobao", ipr_id=ipr_b.pk, reason="counterfeit",
                                          urls_text=make_listing("taobao").url, statements=True)
    draft_b = services.complaint_draft_start(user=b, platform_code="taobao")
    # A DMCA notice's complaint has no account: no account's pages reach it.
    dmca_complaint = dmca.dmca_notice_file(
        platform_code="taobao", reason="pirated", urls_text=make_listing("taobao").url, full_name="Ada Lovelace",
        email="ada@example.org", phone="+44 20 7946 0000", address="London", work_description="Engines of Thought",
        signature="Ada Lovelace", good_faith=True, accuracy=True, statements_text="Both statements.").complaint
    # A's complaint about the seller's listing, accepted by a reviewer: the seller's notice, which it answered
    # with a counter-notice and an invoice; and a notification A has not read.
    notified = services.complaint_file(user=a, platform_code="taobao", ipr_id=ipr_a.pk, reason="counterfeit",
                                       urls_text=make_listing("taobao", shop_name="Seller Shop", owner=users["seller"]).url,
                                       evidence=[checked_png("listing-photo.png")], statements=True)
    services.complaint_review_start(complaint_id=notified.pk)
    notice = notified.items.get()
    services.item_review_decide(reviewer=reviewer, item_id=notice.pk, decision="accept")
    services.counter_notice_file(seller=users["seller"], item_id=notice.pk, ground="genuine", statement="Genuine stock.",
                                 perjury_statement=True, evidence=[checked_png("invoice.png")])
    notification = notify(a, kind="decision", key="access-test", subject="Decided", text="Your complaint was decided.",
                          email=False)
    return users, {
        "ipr_a": ipr_a, "ipr_b": ipr_b, "complaint_a": complaint_a, "items_a": list(complaint_a.items.order_by("pk")),
        "evidence_a": complaint_a.evidence.get().document, "draft_a": draft_a, "job_a": job_a,
        "complaint_b": complaint_b, "draft_b": draft_b, "dmca": dmca_complaint, "fresh_listing": make_listing("taobao"),
        "notice": notice, "notice_evidence": notified.evidence.get().document,
        "counter_notice_evidence": CounterNotice.objects.get(item=notice).evidence.get().document,
        "notification_a": notification, "holder_a": a, "shop": notice.listing.shop,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, _build_world)


RIGHTS_HOLDERS = {"anonymous": LOGIN, "holder_a": OK, "holder_b": OK, "agent": OK, "newcomer": OK, "*": FORBIDDEN}
# Holder A's own record: to every other rights holder it does not exist; other roles are refused outright.
HOLDER_A_ONLY = {"anonymous": LOGIN, "holder_a": OK, "holder_b": NOT_FOUND, "agent": NOT_FOUND, "newcomer": NOT_FOUND,
                 "*": FORBIDDEN}
EVIDENCE = {"anonymous": LOGIN, "holder_a": OK, "reviewer": OK, "admin": OK, "*": NOT_FOUND}
REVIEWERS = {"anonymous": LOGIN, "reviewer": OK, "admin": OK, "*": FORBIDDEN}
SELLERS = {"anonymous": LOGIN, "seller": OK, "*": FORBIDDEN}
ADMINS = {"anonymous": LOGIN, "admin": OK, "*": FORBIDDEN}

PAGES = {
    # name: (method, url factory, posted data, {role: expected})
    "complaint_list": ("get", lambda o: reverse("complaint_list"), None, RIGHTS_HOLDERS),
    "complaint_export": ("get", lambda o: reverse("complaint_export"), None, RIGHTS_HOLDERS),
    # The unverified newcomer is told why it may not file, with a 403.
    "complaint_new": ("get", lambda o: reverse("complaint_new"), None, {**RIGHTS_HOLDERS, "newcomer": FORBIDDEN}),
    "complaint_import": ("get", lambda o: reverse("complaint_import"), None, RIGHTS_HOLDERS),
    "complaint_import_template": ("get", lambda o: reverse("complaint_import_template"), None, RIGHTS_HOLDERS),
    "complaint_import_job_of_a": ("get", lambda o: reverse("complaint_import_job", args=[o["job_a"].pk]), None,
                                  HOLDER_A_ONLY),
    "complaint_detail_of_a": ("get", lambda o: reverse("complaint_detail", args=[o["complaint_a"].pk]), None,
                              HOLDER_A_ONLY),
    # A draft's detail page is its review step.
    "complaint_detail_of_a_draft": ("get", lambda o: reverse("complaint_detail", args=[o["draft_a"].pk]), None,
                                    {**HOLDER_A_ONLY, "holder_a": MOVED}),
    "complaint_detail_of_dmca": ("get", lambda o: reverse("complaint_detail", args=[o["dmca"].pk]), None,
                                 {**HOLDER_A_ONLY, "holder_a": NOT_FOUND}),
    "complaint_withdraw_of_a": ("post", lambda o: reverse("complaint_withdraw", args=[o["complaint_a"].pk]),
                                {"scope": "all"}, {**HOLDER_A_ONLY, "holder_a": MOVED}),
    **{f"complaint_step_{step}_of_a_draft": ("get", lambda o, step=step: reverse("complaint_step", args=[o["draft_a"].pk, step]),
                                             None, HOLDER_A_ONLY) for step in STEP_NAMES},
    "complaint_listing_search_of_a_draft": (
        "get", lambda o: reverse("complaint_listing_search", args=[o["draft_a"].pk]) + "?q=shoe", None, HOLDER_A_ONLY),
    "complaint_delete_of_a_draft": ("post", lambda o: reverse("complaint_delete", args=[o["draft_a"].pk]), {},
                                    {**HOLDER_A_ONLY, "holder_a": MOVED}),
    "evidence_of_a": ("get", lambda o: reverse("document", args=[o["evidence_a"].pk]), None, EVIDENCE),
    "evidence_thumbnail_of_a": ("get", lambda o: reverse("document", args=[o["evidence_a"].pk]) + "?thumb=1", None,
                                EVIDENCE),
    # Seller notices: the seller's own (none here), and an item on a listing it does not own (as if missing).
    "seller_notices": ("get", lambda o: reverse("seller_notices"), None, SELLERS),
    "seller_notice_of_a_item": ("get", lambda o: reverse("seller_notice", args=[o["items_a"][0].pk]), None,
                                {**SELLERS, "seller": NOT_FOUND}),
    "seller_counter_notice_on_a_item": (
        "post", lambda o: reverse("seller_notice", args=[o["items_a"][0].pk]),
        {"ground": "genuine", "statement": "Mine", "perjury_statement": "on"}, {**SELLERS, "seller": NOT_FOUND}),
    # The complainant's answer to a counter-notice: A's item (none to answer yet, so A is sent back to its page).
    "counter_notice_accept_of_a": (
        "post", lambda o: reverse("counter_notice_accept", args=[o["complaint_a"].pk, o["items_a"][0].pk]), {},
        {**HOLDER_A_ONLY, "holder_a": MOVED}),
    "complaint_maintain_of_a": (
        "post", lambda o: reverse("complaint_maintain", args=[o["complaint_a"].pk, o["items_a"][0].pk]),
        lambda o: {f"maintain-{o['items_a'][0].pk}-note": "It does not hold"}, {**HOLDER_A_ONLY, "holder_a": MOVED}),
    # The reviewer's item page, and a decision posted on it (the item waits for no decision yet: sent back).
    "review_item_of_a": ("get", lambda o: reverse("review_item", args=[o["items_a"][0].pk]), None, REVIEWERS),
    "review_item_decide_of_a": ("post", lambda o: reverse("review_item", args=[o["items_a"][0].pk]),
                                {"decision": "accept"}, {**REVIEWERS, "reviewer": MOVED, "admin": MOVED}),
    # The reviewers' queue, claiming from it and on an item, and a spot check (A's item is none: sent back).
    "review_items": ("get", lambda o: reverse("review_items") + "?state=in_review", None, REVIEWERS),
    "review_items_claim": ("post", lambda o: reverse("review_items") + "?state=in_review", {"count": "5"},
                           {**REVIEWERS, "reviewer": MOVED, "admin": MOVED}),
    "review_item_claim_of_a": ("post", lambda o: reverse("review_item_claim", args=[o["items_a"][0].pk]), {},
                               {**REVIEWERS, "reviewer": MOVED, "admin": MOVED}),
    "review_item_spot_check_of_a": ("post", lambda o: reverse("review_item_spot_check", args=[o["items_a"][0].pk]),
                                    {"outcome": "confirmed"}, {**REVIEWERS, "reviewer": MOVED, "admin": MOVED}),
    # The seller's own notice, and the evidence on both sides of it: the complaint's (the seller sees it once
    # notified) and the counter-notice's (the complainant sees it); nobody else but reviewers and admins.
    "seller_notice_of_its_listing": ("get", lambda o: reverse("seller_notice", args=[o["notice"].pk]), None, SELLERS),
    "complaint_detail_of_a_countered": ("get", lambda o: reverse("complaint_detail", args=[o["notice"].complaint_id]),
                                        None, HOLDER_A_ONLY),
    "evidence_of_a_notified_complaint": ("get", lambda o: reverse("document", args=[o["notice_evidence"].pk]), None,
                                         {**EVIDENCE, "seller": OK}),
    "evidence_of_the_counter_notice": ("get", lambda o: reverse("document", args=[o["counter_notice_evidence"].pk]),
                                       None, {**EVIDENCE, "seller": OK}),
    # Everyone signed in has a notification list of its own, and marks only its own read.
    "notifications": ("get", lambda o: reverse("notifications"), None, {"anonymous": LOGIN, "*": OK}),
    "notifications_read": ("post", lambda o: reverse("notifications_read"), {}, {"anonymous": LOGIN, "*": MOVED}),
    "notifications_read_by_get": ("get", lambda o: reverse("notifications_read"), None, {"anonymous": LOGIN, "*": 405}),
    # The admin area: admins only.
    "admin_sellers": ("get", lambda o: reverse("admin_sellers"), None, ADMINS),
    "admin_seller_ledger": ("get", lambda o: reverse("admin_seller_ledger", args=[o["shop"].pk]), None, ADMINS),
    "admin_platforms": ("get", lambda o: reverse("admin_platforms"), None, ADMINS),
    "admin_platform_edit": ("get", lambda o: reverse("admin_platform_edit", args=["taobao"]), None, ADMINS),
    "admin_good_faith": ("get", lambda o: reverse("admin_good_faith"), None, ADMINS),
    "admin_good_faith_complainant_a": ("get", lambda o: reverse("admin_good_faith_complainant", args=[o["holder_a"].pk]),
                                       None, ADMINS),
    "admin_reports": ("get", lambda o: reverse("admin_reports"), None, ADMINS),
    "admin_reports_export": ("get", lambda o: reverse("admin_reports_export"), None, ADMINS),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_expected_answer_on_every_complaints_page(client, world, page, role):
    users, objects = world
    method, make_url, data, expected = PAGES[page]
    want = expected.get(role, expected.get("*"))
    response = getattr(client_for(client, users[role]), method)(make_url(objects), data(objects) if callable(data) else data)
    assert outcome(response) == want, f"{role} {method.upper()} {page}: got {response.status_code}"


# --- The API, with each role's token ---------------------------------------------------------------

ANY_TOKEN = {"anonymous": UNAUTHORISED, "*": OK}
HOLDER_A_ONLY_API = {"anonymous": UNAUTHORISED, "holder_a": OK, "*": NOT_FOUND}
SELLERS_API = {"anonymous": UNAUTHORISED, "seller": OK, "*": FORBIDDEN}
REVIEWERS_API = {"anonymous": UNAUTHORISED, "reviewer": OK, "admin": OK, "*": FORBIDDEN}

API = {
    # name: (method, url factory, body factory (objects, user), {role: expected})
    "auth_token": ("post", lambda o: "/api/v1/auth/token/",
                   lambda o, user: {"email": user.email, "password": PASSWORD} if user else {},
                   {"anonymous": 400, "*": OK}),
    "iprs_list": ("get", lambda o: "/api/v1/iprs/", None, ANY_TOKEN),
    "ipr_of_a": ("get", lambda o: f"/api/v1/iprs/{o['ipr_a'].pk}/", None, HOLDER_A_ONLY_API),
    "listings_list": ("get", lambda o: "/api/v1/listings/?platform=taobao&q=shoe", None, ANY_TOKEN),
    "complaints_list": ("get", lambda o: "/api/v1/complaints/", None, ANY_TOKEN),
    # Filing on A's right: only A may; another rights holder is refused the right (400), other roles filing at all (403).
    "complaints_file_on_a_right": (
        "post", lambda o: "/api/v1/complaints/",
        lambda o, user: {"platform": "taobao", "ipr": o["ipr_a"].pk, "reason": "counterfeit", "urls": o["fresh_listing"].url},
        {"anonymous": UNAUTHORISED, "holder_a": 201, "holder_b": 400, "agent": 400, "newcomer": 400, "*": FORBIDDEN}),
    "complaint_of_a": ("get", lambda o: f"/api/v1/complaints/{o['complaint_a'].pk}/", None, HOLDER_A_ONLY_API),
    "complaint_of_a_draft": ("get", lambda o: f"/api/v1/complaints/{o['draft_a'].pk}/", None,
                             {**HOLDER_A_ONLY_API, "holder_a": NOT_FOUND}),
    "complaint_of_dmca": ("get", lambda o: f"/api/v1/complaints/{o['dmca'].pk}/", None,
                          {**HOLDER_A_ONLY_API, "holder_a": NOT_FOUND}),
    "complaint_withdraw_of_a": ("post", lambda o: f"/api/v1/complaints/{o['complaint_a'].pk}/withdraw/",
                                lambda o, user: {}, HOLDER_A_ONLY_API),
    # Seller notices: only sellers; an item on a listing the seller does not own is as if missing.
    "notices_list": ("get", lambda o: "/api/v1/notices/", None, SELLERS_API),
    "notice_of_a_item": ("get", lambda o: f"/api/v1/notices/{o['items_a'][0].pk}/", None,
                         {**SELLERS_API, "seller": NOT_FOUND}),
    "counter_notice_on_a_item": ("post", lambda o: f"/api/v1/notices/{o['items_a'][0].pk}/counter-notice/",
                                 lambda o, user: {"statement": "Mine", "perjury_statement": True},
                                 {**SELLERS_API, "seller": NOT_FOUND}),
    # The complainant's answers: A's item awaits none yet (409 for A); as missing to other rights holders.
    "accept_counter_notice_of_a": (
        "post", lambda o: f"/api/v1/complaints/{o['complaint_a'].pk}/items/{o['items_a'][0].pk}/accept-counter-notice/",
        lambda o, user: {}, {**HOLDER_A_ONLY_API, "holder_a": 409}),
    "maintain_of_a": (
        "post", lambda o: f"/api/v1/complaints/{o['complaint_a'].pk}/items/{o['items_a'][0].pk}/maintain/",
        lambda o, user: {"note": "It does not hold"}, {**HOLDER_A_ONLY_API, "holder_a": 409}),
    # Reviewers' queue and decisions: A's item waits for no decision yet (409 to reviewers).
    "review_queue": ("get", lambda o: "/api/v1/review/queue/", None, REVIEWERS_API),
    "review_decide_a_item": ("post", lambda o: f"/api/v1/review/items/{o['items_a'][0].pk}/decide/",
                             lambda o, user: {"decision": "accept"}, {**REVIEWERS_API, "reviewer": 409, "admin": 409}),
    "review_claims": ("post", lambda o: "/api/v1/review/claims/", lambda o, user: {"count": 1},
                      {**REVIEWERS_API, "reviewer": 201, "admin": 201}),
    "review_claims_release": ("post", lambda o: "/api/v1/review/claims/release/", lambda o, user: {}, REVIEWERS_API),
    "notice_of_its_listing": ("get", lambda o: f"/api/v1/notices/{o['notice'].pk}/", None, SELLERS_API),
    # The schema and its docs page describe the API to anyone; they hold no account's data.
    "schema": ("get", lambda o: "/api/v1/schema/", None, {"*": OK}),
    "docs": ("get", lambda o: "/api/v1/docs/", None, {"*": OK}),
}



@pytest.mark.parametrize("operation", list(API))
@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_expected_answer_from_every_api_operation(world, operation, role):
    users, objects = world
    method, make_url, make_body, expected = API[operation]
    want = expected.get(role, expected.get("*"))
    client = api_as(users[role])
    if method == "post":
        response = client.post(make_url(objects), make_body(objects, users[role]), format="json")
    else:
        response = client.get(make_url(objects))
    assert response.status_code == want, f"{role} {method.upper()} {operation}: got {response.status_code}"


# --- What another account posts changes nothing -------------------------------------------------------

def items_as_they_are(complaint: Complaint) -> list[tuple]:
    return list(complaint.items.order_by("pk").values_list("pk", "state")) + [
        ("events", ComplaintItemEvent.objects.filter(item__complaint=complaint).count())]


def draft_as_it_is(draft: Complaint) -> tuple:
    draft = Complaint.objects.get(pk=draft.pk)
    return (draft.status, draft.platform_id, draft.ipr_id, draft.reason, draft.urls_text, draft.description,
            draft.good_faith_statement, draft.accuracy_statement, list(draft.evidence.values_list("pk", flat=True)))


def step_posts(objects, role_ipr) -> dict[str, dict]:
    """What each step would save: every value differs from what A's draft holds, and the review step files it."""
    return {
        "platform": {"platform": "tmall"},
        "right": {"ipr": role_ipr.pk if role_ipr else objects["ipr_a"].pk},
        "reason": {"reason": "trademark_misuse"},
        "listings": {"urls_text": objects["fresh_listing"].url, "action": "save"},
        "evidence": {"description": "Mine now", "remove_evidence": list(objects["draft_a"].evidence.values_list("pk", flat=True))},
        "statements": {"action": "save"},  # both boxes left unticked
        "review": {},
    }


@pytest.mark.parametrize("role", ["holder_b", "agent", "newcomer"])
def test_another_account_cannot_save_file_or_delete_a_draft(client, world, role):
    users, objects = world
    draft = objects["draft_a"]
    before = draft_as_it_is(draft)
    client_for(client, users[role])
    for step, data in step_posts(objects, objects["ipr_b"] if role == "holder_b" else None).items():
        response = client.post(reverse("complaint_step", args=[draft.pk, step]), data)
        assert response.status_code == NOT_FOUND, f"{role} saving step {step}: got {response.status_code}"
    assert client.post(reverse("complaint_delete", args=[draft.pk])).status_code == NOT_FOUND
    assert draft_as_it_is(draft) == before


def test_the_same_posts_by_the_drafts_owner_change_it(client, world):
    """The control of the test above: its posts are ones that do change a draft."""
    users, objects = world
    draft = objects["draft_a"]
    before = draft_as_it_is(draft)
    client_for(client, users["holder_a"])
    for step in ("platform", "evidence", "statements"):
        response = client.post(reverse("complaint_step", args=[draft.pk, step]), step_posts(objects, None)[step])
        assert response.status_code == MOVED, f"step {step}: got {response.status_code}"
    after = draft_as_it_is(draft)
    assert (after[1], after[5], after[6], after[8]) == ("tmall", "Mine now", False, []) and after != before
    assert client.post(reverse("complaint_delete", args=[draft.pk])).status_code == MOVED
    assert not Complaint.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("role", ["holder_b", "agent", "newcomer", "seller", "reviewer", "admin"])
def test_another_account_cannot_withdraw_a_complaint_on_the_pages_or_the_api(client, world, role):
    users, objects = world
    complaint, items = objects["complaint_a"], objects["items_a"]
    before = items_as_they_are(complaint)
    page = client_for(client, users[role]).post(reverse("complaint_withdraw", args=[complaint.pk]),
                                                {"scope": "all", "item": [item.pk for item in items]})
    api = api_as(users[role]).post(f"/api/v1/complaints/{complaint.pk}/withdraw/",
                                   {"items": [item.pk for item in items]}, format="json")
    assert (page.status_code, api.status_code) == (FORBIDDEN if role in ("seller", "reviewer", "admin") else NOT_FOUND,
                                                   NOT_FOUND)
    assert items_as_they_are(complaint) == before
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.OPEN


def test_a_withdrawal_by_the_owner_moves_the_items(world):
    """The control of the test above."""
    users, objects = world
    complaint = objects["complaint_a"]
    response = api_as(users["holder_a"]).post(f"/api/v1/complaints/{complaint.pk}/withdraw/", {}, format="json")
    assert response.status_code == OK
    assert set(complaint.items.values_list("state", flat=True)) == {ComplaintItem.State.WITHDRAWN}


def _put(item, state: str) -> None:
    later = timezone.now() + dt.timedelta(days=2)
    ComplaintItem.objects.filter(pk=item.pk).update(state=state, respond_by=later, answer_by=later)


def _answer_posts(client, user, complaint, item) -> None:
    """Accept and maintain, on the page and by API."""
    client_for(client, user)
    client.post(reverse("counter_notice_accept", args=[complaint.pk, item.pk]), {})
    client.post(reverse("complaint_maintain", args=[complaint.pk, item.pk]), {f"maintain-{item.pk}-note": "No."})
    api = api_as(user)
    api.post(f"/api/v1/complaints/{complaint.pk}/items/{item.pk}/accept-counter-notice/", {}, format="json")
    api.post(f"/api/v1/complaints/{complaint.pk}/items/{item.pk}/maintain/", {"note": "No."}, format="json")


@pytest.mark.parametrize("role", ["holder_b", "agent", "newcomer", "seller", "reviewer", "admin"])
def test_another_account_cannot_answer_a_counter_notice_on_the_pages_or_the_api(client, world, role):
    users, objects = world
    complaint, item = objects["complaint_a"], objects["items_a"][0]
    _put(item, ComplaintItem.State.COUNTER_NOTICED)
    before = items_as_they_are(complaint)
    _answer_posts(client, users[role], complaint, item)
    assert items_as_they_are(complaint) == before


def test_the_complainant_answering_its_counter_notice_moves_the_item(client, world):
    """The control of the test above."""
    users, objects = world
    complaint, item = objects["complaint_a"], objects["items_a"][0]
    _put(item, ComplaintItem.State.COUNTER_NOTICED)
    _answer_posts(client, users["holder_a"], complaint, item)
    assert ComplaintItem.objects.get(pk=item.pk).state == ComplaintItem.State.COUNTER_ACCEPTED


def _decide_posts(client, user, item) -> None:
    client_for(client, user)
    client.post(reverse("review_item", args=[item.pk]), {"decision": "accept"})
    api_as(user).post(f"/api/v1/review/items/{item.pk}/decide/", {"decision": "accept"}, format="json")


@pytest.mark.parametrize("role", ["holder_a", "holder_b", "agent", "newcomer", "seller"])
def test_only_reviewers_decide_an_item_on_the_page_or_the_api(client, world, role):
    users, objects = world
    complaint, item = objects["complaint_a"], objects["items_a"][0]
    _put(item, ComplaintItem.State.IN_REVIEW)
    before = items_as_they_are(complaint)
    _decide_posts(client, users[role], item)
    assert items_as_they_are(complaint) == before


def test_a_reviewers_decision_moves_the_item(client, world):
    """The control of the test above."""
    users, objects = world
    item = objects["items_a"][0]
    _put(item, ComplaintItem.State.IN_REVIEW)
    _decide_posts(client, users["reviewer"], item)
    assert ComplaintItem.objects.get(pk=item.pk).state == ComplaintItem.State.SELLER_NOTIFIED


@pytest.mark.parametrize("role", ["holder_b", "agent", "newcomer", "seller", "reviewer", "admin"])
def test_marking_notifications_read_marks_only_ones_own(client, world, role):
    users, objects = world
    client_for(client, users[role]).post(reverse("notifications_read"))
    assert Notification.objects.get(pk=objects["notification_a"].pk).read_at is None


def test_the_owner_marking_its_notifications_read_marks_them(client, world):
    """The control of the test above."""
    users, objects = world
    client_for(client, users["holder_a"]).post(reverse("notifications_read"))
    assert Notification.objects.get(pk=objects["notification_a"].pk).read_at is not None


# --- Another account's ids given as input on one's own objects ------------------------------------------

def test_b_cannot_withdraw_a_items_through_its_own_complaint(client, world):
    users, objects = world
    mine, theirs = objects["complaint_b"], objects["complaint_a"]
    before = items_as_they_are(theirs)
    ids = [item.pk for item in objects["items_a"]]
    client_for(client, users["holder_b"])
    page = client.post(reverse("complaint_withdraw", args=[mine.pk]), {"item": ids})
    api = api_as(users["holder_b"]).post(f"/api/v1/complaints/{mine.pk}/withdraw/", {"items": ids}, format="json")
    assert page.status_code == MOVED and api.status_code == 400 and "items" in api.json()
    assert items_as_they_are(theirs) == before


def test_b_cannot_put_a_right_in_its_own_draft_or_file_on_it(client, world):
    users, objects = world
    ipr_a, draft_b = objects["ipr_a"], objects["draft_b"]
    client_for(client, users["holder_b"])
    response = client.post(reverse("complaint_step", args=[draft_b.pk, "right"]), {"ipr": ipr_a.pk})
    assert response.status_code == OK  # the form again: A's right is not among B's choices
    assert Complaint.objects.get(pk=draft_b.pk).ipr_id is None
    # Starting a complaint from A's right's page keeps nothing of it either.
    response = client.post(reverse("complaint_new") + f"?ipr={ipr_a.pk}", {"platform": "taobao"})
    started = Complaint.objects.filter(complainant=users["holder_b"], status="draft").latest("pk")
    assert response["Location"] == reverse("complaint_step", args=[started.pk, "right"]) and started.ipr_id is None
    filed = api_as(users["holder_b"]).post("/api/v1/complaints/", {
        "platform": "taobao", "ipr": ipr_a.pk, "reason": "counterfeit", "urls": objects["fresh_listing"].url}, format="json")
    assert filed.status_code == 400 and list(filed.json()) == ["ipr"]
    assert not Complaint.objects.filter(ipr=ipr_a).exclude(
        pk__in=[objects["complaint_a"].pk, objects["draft_a"].pk, objects["notice"].complaint_id]).exists()


# --- Lists never hold another account's rows ------------------------------------------------------------

@pytest.mark.parametrize("role", ["holder_a", "holder_b", "agent", "newcomer", "seller", "reviewer", "admin"])
def test_lists_exports_and_templates_hold_only_the_callers_own_rows(client, world, role):
    """A sees A's complaint, draft, upload and right everywhere; nobody else sees them anywhere."""
    users, objects = world
    mine = role == "holder_a"
    complaint, ipr = objects["complaint_a"], objects["ipr_a"]
    api = api_as(users[role])
    for url in ("/api/v1/complaints/", f"/api/v1/complaints/?ipr={ipr.pk}"):
        ids = {row["id"] for row in api.get(url).json()["results"]}
        assert (complaint.pk in ids) == mine, url
        assert objects["draft_a"].pk not in ids and objects["dmca"].pk not in ids
    assert (ipr.pk in {row["id"] for row in api.get("/api/v1/iprs/").json()["results"]}) == mine
    if not users[role].is_rights_holder:
        return  # the pages below refuse other roles (the matrix above)
    client_for(client, users[role])
    listing = client.get(reverse("complaint_list")).content.decode()
    assert (complaint.reference in listing) == mine
    assert (reverse("complaint_step", args=[objects["draft_a"].pk, "review"]) in listing) == mine
    export = b"".join(client.get(reverse("complaint_export")).streaming_content).decode()
    assert (complaint.reference in export) == mine
    assert all((item.listing.listing_id in export) == mine for item in objects["items_a"])
    uploads = client.get(reverse("complaint_import")).content.decode()
    assert (reverse("complaint_import_job", args=[objects["job_a"].pk]) in uploads) == mine
    assert (ipr.number in client.get(reverse("complaint_import_template")).content.decode()) == mine
    if role == "holder_b":  # B's own rows are there: the lists above are not simply empty
        assert objects["complaint_b"].reference in listing and objects["complaint_b"].reference in export
