"""The API against its own OpenAPI schema (/api/v1/schema/), fuzzed with schemathesis.

For every operation and each role that uses the API (a rights holder, a seller, a reviewer, each with
its token), schemathesis generates requests from the schema — valid ones, and ones the schema says are
invalid — and checks each answer: never a server error (5xx), a status code the schema lists for the
operation, a content type it lists, and a body that matches the schema of that status. Half the valid
examples aim at the role's real objects (its complaint and items, its notices, the items in review), so
the state-changing code runs, not only the "not found" paths.

The world is built once for the module inside a transaction rolled back at its end; each test runs in a
savepoint within it, so what one operation's examples change is undone before the next.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from complaints import services

from .conftest import (
    api_as,
    approve_ipr,
    built_once,
    checked_png,
    make_ipr,
    make_listing,
    make_user,
)

# On PostgreSQL, as in production: what fuzzing sends (huge integers, NUL bytes, odd dates) must meet the
# database that answers for real. One worker runs the module, so the world is built once.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.xdist_group("api_schema_fuzz")]

SCHEMA_PATH = "/api/v1/schema/"
ROLES = ["holder", "seller", "reviewer"]
# Without a token, every operation but the token's answers 401, and the schema must say so.
ANONYMOUS = "anonymous"
# The operations, as the schema names them ("METHOD /path"): a new one must be added here to be fuzzed,
# and one that disappears fails the test that compares this list with the schema.
OPERATIONS = [
    "POST /api/v1/auth/token/",
    "GET /api/v1/iprs/",
    "GET /api/v1/iprs/{id}/",
    "GET /api/v1/listings/",
    "GET /api/v1/complaints/",
    "POST /api/v1/complaints/",
    "GET /api/v1/complaints/{id}/",
    "POST /api/v1/complaints/{id}/withdraw/",
    "POST /api/v1/complaints/{id}/items/{item_id}/accept-counter-notice/",
    "POST /api/v1/complaints/{id}/items/{item_id}/maintain/",
    "GET /api/v1/notices/",
    "GET /api/v1/notices/{item_id}/",
    "POST /api/v1/notices/{item_id}/counter-notice/",
    "GET /api/v1/review/queue/",
    "POST /api/v1/review/claims/",
    "POST /api/v1/review/claims/release/",
    "POST /api/v1/review/items/{item_id}/decide/",
]
EXAMPLES = 25  # per operation, role and mode: deterministic (derandomize), so a failure reproduces
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def _build_world() -> dict:
    reviewer = make_user("fuzz-reviewer@example.com", role=User.Role.REVIEWER)
    holder = make_user("fuzz-holder@example.com", name="Fuzz Brand Co", category=User.RegistrantCategory.ENTITY,
                       verified_by=reviewer)
    seller = make_user("fuzz-seller@example.com", role=User.Role.SELLER, name="Fuzz Shop")
    right = approve_ipr(make_ipr(holder, name="FUZZ", number="30009001"), reviewer=reviewer)
    listings = [make_listing("taobao", title=f"FUZZ runner {n}", shop_name="Fuzz Shop", owner=seller) for n in range(4)]
    complaint = services.complaint_file(user=holder, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
                                        urls_text="\n".join(listing.url for listing in listings),
                                        evidence=[checked_png("test-purchase.png")], statements=True)
    services.complaint_review_start(complaint_id=complaint.pk)
    in_review, notified, countered, _spare = complaint.items.order_by("pk")
    for item in (notified, countered):
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
    services.counter_notice_file(seller=seller, item_id=countered.pk, ground="genuine", statement="Bought it genuine.",
                                 perjury_statement=True, evidence=[checked_png("invoice.png")])
    # Listings to file about (the holder's filing examples may use them).
    for n in range(3):
        make_listing("taobao", title=f"FUZZ fresh {n}", shop_name="Other Shop")
    users = {"holder": holder, "seller": seller, "reviewer": reviewer}
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    # Each role's own objects, by path parameter: where its examples aim half the time.
    ids = {
        "holder": {"id": complaint.pk, "item_id": countered.pk},
        "seller": {"item_id": notified.pk},
        "reviewer": {"item_id": in_review.pk},
    }
    return {"users": users, "tokens": tokens, "ids": ids, "right": right}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, _build_world)


@pytest.fixture
def wsgi_app(settings):
    """The portal's WSGI application, as schemathesis calls it in-process.

    Like Django's test client, it leaves the test's database connection open between requests
    (a real server closes it when a request ends, which would end the test's transaction).
    """
    settings.ALLOWED_HOSTS = ["localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app):
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, wsgi_app)


def test_the_fuzzed_operations_are_every_operation_of_the_schema(world, api_schema):
    served = {f"{operation.method.upper()} {operation.path}" for operation in
              (result.ok() for result in api_schema.get_all_operations())}
    assert served == set(OPERATIONS)


def _run(api_schema, world, role: str, label: str, mode: GenerationMode) -> None:
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    headers = {"Authorization": f"Token {world['tokens'][role]}"} if role != ANONYMOUS else {}
    strategy = operation.as_strategy(generation_mode=mode)
    own = {name: value for name, value in world["ids"].get(role, {}).items()
           if name in {parameter.name for parameter in operation.path_parameters}}
    if own and mode == GenerationMode.POSITIVE:
        strategy = st.one_of(strategy, operation.as_strategy(generation_mode=mode, path_parameters=own))

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=False,
              suppress_health_check=list(HealthCheck))
    def examples(case):
        cache.clear()  # the token and filing throttles would otherwise answer most examples with 429
        case.call_and_validate(headers=headers, checks=CHECKS)

    examples()


@pytest.mark.parametrize("label", OPERATIONS)
@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS])
def test_valid_requests_get_answers_the_schema_describes(world, api_schema, role, label):
    _run(api_schema, world, role, label, GenerationMode.POSITIVE)


@pytest.mark.parametrize("label", OPERATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_invalid_requests_get_answers_the_schema_describes(world, api_schema, role, label):
    _run(api_schema, world, role, label, GenerationMode.NEGATIVE)


# --- What the fuzzing found, each pinned by a plain example ---------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/iprs/-1/", "/api/v1/complaints/1.5/", "/api/v1/nothing-here/"])
def test_an_api_address_that_matches_no_operation_answers_json_not_an_html_page(world, path):
    response = api_as(world["users"]["holder"]).get(path)
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"detail": "Not found."}


def test_a_page_address_that_matches_nothing_still_answers_the_portals_page(client, world):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_page_past_the_last_answers_404_as_the_schema_says(world):
    response = api_as(world["users"]["holder"]).get("/api/v1/iprs/?page=99")
    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})


def test_an_evidence_entry_that_is_not_a_file_is_one_message_in_the_evidence_list(world):
    holder = api_as(world["users"]["holder"])
    response = holder.post("/api/v1/complaints/", {
        "platform": "taobao", "ipr": world["right"].pk, "reason": "counterfeit",
        "urls": make_listing("taobao").url, "evidence": ["not a file", "nor this"]}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"evidence": [
        "Entry 1: The submitted data was not a file. Check the encoding type on the form.",
        "Entry 2: The submitted data was not a file. Check the encoding type on the form."]}


def test_item_ids_that_are_not_numbers_are_messages_in_the_items_list(world):
    reviewer = api_as(world["users"]["reviewer"])
    response = reviewer.post("/api/v1/review/claims/release/", {"items": [3, "three"]}, format="json")
    assert (response.status_code, response.json()) == (400, {"items": ["Entry 2: A valid integer is required."]})
