"""The seller's notices through the API: list them, read one, file a counter-notice.

As thin as the pages (``views_seller``): the rules are in ``services.counter_notice_file``, the
reads in ``selectors``. A notice's ``id`` is its complaint item's id. Only sellers use these
operations (403 for other roles); another seller's item, or one that has not reached its
seller yet, answers 404 as if it did not exist.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ipp.api import (
    ListField,
    Pagination,
    detail_response,
    error_response,
    errors_of,
    paginated_response,
    validated,
)
from ipp.documents import check_upload

from . import selectors, services
from .models import ComplaintItem, CounterNotice


class IsSeller(BasePermission):
    message = gettext_lazy("Only sellers have notices.")

    def has_permission(self, request, view) -> bool:
        return request.user.is_seller


# --- What a notice looks like, everywhere it is returned ---------------------------------------------

class NoticeDocumentSerializer(serializers.Serializer):
    name = serializers.CharField(source="document.original_name")
    url = serializers.SerializerMethodField()

    def get_url(self, evidence) -> str:
        """The file on the portal: it opens in a browser signed in to the portal as you."""
        return self.context["request"].build_absolute_uri(reverse("document", args=[evidence.document_id]))


class NoticeListingSerializer(serializers.Serializer):
    listing_id = serializers.CharField()
    url = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField(help_text="active, or removed (taken down).")


class NiceClassSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    goods_services = serializers.CharField()


class NoticeIprSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="trademark, patent, copyright or other.")
    name = serializers.CharField()
    number = serializers.CharField()
    jurisdiction = serializers.CharField(help_text="Where it is registered, as a two-letter code.")
    owner_name = serializers.CharField()
    classes = NiceClassSerializer(many=True, source="classes.all", help_text="A trademark's Nice classes.")


class NoticeComplainantSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField()


class NoticeComplaintSerializer(serializers.Serializer):
    reference = serializers.CharField()
    reason = serializers.CharField()
    ipr = NoticeIprSerializer(allow_null=True, help_text="Null for a DMCA notice (a copyright work, no registered "
                                                        "right).")
    complainant = serializers.SerializerMethodField(help_text="All a seller is told of the complainant.")
    description = serializers.CharField(help_text="What the complainant's evidence shows.")
    evidence = NoticeDocumentSerializer(many=True, source="evidence.all")

    @extend_schema_field(NoticeComplainantSerializer)
    def get_complainant(self, complaint) -> dict:
        name, email = selectors.notice_complainant(complaint)
        return {"name": name, "email": email}


class SellerCounterNoticeSerializer(serializers.Serializer):
    ground = serializers.CharField()
    statement = serializers.CharField()
    perjury_statement = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    evidence = NoticeDocumentSerializer(many=True, source="evidence.all")


class NoticeSerializer(serializers.Serializer):
    """A complaint item on one of your listings that reached you."""

    id = serializers.IntegerField(help_text="The complaint item's id.")
    state = serializers.CharField(help_text="seller_notified (yours to answer), counter_noticed, in_decision, "
                                            "counter_accepted, reinstated, taken_down, withdrawn or held.")
    platform = serializers.CharField(source="complaint.platform_id")
    listing = NoticeListingSerializer()
    complaint = NoticeComplaintSerializer()
    notified_at = serializers.DateTimeField()
    respond_by = serializers.DateTimeField(allow_null=True, help_text="File a counter-notice before this time; "
                                                                      "without one the listing is taken down.")
    counter_notice = serializers.SerializerMethodField()

    @extend_schema_field(SellerCounterNoticeSerializer(allow_null=True))
    def get_counter_notice(self, item) -> dict | None:
        notice = getattr(item, "counter_notice", None)  # a missing one reads as None
        return SellerCounterNoticeSerializer(notice, context=self.context).data if notice else None


def _notice_response(request, item_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
    item = selectors.notice_of(request.user, item_id)
    if item is None:
        raise NotFound
    return Response(NoticeSerializer(item, context={"request": request}).data, status=status_code)


# --- The operations --------------------------------------------------------------------------------

class NoticesApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=[state.value for state in selectors.NOTICE_STATES], required=False,
                                        help_text="Only notices in this state; seller_notified: those to answer.")

    @extend_schema(
        operation_id="notices_list", tags=["notices"], parameters=[FilterSerializer],
        description="The notices about your listings: those to answer (seller_notified) first, then the newest.",
        responses={
            200: NoticeSerializer(many=True),
            400: error_response(errors_of(FilterSerializer), "An unknown state."),
            403: detail_response("Only sellers have notices."),
        },
    )
    def get(self, request):
        filters = validated(self.FilterSerializer, request.query_params)
        return paginated_response(view=self, rows=selectors.notice_details(
            selectors.notices_of(request.user, state=filters.get("state", ""))),
                                  serializer_class=NoticeSerializer)


class NoticeDetailApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    @extend_schema(operation_id="notices_retrieve", tags=["notices"], responses={
        200: NoticeSerializer,
        403: detail_response("Only sellers have notices."),
        404: detail_response("No notice about your listings has this id."),
    })
    def get(self, request, item_id: int):
        return _notice_response(request, item_id)


class CounterNoticeFileApi(APIView):
    permission_classes = [IsAuthenticated, IsSeller]

    class InputSerializer(serializers.Serializer):
        statement = serializers.CharField(max_length=5000, help_text="Why the listing does not infringe.")
        perjury_statement = serializers.BooleanField(help_text=(
            "I state under penalty of perjury that I have a good faith belief the listing was complained about "
            "as a result of a mistake or misidentification, and that this counter-notice is accurate. Must be "
            "true."))
        ground = serializers.ChoiceField(choices=CounterNotice.Ground.choices, default=CounterNotice.Ground.OTHER,
                                         help_text="The ground of the counter-notice; other when absent.")
        evidence = ListField(
            child=serializers.FileField(), required=False, default=list, max_length=services.MAX_EVIDENCE_FILES,
            help_text="Multipart requests only: PDF, JPEG or PNG files (an authorisation, invoices, the "
                      "certificate of your own right).")

    @extend_schema(
        operation_id="notices_counter_notice", tags=["notices"], request=InputSerializer,
        description="File a counter-notice on a notice you may still answer (seller_notified, before "
                    "respond_by). The complainant is told and may accept it; otherwise the platform decides.",
        responses={
            201: NoticeSerializer,
            400: error_response(errors_of(InputSerializer), "Not filed: the problems of each input."),
            403: detail_response("Only sellers file counter-notices."),
            404: detail_response("No notice about your listings has this id."),
            409: detail_response("The window has closed, or the notice is answered or decided already."),
        },
        examples=[OpenApiExample("A counter-notice", request_only=True, value={
            "statement": "Bought from the brand's distributor in Shenzhen; invoices attached.",
            "perjury_statement": True})],
    )
    def post(self, request, item_id: int):
        if selectors.notice_of(request.user, item_id) is None:
            raise NotFound
        data = validated(self.InputSerializer, request.data)
        uploads, problems = [], []
        for upload in data["evidence"]:
            try:
                uploads.append(check_upload(upload))
            except DjangoValidationError as error:
                problems.extend(f"{upload.name}: {message}" for message in error.messages)
        if problems:
            return Response({"evidence": problems}, status=status.HTTP_400_BAD_REQUEST)
        try:
            services.counter_notice_file(seller=request.user, item_id=item_id, ground=data["ground"],
                                         statement=data["statement"], perjury_statement=data["perjury_statement"],
                                         evidence=uploads)
        except services.FilingRefused as refused:
            return Response({key: [str(m) for m in messages] for key, messages in refused.errors.items()},
                            status=status.HTTP_400_BAD_REQUEST)
        except services.ActionRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        except ComplaintItem.DoesNotExist as missing:  # the shop changed hands since the check above
            raise NotFound from missing
        return _notice_response(request, item_id, status_code=status.HTTP_201_CREATED)
