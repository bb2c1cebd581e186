"""The REST API's shared pieces: the token endpoint, pagination and the shapes of errors.

The API is as thin as the pages: each operation parses its input with a nested
serializer, checks who may act, calls one service or selector and renders the result.
The guide for clients is docs/api.md; the schema is served at /api/v1/schema/.
"""

from collections.abc import Callable, Iterable
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.models import User

from .pagination import Pagination


def paginated_response(*, view: APIView, rows: Iterable, serializer_class: type[serializers.Serializer],
                       context: Callable[[list], dict[str, Any]] | None = None) -> Response:
    """One page of ``rows`` in ``serializer_class``'s shape, under count / next / previous / results.

    ``context`` computes what the serializer needs from the rows of this page only, so a
    summary costs one query per page, never one per row.
    """
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, view.request, view=view)
    extra = context(page) if context else {}
    data = serializer_class(page, many=True, context={"request": view.request, **extra}).data
    return paginator.get_paginated_response(data)


def validated(serializer_class: type[serializers.Serializer], data) -> dict[str, Any]:
    """The input checked by ``serializer_class``; a 400 in DRF's usual shape otherwise."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class DetailSerializer(serializers.Serializer):
    """The shape of 401, 403, 404, 409 and 429 answers."""

    detail = serializers.CharField()


def detail_response(description: str) -> OpenApiResponse:
    return OpenApiResponse(DetailSerializer, description=description)


def error_response(serializer_class: type[serializers.Serializer], description: str) -> OpenApiResponse:
    return OpenApiResponse(serializer_class, description=description)


class ListField(serializers.ListField):
    """A list input whose problems are a list of messages, as every other input's are.

    DRF's own ListField answers a bad entry as ``{"0": ["…"]}`` (by index), a shape neither the schema
    nor the guide promise; here each becomes one message naming the entry: "Entry 1: …".
    """

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            if not isinstance(error.detail, dict):
                raise
            raise serializers.ValidationError([
                _("Entry %(position)s: %(message)s") % {"position": int(index) + 1, "message": message}
                for index, messages in error.detail.items() for message in messages]) from None


def messages_field() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), required=False)


class NonFieldErrorsSerializer(serializers.Serializer):
    non_field_errors = messages_field()


def errors_of(serializer_class: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The shape of a 400 for ``serializer_class``'s input, for the schema: each field's messages by its name."""
    fields = {name: messages_field() for name in serializer_class().fields}
    errors = type("ErrorSerializer", (NonFieldErrorsSerializer,), fields)
    # Named after the input it describes ("ComplaintWithdrawApi.InputSerializer" → "….InputErrorSerializer").
    errors.__qualname__ = serializer_class.__qualname__.removesuffix("Serializer") + "ErrorSerializer"
    return errors


def _second_factor_ok(user: User, code: str) -> bool:
    """Whether ``code`` is a current TOTP code or an unused recovery code of ``user`` (a recovery code is used up)."""
    authenticators = Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.WEBAUTHN)
    # TOTP first: a recovery code that happens to match is not spent when the app's code is given.
    ordered = sorted(authenticators, key=lambda auth: auth.type != Authenticator.Type.TOTP)
    return bool(code) and any(auth.wrap().validate_code(code) for auth in ordered)


class TokenObtainApi(APIView):
    """Exchange the portal's email and password for the API token of the account."""

    # The posted credentials are the only ones that count here; throttled per client address.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "api_token"

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
        code = serializers.CharField(
            required=False, allow_blank=True, max_length=40,
            help_text="Accounts with two-factor authentication: the authenticator app's current code, or a "
                      "recovery code.")

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`. It stays the same "
                                                "until an administrator revokes it.")

    @extend_schema(
        operation_id="auth_token_obtain", tags=["auth"], auth=[],
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: error_response(errors_of(InputSerializer), "Wrong email or password, email not verified, account "
                                                 "inactive, or the two-factor code missing or wrong."),
            429: detail_response("Too many attempts from this address; wait and try again."),
        },
    )
    def post(self, request):
        data = validated(self.InputSerializer, request.data)
        user = authenticate(request, email=data["email"], password=data["password"])
        if user is None:  # also an inactive account: authenticate() refuses those
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to sign in with this email and password.")]})
        if not EmailAddress.objects.filter(user=user, email__iexact=data["email"], verified=True).exists():
            raise serializers.ValidationError({"non_field_errors": [_(
                "Verify your email address first: sign in on the portal and enter the code we emailed you.")]})
        # A password alone must not open an account that signs in with two factors on the portal.
        if Authenticator.objects.filter(user=user).exists() and not _second_factor_ok(user, data.get("code", "")):
            raise serializers.ValidationError({"code": [_(
                "This account uses two-factor authentication: send the authenticator app's current code "
                "(or a recovery code) as “code”.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)

