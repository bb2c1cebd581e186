"""Every role against every page and document URL: who gets in, who gets 403/404, who is sent to sign in."""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse

from accounts import services
from accounts.models import User
from complaints import dmca
from ipp.models import DocumentView
from ipr import bulk as ipr_bulk
from ipr import services as ipr_services
from ipr.models import IPR

from .conftest import (
    approve_ipr,
    built_once,
    checked_pdf,
    checked_png,
    make_ipr,
    make_listing,
    make_user,
    pdf_bytes,
)

ROLES = ["anonymous", "holder_a", "holder_b", "agent", "seller", "reviewer", "admin"]
OK, LOGIN, FORBIDDEN, NOT_FOUND = 200, "login", 403, 404


def users_of_every_role() -> dict[str, User | None]:
    """One user of each of ROLES (None signed out); both holders and the agent have verified identities."""
    reviewer = make_user("rev@example.com", role=User.Role.REVIEWER)
    return {
        "anonymous": None,
        "holder_a": make_user("a@example.com", name="Alpha Co", category=User.RegistrantCategory.ENTITY, verified_by=reviewer),
        "holder_b": make_user("b@example.com", name="Beta Co", category=User.RegistrantCategory.ENTITY, verified_by=reviewer),
        "agent": make_user("agent@example.com", name="Agency", identity=User.Identity.AGENT, verified_by=reviewer),
        "seller": make_user("seller@example.com", role=User.Role.SELLER),
        "reviewer": reviewer,
        "admin": make_user("admin@example.com", role=User.Role.ADMIN),
    }


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, _build_world)


@pytest.fixture
def world(_world, db):
    """The module's world; each test runs in a savepoint within its transaction, so what it changes is undone."""
    return _world


def _build_world():
    users = users_of_every_role()
    # Holder A has a pending sole-account statement and a pending identity renewal to review.
    pending_holder = make_user("c@example.com", name="Alpha Co")
    statement = services.sole_account_submit(user=users["holder_a"], statement=checked_pdf("statement.pdf"))
    proof = services.identity_submit(user=pending_holder, document_kind="passport", document_number="P1",
                                     expires_on=None, document=checked_pdf())
    # Holder B has a draft and a pending right; the agent a draft for another owner (it needs a letter).
    draft_b = ipr_services.ipr_save(user=users["holder_b"], kind="patent", fields=dict(
        name="Folding chair", number="ZL201910000001.X", jurisdiction="CN", owner_name="Beta Co", patent_type="design",
        expires_on=dt.date.today() + dt.timedelta(days=900)), certificate=checked_pdf())
    pending_b = ipr_services.ipr_submit(user=users["holder_b"], ipr=ipr_services.ipr_save(
        user=users["holder_b"], kind="copyright", fields=dict(name="Beta logo", number="2024-F-1", jurisdiction="CN",
                                                              owner_name="Beta Co", work_kind="artwork"),
        certificate=checked_pdf(), attachments=[("work_sample", checked_png())]))
    draft_agent = ipr_services.ipr_save(user=users["agent"], kind="other", fields=dict(
        name="Geographical indication", number="GI-7", jurisdiction="CN", owner_name="Gamma Co",
        registered_on=dt.date(2020, 1, 1), expires_on=dt.date.today() + dt.timedelta(days=900)), certificate=checked_pdf())
    # A DMCA notice sent through the public form, without an account.
    listing = make_listing("taobao")
    dmca_notice = dmca.dmca_notice_file(
        platform_code="taobao", reason="pirated", urls_text=listing.url, full_name="Ada Lovelace", email="ada@example.org",
        phone="+44 20 7946 0000", address="London", work_description="Engines of Thought", signature="Ada Lovelace",
        good_faith=True, accuracy=True, statements_text="Both statements.")
    # The agent's signed letter for its draft; B's approved right and B's import of rights (a CSV and its ZIP).
    draft_agent = ipr_services.ipr_upload_letter(
        ipr=draft_agent, user=users["agent"], letter=checked_pdf("letter.pdf"), scope="enforce",
        valid_from=dt.date.today(), valid_until=dt.date.today() + dt.timedelta(days=365))
    approved_b = approve_ipr(make_ipr(users["holder_b"], name="BETA", number="30000303"), reviewer=users["reviewer"])
    import_b = ipr_bulk.import_job_create(user=users["holder_b"], csv_file=SimpleUploadedFile(
        "rights.csv", ipr_bulk.example_csv(user=users["holder_b"], today=dt.date.today()).encode()),
        zip_file=SimpleUploadedFile("documents.zip", _zip_of({"tm-12345678.pdf": pdf_bytes()})))
    return users, {"identity_proof": proof, "statement": statement,
                   "doc_a": users["holder_a"].identity_proofs.get().document, "statement_doc": statement.document,
                   "draft_b": draft_b, "pending_b": pending_b, "draft_agent": draft_agent, "dmca": dmca_notice,
                   "letter_of_agent": draft_agent.letter, "work_sample_of_b": pending_b.attachments.get().document,
                   "approved_b": approved_b, "import_b": import_b}


