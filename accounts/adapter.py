from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings

from .models import AccountEvent
from .services import sign_in_is_unusual, user_complete_signup


def client_ip(request) -> str | None:
    """The client's address, honouring TRUSTED_PROXY_COUNT behind a proxy."""
    try:
        return AccountAdapter(request).get_client_ip(request)
    except Exception:  # allauth refuses a malformed X-Forwarded-For  # noqa: BLE001
        return None


class AccountAdapter(DefaultAccountAdapter):
    def is_login_by_code_required(self, login) -> bool:
        """Ask for the emailed code when the sign-in comes from a new device or network."""
        if super().is_login_by_code_required(login):
            return True
        user = login.user
        if not settings.IPP_UNUSUAL_SIGNIN_CHECK or user is None or login.signup:
            return False
        # Someone who signed in with an emailed code has already proved the mailbox.
        records = get_authentication_records(self.request, user)
        if records and records[-1]["method"] == "code":
            return False
        ip = client_ip(self.request)
        unusual = sign_in_is_unusual(user=user, device_id=self.request.device_id, ip=ip)
        if unusual:
            AccountEvent.objects.create(user=user, action=AccountEvent.Action.UNUSUAL_SIGN_IN, note=ip or "")
        return unusual

    def save_user(self, request, user, form, commit=True):
        """Save the sign-up with what the rights holder declared, in one write."""
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        return user_complete_signup(
            user=user, complainant_name=data["complainant_name"], location=data["location"],
            identity=data["identity"], registrant_category=data["registrant_category"],
            contact_email=data.get("contact_email") or "",
        )
