from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .adapter import client_ip
from .services import sign_in_record


@receiver(user_logged_in)
def remember_device(sender, request, user, **kwargs):
    # Only sign-ins that passed every stage (code, TOTP) get here: trust this device from now on.
    if request is not None and hasattr(request, "device_id"):
        sign_in_record(user=user, device_id=request.device_id, ip=client_ip(request))