def _zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def client_for(client, user):
    if user is not None:
        client.force_login(user)
    return client


def outcome(response):
    if response.status_code == 302 and "/login" in response["Location"]:
        return LOGIN
    return response.status_code


RIGHTS_HOLDERS_ONLY = {"anonymous": LOGIN, "holder_a": OK, "holder_b": OK, "agent": OK, "*": FORBIDDEN}
# Another account's record answers like a missing one; other roles are refused outright.
HOLDER_B_ONLY = {"anonymous": LOGIN, "holder_b": OK, "holder_a": NOT_FOUND, "agent": NOT_FOUND, "*": FORBIDDEN}

PAGES = {
    # name: (url factory, {role: expected})
    "home": (lambda o: reverse("home"), {"anonymous": OK, "*": 302}),
    "agreement": (lambda o: reverse("agreement"), {"*": OK}),
    "health": (lambda o: reverse("health"), {"*": OK}),
    "dashboard": (lambda o: reverse("dashboard"), {"anonymous": LOGIN, "*": OK}),
    "identity": (lambda o: reverse("identity"), {"anonymous": LOGIN, "holder_a": OK, "holder_b": OK, "agent": OK, "*": FORBIDDEN}),
    "sole_account": (lambda o: reverse("sole_account"), {"anonymous": LOGIN, "holder_a": OK, "holder_b": OK, "agent": OK, "*": FORBIDDEN}),
    "review_queue": (lambda o: reverse("review_queue"), {"anonymous": LOGIN, "reviewer": OK, "admin": OK, "*": FORBIDDEN}),
    "review_identity": (lambda o: reverse("review_identity", args=[o["identity_proof"].pk]),
                        {"anonymous": LOGIN, "reviewer": OK, "admin": OK, "*": FORBIDDEN}),
    "review_sole_account": (lambda o: reverse("review_sole_account", args=[o["statement"].pk]),
                            {"anonymous": LOGIN, "reviewer": OK, "admin": OK, "*": FORBIDDEN}),
    "document_of_holder_a": (lambda o: reverse("document", args=[o["doc_a"].pk]),
                             {"anonymous": LOGIN, "holder_a": OK, "reviewer": OK, "admin": OK, "*": NOT_FOUND}),
    "statement_of_holder_a": (lambda o: reverse("document", args=[o["statement_doc"].pk]),
                              {"anonymous": LOGIN, "holder_a": OK, "reviewer": OK, "admin": OK, "*": NOT_FOUND}),
    "django_admin": (lambda o: reverse("admin:index"), {"admin": OK, "*": LOGIN}),
    "ipr_list": (lambda o: reverse("ipr_list"), RIGHTS_HOLDERS_ONLY),
    "ipr_new": (lambda o: reverse("ipr_new"), RIGHTS_HOLDERS_ONLY),
    "ipr_import": (lambda o: reverse("ipr_import"), RIGHTS_HOLDERS_ONLY),
    "ipr_detail_of_b": (lambda o: reverse("ipr_detail", args=[o["draft_b"].pk]), HOLDER_B_ONLY),
    "ipr_edit_of_b": (lambda o: reverse("ipr_edit", args=[o["draft_b"].pk]), HOLDER_B_ONLY),
    "ipr_letter_of_agent": (lambda o: reverse("ipr_letter_pdf", args=[o["draft_agent"].pk]),
                            {"anonymous": LOGIN, "agent": OK, "holder_a": NOT_FOUND, "holder_b": NOT_FOUND, "*": FORBIDDEN}),
    "certificate_of_b": (lambda o: reverse("document", args=[o["draft_b"].certificate_id]),
                         {"anonymous": LOGIN, "holder_b": OK, "reviewer": OK, "admin": OK, "*": NOT_FOUND}),
    "review_ipr": (lambda o: reverse("review_ipr", args=[o["pending_b"].pk]),
                   {"anonymous": LOGIN, "reviewer": OK, "admin": OK, "*": FORBIDDEN}),
    "ipr_import_template": (lambda o: reverse("ipr_import_template"), RIGHTS_HOLDERS_ONLY),
    "ipr_import_job_of_b": (lambda o: reverse("ipr_import_job", args=[o["import_b"].pk]), HOLDER_B_ONLY),
    # An import job's id is not a complaint upload's: the other kind's page does not find it, even for its owner.
    "ipr_import_job_of_b_as_a_complaint_upload": (lambda o: reverse("complaint_import_job", args=[o["import_b"].pk]),
                                                  {**HOLDER_B_ONLY, "holder_b": NOT_FOUND}),
    "letter_of_agent": (lambda o: reverse("document", args=[o["letter_of_agent"].pk]),
                        {"anonymous": LOGIN, "agent": OK, "reviewer": OK, "admin": OK, "*": NOT_FOUND}),
    "work_sample_of_b": (lambda o: reverse("document", args=[o["work_sample_of_b"].pk]),
                         {"anonymous": LOGIN, "holder_b": OK, "reviewer": OK, "admin": OK, "*": NOT_FOUND}),
    "review_ipr_of_approved_b": (lambda o: reverse("review_ipr", args=[o["approved_b"].pk]),
                                 {"anonymous": LOGIN, "reviewer": OK, "admin": OK, "*": FORBIDDEN}),
    "dmca_notice": (lambda o: reverse("dmca_notice"), {"*": OK}),
    "dmca_sent": (lambda o: reverse("dmca_sent", args=[dmca.sent_token(o["dmca"])]), {"*": OK}),
    "review_dmca": (lambda o: reverse("review_dmca", args=[o["dmca"].pk]),
                    {"anonymous": LOGIN, "reviewer": OK, "admin": OK, "*": FORBIDDEN}),
}


