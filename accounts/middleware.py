import secrets

from django.conf import settings

DEVICE_COOKIE = "ipp_device"
_ONE_YEAR = 365 * 24 * 3600


class DeviceCookieMiddleware:
    """Gives each browser a random, signed id, so a sign-in can tell a known device from a new one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        device_id = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt="ipp.device")
        is_new = device_id is None
        request.device_id = device_id or secrets.token_hex(16)
        response = self.get_response(request)
        if is_new:
            response.set_signed_cookie(DEVICE_COOKIE, request.device_id, salt="ipp.device", max_age=_ONE_YEAR,
                                       httponly=True, samesite="Lax", secure=not settings.DEBUG and settings.SESSION_COOKIE_SECURE)
        return response
