"""Sign-up with a 6-digit emailed code; a code again when a sign-in comes from a new device or network."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AccountEvent, KnownDevice, User

from .conftest import PASSWORD

SIGNUP = {
    "email": "brand@example.com", "password1": PASSWORD, "password2": PASSWORD,
    "complainant_name": "Brand Co", "location": "CN", "identity": "owner", "registrant_category": "entity",
    "contact_email": "legal@example.com", "accept_agreement": "on",
}


def last_code(email: str) -> str:
    message = [m for m in mail.outbox if email in m.to][-1]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def sign_in(client, email, ip="203.0.113.7", password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_sign_up_stores_the_declarations_and_emails_a_six_digit_code(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="brand@example.com")
    assert (user.identity, user.registrant_category, user.location.code) == ("owner", "entity", "CN")
    assert user.agreement_version and user.agreement_accepted_at
    assert user.contact_email == "legal@example.com"
    code = last_code("brand@example.com")
    assert len(code) == 6 and code.isdigit()
    response = client.post(reverse("account_email_verification_sent"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert user.emailaddress_set.get().verified


@pytest.mark.django_db
def test_sign_up_without_accepting_the_agreement_is_refused_with_a_message(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "accept_agreement": ""})
    assert response.status_code == 200
    assert "You must accept the user agreement" in response.content.decode()
    assert not User.objects.filter(email="brand@example.com").exists()


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_the_account_stays_unverified(client):
    client.post(reverse("account_signup"), SIGNUP)
    code = last_code("brand@example.com")
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("account_email_verification_sent"), {"code": wrong})
    assert response.status_code == 200
    assert not User.objects.get(email="brand@example.com").emailaddress_set.get().verified


@pytest.mark.django_db
def test_sign_in_from_a_known_device_and_network_needs_no_code(client, holder):
    KnownDevice.objects.all().delete()
    sign_in(client, holder.email)  # first sign-in of an account with no history
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("account_logout"))
    mail.outbox.clear()
    response = sign_in(client, holder.email)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert not mail.outbox


@pytest.mark.django_db
def test_sign_in_from_a_new_network_asks_for_the_emailed_code(client, holder):
    sign_in(client, holder.email, ip="203.0.113.7")
    client.post(reverse("account_logout"))
    mail.outbox.clear()
    response = sign_in(client, holder.email, ip="198.51.100.20")
    assert response.status_code == 302 and response["Location"] == reverse("account_confirm_login_code")
    assert client.get(reverse("dashboard")).status_code == 302  # not signed in yet
    assert AccountEvent.objects.filter(user=holder, action="unusual_sign_in").exists()
    response = client.post(reverse("account_confirm_login_code"), {"code": last_code(holder.email)}, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert KnownDevice.objects.filter(user=holder, network="198.51.100.0/24").exists()


@pytest.mark.django_db
def test_sign_in_from_a_new_device_asks_for_the_code(client, holder):
    from django.test import Client

    sign_in(client, holder.email)
    other_browser = Client()
    response = sign_in(other_browser, holder.email)
    assert response["Location"] == reverse("account_confirm_login_code")


@pytest.mark.django_db
def test_repeated_failed_sign_ins_are_rate_limited(client, holder):
    for _ in range(5):
        sign_in(client, holder.email, password="wrong-password-123")
    response = sign_in(client, holder.email)  # even the right password is refused for now
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_code_entry_is_limited_to_a_few_attempts(client, holder):
    sign_in(client, holder.email, ip="203.0.113.7")
    client.post(reverse("account_logout"))
    sign_in(client, holder.email, ip="198.51.100.20")
    for _ in range(5):
        response = client.post(reverse("account_confirm_login_code"), {"code": "999999"}, REMOTE_ADDR="198.51.100.20")
    # After the allowed attempts the pending sign-in is dropped: back to the sign-in page.
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert client.get(reverse("dashboard")).status_code == 302


@pytest.mark.django_db
def test_reviewers_can_enrol_totp_after_confirming_their_password(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert len(page.context["form"].secret) >= 16  # the TOTP secret to scan is offered


@pytest.mark.django_db
def test_signing_in_with_an_emailed_code_from_a_new_device_asks_for_no_second_code(client, holder):
    from django.test import Client

    sign_in(client, holder.email)  # gives the account a history
    other_browser = Client()
    mail.outbox.clear()
    other_browser.post(reverse("account_request_login_code"), {"email": holder.email}, REMOTE_ADDR="198.51.100.20")
    response = other_browser.post(reverse("account_confirm_login_code"), {"code": last_code(holder.email)},
                                  REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert len(mail.outbox) == 1


# --- Rate limits (ACCOUNT_RATE_LIMITS): past each, the request is refused and nothing is sent -----------------


@pytest.mark.django_db
def test_sign_in_posts_from_one_address_past_30_a_minute_get_429_and_another_address_still_signs_in(
        client, holder):
    from django.test import Client

    # Wrong passwords for other addresses: the per-account limit is not what stops them.
    answers = [client.post(reverse("account_login"), {"login": f"nobody{n}@example.com", "password": "wrong-password-1"},
                           REMOTE_ADDR="203.0.113.50").status_code for n in range(31)]
    assert answers[:30] == [200] * 30 and answers[30] == 429
    assert sign_in(client, holder.email, ip="203.0.113.50").status_code == 429  # even the right password
    assert sign_in(Client(), holder.email, ip="198.51.100.50").status_code == 302


@pytest.mark.django_db
def test_sign_in_codes_for_one_address_past_3_a_minute_are_refused_and_no_more_are_sent(holder):
    """allauth answers this limit on the form (not 429): the fourth browser asking is told, and no code is sent."""
    from django.test import Client

    mail.outbox.clear()
    # A browser waiting for its code is sent back to enter it: each request comes from a browser of its own.
    answers = [Client().post(reverse("account_request_login_code"), {"email": holder.email},
                             REMOTE_ADDR=f"203.0.113.{60 + attempt}") for attempt in range(4)]
    assert [answer.status_code for answer in answers] == [302, 302, 302, 200]
    assert "Too many failed login attempts. Try again later." in answers[3].content.decode()
    assert len([message for message in mail.outbox if holder.email in message.to]) == 3


@pytest.mark.django_db
def test_password_reset_requests_for_one_address_past_5_a_minute_get_429_and_send_no_more(client, holder):
    mail.outbox.clear()
    answers = [client.post(reverse("account_reset_password"), {"email": holder.email},
                           REMOTE_ADDR="203.0.113.52").status_code for _attempt in range(6)]
    assert answers == [302] * 5 + [429]
    assert len(mail.outbox) == 5