# The account's own settings (allauth): no ids, each signed-in user sees only its own. Changing the sign-in
# (two-factor authentication) asks for the password again first; what an account without two factors does
# not have (its recovery codes, a TOTP to turn off) is not found.
SIGNED_IN, REAUTHENTICATE_FIRST = {"anonymous": LOGIN, "*": OK}, {"anonymous": LOGIN, "*": 302}
ACCOUNT_PAGES = {
    "account_email": SIGNED_IN,
    "account_change_password": SIGNED_IN,
    "account_set_password": REAUTHENTICATE_FIRST,  # a password is set already: sent to change it instead
    "account_reauthenticate": SIGNED_IN,
    "mfa_index": SIGNED_IN,
    "mfa_reauthenticate": REAUTHENTICATE_FIRST,  # without two factors: the password instead
    "mfa_activate_totp": REAUTHENTICATE_FIRST,
    "mfa_generate_recovery_codes": REAUTHENTICATE_FIRST,
    "mfa_deactivate_totp": {"anonymous": LOGIN, "*": NOT_FOUND},
    "mfa_view_recovery_codes": {"anonymous": LOGIN, "*": NOT_FOUND},
    "mfa_download_recovery_codes": {"anonymous": LOGIN, "*": NOT_FOUND},
}
PAGES.update({name: (lambda o, name=name: reverse(name), expected) for name, expected in ACCOUNT_PAGES.items()})


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_expected_answer_on_every_page(client, world, page, role):
    users, objects = world
    make_url, expected = PAGES[page]
    want = expected.get(role, expected.get("*"))
    response = client_for(client, users[role]).get(make_url(objects))
    assert outcome(response) == want, f"{role} on {page}: got {response.status_code}"


