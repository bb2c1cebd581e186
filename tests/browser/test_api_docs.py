"""The API's Swagger UI renders under the portal's strict CSP, from our own static files."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.conftest import approve_ipr, make_ipr, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_list_the_operations_and_try_one_out_with_the_session(live_server, new_context):
    reviewer = make_user("reviewer@example.com", role="reviewer")
    holder = make_user("holder@example.com", name="Acme Ltd", category="entity", verified_by=reviewer)
    approve_ipr(make_ipr(holder), reviewer=reviewer)
    # Signed in as the portal's pages sign in (a session), without replaying the sign-in form.
    client = Client()
    client.force_login(holder)
    context = new_context()
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    outside = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:")) else None)

    page.goto(f"{live_server.url}/api/v1/docs/")

    expect(page.locator(".information-container .title")).to_contain_text("IPP Portal API")
    expect(page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/v1/complaints/$")).first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/complaints/{id}/withdraw/")).to_be_visible()

    # The UI's scripts run: "Try it out" calls the API with the signed-in session.
    iprs = page.locator("#operations-iprs-iprs_list")
    iprs.locator(".opblock-summary").click()
    iprs.get_by_role("button", name="Try it out").click()
    iprs.get_by_role("button", name="Execute").click()
    expect(iprs.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(iprs.locator(".live-responses-table .microlight").first).to_contain_text('"owner_name": "Acme Ltd"')
    page.locator("#operations-complaints-complaints_file .opblock-summary").click()
    shot(page, "api-docs")

    assert refused == [], refused
    assert outside == [], outside
