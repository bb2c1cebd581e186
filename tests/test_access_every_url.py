"""Every URL of the portal has an access test, or is public by design: a new URL without one fails here.

``COVERAGE`` is the reviewed table: for each URL pattern of the project (the pages, the API, allauth's,
the data admin's), the access matrix whose rows try it with every role, or why it is public. The tests
below check the table both ways: every pattern the project serves is in it, and every matrix named
really has a row that opens that pattern (its URL factories are run with stand-in objects and the URL
names they produce are collected), so the table cannot claim a test that does not exist.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import URLResolver, get_resolver, resolve, reverse

from . import test_access, test_access_complaints
from .test_access import LOGIN, OK, outcome

PAGES = "test_access.PAGES"  # pages, documents, IP rights and the account's settings: every role
ACTIONS = "test_access.ACTIONS"  # posts on IP rights and reviews: every role
COMPLAINT_PAGES = "test_access_complaints.PAGES"  # complaints, notices, reviews, notifications, admin area: every role
API = "test_access_complaints.API"  # every API operation with every role's token
DATA_ADMIN = "test_access.test_every_page_of_the_data_admin_is_for_admins_only"  # every /admin/ pattern, every role
PUBLIC = "public"

MATRICES = {
    PAGES: (test_access, test_access.PAGES),
    ACTIONS: (test_access, test_access.ACTIONS),
    COMPLAINT_PAGES: (test_access_complaints, test_access_complaints.PAGES),
    API: (test_access_complaints, test_access_complaints.API),
}

# Public by design: pages for someone signed out (signing in or up, resetting a password) that show no
# account's data. Each with what someone signed out gets, which the last test below checks.
PUBLIC_PAGES = {
    "account_login": OK,
    "account_signup": OK,
    "account_logout": 302,  # signed out already: sent home
    "account_inactive": OK,  # says an account is inactive
    "account_reset_password": OK,
    "account_reset_password_done": OK,
    "account_reset_password_from_key": OK,  # a wrong key: says the link is not valid
    "account_reset_password_from_key_done": OK,
    "account_request_login_code": OK,
    # Steps of a sign-in or sign-up under way: without one, back to signing in.
    "account_confirm_login_code": LOGIN,
    "account_email_verification_sent": LOGIN,
    "mfa_authenticate": LOGIN,
    "set_language": 302,  # sets the language cookie and goes back
}

COVERAGE = {
    # ipp/urls.py
    "home": PAGES, "agreement": PAGES, "health": PAGES, "document": PAGES,
    "notifications": COMPLAINT_PAGES, "notifications_read": COMPLAINT_PAGES,
    # accounts/urls.py
    "dashboard": PAGES, "identity": PAGES, "sole_account": PAGES, "review_queue": PAGES, "review_identity": PAGES,
    "review_sole_account": PAGES,
    # ipr/urls.py
    "ipr_list": PAGES, "ipr_new": PAGES, "ipr_detail": PAGES, "ipr_edit": PAGES, "ipr_submit": ACTIONS,
    "ipr_letter_pdf": PAGES, "ipr_letter_upload": ACTIONS, "review_ipr": PAGES, "review_ipr_withdraw": ACTIONS,
    "ipr_import": PAGES, "ipr_import_template": PAGES, "ipr_import_job": PAGES,
    # complaints/urls.py
    "complaint_list": COMPLAINT_PAGES, "complaint_export": COMPLAINT_PAGES, "complaint_new": COMPLAINT_PAGES,
    "complaint_detail": COMPLAINT_PAGES, "complaint_withdraw": COMPLAINT_PAGES, "complaint_step": COMPLAINT_PAGES,
    "complaint_listing_search": COMPLAINT_PAGES, "complaint_delete": COMPLAINT_PAGES,
    "counter_notice_accept": COMPLAINT_PAGES, "complaint_maintain": COMPLAINT_PAGES,
    "seller_notices": COMPLAINT_PAGES, "seller_notice": COMPLAINT_PAGES,
    "complaint_import": COMPLAINT_PAGES, "complaint_import_template": COMPLAINT_PAGES,
    "complaint_import_job": COMPLAINT_PAGES,
    "dmca_notice": PAGES, "dmca_sent": PAGES, "review_dmca": PAGES,  # the DMCA form is public: in the matrix as such
    "review_items": COMPLAINT_PAGES, "review_item": COMPLAINT_PAGES, "review_item_claim": COMPLAINT_PAGES,
    "review_item_spot_check": COMPLAINT_PAGES,
    "admin_sellers": COMPLAINT_PAGES, "admin_seller_ledger": COMPLAINT_PAGES, "admin_platforms": COMPLAINT_PAGES,
    "admin_platform_edit": COMPLAINT_PAGES, "admin_good_faith": COMPLAINT_PAGES,
    "admin_good_faith_complainant": COMPLAINT_PAGES, "admin_reports": COMPLAINT_PAGES,
    "admin_reports_export": COMPLAINT_PAGES,
    # ipp/api_urls.py (the schema and its docs page are public by design: in the matrix as such)
    "api-token": API, "api-ipr-list": API, "api-ipr-detail": API, "api-listing-list": API, "api-complaint-list": API,
    "api-complaint-detail": API, "api-complaint-withdraw": API, "api-complaint-item-accept-counter-notice": API,
    "api-complaint-item-maintain": API, "api-notice-list": API, "api-notice-detail": API,
    "api-notice-counter-notice": API, "api-review-queue": API, "api-review-item-decide": API,
    "api-review-claims": API, "api-review-claims-release": API, "api-schema": API, "api-docs": API,
    # allauth: the account's own settings are in the matrix; the pages for someone signed out are public.
    **dict.fromkeys(test_access.ACCOUNT_PAGES, PAGES),
    **dict.fromkeys(PUBLIC_PAGES, PUBLIC),
    # The data admin: every pattern of its namespace, found by the test itself.
    "admin:*": DATA_ADMIN,
}


def url_patterns() -> dict[str, str]:
    """Every URL pattern of the project: its name (with namespace; the data admin's as ``admin:*``) → its route."""
    found = {}

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, ":".join(filter(None, [namespace, pattern.namespace])))
            elif namespace == "admin":
                found["admin:*"] = "admin/…"
            else:
                assert pattern.name, f"the pattern {route!r} has no name: name it, and give it an access test"
                found[f"{namespace}:{pattern.name}" if namespace else pattern.name] = route

    walk(get_resolver().url_patterns, "", "")
    return found


