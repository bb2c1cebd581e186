"""Complaints (issue 4), driven through Chromium against the live portal.

A verified rights holder files a complaint by pasting addresses: a bad paste shows every
line's problem at once and keeps the text, the corrected list is filed, and one listing is
withdrawn with a note. A second complaint is built from search results (by keyword, then by
shop), and Manage Complaints lists both with their item summaries and filters by platform.
"""

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from accounts.models import User
from complaints import services
from complaints.models import Complaint, ComplaintItem
from tests.browser.conftest import run_enqueued_tasks, shot
from tests.browser.test_ipr import field, messages, nav, sign_in  # the same pages' helpers
from tests.conftest import approve_ipr, make_ipr, make_listing, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOLDER_EMAIL = "ip@northwind.example"
HOLDER_NAME = "Northwind Outdoor Co., Ltd."
CN_MARK = "58123456"
US_MARK = "6012345"
US_REFUSAL = "Taobao accepts only rights valid in China; this one is registered in United States of America."


# --- Pages ----------------------------------------------------------------------------------

def expect_step(page: Page, name: str) -> None:
    expect(page.locator("#stepper [aria-current=step]")).to_contain_text(name)


def next_step(page: Page, name: str) -> None:
    page.locator("#continue").click()
    expect_step(page, name)


def choose_platform(page: Page, name: str) -> None:
    """On step 1, the platform card whose name is exactly ``name`` ("Tmall" is not "Tmall HK")."""
    page.get_by_role("radio", name=re.compile(rf"^{re.escape(name)} (Rights|Accepts)")).check()


def search(page: Page, *, q: str = "", seller: str = "", enter: bool = False) -> None:
    """Search the platform's listings, with the Search button or (``enter``) the Enter key in the keyword box."""
    page.locator("#search-q").fill(q)
    page.locator("#search-seller").fill(seller)
    with page.expect_response(re.compile(r"/listings/search/\?")) as response:
        if enter:
            page.locator("#search-q").press("Enter")
        else:
            page.locator("#search-button").click()
    assert parse_qs(urlsplit(response.value.url).query, keep_blank_values=True) == {"q": [q], "seller": [seller]}


def result_titles(page: Page):
    return page.locator("#search-table tbody tr label > span")


def item_row(page: Page, title: str):
    return page.locator("#items tbody tr", has_text=title)


def complaint_row(page: Page, complaint: Complaint):
    return page.locator(f"#complaints tbody tr[data-complaint='{complaint.pk}']")


