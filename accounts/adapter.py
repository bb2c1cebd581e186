from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from .models import AccountEvent
from .services import sign_in_is_unusual, user_complete_signup


class AccountAdapter(DefaultAccountAdapter):
    def is_login_by_code_required(self, login) -> bool:
        """Ask for the emailed code when the sign-in comes from a new device or network."""
        if super().is_login_by_code_required(login):
            return True
        user = login.user
        if not settings.IPP_UNUSUAL_SIGNIN_CHECK or user is None or login.signup:
            return False
        unusual = sign_in_is_unusual(user=user, device_id=self.request.device_id, ip=self.request.META.get("REMOTE_ADDR"))
        if unusual:
            AccountEvent.objects.create(user=user, action=AccountEvent.Action.UNUSUAL_SIGN_IN,
                                        note=self.request.META.get("REMOTE_ADDR") or "")
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