class Stand:
    """Stands for any object a matrix's URL factory reads: each attribute or item is another stand-in, each id 1."""

    pk = 1

    def __getattr__(self, name):
        return 1 if name.endswith("_id") else Stand()

    def __getitem__(self, key):
        return Stand()


def names_opened_by(matrix: str, monkeypatch) -> set[str]:
    """The URL names the rows of ``matrix`` open: their URL factories run with stand-ins, ``reverse`` recorded."""
    module, rows = MATRICES[matrix]
    reversed_names = []

    def recording_reverse(viewname, args=None, kwargs=None, **_options):
        reversed_names.append(viewname)
        return f"/__reversed__/{len(reversed_names) - 1}/"

    monkeypatch.setattr(module, "reverse", recording_reverse)
    names = set()
    for row in rows.values():
        make_url = next(part for part in row if callable(part))  # the first callable of a row is its URL factory
        path = urlsplit(make_url(Stand())).path
        if path.startswith("/__reversed__/"):
            names.add(reversed_names[int(path.split("/")[2])])
        else:
            names.add(resolve(path).view_name)
    return names


def test_every_url_pattern_has_an_access_test_or_is_public_by_design():
    missing = sorted(set(url_patterns()) - set(COVERAGE))
    assert not missing, f"URL patterns without an access test (add rows to a matrix, then to COVERAGE): {missing}"


def test_the_table_names_no_pattern_the_project_no_longer_has():
    assert not sorted(set(COVERAGE) - set(url_patterns()))


@pytest.mark.parametrize("matrix", list(MATRICES))
def test_each_matrix_has_rows_for_every_pattern_the_table_gives_it(matrix, monkeypatch):
    claimed = {name for name, where in COVERAGE.items() if where == matrix}
    opened = names_opened_by(matrix, monkeypatch)
    assert claimed <= opened, f"{matrix} has no row for {sorted(claimed - opened)}"
    # And the other way round: what a matrix tries is claimed for it (or by another matrix too).
    assert opened - {"admin:index"} <= set(COVERAGE), sorted(opened - set(COVERAGE))


@pytest.mark.django_db
def test_the_data_admin_test_tries_every_pattern_of_the_admin():
    from django.contrib import admin

    def named(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from named(pattern.url_patterns)
            elif pattern.name:
                yield f"admin:{pattern.name}"

    tried = set(test_access.admin_urls())
    patterns = set(named(admin.site.get_urls()))
    assert len(patterns) > 100 and patterns <= tried, sorted(patterns - tried)
    assert len(tried) > len(patterns)  # the unnamed ones too: old change-page addresses and the catch-all


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(PUBLIC_PAGES))
def test_each_public_page_answers_someone_signed_out_as_the_table_says(client, name):
    url = reverse(name, kwargs={"uidb36": "1", "key": "not-a-key"} if name == "account_reset_password_from_key" else None)
    assert outcome(client.get(url)) == PUBLIC_PAGES[name]
