"""Complaints through the API: search listings, file a complaint, follow it, withdraw it.

Thin like the pages: the rules of a complaint are in ``services`` (filing checks everything
and reports every problem at once), the reads in ``selectors``. A caller only ever sees its
own complaints: anyone else's id answers 404, as if it did not exist.
"""

import datetime as dt
from dataclasses import asdict

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ipp.api import (
    ListField,
    NonFieldErrorsSerializer,
    Pagination,
    detail_response,
    error_response,
    errors_of,
    messages_field,
    paginated_response,
    validated,
)
from ipp.documents import check_upload

from . import selectors, services
from .listing_urls import UrlProblem
from .marketplaces import marketplace
from .models import Complaint, ComplaintItem, CounterNotice, Platform

_FILED_STATUSES = [(value, label) for value, label in Complaint.Status.choices if value != Complaint.Status.DRAFT]
# DRF fills in {input} itself; the list of codes is filled in here.
_PLATFORM_ERRORS = {"invalid_choice": format_lazy(
    gettext_lazy("“{{input}}” is not a platform code; use one of: {codes}."), codes=", ".join(Platform.Code.values))}


# --- What a complaint looks like, everywhere it is returned ----------------------------------------

class ComplaintItemEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    to = serializers.CharField(source="to_state", help_text="The state the item moved to.")
    reason = serializers.CharField(help_text="Why, as a code: filed, withdrawn_by_complainant, …")
    note = serializers.CharField()

    def get_fields(self):
        # "from" is a Python keyword, so it cannot be declared as an attribute above.
        fields = super().get_fields()
        return {"at": fields.pop("at"),
                "from": serializers.CharField(source="from_state", help_text="The state before; empty when filed."),
                **fields}


