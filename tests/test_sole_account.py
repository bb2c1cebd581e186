"""Several accounts under one complainant name: all are held until one is confirmed as the sole account."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.selectors import filing_block_reason, needs_sole_account_confirmation

from .conftest import checked_pdf, make_user


@pytest.fixture
def twins(db, reviewer):
    first = make_user("first@acme.test", name="ACME Ltd.", category=User.RegistrantCategory.ENTITY, verified_by=reviewer)
    second = make_user("second@acme.test", name="Acme  LTD", category=User.RegistrantCategory.ENTITY, verified_by=reviewer)
    return first, second


def test_a_single_account_is_not_held(holder):
    assert not needs_sole_account_confirmation(holder)
    assert filing_block_reason(holder) is None


def test_a_second_account_under_the_same_name_holds_both_from_filing(twins):
    first, second = twins
    for user in twins:
        assert needs_sole_account_confirmation(user)
        assert "Until one account is confirmed as the sole account" in filing_block_reason(user)


def test_names_match_whatever_their_case_spacing_or_punctuation():
    from accounts.models import complainant_key

    assert complainant_key("ACME Ltd") != complainant_key("ACME Trading Ltd")
    assert complainant_key("ＡＣＭＥ, Ltd.") == complainant_key("acme ltd") == complainant_key("ACME LTD.")


def test_confirming_one_account_lets_it_file_and_keeps_the_other_held(twins, reviewer):
    first, second = twins
    statement = services.sole_account_submit(user=second, statement=checked_pdf("statement.pdf"))
    assert "Until one account" in filing_block_reason(second)  # pending is still held
    services.sole_account_confirm(statement_id=statement.pk, reviewer=reviewer)
    assert filing_block_reason(second) is None
    assert "Another account is confirmed as the sole account" in filing_block_reason(first)


def test_only_one_account_can_ever_be_the_confirmed_sole_account(twins, reviewer):
    first, second = twins
    a = services.sole_account_submit(user=first, statement=checked_pdf())
    b = services.sole_account_submit(user=second, statement=checked_pdf())
    services.sole_account_confirm(statement_id=a.pk, reviewer=reviewer)
    with pytest.raises(services.SoleAccountTaken):
        services.sole_account_confirm(statement_id=b.pk, reviewer=reviewer)
    b.refresh_from_db()
    assert b.status == "pending"


def test_the_reviewer_is_told_when_another_account_is_already_the_sole_account(client, twins, reviewer):
    first, second = twins
    a = services.sole_account_submit(user=first, statement=checked_pdf())
    b = services.sole_account_submit(user=second, statement=checked_pdf())
    services.sole_account_confirm(statement_id=a.pk, reviewer=reviewer)
    client.force_login(reviewer)
    response = client.post(reverse("review_sole_account", args=[b.pk]), {"decision": "approve"}, follow=True)
    assert "already confirmed as the sole account" in response.content.decode()


def test_a_refused_statement_shows_its_reason_and_a_new_one_can_be_sent(client, twins, reviewer):
    first, second = twins
    statement = services.sole_account_submit(user=first, statement=checked_pdf())
    services.sole_account_reject(statement_id=statement.pk, reviewer=reviewer, reason="not_signed")
    client.force_login(first)
    page = client.get(reverse("sole_account")).content.decode()
    assert 'name="statement"' in page  # the form is offered again


def test_the_user_uploads_the_statement_from_the_sole_account_page(client, twins):
    import io

    from .conftest import pdf_bytes

    first, _ = twins
    client.force_login(first)
    assert "Until one is confirmed" in client.get(reverse("sole_account")).content.decode()
    statement = io.BytesIO(pdf_bytes())
    statement.name = "statement.pdf"
    response = client.post(reverse("sole_account"), {"statement": statement, "confirm": "on"})
    assert response.status_code == 302
    assert first.sole_account_statements.get().status == "pending"
    assert "being reviewed" in client.get(reverse("sole_account")).content.decode()


def test_the_reviewer_confirms_from_the_review_screen(client, twins, reviewer):
    first, second = twins
    statement = services.sole_account_submit(user=first, statement=checked_pdf())
    client.force_login(reviewer)
    page = client.get(reverse("review_sole_account", args=[statement.pk])).content.decode()
    assert "second@acme.test" in page  # the reviewer sees the other accounts under this name
    response = client.post(reverse("review_sole_account", args=[statement.pk]), {"decision": "approve"})
    assert response.status_code == 302
    assert filing_block_reason(first) is None
