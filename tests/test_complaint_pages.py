"""Filing a complaint step by step in the browser's pages, and Manage Complaints."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, ComplaintItem

from .conftest import approve_ipr, make_ipr, make_listing, make_user, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def right(holder, reviewer):
    return approve_ipr(make_ipr(holder, name="ACME", number="30000001"), reviewer=reviewer)


def step(pk, name):
    return reverse("complaint_step", args=[pk, name])


def start_draft(client, platform="taobao"):
    response = client.post(reverse("complaint_new"), {"platform": platform, "action": "continue"})
    draft = Complaint.objects.latest("pk")
    assert response.url == step(draft.pk, "right")
    return draft


def file_one(user, right, *listings, platform="taobao"):
    return services.complaint_file(user=user, platform_code=platform, ipr_id=right.pk, reason="counterfeit",
                                   urls_text="\n".join(listing.url for listing in listings), statements=True)


def test_a_complaint_is_filed_step_by_step_and_every_step_is_kept_in_the_draft(client, holder, right):
    shoes = [make_listing(title=f"ACME runner {n}") for n in range(3)]
    client.force_login(holder)
    draft = start_draft(client)
    assert client.post(step(draft.pk, "right"), {"ipr": right.pk, "action": "continue"}).url == step(draft.pk, "reason")
    assert client.post(step(draft.pk, "reason"), {"reason": "counterfeit", "action": "continue"}).url == step(draft.pk, "listings")
    pasted = "\n".join(f"  {listing.url}#reviews  " for listing in shoes)
    assert client.post(step(draft.pk, "listings"), {"urls_text": pasted, "action": "continue"}).url == step(draft.pk, "evidence")
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("test-buy.png", png_bytes(), content_type="image/png")
    response = client.post(step(draft.pk, "evidence"), {"description": "Test purchase: fake logo stitching.",
                                                        "files": [photo], "action": "continue"})
    assert response.url == step(draft.pk, "statements")
    response = client.post(step(draft.pk, "statements"), {"good_faith_statement": "on", "accuracy_statement": "on",
                                                          "action": "continue"})
    assert response.url == step(draft.pk, "review")
    review = client.get(step(draft.pk, "review")).content.decode()
    assert "3 listings ready" in review and "ACME runner 1" in review

    response = client.post(step(draft.pk, "review"))
    assert response.url == reverse("complaint_detail", args=[draft.pk])
    draft.refresh_from_db()
    assert (draft.status, draft.source, draft.reason, draft.ipr_id) == ("open", "portal", "counterfeit", right.pk)
    assert sorted(draft.items.values_list("listing__title", "state")) == [(f"ACME runner {n}", "submitted") for n in range(3)]
    assert draft.evidence.get().document.original_name == "test-buy.png"
    page = client.get(reverse("complaint_detail", args=[draft.pk])).content.decode()
    assert f"Complaint {draft.reference} filed against 3 listings." in page


def test_a_bad_paste_reports_every_line_at_once_and_keeps_the_text(client, holder, right):
    good = make_listing()
    client.force_login(holder)
    draft = start_draft(client)
    pasted = "\n".join([good.url, "not a link", "https://detail.tmall.com/item.htm?id=5", "",
                        "https://s.taobao.com/search?q=shoes", good.url])
    response = client.post(step(draft.pk, "listings"), {"urls_text": pasted, "action": "continue"})
    assert response.status_code == 200  # stays on the step
    page = response.content.decode()
    for line, code in [(2, "invalid_url"), (3, "wrong_platform"), (5, "not_product_page"), (6, "duplicate")]:
        assert f'data-line="{line}" data-code="{code}"' in page
    assert "The same listing as line 1." in page
    draft.refresh_from_db()
    assert draft.urls_text == pasted  # nothing the filer typed is lost


def test_search_results_can_be_ticked_into_the_list(client, holder, right):
    wanted = make_listing(title="ACME trail shoe", shop_name="Cheap Kicks")
    other = make_listing(title="Plain sandal", shop_name="Cheap Kicks")
    make_listing("tmall", title="ACME trail shoe on Tmall")
    client.force_login(holder)
    draft = start_draft(client)
    results = client.get(reverse("complaint_listing_search", args=[draft.pk]), {"q": "acme trail"}).content.decode()
    assert "ACME trail shoe" in results and "Plain sandal" not in results and "on Tmall" not in results
    by_shop = client.get(reverse("complaint_listing_search", args=[draft.pk]), {"seller": "cheap"}).content.decode()
    assert "Plain sandal" in by_shop
    client.post(step(draft.pk, "listings"), {"urls_text": "", "listing": [wanted.pk, other.pk], "action": "add"})
    draft.refresh_from_db()
    assert draft.urls_text.splitlines() == [wanted.url, other.url]


def test_search_marks_listings_already_in_an_open_complaint(client, holder, right):
    reported = make_listing(title="ACME copy")
    file_one(holder, right, reported)
    client.force_login(holder)
    draft = start_draft(client)
    results = client.get(reverse("complaint_listing_search", args=[draft.pk]), {"q": "acme"}).content.decode()
    assert "already in one of your open complaints" in results
    assert f'value="{reported.pk}" id="pick-{reported.pk}" disabled' in results


def test_the_right_step_offers_only_rights_valid_on_the_platform_and_says_why_not_the_others(client, holder, reviewer, right):
    approve_ipr(make_ipr(holder, name="ACME USA", number="5987654", jurisdiction="US"), reviewer=reviewer)
    client.force_login(holder)
    draft = start_draft(client, "taobao")
    page = client.get(step(draft.pk, "right")).content.decode()
    assert f'value="{right.pk}"' in page
    assert "Taobao accepts only rights valid in China; this one is registered in United States of America." in page
    us_right = holder.iprs.get(number="5987654")
    response = client.post(step(draft.pk, "right"), {"ipr": us_right.pk, "action": "continue"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    on_aliexpress = start_draft(client, "aliexpress")
    assert f'value="{us_right.pk}"' in client.get(step(on_aliexpress.pk, "right")).content.decode()


def test_reasons_follow_the_kind_of_right(client, holder, reviewer):
    patent = approve_ipr(make_ipr(holder, kind="patent", name="Bottle", number="ZL1"), reviewer=reviewer)
    client.force_login(holder)
    draft = start_draft(client)
    client.post(step(draft.pk, "right"), {"ipr": patent.pk, "action": "continue"})
    page = client.get(step(draft.pk, "reason")).content.decode()
    assert 'value="patent_infringement"' in page and 'value="counterfeit"' not in page
    assert client.post(step(draft.pk, "reason"), {"reason": "counterfeit"}).status_code == 200  # refused on the page


def test_filing_is_refused_on_the_review_step_with_links_to_what_to_correct(client, holder, right):
    client.force_login(holder)
    draft = start_draft(client)
    response = client.post(step(draft.pk, "review"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose one of your approved IP rights." in page and step(draft.pk, "right") in page
    assert "Make both statements" in page
    assert Complaint.objects.get(pk=draft.pk).status == "draft"


def test_an_unverified_filer_is_told_why_it_cannot_file(client, newcomer):
    client.force_login(newcomer)
    response = client.get(reverse("complaint_new"))
    assert response.status_code == 403
    assert "Your identity is not verified yet" in response.content.decode()


def test_manage_complaints_filters_and_summarises_items(client, holder, reviewer, right):
    other_right = approve_ipr(make_ipr(holder, name="ACME Kids", number="30000002"), reviewer=reviewer)
    first = file_one(holder, right, make_listing(), make_listing())
    second = file_one(holder, other_right, make_listing("aliexpress"), platform="aliexpress")
    services.complaint_withdraw(user=holder, complaint=first, item_ids=[first.items.first().pk])
    client.force_login(holder)
    page = client.get(reverse("complaint_list")).content.decode()
    assert first.reference in page and second.reference in page
    assert 'data-state="withdrawn">Withdrawn · 1' in page and 'data-state="submitted">Submitted · 1' in page
    only_aliexpress = client.get(reverse("complaint_list"), {"platform": "aliexpress"}).content.decode()
    assert second.reference in only_aliexpress and first.reference not in only_aliexpress
    by_right = client.get(reverse("complaint_list"), {"ipr": right.pk}).content.decode()
    assert first.reference in by_right and second.reference not in by_right
    later = client.get(reverse("complaint_list"), {"filed_from": "2999-01-01"}).content.decode()
    assert "No complaint matches these filters." in later


def test_manage_complaints_runs_the_same_queries_for_one_complaint_or_many(client, holder, right):
    client.force_login(holder)
    file_one(holder, right, make_listing())
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("complaint_list"))
    for _n in range(6):
        file_one(holder, right, make_listing(), make_listing())
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("complaint_list")).status_code == 200
    assert len(many) == len(one)


def test_items_are_withdrawn_one_by_one_or_all_and_decided_ones_stay(client, holder, right):
    complaint = file_one(holder, right, make_listing(), make_listing(), make_listing())
    first, second, third = complaint.items.order_by("pk")
    ComplaintItem.objects.filter(pk=third.pk).update(state="taken_down")  # decided by the workflow
    client.force_login(holder)
    url = reverse("complaint_withdraw", args=[complaint.pk])
    client.post(url, {"scope": "items", "item": [first.pk], "note": "Settled with the seller"})
    assert dict(complaint.items.values_list("pk", "state")) == {first.pk: "withdrawn", second.pk: "submitted",
                                                                third.pk: "taken_down"}
    assert first.events.last().note == "Settled with the seller"
    page = client.get(reverse("complaint_detail", args=[complaint.pk])).content.decode()
    assert f'name="item" value="{second.pk}"' in page and f'name="item" value="{third.pk}"' not in page
    client.post(url, {"scope": "all"})
    assert complaint.items.get(pk=second.pk).state == "withdrawn"
    assert complaint.items.get(pk=third.pk).state == "taken_down"
    complaint.refresh_from_db()
    assert complaint.status == "closed"
    response = client.post(url, {"scope": "all"}, follow=True)
    assert "Nothing was withdrawn" in response.content.decode()


def test_another_account_cannot_see_or_change_a_complaint(client, holder, reviewer, right):
    complaint = file_one(holder, right, make_listing())
    stranger = make_user("stranger@example.com", name="Other Brand", verified_by=reviewer)
    client.force_login(stranger)
    assert client.get(reverse("complaint_detail", args=[complaint.pk])).status_code == 404
    assert client.post(reverse("complaint_withdraw", args=[complaint.pk]), {"scope": "all"}).status_code == 404
    assert client.get(step(complaint.pk, "review")).status_code == 404
    assert complaint.reference not in client.get(reverse("complaint_list")).content.decode()
    assert complaint.reference not in b"".join(client.get(reverse("complaint_export")).streaming_content).decode()
    assert complaint.items.get().state == "submitted"


def test_a_draft_of_another_account_is_not_reachable(client, holder, reviewer, right):
    client.force_login(holder)
    draft = start_draft(client)
    stranger = make_user("stranger@example.com", name="Other Brand", verified_by=reviewer)
    client.force_login(stranger)
    assert client.get(step(draft.pk, "listings")).status_code == 404
    assert client.get(reverse("complaint_listing_search", args=[draft.pk]), {"q": "x"}).status_code == 404
    assert client.post(reverse("complaint_delete", args=[draft.pk])).status_code == 404
    assert Complaint.objects.filter(pk=draft.pk).exists()


def test_the_export_has_one_row_per_listing_and_defuses_formulas(client, holder, right):
    sneaky = make_listing(title="=HYPERLINK(\"http://evil\")", shop_name="Odd Shop")
    complaint = file_one(holder, right, sneaky, make_listing(title="Plain"))
    client.force_login(holder)
    response = client.get(reverse("complaint_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Complaint", "Filed at", "Platform"]
    assert [row[0] for row in rows[1:]] == [complaint.reference] * 2
    assert {row[9] for row in rows[1:]} == {"'=HYPERLINK(\"http://evil\")", "Plain"}


def test_a_draft_can_be_deleted_but_a_filed_complaint_cannot(client, holder, right):
    client.force_login(holder)
    draft = start_draft(client)
    client.post(reverse("complaint_delete", args=[draft.pk]))
    assert not Complaint.objects.filter(pk=draft.pk).exists()
    filed = file_one(holder, right, make_listing())
    assert client.post(reverse("complaint_delete", args=[filed.pk])).status_code == 404


def test_other_roles_cannot_file(client, reviewer, seller):
    for user in (reviewer, seller):
        client.force_login(user)
        assert client.get(reverse("complaint_new")).status_code == 403
        assert client.get(reverse("complaint_list")).status_code == 403
    client.logout()
    assert client.get(reverse("complaint_list")).status_code == 302


def test_evidence_that_is_not_a_real_file_is_refused_with_its_name(client, holder, right):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(holder)
    draft = start_draft(client)
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = client.post(step(draft.pk, "evidence"), {"description": "x", "files": [fake], "action": "continue"})
    assert response.status_code == 200 and "photo.png:" in response.content.decode()
    assert not draft.evidence.exists()


def test_the_dashboard_counts_the_filers_complaints_by_status(client, holder, right):
    complaint = file_one(holder, right, make_listing())
    file_one(holder, right, make_listing())
    services.complaint_withdraw(user=holder, complaint=complaint)
    client.force_login(holder)
    start_draft(client)
    page = client.get(reverse("dashboard")).content.decode()
    counts = page[page.index('id="complaint-counts"'):]
    counts = "".join(counts[:counts.index("</dl>")].split())
    assert ">Draft</span></dt><dd>1<" in counts and ">Open</span></dt><dd>1<" in counts
    assert ">Withdrawn</span></dt><dd>1<" in counts


def test_filing_from_a_rights_page_takes_that_right_when_the_platform_accepts_it(client, holder, reviewer, right):
    us_right = approve_ipr(make_ipr(holder, name="ACME USA", number="5987654", jurisdiction="US"), reviewer=reviewer)
    client.force_login(holder)
    assert f"{reverse('complaint_new')}?ipr={right.pk}" in client.get(reverse("ipr_detail", args=[right.pk])).content.decode()
    response = client.post(f"{reverse('complaint_new')}?ipr={right.pk}", {"platform": "taobao"})
    draft = Complaint.objects.latest("pk")
    assert (response.url, draft.ipr_id) == (step(draft.pk, "reason"), right.pk)
    response = client.post(f"{reverse('complaint_new')}?ipr={us_right.pk}", {"platform": "taobao"})
    draft = Complaint.objects.latest("pk")
    assert (response.url, draft.ipr_id) == (step(draft.pk, "right"), None)  # not valid in China: chosen by hand


def test_platform_names_are_shown_in_the_users_language(client, holder, right):
    from django.conf import settings

    client.force_login(holder)
    draft = start_draft(client)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(step(draft.pk, "listings")).content.decode()
    assert "淘宝" in page and "Taobao" not in page.split("<main", 1)[-1]


def test_a_step_saved_from_a_stale_tab_cannot_undo_a_filing(client, holder, right):
    client.force_login(holder)
    listing = make_listing()
    draft = start_draft(client)
    stale = Complaint.objects.get(pk=draft.pk)  # what the first tab holds
    for name, value in [("ipr", right.pk), ("reason", "counterfeit"), ("urls_text", listing.url)]:
        services.complaint_draft_update(complaint=stale, **{name: right if name == "ipr" else value})
    services.complaint_draft_update(complaint=stale, good_faith_statement=True, accuracy_statement=True)
    services.complaint_draft_submit(user=holder, complaint=stale)  # filed in the second tab
    with pytest.raises(services.DraftFiled):
        services.complaint_draft_update(complaint=stale, urls_text="")
    response = client.post(step(draft.pk, "listings"), {"urls_text": "", "action": "continue"})
    assert response.url == reverse("complaint_detail", args=[draft.pk])
    with pytest.raises(services.DraftFiled):
        services.complaint_draft_delete(complaint=stale)
    draft.refresh_from_db()
    assert (draft.status, draft.urls_text, draft.items.count()) == ("open", listing.url, 1)


def test_back_and_save_leave_a_choice_step_without_choosing(client, holder, right):
    client.force_login(holder)
    draft = start_draft(client)
    assert client.post(step(draft.pk, "right"), {"action": "back"}).url == step(draft.pk, "platform")
    assert client.post(step(draft.pk, "right"), {"action": "save"}).url == reverse("complaint_list")
    assert client.post(step(draft.pk, "right"), {"action": "continue"}).status_code == 200  # a choice is needed


def test_continuing_with_an_empty_list_asks_for_addresses(client, holder, right):
    client.force_login(holder)
    draft = start_draft(client)
    response = client.post(step(draft.pk, "listings"), {"urls_text": "  \n ", "action": "continue"})
    assert response.status_code == 200
    assert "Paste at least one product address" in response.content.decode()


def test_listing_pictures_from_a_marketplace_or_unknown_files_never_break_a_page(client, holder, right, settings):
    remote = make_listing(title="Remote picture")
    missing = make_listing(title="Missing picture")
    type(remote).objects.filter(pk=remote.pk).update(image_urls=["https://img.example.com/a.jpg"])
    type(missing).objects.filter(pk=missing.pk).update(image_urls=["catalogue/no-such-file.svg"])
    complaint = file_one(holder, right, remote, missing)
    client.force_login(holder)
    response = client.get(reverse("complaint_detail", args=[complaint.pk]))
    assert response.status_code == 200 and 'src="https://img.example.com/a.jpg"' in response.content.decode()
    # In production the static files have a manifest, and a name missing from it raises: no picture then.
    from django.test import override_settings

    manifest = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": manifest}):
        missing.refresh_from_db()
        assert missing.picture_url is None