class CounterNoticeEvidenceSerializer(serializers.Serializer):
    name = serializers.CharField(source="document.original_name")
    url = serializers.SerializerMethodField(help_text="Opens the file for an account signed in on the portal.")

    def get_url(self, evidence) -> str:
        path = reverse("document", args=[evidence.document_id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class CounterNoticeSerializer(serializers.Serializer):
    ground = serializers.ChoiceField(choices=CounterNotice.Ground.choices)
    statement = serializers.CharField(help_text="Why the seller says the listing does not infringe.")
    created_at = serializers.DateTimeField()
    evidence = CounterNoticeEvidenceSerializer(many=True)


class ComplaintItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(source="listing_url", help_text="The address as it was given.")
    listing_id = serializers.CharField(source="listing.listing_id")
    title = serializers.CharField(source="listing.title")
    seller = serializers.CharField(source="listing.shop.name", help_text="The shop's name.")
    status = serializers.CharField(source="state", help_text="The item's state: submitted, in_review, rejected, "
                                   "seller_notified, counter_noticed, counter_accepted, in_decision, taken_down, "
                                   "reinstated, withdrawn or held.")
    respond_by = serializers.SerializerMethodField(
        help_text="While seller_notified: the seller may file a counter-notice until then; null otherwise.")
    answer_by = serializers.SerializerMethodField(
        help_text="While counter_noticed: accept the counter-notice or maintain the complaint until then; null "
                  "otherwise.")
    counter_notice = CounterNoticeSerializer(allow_null=True, help_text="The seller's counter-notice; null if none.")
    events = ComplaintItemEventSerializer(many=True, help_text="Every move of the item, oldest first.")

    # A deadline counts only in the state it belongs to (the column keeps its last value after).
    def get_respond_by(self, item) -> dt.datetime | None:
        return serializers.DateTimeField().to_representation(item.respond_by) \
            if item.state == ComplaintItem.State.SELLER_NOTIFIED and item.respond_by else None

    def get_answer_by(self, item) -> dt.datetime | None:
        return serializers.DateTimeField().to_representation(item.answer_by) \
            if item.state == ComplaintItem.State.COUNTER_NOTICED and item.answer_by else None


class ComplaintSerializer(serializers.Serializer):
    """A filed complaint with its items and each item's history."""

    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="The reference shown on the portal's pages and in emails.")
    status = serializers.CharField(help_text="open, closed or withdrawn.")
    platform = serializers.CharField(source="platform_id")
    ipr = serializers.IntegerField(source="ipr_id", allow_null=True)
    reason = serializers.CharField()
    source = serializers.CharField(help_text="How it was filed: portal, api or bulk.")
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField()
    items = ComplaintItemSerializer(many=True)


class UrlProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line of `urls`, from 1.")
    url = serializers.CharField(help_text="The line as given (empty for a problem of the whole list).")
    code = serializers.CharField(help_text="invalid_url, wrong_platform, separate_platform, not_product_page, "
                                           "multiple_per_line, non_english, listing_not_found, duplicate, "
                                           "already_reported or too_many (see the guide).")
    message = serializers.CharField(help_text="What is wrong and what to do, in the caller's language.")


class FilingErrorSerializer(NonFieldErrorsSerializer):
    """Why a complaint was not filed: every problem at once, by input. Nothing was saved."""

    platform = messages_field()
    ipr = messages_field()
    reason = messages_field()
    urls = UrlProblemSerializer(many=True, required=False, help_text="One entry per bad line, in line order.")
    description = messages_field()
    evidence = messages_field()
    statements = messages_field()


def _refusal(errors: dict[str, list]) -> Response:
    """``FilingRefused.errors`` in the API's shape: URL problems as objects, the rest as DRF's message lists."""
    body: dict[str, list] = {}
    for key, messages in errors.items():
        if key == "urls":
            body["urls"] = [asdict(problem) for problem in messages]
        else:
            body[api_settings.NON_FIELD_ERRORS_KEY if key == "__all__" else key] = [str(m) for m in messages]
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def _complaint_response(request, pk: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    complaint = selectors.complaint_with_history(request.user, pk)
    if complaint is None:
        raise NotFound
    return Response(ComplaintSerializer(complaint, context={"request": request}).data, status=status_code)


def _checked_uploads(files) -> list:
    """Each file checked (a real PDF, JPEG or PNG within the limit); a 400 naming each bad file otherwise."""
    uploads, problems = [], []
    for upload in files:
        try:
            uploads.append(check_upload(upload))
        except DjangoValidationError as error:
            problems.extend(f"{upload.name}: {message}" for message in error.messages)
    if problems:
        raise serializers.ValidationError({"evidence": problems})
    return uploads


# --- Listings ------------------------------------------------------------------------------------

class ListingSearchApi(APIView):
    """Listings of the marketplaces, to find the addresses to complain about."""

    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        platform = serializers.ChoiceField(choices=Platform.Code.choices, required=False,
                                           error_messages=_PLATFORM_ERRORS, help_text="All platforms when absent.")
        q = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                  help_text="Words that must all be in the title (or a listing id).")
        seller = serializers.CharField(required=False, allow_blank=True, max_length=120,
                                       help_text="Part of the shop's name.")

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        platform = serializers.CharField(source="platform_id")
        listing_id = serializers.CharField()
        url = serializers.CharField()
        title = serializers.CharField()
        category = serializers.CharField()
        seller = serializers.CharField(source="shop.name", help_text="The shop's name.")
        status = serializers.CharField(help_text="active, or removed (taken down: nothing to complain about).")

    @extend_schema(operation_id="listings_list", tags=["listings"], parameters=[FilterSerializer], responses={
        200: OutputSerializer(many=True),
        400: error_response(errors_of(FilterSerializer), "An unknown platform code."),
    })
    def get(self, request):
        filters = validated(self.FilterSerializer, request.query_params)
        platform = Platform.objects.get(code=filters["platform"]) if filters.get("platform") else None
        found = marketplace().search(platform, keywords=filters.get("q", ""), seller=filters.get("seller", ""),
                                     include_removed=True)
        return paginated_response(view=self, rows=found, serializer_class=self.OutputSerializer)


# --- Complaints ----------------------------------------------------------------------------------

class _StatementField(serializers.BooleanField):
    # A form field left out of a multipart request is "false" to DRF; a statement left out is made (true).
    default_empty_html = empty


class ComplaintsApi(APIView):
    # /complaints/ holds two operations, listing (GET) and filing (POST): each has its own
    # serializers below, and only filing is throttled and limited to rights holders.

    pagination_class = Pagination
    throttle_scope = "complaint_file"

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    class FilterSerializer(serializers.Serializer):
        platform = serializers.ChoiceField(choices=Platform.Code.choices, required=False,
                                           error_messages=_PLATFORM_ERRORS)
        status = serializers.ChoiceField(choices=_FILED_STATUSES, required=False)
        ipr = serializers.IntegerField(required=False, min_value=1, help_text="The id of one of your IP rights.")
        created_after = serializers.DateField(required=False, help_text="Filed on or after this day (China time).")
        created_before = serializers.DateField(required=False, help_text="Filed on or before this day (China time).")

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        reference = serializers.CharField()
        status = serializers.CharField(help_text="open, closed or withdrawn.")
        platform = serializers.CharField(source="platform_id")
        ipr = serializers.IntegerField(source="ipr_id")
        reason = serializers.CharField()
        source = serializers.CharField()
        created_at = serializers.DateTimeField()
        submitted_at = serializers.DateTimeField()
        items_total = serializers.SerializerMethodField()
        items_by_state = serializers.SerializerMethodField(
            help_text="How many items are in each state; states with none are left out.")

        def get_items_total(self, complaint) -> int:
            return sum(self.get_items_by_state(complaint).values())

        def get_items_by_state(self, complaint) -> dict[str, int]:
            return {state: count for state, _label, count in self.context["summaries"].get(complaint.pk, [])}

    class InputSerializer(serializers.Serializer):
        platform = serializers.ChoiceField(choices=Platform.Code.choices, error_messages=_PLATFORM_ERRORS)
        ipr = serializers.IntegerField(help_text="The id of one of your approved IP rights (GET /api/v1/iprs/).")
        reason = serializers.ChoiceField(choices=Complaint.Reason.choices,
                                         help_text="One of the reasons the right's kind supports.")
        urls = serializers.CharField(trim_whitespace=False, allow_blank=True,
                                     help_text="The product pages' addresses, one per line (at most 200).")
        description = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="",
                                            help_text="What the evidence shows.")
        evidence = ListField(
            child=serializers.FileField(), required=False, default=list, max_length=services.MAX_EVIDENCE_FILES,
            help_text="Multipart requests only: PDF, JPEG or PNG files proving the infringement.")
        good_faith_statement = _StatementField(default=True, help_text=(
            "I have a good faith belief that the use of the material is not authorised by the rights owner, its "
            "agent or the law. Filing through the API makes this statement; false refuses the filing."))
        accuracy_statement = _StatementField(default=True, help_text=(
            "The information in this complaint is accurate and, under penalty of perjury, I am the owner of the "
            "right or authorised to act for the owner. Filing through the API makes this statement; false refuses "
            "the filing."))

    @extend_schema(
        operation_id="complaints_list", tags=["complaints"], parameters=[FilterSerializer],
        description="The caller's filed complaints (drafts are not listed), newest filed first, each with how many "
                    "of its items are in each state.",
        responses={
            200: OutputSerializer(many=True),
            400: error_response(errors_of(FilterSerializer), "A filter's value is not valid."),
        },
    )
    def get(self, request):
        filters = validated(self.FilterSerializer, request.query_params)
        found = selectors.complaints_filed_by(
            request.user, platform=filters.get("platform", ""), status=filters.get("status", ""),
            ipr=filters.get("ipr"), filed_from=filters.get("created_after"), filed_until=filters.get("created_before"))
        return paginated_response(view=self, rows=found, serializer_class=self.OutputSerializer,
                                  context=lambda page: {"summaries": selectors.item_summaries(page)})

    @extend_schema(
        operation_id="complaints_file", tags=["complaints"], request=InputSerializer,
        description="File a complaint in one go. Every input is checked before anything is saved, and every "
                    "problem is reported at once (400). Filing through the API makes the good-faith and accuracy "
                    "statements; sending either as false refuses the filing with a `statements` error.",
        responses={
            201: ComplaintSerializer,
            400: error_response(FilingErrorSerializer, "Not filed: the problems of each input. Nothing was saved."),
            403: detail_response("Only rights holders and their agents file complaints."),
            429: detail_response("Too many filings in a short time; wait and try again."),
        },
        examples=[
            OpenApiExample("A trademark complaint", request_only=True, value={
                "platform": "taobao", "ipr": 42, "reason": "counterfeit",
                "urls": "https://item.taobao.com/item.htm?id=600000000001\n"
                        "https://item.taobao.com/item.htm?id=600000000002"}),
            OpenApiExample("Bad lines", response_only=True, status_codes=["400"], value={"urls": [
                {"line": 2, "url": "https://www.taobao.com/search?q=shoe", "code": "not_product_page",
                 "message": "This Taobao address is not a product page (search results, shop and category pages "
                            "are not accepted); open the product and copy its address."}]}),
        ],
    )
    def post(self, request):
        if not request.user.is_rights_holder:
            self.permission_denied(request, message=_("Only rights holders and their agents file complaints."))
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            errors = dict(serializer.errors)
            if "urls" in errors:  # `urls` is always answered by line, as the filing service answers it
                errors["urls"] = [asdict(UrlProblem(line=1, url="", code="invalid_url", message=str(message)))
                                  for message in errors["urls"]]
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        data = serializer.validated_data
        uploads = _checked_uploads(data["evidence"])
        try:
            complaint = services.complaint_file(
                user=request.user, platform_code=data["platform"], ipr_id=data["ipr"], reason=data["reason"],
                urls_text=data["urls"], description=data["description"], evidence=uploads,
                statements=data["good_faith_statement"] and data["accuracy_statement"], source=Complaint.Source.API)
        except services.FilingRefused as refused:
            return _refusal(refused.errors)
        return _complaint_response(request, complaint.pk, status_code=status.HTTP_201_CREATED)