MOVED = 302
# Posts: name → (url factory, posted data, {role: expected}). What each changes (when it may) is tested below.
ACTIONS = {
    "ipr_submit_of_b": (lambda o: reverse("ipr_submit", args=[o["draft_b"].pk]), {}, {**HOLDER_B_ONLY, "holder_b": MOVED}),
    "ipr_edit_of_b": (lambda o: reverse("ipr_edit", args=[o["draft_b"].pk]), {"kind": "patent", "name": "Mine now"},
                      {**HOLDER_B_ONLY, "holder_b": 400}),  # B's own post lacks most fields: the form again
    # The agent posting nothing gets the letter form again with what is missing.
    "ipr_letter_upload_of_agent": (lambda o: reverse("ipr_letter_upload", args=[o["draft_agent"].pk]), {},
                                   {"anonymous": LOGIN, "agent": 400, "holder_a": NOT_FOUND, "holder_b": NOT_FOUND,
                                    "*": FORBIDDEN}),
    "review_ipr_withdraw_of_approved_b": (lambda o: reverse("review_ipr_withdraw", args=[o["approved_b"].pk]),
                                          {"note": "Declared invalid: court ruling 2026-01"},
                                          {"anonymous": LOGIN, "reviewer": MOVED, "admin": MOVED, "*": FORBIDDEN}),
    "review_identity_decision": (lambda o: reverse("review_identity", args=[o["identity_proof"].pk]),
                                 {"decision": "approve"},
                                 {"anonymous": LOGIN, "reviewer": MOVED, "admin": MOVED, "*": FORBIDDEN}),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_expected_answer_posting_every_action(client, world, action, role):
    users, objects = world
    make_url, data, expected = ACTIONS[action]
    want = expected.get(role, expected.get("*"))
    response = client_for(client, users[role]).post(make_url(objects), data)
    assert outcome(response) == want, f"{role} POST {action}: got {response.status_code}"


@pytest.mark.parametrize("role", ["anonymous", "holder_a", "holder_b", "agent", "seller"])
def test_only_reviewers_withdraw_a_rights_authentication(client, world, role):
    users, objects = world
    approved = objects["approved_b"]
    client_for(client, users[role]).post(reverse("review_ipr_withdraw", args=[approved.pk]), {"note": "Invalid."})
    assert IPR.objects.get(pk=approved.pk).status == IPR.Status.APPROVED


def test_a_reviewer_withdrawing_an_authentication_withdraws_it(client, world):
    """The control of the test above."""
    users, objects = world
    approved = objects["approved_b"]
    client_for(client, users["reviewer"]).post(reverse("review_ipr_withdraw", args=[approved.pk]), {"note": "Invalid."})
    assert IPR.objects.get(pk=approved.pk).status == IPR.Status.WITHDRAWN


@pytest.mark.parametrize("role", ["holder_b", "agent", "seller"])
def test_posting_a_decision_is_refused_to_non_reviewers_and_changes_nothing(client, world, role):
    users, objects = world
    proof = objects["identity_proof"]
    response = client_for(client, users[role]).post(reverse("review_identity", args=[proof.pk]), {"decision": "approve"})
    assert response.status_code == 403
    proof.refresh_from_db()
    assert proof.status == "pending"


@pytest.mark.parametrize("role", ["holder_a", "agent"])
def test_another_accounts_right_cannot_be_changed_or_submitted(client, world, role):
    users, objects = world
    draft = objects["draft_b"]
    client_for(client, users[role])
    assert client.post(reverse("ipr_submit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("ipr_edit", args=[draft.pk]), {"kind": "patent", "name": "Mine now"}).status_code == 404
    assert client.post(reverse("ipr_letter_upload", args=[draft.pk]), {}).status_code == 404
    draft.refresh_from_db()
    assert (draft.status, draft.name) == ("draft", "Folding chair")


@pytest.mark.parametrize("role", ["holder_b", "agent", "seller"])
def test_only_reviewers_decide_rights(client, world, role):
    users, objects = world
    pending = objects["pending_b"]
    response = client_for(client, users[role]).post(reverse("review_ipr", args=[pending.pk]), {"decision": "approve"})
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_a_document_id_that_does_not_exist_looks_the_same_as_one_you_may_not_see(client, world):
    users, _ = world
    import uuid

    response = client_for(client, users["holder_b"]).get(reverse("document", args=[uuid.uuid4()]))
    assert response.status_code == 404


def test_each_view_of_an_identity_document_is_logged_with_the_viewer(client, world):
    users, objects = world
    url = reverse("document", args=[objects["doc_a"].pk])
    client_for(client, users["reviewer"]).get(url)
    client.get(url)
    views = DocumentView.objects.filter(document=objects["doc_a"])
    assert views.count() == 2
    assert set(views.values_list("viewer__email", flat=True)) == {"rev@example.com"}


def test_documents_are_served_privately_and_never_cached(client, world):
    users, objects = world
    response = client_for(client, users["holder_a"]).get(reverse("document", args=[objects["doc_a"].pk]))
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "image/png"
    # The storage's only URL for a document is this permission-checked view.
    assert objects["doc_a"].file.url == reverse("document", args=[objects["doc_a"].pk])


def test_documents_may_be_framed_by_our_own_pages_only_and_pages_by_none(client, world):
    """Review screens show a document in a frame beside the data; no other site may frame either."""
    users, objects = world
    client_for(client, users["reviewer"])
    document = client.get(reverse("document", args=[objects["doc_a"].pk]))
    page = client.get(reverse("review_identity", args=[objects["identity_proof"].pk]))
    assert (document["X-Frame-Options"], page["X-Frame-Options"]) == ("SAMEORIGIN", "DENY")
    assert "frame-ancestors 'self'" in document["Content-Security-Policy"]


def test_health_reports_a_stale_background_as_503_only_when_asked(client, db):
    import datetime as dt

    from django.utils import timezone

    from ipp.models import Heartbeat

    assert client.get(reverse("health")).status_code == 200
    assert client.get(reverse("health") + "?strict=1").status_code == 503
    Heartbeat.objects.create(name="worker", beat_at=timezone.now() - dt.timedelta(seconds=5))
    response = client.get(reverse("health") + "?strict=1")
    assert response.status_code == 200 and response.json()["background"] == "ok"


def test_the_data_admin_links_documents_through_the_checked_view(client, world):
    users, objects = world
    client.force_login(users["admin"])
    page = client.get(reverse("admin:ipp_document_change", args=[objects["doc_a"].pk])).content.decode()
    assert reverse("document", args=[objects["doc_a"].pk]) in page


# --- The data admin (/admin/): every page of every model, for every role -----------------------------------

def example_path(route: str, values: dict[str, str]) -> str:
    """A URL path matching ``route`` (a path() route or a regex), its parameters filled from ``values``."""
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], route)
    return "/" + route.replace("^", "").replace("$", "")


def admin_urls() -> dict[str, str]:
    """Every page of the Django admin as a URL, found in the URL patterns (a new model's pages are in it at once).

    Keyed by the pattern's name, or by its route for those without one (old change-page addresses that
    redirect, and the catch-all that answers any other address under /admin/).
    """
    from django.contrib.admin import site
    from django.contrib.contenttypes.models import ContentType

    values = {"object_id": "1", "id": "1", "url": "no-such-page/",
              "content_type_id": str(ContentType.objects.get_for_model(User).pk),
              "app_label": next(iter(site._registry))._meta.app_label}
    urls = {}

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):  # each model's admin is a resolver of its own
                walk(pattern.url_patterns, route)
            else:
                urls[f"admin:{pattern.name or route}"] = example_path(route, values)

    [admin] = [p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "admin"]
    walk(admin.url_patterns, str(admin.pattern))
    return urls


def landing(client, url):
    """The answer to a GET of ``url``, following redirects that stay inside the data admin (not to its sign-in)."""
    for _hop in range(3):
        response = client.get(url)
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith("/admin/") or "/login/" in location:
            return response
        url = location
    return response


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_data_admin_is_for_admins_only(client, world, role):
    """Everyone but an admin ends at the admin's sign-in page, wherever under /admin/ it asks."""
    users, _objects = world
    client_for(client, users[role])
    urls = admin_urls()
    assert len(urls) > 100  # every registered model's list, add, change, delete and history pages
    wrong = {}
    for name, url in urls.items():
        got = outcome(landing(client, url))
        if name == "admin:login":
            want = OK  # the sign-in form itself (an admin is sent on to the index)
        elif role == "admin":
            # A sign-out is a POST; other pages answer, or say the object is missing (id 1) or only to be read.
            want = 405 if name == "admin:logout" else got if got in (OK, FORBIDDEN, NOT_FOUND) else "an answer"
        else:
            want = LOGIN
        if got != want:
            wrong[name] = (url, got, want)
    assert not wrong, f"{role}: (url, got, wanted) {wrong}"
