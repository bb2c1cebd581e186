"""Reports (issue 6) in Chromium: an admin reads March 2025's transparency report, a rights holder its own figures.

The history is the one of tests/test_reports.py, built through the services; the pages must draw their
charts without anything the CSP refuses (no inline style, no inline script).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.browser.conftest import shot
from tests.conftest import PASSWORD, make_user
from tests.test_reports import build_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DASHBOARD = re.compile(r"/dashboard/$")


def field(page: Page, label: str):
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def sign_in(page: Page, base_url: str, email: str) -> None:
    """Each person signs in once, from its first device: no emailed code is asked."""
    page.goto(f"{base_url}/accounts/login/")
    field(page, "Email").fill(email)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(DASHBOARD)


def watch_csp(page: Page, refused: list[str]) -> Page:
    """Collect what the CSP refuses on the page (an inline style or script would be) into ``refused``."""
    page.on("console", lambda message: refused.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    return page


def test_an_admin_reads_the_report_and_a_holder_its_own_figures(live_server, new_context):
    base = live_server.url
    reviewer = make_user("reviewer@example.com", role=User.Role.REVIEWER)
    admin = make_user("admin@example.com", role=User.Role.ADMIN)
    seller = make_user("seller@example.com", role=User.Role.SELLER, name="Demo Shop")
    holder = make_user("holder@example.com", name="Acme Ltd", category=User.RegistrantCategory.ENTITY,
                       verified_by=reviewer)
    other = make_user("other@example.com", name="Other Brand Ltd", category=User.RegistrantCategory.ENTITY,
                      verified_by=reviewer)
    build_history(holder=holder, other=other, reviewer=reviewer, seller=seller)

    refused: list[str] = []
    page = watch_csp(new_context().new_page(), refused)
    sign_in(page, base, admin.email)
    page.goto(f"{base}/admin-area/reports/")
    field(page, "From").fill("2025-03-01")
    field(page, "Until").fill("2025-03-31")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"date_from=2025-03-01&date_until=2025-03-31"))
    expect(page.locator("#report-period")).to_contain_text("2025-03-01 to 2025-03-31")
    expect(page.locator("#complaints-filed")).to_have_text("4")
    expect(page.locator("#median-to-decision")).to_have_text("3.0 days")
    expect(page.locator("#sla-breaches")).to_have_text("3")
    expect(page.locator("#counter-notice-rate")).to_have_text("75.0 %")
    expect(page.locator("#time-to-decision tr[data-key=taobao]")).to_contain_text("7.6 days")  # 182.4 h
    # Taobao's bar spans the chart; the chart's rows say what they count.
    taobao_bar = page.locator("#chart-platforms .ipp-chart-bar").first
    track = page.locator("#chart-platforms .ipp-chart-track").first
    assert abs(taobao_bar.bounding_box()["width"] - track.bounding_box()["width"]) < 1
    expect(page.locator("#chart-outcomes")).to_contain_text("Taken down")
    shot(page, "admin-reports")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    assert download.value.suggested_filename == "ipp-report-2025-03-01-2025-03-31.csv"

    holder_page = watch_csp(new_context().new_page(), refused)
    sign_in(holder_page, base, holder.email)
    figures = holder_page.locator("#holder-figures")
    expect(figures.locator("tr[data-key=taobao]")).to_contain_text("33.3 %")
    expect(figures.locator("tr[data-key=taobao]")).to_contain_text("7.0 days")
    expect(figures.locator("tr[data-key=all]")).to_contain_text("28.6 %")
    figures.scroll_into_view_if_needed()
    shot(holder_page, "dashboard-holder-figures")
    assert refused == []