class ComplaintDetailApi(APIView):
    @extend_schema(operation_id="complaints_retrieve", tags=["complaints"], responses={
        200: ComplaintSerializer, 404: detail_response("No filed complaint of yours has this id.")})
    def get(self, request, pk: int):
        return _complaint_response(request, pk)


class ComplaintWithdrawApi(APIView):
    class InputSerializer(serializers.Serializer):
        items = ListField(
            child=serializers.IntegerField(min_value=1), required=False, allow_empty=False, max_length=1000,
            help_text="Ids of this complaint's items to withdraw; all its undecided items when absent.")
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="",
                                     help_text="Why, for the record.")

    @extend_schema(
        operation_id="complaints_withdraw", tags=["complaints"], request=InputSerializer,
        description="Withdraw the chosen items, or all undecided items of the complaint. Decided items keep "
                    "their outcome. Answers the complaint as it is now.",
        responses={
            200: ComplaintSerializer,
            400: error_response(errors_of(InputSerializer), "`items` names ids that are not items of this complaint."),
            404: detail_response("No filed complaint of yours has this id."),
            409: detail_response("Nothing was withdrawn: the chosen items are decided or withdrawn already."),
        },
    )
    def post(self, request, pk: int):
        complaint = selectors.complaint_with_history(request.user, pk)
        if complaint is None:
            raise NotFound
        data = validated(self.InputSerializer, request.data)
        item_ids = data.get("items")
        if item_ids is not None:
            unknown = sorted(set(item_ids) - {item.pk for item in complaint.items.all()})
            if unknown:
                raise serializers.ValidationError({"items": [
                    _("Not items of this complaint: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}]})
        try:
            services.complaint_withdraw(user=request.user, complaint=complaint, item_ids=item_ids, note=data["note"])
        except services.NothingToWithdraw as nothing:
            return Response({"detail": str(nothing)}, status=status.HTTP_409_CONFLICT)
        return _complaint_response(request, pk)


# --- Answers to counter-notices --------------------------------------------------------------------

def _own_item(request, pk: int, item_id: int) -> ComplaintItem:
    # Another account's item, or an item of another complaint: 404, as if it did not exist.
    item = selectors.complaint_item_of(request.user, pk, item_id)
    if item is None:
        raise NotFound
    return item


def _answer_schema(operation_id: str, input_serializer, *, description: str, bad_input: str, **extra):
    """The schema of an answer to a counter-notice: both answer the complaint as it is now, and fail alike."""
    return extend_schema(operation_id=operation_id, tags=["complaints"], request=input_serializer,
                         description=description + " Answers the complaint as it is now.", responses={
                             200: ComplaintSerializer,
                             400: error_response(errors_of(input_serializer), bad_input),
                             404: detail_response("No filed complaint of yours has this id, or the item is not one "
                                                  "of its items."),
                             409: detail_response("The item awaits no answer (no counter-notice, or answered or "
                                                  "decided already), or the window to answer has closed."),
                         }, **extra)


class CounterNoticeAcceptApi(APIView):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="",
                                     help_text="Why, for the record (optional).")

    @_answer_schema("complaints_items_accept_counter_notice", InputSerializer, bad_input="The note is too long.",
                    description="Accept the seller's counter-notice on an item (`counter_noticed`, before its "
                                "`answer_by`): the listing stays on sale, the item becomes `counter_accepted` and the "
                                "seller is told.")
    def post(self, request, pk: int, item_id: int):
        item = _own_item(request, pk, item_id)
        data = validated(self.InputSerializer, request.data)
        try:
            services.counter_notice_accept(user=request.user, item_id=item.pk, note=data["note"])
        except services.ActionRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return _complaint_response(request, pk)


class ComplaintMaintainApi(APIView):
    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=5000, help_text="Why the counter-notice does not hold (required).")
        evidence = ListField(
            child=serializers.FileField(), required=False, default=list, max_length=services.MAX_EVIDENCE_FILES,
            help_text="Multipart requests only: more PDF, JPEG or PNG files; added to the complaint's evidence.")

    @_answer_schema("complaints_items_maintain", InputSerializer,
                    bad_input="The note is missing or blank, or a file is not a PDF, JPEG or PNG within the limit.",
                    description="Maintain the complaint against the seller's counter-notice on an item "
                                "(`counter_noticed`, before its `answer_by`), with a note and optionally more "
                                "evidence: the item becomes `in_decision` and a reviewer decides.",
                    examples=[OpenApiExample("Maintain", request_only=True, value={
                        "note": "The invoices are for another model; our test purchase shows a fake hologram."})])
    def post(self, request, pk: int, item_id: int):
        item = _own_item(request, pk, item_id)
        data = validated(self.InputSerializer, request.data)
        uploads = _checked_uploads(data["evidence"])
        try:
            services.complaint_maintain(user=request.user, item_id=item.pk, note=data["note"], evidence=uploads)
        except services.FilingRefused as refused:
            return _refusal(refused.errors)
        except services.ActionRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return _complaint_response(request, pk)