def accept_confirm(page: Page) -> list[str]:
    """Accept the next ``window.confirm``; the list receives its question."""
    asked: list[str] = []

    def accept(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    return asked


def purchase_photo_png() -> bytes:
    """A 480×320 PNG of a test purchase: the fake label beside the genuine one."""
    image = Image.new("RGB", (480, 320), "#f4f1ea")
    draw = ImageDraw.Draw(image)
    draw.text((20, 16), "Test purchase 2026-03-02, order 3391-2207", fill="#222222", font_size=18)
    for x, label, colour in ((30, "GENUINE", "#1f3a5f"), (260, "FAKE", "#8b1a1a")):
        draw.rectangle([x, 60, x + 190, 280], outline=colour, width=4)
        draw.text((x + 20, 150), "NORTHWlND" if label == "FAKE" else "NORTHWIND", fill=colour, font_size=24)
        draw.text((x + 20, 250), label, fill=colour, font_size=16)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- Data -----------------------------------------------------------------------------------

def northwind_holder():
    """A verified owner with an approved CN trademark (usable on Taobao and Tmall) and an approved US one."""
    reviewer = make_user("reviewer@example.com", role=User.Role.REVIEWER, name="Rita Reviewer")
    holder = make_user(HOLDER_EMAIL, name=HOLDER_NAME, category=User.RegistrantCategory.ENTITY, verified_by=reviewer)
    cn = approve_ipr(make_ipr(holder, name="NORTHWIND", number=CN_MARK, owner_name=HOLDER_NAME), reviewer=reviewer)
    us = approve_ipr(make_ipr(holder, name="NORTHWIND USA", number=US_MARK, jurisdiction="US",
                              owner_name=HOLDER_NAME), reviewer=reviewer)
    run_enqueued_tasks()  # the set-up's mails
    return holder, cn, us


# --- Journeys -------------------------------------------------------------------------------

def test_a_holder_pastes_a_bad_list_corrects_it_files_and_withdraws_one_listing(live_server, page, tmp_path):
    base = live_server.url
    holder, _cn_right, _us_right = northwind_holder()
    jacket = make_listing(title="NORTHWIND Alpine 3-in-1 waterproof jacket, men's", shop_name="Summit Deals",
                          category="Outdoor clothing")
    boots = make_listing(title="NORTHWIND Ridge hiking boots, leather", shop_name="Summit Deals", category="Footwear")
    cap = make_listing(title="Northwind logo baseball cap", shop_name="Trendy Caps 88", category="Headwear")

    sign_in(page, base, HOLDER_EMAIL)
    nav(page).get_by_role("link", name="Manage Complaints").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage Complaints")
    expect(page.locator("#complaints tbody")).to_contain_text("No complaints filed yet")
    page.locator("#new-complaint").click()

    # 1 Platform.
    expect_step(page, "Platform")
    choose_platform(page, "Taobao")
    next_step(page, "IP right")
    draft = Complaint.objects.get(complainant=holder)
    assert (draft.status, draft.platform_id) == ("draft", "taobao")

    # 2 IP right: the CN mark can be chosen; the US one is listed apart, with why not.
    expect(page.locator("#usable-rights label")).to_have_count(1)
    expect(page.locator("#usable-rights")).to_contain_text(f"NORTHWIND Trademark · CN {CN_MARK}")
    unusable = page.locator("#unusable-rights")
    unusable.locator("summary").click()
    expect(unusable.locator("li")).to_have_text(f"NORTHWIND USA (Trademark, US {US_MARK}): {US_REFUSAL}")
    page.get_by_role("radio", name=re.compile(r"^NORTHWIND Trademark")).check()
    next_step(page, "Reason")

    # 3 Reason: a trademark's reasons only.
    expect(page.locator("#reasons label")).to_have_count(2)
    page.get_by_role("radio", name=re.compile(r"^Counterfeit")).check()
    next_step(page, "Listings")

    # 4 Listings: a paste with a mistake on nearly every line; all are reported at once.
    bad_paste = "\n".join([
        jacket.url,
        "not a url",
        "https://detail.tmall.com/item.htm?id=612345678901",
        "https://s.taobao.com/search?q=northwind+jacket",
        "https://aliexpress.ru/item/1005004123456789.html",
        f"https://item.taobao.com/item.htm?id={boots.listing_id}&标题=登山鞋",
        jacket.url,
    ])
    box = page.locator("#id_urls_text")
    box.fill(bad_paste)
    expect(page.locator("#line-count")).to_have_text("7 / 200")
    page.locator("#continue").click()
    problems = page.locator("#url-problems")
    expect(problems).to_contain_text("6 lines need correcting:")
    rows = problems.locator("tbody tr")
    expect(rows).to_have_count(6)
    expected = [(2, "invalid_url", "words besides a web address"),
                (3, "wrong_platform", "This is a Tmall address; this complaint is for Taobao."),
                (4, "not_product_page", "is not a product page"),
                (5, "separate_platform", "AliExpress Russia is run by a separate company"),
                (6, "non_english", "non-English words or characters"),
                (7, "duplicate", "The same listing as line 1.")]
    for row, (line, code, message) in enumerate(expected):
        expect(rows.nth(row)).to_have_attribute("data-line", str(line))
        expect(rows.nth(row)).to_have_attribute("data-code", code)
        expect(rows.nth(row).locator("td").first).to_have_text(str(line))
        expect(rows.nth(row)).to_contain_text(message)
    expect_step(page, "Listings")  # still on the step …
    expect(box).to_have_value(bad_paste)  # … with the text as pasted
    draft.refresh_from_db()
    # Saved in the draft as typed (the browser sends CRLF line ends), and nothing filed.
    assert (draft.status, draft.urls_text.splitlines()) == ("draft", bad_paste.splitlines())
    assert not ComplaintItem.objects.filter(complaint=draft).exists()
    shot(page, "complaint-listings-errors")

    # Corrected: the three listings, one per line.
    box.fill("\n".join([jacket.url, boots.url, cap.url]))
    next_step(page, "Evidence")

    # 5 Evidence: a test-purchase photo and what it shows.
    photo = tmp_path / "test-purchase.png"
    photo.write_bytes(purchase_photo_png())
    field(page, "Describe the evidence").fill(
        "Test purchase of the jacket on 2 March: the label reads NORTHWlND (a lower-case L) and the stitching "
        "differs from the genuine product.")
    field(page, "Evidence files (PDF, JPEG or PNG)").set_input_files(photo)
    next_step(page, "Statements")

    # 6 Statements.
    page.get_by_label(re.compile(r"^I have a good-faith belief")).check()
    page.get_by_label(re.compile(r"^The information in this complaint is accurate")).check()
    next_step(page, "Review and file")

    # 7 Review, then file.
    expect(page.locator("#filing-problems")).to_have_count(0)
    expect(page.locator("#missing-steps")).to_have_count(0)
    listings = page.locator("#review-listings")
    expect(listings).to_contain_text("3 listings ready")
    for listing in (jacket, boots, cap):
        expect(listings).to_contain_text(f"{listing.title} · {listing.shop.name}")
    expect(page.locator("dl.ipp-facts")).to_contain_text(f"NORTHWIND (Trademark, CN {CN_MARK})")
    expect(page.locator("dl.ipp-facts")).to_contain_text("test-purchase.png")
    expect(page.locator("dl.ipp-facts")).to_contain_text("Good faith and accuracy: made")
    shot(page, "complaint-review")
    page.locator("#file-complaint").click()

    expect(page).to_have_url(re.compile(rf"/complaints/{draft.pk}/$"))
    expect(messages(page)).to_contain_text(f"Complaint {draft.reference} filed against 3 listings.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Complaint {draft.reference} on Taobao")
    items = page.locator("#items tbody tr")
    expect(items).to_have_count(3)
    for listing in (jacket, boots, cap):
        expect(item_row(page, listing.title).locator("[data-state]")).to_have_text("Submitted")
    expect(page.locator("#summary")).to_have_text("Submitted · 3")
    draft.refresh_from_db()
    assert (draft.status, draft.source) == ("open", "portal")
    assert sorted(draft.items.values_list("listing_id", "state")) == sorted(
        (listing.pk, "submitted") for listing in (jacket, boots, cap))

    # Withdraw the cap only: it is not a NORTHWIND product after all.
    note = "Settled with the seller: the cap is a licensed product"
    item_row(page, cap.title).get_by_role("checkbox").check()
    page.locator("#withdraw-note").fill(note)
    asked = accept_confirm(page)
    page.locator("#withdraw-items").click()
    expect(messages(page)).to_contain_text(f"1 listing withdrawn from {draft.reference}.")
    assert asked == ["Withdraw the ticked listings from this complaint?"]
    expect(item_row(page, cap.title).locator("[data-state]")).to_have_text("Withdrawn")
    expect(item_row(page, cap.title).get_by_role("checkbox")).to_have_count(0)  # nothing more to withdraw
    for listing in (jacket, boots):
        expect(item_row(page, listing.title).locator("[data-state]")).to_have_text("Submitted")
    expect(page.locator("#summary")).to_contain_text("Submitted · 2")
    expect(page.locator("#summary")).to_contain_text("Withdrawn · 1")
    moved = page.locator("#history li", has_text="Submitted → Withdrawn")
    expect(moved).to_have_count(1)
    expect(moved).to_contain_text(f"{cap.listing_id}:")
    expect(moved).to_contain_text(f"“{note}”")
    expect(moved).to_contain_text("you")
    expect(page.locator("#history li")).to_have_count(4)  # three filed, one withdrawn
    assert dict(draft.items.values_list("listing_id", "state")) == {
        jacket.pk: "submitted", boots.pk: "submitted", cap.pk: "withdrawn"}
    draft.refresh_from_db()
    assert draft.status == "open"  # two listings are still being handled
    shot(page, "complaint-detail")


def test_a_holder_files_from_search_results_and_finds_both_complaints_in_manage_complaints(live_server, page):
    base = live_server.url
    holder, cn_right, _us_right = northwind_holder()
    earlier = services.complaint_file(
        user=holder, platform_code="taobao", ipr_id=cn_right.pk, reason="counterfeit", statements=True,
        urls_text="\n".join(make_listing(title=title, shop_name="Summit Deals").url for title in (
            "NORTHWIND Alpine jacket, women's", "NORTHWIND fleece gloves")))
    jacket = make_listing("tmall", title="NORTHWIND Alpine 3-in-1 waterproof jacket", shop_name="Outdoor Outlet Store",
                          category="Outdoor clothing")
    backpack = make_listing("tmall", title="Trekking backpack 40L, NW logo", shop_name="Peak Bargains Flagship",
                            category="Bags")
    poncho = make_listing("tmall", title="Plain rain poncho", shop_name="Peak Bargains Flagship", category="Outdoor")
    socks = make_listing("tmall", title="NORTHWIND merino hiking socks", shop_name="Sock Corner", category="Socks")
    make_listing("tmall", title="NORTHWIND summit tent (removed)", shop_name="Outdoor Outlet Store", status="removed")
    make_listing("taobao", title="NORTHWIND trail shoes on Taobao", shop_name="Outdoor Outlet Store")

    sign_in(page, base, HOLDER_EMAIL)
    nav(page).get_by_role("link", name="Manage Complaints").click()
    page.locator("#new-complaint").click()
    choose_platform(page, "Tmall")
    next_step(page, "IP right")
    page.get_by_role("radio", name=re.compile(r"^NORTHWIND Trademark")).check()
    next_step(page, "Reason")
    page.get_by_role("radio", name=re.compile(r"^Unauthorised use of the trademark")).check()
    next_step(page, "Listings")

    # By keyword: Tmall's active listings with the word, not Taobao's nor removed ones.
    panel = page.locator("#listing-search")
    expect(panel).to_have_attribute("open", "")  # nothing pasted yet: the search is the way in
    search(page, q="northwind", enter=True)  # Enter searches: it does not submit the step's form
    expect_step(page, "Listings")
    expect(result_titles(page)).to_have_count(2)
    expect(result_titles(page).nth(0)).to_contain_text(jacket.title)
    expect(result_titles(page).nth(1)).to_contain_text(socks.title)
    search(page, q="northwind jacket")  # every word must match
    expect(result_titles(page)).to_have_count(1)
    expect(result_titles(page).first).to_contain_text(jacket.title)
    page.get_by_role("checkbox", name=jacket.title).check()
    page.locator("#add-ticked").click()
    expect(messages(page)).to_contain_text("1 listing added to the list.")
    expect(page.locator("#id_urls_text")).to_have_value(jacket.url)

    # By shop name: the search stays open after adding (the filer searches again); two listings of one shop.
    expect(panel).to_have_attribute("open", "")
    search(page, seller="peak bargains")
    expect(result_titles(page)).to_have_count(2)
    expect(page.locator("#search-table tbody")).to_contain_text(backpack.title)
    expect(page.locator("#search-table tbody")).to_contain_text(poncho.title)
    expect(page.locator("#search-table tbody")).to_contain_text("Peak Bargains Flagship")
    page.get_by_role("checkbox", name=backpack.title).check()
    shot(page, "complaint-search")
    page.locator("#add-ticked").click()
    expect(messages(page)).to_contain_text("1 listing added to the list.")
    expect(page.locator("#id_urls_text")).to_have_value(f"{jacket.url}\n{backpack.url}")
    expect(page.locator("#line-count")).to_have_text("2 / 200")
    draft = Complaint.objects.get(complainant=holder, status="draft")
    assert draft.urls_text.splitlines() == [jacket.url, backpack.url]
    next_step(page, "Evidence")
    field(page, "Describe the evidence").fill("The backpack's logo copies the NORTHWIND mark; the jacket is a fake.")
    next_step(page, "Statements")
    page.get_by_label(re.compile(r"^I have a good-faith belief")).check()
    page.get_by_label(re.compile(r"^The information in this complaint is accurate")).check()
    next_step(page, "Review and file")
    expect(page.locator("#review-listings")).to_contain_text("2 listings ready")
    page.locator("#file-complaint").click()
    expect(messages(page)).to_contain_text(f"Complaint {draft.reference} filed against 2 listings.")
    expect(page.locator("#items tbody tr")).to_have_count(2)
    expect(page.locator("#summary")).to_have_text("Submitted · 2")

    # Manage Complaints: both, newest first, each with its right, reason and item summary.
    nav(page).get_by_role("link", name="Manage Complaints").click()
    expect(page.locator("#drafts")).to_have_count(0)  # the draft became the complaint
    expect(page.locator("#complaints tbody tr")).to_have_count(2)
    expect(page.locator("#complaints tbody tr").first).to_have_attribute("data-complaint", str(draft.pk))
    tmall_row, taobao_row = complaint_row(page, draft), complaint_row(page, earlier)
    expect(tmall_row).to_contain_text(draft.reference)
    expect(tmall_row).to_contain_text("Tmall")
    expect(tmall_row).to_contain_text(f"NORTHWIND (CN {CN_MARK})")
    expect(tmall_row).to_contain_text("Unauthorised use of the trademark")
    expect(tmall_row.locator(".ipp-item-states")).to_have_text("Submitted · 2")
    expect(taobao_row).to_contain_text("Taobao")
    expect(taobao_row).to_contain_text("Counterfeit")
    expect(taobao_row.locator(".ipp-item-states")).to_have_text("Submitted · 2")
    expect(page.locator("#export-csv").locator("..")).to_contain_text("2 complaints")
    shot(page, "manage-complaints")

    # Filtered by platform.
    field(page, "Platform").select_option(label="Tmall")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]platform=tmall(&|$)"))
    expect(page.locator("#complaints tbody tr")).to_have_count(1)
    expect(complaint_row(page, draft)).to_be_visible()
    field(page, "Platform").select_option(label="Taobao")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#complaints tbody tr")).to_have_count(1)
    expect(complaint_row(page, earlier)).to_be_visible()
