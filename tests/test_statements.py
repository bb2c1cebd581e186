"""Every decision on a complaint item comes with its statement of reasons, to both sides (domain: "Decisions and
their statement of reasons")."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from complaints import services
from complaints.models import ComplaintItemEvent
from complaints.statements import statement_of_reasons

from .conftest import approve_ipr, make_ipr, make_listing, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_owner(db):
    return make_user("shop@example.com", role=User.Role.SELLER, name="Demo Shop")


@pytest.fixture
def items(holder, reviewer, shop_owner, run_tasks):
    right = approve_ipr(make_ipr(holder, number="30112233"), reviewer=reviewer)
    listings = [make_listing(title=f"ACME copy {n}", shop_name="Demo Shop", owner=shop_owner) for n in range(3)]
    with run_tasks():
        complaint = services.complaint_file(user=holder, platform_code="taobao", ipr_id=right.pk, reason="counterfeit",
                                            urls_text="\n".join(listing.url for listing in listings), statements=True)
    return list(complaint.items.order_by("pk"))


def mail_to(address: str, about: str):
    [message] = [m for m in mail.outbox if address in m.to and about in m.subject]
    return message


def decision(item, to_state):
    return ComplaintItemEvent.objects.get(item=item, to_state=to_state)


def test_a_takedown_on_the_sellers_silence_is_stated_as_automated_under_the_platforms_rule(
        items, reviewer, holder, shop_owner, run_tasks):
    item = items[0]
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
        services.seller_silence_sweep(as_of=timezone.now() + dt.timedelta(days=4))
    event = decision(item, "taken_down")
    statement = statement_of_reasons(event)
    assert statement.decision_id == f"D{event.pk:09d}"
    assert str(statement.decision) == "The listing was removed."
    assert str(statement.ground) == "Illegal content: infringement of a registered trademark."
    assert "No counter-notice within the seller's window of 3 days (Taobao's rule)" in statement.rule
    assert str(statement.automated).startswith("Fully automated")
    assert "Counterfeit" in statement.facts and "30112233" in statement.facts
    assert "ACME copy 0" in statement.content and "Taobao" in statement.content
    assert "appeal" in str(statement.contest_seller) and not statement.contest_complainant
    seller_mail = mail_to(shop_owner.email, "your listing was taken down").body
    assert f"Statement of reasons {statement.decision_id}" in seller_mail and "How to contest" in seller_mail
    holder_mail = mail_to(holder.email, "a listing was taken down").body
    assert f"Statement of reasons {statement.decision_id}" in holder_mail and "How to contest" not in holder_mail


def test_a_reviewers_rejection_states_the_reason_and_findings_and_how_the_complainant_may_go_on(
        items, reviewer, holder, run_tasks):
    item = items[1]
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="reject", reason="ipr_mismatch",
                                    note="Class 25 right; the listing sells watches.")
    statement = statement_of_reasons(decision(item, "rejected"))
    assert "The right does not match the listing" in statement.rule
    assert "The reviewer's findings: Class 25 right; the listing sells watches." in statement.facts
    assert str(statement.automated) == "Decided by a reviewer; not automated."
    assert "new complaint" in str(statement.contest_complainant)
    assert "Class 25 right; the listing sells watches." in mail_to(holder.email, "not taken down").body


def test_a_reinstatement_states_the_counter_notices_ground_and_the_statement_shows_on_every_sides_page(
        client, items, reviewer, holder, shop_owner, run_tasks):
    item = items[2]
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=item.pk, decision="accept")
        services.counter_notice_file(seller=shop_owner, item_id=item.pk, ground="genuine", perjury_statement=True,
                                     statement="Invoices from the brand's distributor.")
        services.complaint_maintain(user=holder, item_id=item.pk, note="The distributor is not ours.")
        services.item_decide(reviewer=reviewer, item_id=item.pk, decision="reinstate", note="The invoices match.")
    event = decision(item, "reinstated")
    statement = statement_of_reasons(event)
    assert "The seller's counter-notice: The goods are genuine" in statement.facts
    assert "court" in str(statement.contest_complainant)
    for user, url, contest in (
            (holder, reverse("complaint_detail", args=[item.complaint_id]), "court"),
            (shop_owner, reverse("seller_notice", args=[item.pk]), None),
            (reviewer, reverse("review_item", args=[item.pk]), None)):
        client.force_login(user)
        html = client.get(url).content.decode()
        assert f'data-statement="{statement.decision_id}"' in html, user
        assert "The listing stays: the seller&#x27;s counter-notice was upheld." in html, user
        if contest:
            assert contest in html[html.index(f'data-statement="{statement.decision_id}"'):]


def test_a_statement_is_written_in_the_readers_language(items, reviewer, shop_owner, run_tasks):
    shop_owner.language = "zh-hans"
    shop_owner.save(update_fields=["language"])
    with run_tasks():
        services.item_review_decide(reviewer=reviewer, item_id=items[0].pk, decision="accept")
    [notice] = [m for m in mail.outbox if shop_owner.email in m.to]
    assert "Statement of reasons" not in notice.body and "How to contest" not in notice.body


def test_moves_that_are_no_decision_have_no_statement(items, reviewer, holder, run_tasks):
    with run_tasks():
        services.complaint_withdraw(user=holder, complaint=items[0].complaint, item_ids=[items[0].pk])
    assert statement_of_reasons(decision(items[0], "withdrawn")) is None
    assert statement_of_reasons(decision(items[0], "in_review")) is None
