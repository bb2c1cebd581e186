"""DMCA notices without an account: the public form, its six elements, and the reviewers' identity check."""

import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from complaints import dmca
from complaints.models import Complaint, ComplaintItem, ComplaintItemEvent, DmcaNotice

from .conftest import LISTING_URLS, make_listing, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def listings():
    return [make_listing("taobao", title="Pirated artbook", shop_name="Copy Shop"),
            make_listing("taobao", title="Poster set", shop_name="Copy Shop")]


def form_data(listings, **overrides):
    data = {
        "full_name": "Ada Lovelace", "company": "Analytical Arts Ltd", "email": "ada@example.org",
        "phone": "+44 20 7946 0000", "address": "12 Engine Street\nLondon", "platform": "taobao",
        "work_description": "The illustrated book 'Engines of Thought' (2021), pages 10-40.",
        "reason": "pirated", "urls": "\n".join(listing.url for listing in listings),
        "good_faith": "on", "accuracy": "on", "signature": "  ada   LOVELACE ",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def file_notice(listings, **overrides) -> DmcaNotice:
    """A notice filed through the service, as the form would file it."""
    values = {
        "platform_code": "taobao", "reason": "pirated", "urls_text": "\n".join(listing.url for listing in listings),
        "full_name": "Ada Lovelace", "email": "ada@example.org", "phone": "+44 20 7946 0000",
        "address": "12 Engine Street, London", "work_description": "Engines of Thought (2021)",
        "signature": "Ada Lovelace", "good_faith": True, "accuracy": True, "statements_text": "Both statements.",
        **overrides,
    }
    return dmca.dmca_notice_file(**values)


def nothing_saved() -> bool:
    return not (Complaint.objects.exists() or DmcaNotice.objects.exists() or ComplaintItem.objects.exists())


# --- Filing ------------------------------------------------------------------------------------

def test_an_anonymous_notice_files_a_dmca_complaint_with_an_item_per_listing_and_acknowledges_it(client, listings, run_tasks):
    with run_tasks():
        response = client.post(reverse("dmca_notice"), form_data(listings), REMOTE_ADDR="203.0.113.5",
                               HTTP_USER_AGENT="Firefox/140")
    notice = DmcaNotice.objects.select_related("complaint").get()
    complaint = notice.complaint
    assert response.status_code == 302 and response["Location"] == reverse("dmca_sent", args=[dmca.sent_token(notice)])
    assert (complaint.source, complaint.complainant, complaint.ipr, complaint.status) == ("dmca", None, None, "open")
    assert complaint.submitted_at is not None and complaint.reason == "pirated" and complaint.platform_id == "taobao"
    assert (notice.status, notice.full_name, notice.signature, notice.company) == (
        "pending", "Ada Lovelace", "ada   LOVELACE", "Analytical Arts Ltd")
    assert (notice.submitted_ip, notice.user_agent, notice.language) == ("203.0.113.5", "Firefox/140", "en")
    assert str(dmca.GOOD_FAITH_STATEMENT) in notice.statements_text
    assert "under penalty of perjury" in notice.statements_text
    items = list(complaint.items.order_by("pk"))
    assert [(item.listing_id, item.state) for item in items] == [(listing.pk, "submitted") for listing in listings]
    events = ComplaintItemEvent.objects.filter(item__in=items)
    assert [(event.from_state, event.to_state, event.reason, event.actor) for event in events] == [
        ("", "submitted", "filed", None)] * 2
    [ack] = mail.outbox
    assert ack.to == ["ada@example.org"]
    assert complaint.reference in ack.subject and complaint.reference in ack.body
    assert "2 listings on Taobao" in ack.body


@pytest.mark.parametrize("field, message", [
    ("full_name", "Give your full legal name"),
    ("email", "Give an email address"),
    ("phone", "Give a telephone number"),
    ("address", "Give your postal address"),
    ("work_description", "Identify the copyrighted work"),
    ("urls", "Give the address of at least one infringing listing"),
    ("good_faith", "must include the good-faith statement"),
    ("accuracy", "statement of accuracy under penalty of perjury"),
    ("signature", "Sign the notice"),
])
def test_a_notice_missing_an_element_says_which_on_that_field_and_saves_nothing(client, listings, field, message):
    response = client.post(reverse("dmca_notice"), form_data(listings, **{field: None}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in errors[field][0]
    page = response.content.decode()
    assert f'id="id_{field}_errors"' in page
    assert re.search(rf'aria-describedby="[^"]*\bid_{field}_errors"', page), "the error is not tied to its field"
    assert nothing_saved() and not mail.outbox


def test_a_signature_that_is_not_the_full_name_is_refused(client, listings):
    response = client.post(reverse("dmca_notice"), form_data(listings, signature="A. Lovelace"))
    assert response.status_code == 400
    assert response.context["form"].errors["signature"] == [
        "The signature must be your full legal name exactly as given above."]
    assert nothing_saved()


def test_the_service_refuses_a_notice_without_the_statements_whoever_calls_it(listings):
    with pytest.raises(dmca.FilingRefused) as refused:
        file_notice(listings, good_faith=False, accuracy=False)
    assert set(refused.value.errors) == {"good_faith", "accuracy"}
    assert nothing_saved()


def test_every_bad_address_is_reported_with_its_line_number_and_nothing_is_saved(client, listings):
    urls = "\n".join([
        listings[0].url,
        "https://shop123.taobao.com/",  # a store page, not a product
        LISTING_URLS["taobao"].format(id="999999999999"),  # no such listing
        listings[0].url,  # the same listing again
    ])
    response = client.post(reverse("dmca_notice"), form_data(listings, urls=urls))
    assert response.status_code == 400
    assert response.context["form"].errors["urls"] == ["3 lines need correcting."]
    page = response.content.decode()
    assert [(p.line, p.code) for p in response.context["url_problems"]] == [
        (2, "not_product_page"), (3, "listing_not_found"), (4, "duplicate")]
    for line in (2, 3, 4):
        assert f'data-line="{line}"' in page
    assert 'data-line="1"' not in page
    assert nothing_saved()


def test_the_form_offers_active_platforms_and_copyright_reasons_only(client, db):
    from complaints.models import Platform

    Platform.objects.filter(code="lazada").update(is_active=False)
    form = client.get(reverse("dmca_notice")).context["form"]
    assert "lazada" not in [code for code, _label in form.fields["platform"].choices if code]
    assert [code for code, _label in form.fields["reason"].choices if code] == [
        "pirated", "unauthorized_content", "image_misuse", "text_misuse"]
    response = client.post(reverse("dmca_notice"), form_data([make_listing("lazada")], platform="lazada",
                                                             reason="counterfeit"))
    assert set(response.context["form"].errors) == {"platform", "reason"}


def test_the_footer_links_to_the_public_form(client, db):
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("dmca_notice")}"' in page and "Report copyright infringement (DMCA)" in page


# --- Abuse limits ------------------------------------------------------------------------------

def test_a_network_may_file_five_notices_an_hour_then_gets_429(client, listings):
    for _ in range(dmca.NOTICES_PER_HOUR):
        assert client.post(reverse("dmca_notice"), form_data(listings), REMOTE_ADDR="198.51.100.7").status_code == 302
    response = client.post(reverse("dmca_notice"), form_data(listings), REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429
    assert "Too many notices have been sent from your network" in response.content.decode()
    assert DmcaNotice.objects.count() == dmca.NOTICES_PER_HOUR
    # Another network is not affected.
    assert client.post(reverse("dmca_notice"), form_data(listings), REMOTE_ADDR="198.51.100.8").status_code == 302


def test_corrections_do_not_use_up_the_notices_but_endless_attempts_are_stopped(client, listings):
    for _ in range(dmca.ATTEMPTS_PER_HOUR - 1):
        assert client.post(reverse("dmca_notice"), form_data(listings, signature="Nobody"),
                           REMOTE_ADDR="198.51.100.9").status_code == 400
    assert client.post(reverse("dmca_notice"), form_data(listings), REMOTE_ADDR="198.51.100.9").status_code == 302
    assert client.post(reverse("dmca_notice"), form_data(listings), REMOTE_ADDR="198.51.100.9").status_code == 429
    assert DmcaNotice.objects.count() == 1


# --- The confirmation page ---------------------------------------------------------------------

def test_the_sent_page_shows_its_own_notice_only_and_needs_the_signed_link(client, listings):
    mine = file_notice(listings[:1])
    other = file_notice(listings, full_name="Grace Hopper", signature="Grace Hopper", email="grace@example.org")
    page = client.get(reverse("dmca_sent", args=[dmca.sent_token(mine)])).content.decode()
    assert mine.complaint.reference in page and other.complaint.reference not in page
    assert "ada@example.org" not in page and "Engine Street" not in page  # no personal data on a shareable link
    # The other notice's id put into this link, keeping this link's signature: refused.
    payload, stamp, signature = dmca.sent_token(mine).split(":")
    assert signing.b64_decode(payload.encode()) == str(mine.pk).encode()
    guessed = ":".join([signing.b64_encode(str(other.pk).encode()).decode(), stamp, signature])
    assert client.get(reverse("dmca_sent", args=[guessed])).status_code == 404
    assert client.get(reverse("dmca_sent", args=[str(other.pk)])).status_code == 404


# --- The reviewers -----------------------------------------------------------------------------

def test_notices_wait_in_their_queue_tab_oldest_first_and_are_counted_on_the_dashboard(client, reviewer, listings):
    first = file_notice(listings[:1])
    second = file_notice(listings, full_name="Grace Hopper", signature="Grace Hopper")
    client.force_login(reviewer)
    response = client.get(reverse("review_queue") + "?tab=dmca")
    assert response.context["counts"]["dmca"] == 2
    page = response.content.decode()
    first_link = reverse("review_dmca", args=[first.pk])
    second_link = reverse("review_dmca", args=[second.pk])
    assert first_link in page and second_link in page and page.index(first_link) < page.index(second_link)
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.context["queue_counts"]["dmca"] == {"pending": 2, "overdue": 0}
    assert 'id="dmca-pending">2<' in dashboard.content.decode()


def test_the_review_page_shows_the_elements_and_the_listings(client, reviewer, listings):
    notice = file_notice(listings, signature="ada lovelace")
    client.force_login(reviewer)
    page = client.get(reverse("review_dmca", args=[notice.pk])).content.decode()
    for text in ("Ada Lovelace", "ada@example.org", "+44 20 7946 0000", "Engines of Thought", "Both statements.",
                 "Pirated artbook", "Copy Shop", "ada lovelace",
                 listings[0].url.replace("&", "&amp;")):
        assert text in page, text


def test_verifying_the_identity_sends_the_items_on_to_the_normal_review(client, reviewer, listings, run_tasks):
    notice = file_notice(listings)
    client.force_login(reviewer)
    with run_tasks():
        response = client.post(reverse("review_dmca", args=[notice.pk]), {"decision": "approve", "note": ""})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.status, notice.decided_by, notice.rejection_reason) == ("verified", reviewer, "")
    assert set(notice.complaint.items.values_list("state", flat=True)) == {"in_review"}
    assert sorted(ComplaintItemEvent.objects.values_list("reason", flat=True)) == ["filed", "filed", "review_started",
                                                                                 "review_started"]
    [decision] = mail.outbox
    assert decision.to == ["ada@example.org"] and "go to review" in decision.subject
    assert reverse("review_dmca", args=[notice.pk]) not in client.get(reverse("review_queue") + "?tab=dmca").content.decode()


def test_rejecting_rejects_every_item_with_its_event_and_tells_the_notifier_why(client, reviewer, listings, run_tasks):
    notice = file_notice(listings)
    client.force_login(reviewer)
    with run_tasks():
        client.post(reverse("review_dmca", args=[notice.pk]),
                    {"decision": "reject", "reason": "not_owner", "note": "The work is registered to another firm."})
    notice.refresh_from_db()
    assert (notice.status, notice.rejection_reason, notice.decided_by) == ("rejected", "not_owner", reviewer)
    assert set(notice.complaint.items.values_list("state", flat=True)) == {"rejected"}
    moves = ComplaintItemEvent.objects.exclude(reason="filed")
    assert sorted((e.from_state, e.to_state, e.actor_id, e.reason) for e in moves) == [
        ("submitted", "rejected", reviewer.pk, "dmca_not_owner")] * 2
    notice.complaint.refresh_from_db()
    assert notice.complaint.status == "closed"
    [decision] = mail.outbox
    assert decision.to == ["ada@example.org"] and "was not accepted" in decision.subject
    assert "not the copyright owner or authorised to act for the owner" in decision.body
    assert "The work is registered to another firm." in decision.body


def test_a_second_reviewer_deciding_the_same_notice_sees_it_decided_and_changes_nothing(client, reviewer, listings):
    notice = file_notice(listings)
    other = make_user("reviewer2@example.com", role="reviewer")
    dmca.dmca_notice_reject(notice_id=notice.pk, reviewer=reviewer, reason="signature")
    client.force_login(other)
    response = client.post(reverse("review_dmca", args=[notice.pk]), {"decision": "approve"}, follow=True)
    page = response.content.decode()
    assert "Someone else decided this already" in page
    assert "The signature is missing or does not match" in page and 'id="decision-form"' not in page
    notice.refresh_from_db()
    assert (notice.status, notice.decided_by) == ("rejected", reviewer)
    assert set(notice.complaint.items.values_list("state", flat=True)) == {"rejected"}


@pytest.mark.parametrize("role", ["rights_holder", "seller"])
def test_only_reviewers_open_or_decide_a_notice(client, listings, role):
    notice = file_notice(listings)
    url = reverse("review_dmca", args=[notice.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(make_user(f"{role}@example.com", role=role))
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "reject", "reason": "other", "note": "x"}).status_code == 403
    notice.refresh_from_db()
    assert notice.status == "pending"


def test_the_queue_tab_and_the_review_page_cost_the_same_queries_for_many_rows(client, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client.force_login(reviewer)
    first = file_notice([make_listing("taobao")])
    pages = [reverse("review_queue") + "?tab=dmca", reverse("dashboard"), reverse("review_dmca", args=[first.pk])]
    one_row = [queries(url) for url in pages]
    for _ in range(5):
        file_notice([make_listing("taobao")])
    bigger = file_notice([make_listing("taobao") for _ in range(6)])
    pages[2] = reverse("review_dmca", args=[bigger.pk])
    assert [queries(url) for url in pages] == one_row


def test_the_notifier_without_an_account_is_written_to_with_the_counter_notice_and_each_outcome(
        client, reviewer, run_tasks):
    from accounts.models import User
    from complaints import services

    seller = make_user("copyshop@example.com", role=User.Role.SELLER)
    listings = [make_listing("taobao", title=f"Pirated artbook {n}", shop_name="Copy Shop", owner=seller)
                for n in range(2)]
    notice = file_notice(listings, language="zh-hans")
    client.force_login(reviewer)
    with run_tasks():
        client.post(reverse("review_dmca", args=[notice.pk]), {"decision": "approve", "note": ""})
    answered, silent = notice.complaint.items.order_by("pk")
    with run_tasks():
        for item in (answered, silent):
            services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
        services.counter_notice_file(seller=seller, item_id=answered.pk, ground="own_right", perjury_statement=True,
                                     statement="I drew these pages myself in 2019; registration attached.")
    mail.outbox.clear()
    with run_tasks():
        services.seller_silence_sweep(as_of=silent.complaint.items.get(pk=silent.pk).respond_by)
    [takedown] = [m for m in mail.outbox if m.to == ["ada@example.org"]]
    assert "下架" in takedown.body  # in the language of the form

    notice.language = "en"
    notice.save(update_fields=["language"])
    answered.refresh_from_db()
    mail.outbox.clear()
    with run_tasks():
        services.complainant_silence_sweep(as_of=answered.answer_by)
        services.item_decide(reviewer=reviewer, item_id=answered.pk, decision="reinstate")
    [outcome] = [m for m in mail.outbox if m.to == ["ada@example.org"]]
    assert "stays on sale" in outcome.body and "&#x27;" not in outcome.body
    # The counter-notice itself reached the notifier (its copy, as DMCA §512(g) has it), earlier:
    ComplaintItemEvent.objects.filter(item=answered, to_state="counter_noticed").update(effects_done_at=None)
    mail.outbox.clear()
    from complaints.effects import run_event_effects

    with run_tasks():
        run_event_effects(list(ComplaintItemEvent.objects.filter(item=answered, to_state="counter_noticed")
                               .values_list("pk", flat=True)))
    [copy] = [m for m in mail.outbox if m.to == ["ada@example.org"]]
    assert "I drew these pages myself in 2019" in copy.body
