"""Reviewers decide complaint items through the API: the queue of items waiting, and one decision on one item.

As thin as the page (``views_review``), and taking the same decisions through the same table
(``views_review.DECISIONS``): accept or reject an item in review, take down or reinstate one awaiting a
decision. Only reviewers and admins (403 for other roles). An input the decision cannot take answers 400; a
decision the item's state does not allow (now: someone may have decided it first) answers 409 and changes nothing.
"""

from django.conf import settings
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
from ipr.models import IPR

from . import selectors, services
from .models import Complaint, ComplaintItem, ItemRejectionReason, Platform
from .views_review import DECISIONS, decision_problems, decision_take


class IsReviewer(BasePermission):
    message = gettext_lazy("Only reviewers decide complaint items.")

    def has_permission(self, request, view) -> bool:
        return request.user.is_reviewer


class QueueListingSerializer(serializers.Serializer):
    listing_id = serializers.CharField()
    url = serializers.CharField()
    title = serializers.CharField()
    seller = serializers.CharField(source="shop.name", help_text="The shop's name.")
    status = serializers.CharField(help_text="active, or removed (taken down).")


class QueueIprSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="trademark, patent, copyright or other.")
    number = serializers.CharField()
    jurisdiction = serializers.CharField(help_text="Where it is registered, as a two-letter code.")


class QueueEntrySerializer(serializers.Serializer):
    """A complaint item waiting for a reviewer (or, answering a decision, as it is after it)."""

    id = serializers.IntegerField(help_text="The complaint item's id: decide it at /api/v1/review/items/{id}/decide/.")
    state = serializers.CharField(help_text="in_review (accept or reject) or in_decision (take_down or reinstate); "
                                            "after a decision, the state it moved to.")
    platform = serializers.CharField(source="complaint.platform_id")
    reason = serializers.CharField(source="complaint.reason", help_text="The complaint's reason code.")
    complaint_reference = serializers.CharField(source="complaint.reference")
    listing = QueueListingSerializer()
    ipr = QueueIprSerializer(source="complaint.ipr", allow_null=True,
                             help_text="The right complained under; null for a DMCA notice (a copyright work).")
    review_due_on = serializers.DateField(source="due_on", allow_null=True,
                                          help_text="The review (in_review) or the decision (in_decision) is due by "
                                                    "this day, counted in China's working days.")
    waiting_since = serializers.DateTimeField(allow_null=True, help_text="When the item moved into its state.")
    has_counter_notice = serializers.BooleanField()
    complainant_in_good_faith = serializers.BooleanField(help_text="The complainant is a Good Faith member.")
    claimed_by = serializers.SerializerMethodField(help_text="The email of the reviewer whose claim runs; null if none.")
    claimed_until = serializers.SerializerMethodField(help_text="When that claim lapses; null if none.")

    def get_claimed_by(self, item) -> str | None:
        return item.claim_holder_email if item.claim_runs() else None  # selectors._review_rows

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_claimed_until(self, item):
        return serializers.DateTimeField().to_representation(item.claimed_until) if item.claim_runs() else None


class QueueFilterSerializer(serializers.Serializer):
    """The queue's filters, as the queue page has them (every one optional)."""

    state = serializers.ChoiceField(choices=[state.value for state in selectors.AWAITING_REVIEWER], required=False,
                                    help_text="in_review or in_decision; both when absent.")
    platform = serializers.ChoiceField(choices=Platform.Code.choices, required=False)
    ipr_kind = serializers.ChoiceField(choices=[*IPR.Kind.values, "dmca"], required=False,
                                       help_text="The kind of the right complained under; dmca: DMCA notices.")
    reason = serializers.ChoiceField(choices=Complaint.Reason.values, required=False)
    complainant = serializers.CharField(required=False, max_length=100, help_text="Part of a name or email.")
    good_faith = serializers.ChoiceField(choices=["members", "others"], required=False,
                                         help_text="Complainants who are Good Faith members, or the others.")
    breaching_sla = serializers.BooleanField(required=False, default=False, help_text="Only items past their due day.")
    waited_days = serializers.IntegerField(required=False, min_value=1, max_value=365,
                                           help_text="Only items waiting at least this many days.")
    claims = serializers.ChoiceField(choices=["free", "mine"], required=False,
                                     help_text="free: not claimed by another reviewer; mine: claimed by you.")
    sort = serializers.ChoiceField(choices=selectors.QueueSort.values, required=False,
                                   default=selectors.QueueSort.WAITING)


class ReviewQueueApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewer]
    pagination_class = Pagination

    @extend_schema(
        operation_id="review_queue_list", tags=["review"], parameters=[QueueFilterSerializer],
        description="Complaint items waiting for a reviewer, the longest waiting first (or as `sort` asks): in "
                    "review (accept or reject) and awaiting a decision after a counter-notice (take down or "
                    "reinstate). Items another reviewer has claimed are listed with their claim; `claims=free` "
                    "leaves them out.",
        responses={
            200: QueueEntrySerializer(many=True),
            400: error_response(errors_of(QueueFilterSerializer), "A filter with a value it does not take."),
            403: detail_response("Only reviewers decide complaint items."),
        },
    )
    def get(self, request):
        filters = validated(QueueFilterSerializer, request.query_params)
        found = selectors.review_queue(selectors.QueueFilters(**filters), reviewer=request.user)
        return paginated_response(view=self, rows=found, serializer_class=QueueEntrySerializer)


class ClaimsApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewer]

    class InputSerializer(QueueFilterSerializer):
        count = serializers.IntegerField(min_value=1, max_value=settings.IPP_REVIEW_CLAIM_BATCH_MAX, required=False,
                                         default=10, help_text="How many items to claim, in the queue's order.")
        items = ListField(child=serializers.IntegerField(), required=False, max_length=200,
                                      help_text="Claim these items (when free) instead of the next ones in the queue.")

    @extend_schema(
        operation_id="review_claims_create", tags=["review"], request=InputSerializer,
        description="Claim a batch of the queue for yourself: the next `count` items free for you that match the "
                    "filters (those of the queue), or the `items` named. Other reviewers then see them claimed and "
                    "cannot decide them until the claim lapses (IPP_REVIEW_CLAIM_MINUTES, 30 by default) or you "
                    "release it; deciding an item ends its claim. Two reviewers claiming at once never get the "
                    "same item.",
        responses={
            201: QueueEntrySerializer(many=True),
            400: error_response(errors_of(InputSerializer), "A filter or count it does not take."),
            403: detail_response("Only reviewers decide complaint items."),
        },
        examples=[OpenApiExample("The next ten trademark items on Taobao", request_only=True,
                                 value={"count": 10, "platform": "taobao", "ipr_kind": "trademark"})],
    )
    def post(self, request):
        data = validated(self.InputSerializer, request.data)
        count, chosen = data.pop("count"), data.pop("items", None)
        items = selectors.review_queue(selectors.QueueFilters(**data), reviewer=request.user)
        if chosen is not None:
            items, count = items.filter(pk__in=chosen), len(chosen)
        claimed = services.items_claim(reviewer=request.user, items=items, count=count)
        rows = {row.pk: row for row in selectors.review_queue(reviewer=request.user).filter(pk__in=claimed)}
        return Response(QueueEntrySerializer([rows[pk] for pk in claimed if pk in rows], many=True).data,
                        status=status.HTTP_201_CREATED)


class ClaimsReleaseApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewer]

    class InputSerializer(serializers.Serializer):
        items = ListField(child=serializers.IntegerField(), required=False, max_length=200,
                                      help_text="Release these of your claims; all of them when absent.")

    class OutputSerializer(serializers.Serializer):
        released = serializers.IntegerField()

    @extend_schema(
        operation_id="review_claims_release", tags=["review"], request=InputSerializer,
        description="Give back your claims (all, or the `items` named) so other reviewers can take them.",
        responses={
            200: OutputSerializer,
            400: error_response(errors_of(InputSerializer), "`items` is not a list of ids."),
            403: detail_response("Only reviewers decide complaint items."),
        },
    )
    def post(self, request):
        data = validated(self.InputSerializer, request.data)
        return Response({"released": services.items_release(reviewer=request.user, item_ids=data.get("items"))})


class ItemDecideApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewer]

    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(
            choices=list(DECISIONS), help_text="In review: accept or reject. Awaiting a decision: take_down or "
                                               "reinstate.")
        reason = serializers.CharField(
            required=False, allow_blank=True, default="", max_length=40,
            help_text="reject only, and required there: " + ", ".join(ItemRejectionReason.values) + ".")
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                     help_text="For the record; the parties see it in the item's history. Required "
                                               "with the reason other.")

        def validate(self, data):
            problems = decision_problems(decision=data["decision"], reason=data["reason"], note=data["note"])
            if problems:
                raise serializers.ValidationError(problems)
            return data

    @extend_schema(
        operation_id="review_items_decide", tags=["review"], request=InputSerializer,
        description="Decide one complaint item. Accepting notifies the seller (its window to file a counter-notice "
                    "opens); rejecting tells the complainant; taking down removes the listing; reinstating keeps "
                    "it. Answers the item as it is after the decision.",
        responses={
            200: QueueEntrySerializer,
            400: error_response(errors_of(InputSerializer), "An unknown decision, or a rejection without a valid "
                                                            "reason (or with the reason other and no note)."),
            403: detail_response("Only reviewers decide complaint items."),
            404: detail_response("No complaint item has this id."),
            409: detail_response("The item's state does not allow this decision (it was decided or moved "
                                 "meanwhile, or waits for another kind of decision). Nothing changed."),
        },
        examples=[
            OpenApiExample("Accept", request_only=True, value={"decision": "accept", "note": "Logo on the box."}),
            OpenApiExample("Reject", request_only=True, value={
                "decision": "reject", "reason": "use_not_found", "note": "No ACME mark in the photos."}),
            OpenApiExample("Take down", request_only=True, value={
                "decision": "take_down", "note": "The invoices are for another model."}),
        ],
    )
    def post(self, request, item_id: int):
        if not ComplaintItem.objects.filter(pk=item_id).exists():
            raise NotFound
        data = validated(self.InputSerializer, request.data)
        try:
            decision_take(reviewer=request.user, item_id=item_id, decision=data["decision"], reason=data["reason"],
                          note=data["note"].strip())
        except services.ActionRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(QueueEntrySerializer(selectors.review_row(item_id)).data)
