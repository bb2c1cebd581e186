"""Reviewers decide complaint items through the API: the queue of items waiting, and one decision on one item.

As thin as the page (``views_review``), and taking the same decisions through the same table
(``views_review.DECISIONS``): accept or reject an item in review, take down or reinstate one awaiting a
decision. Only reviewers and admins (403 for other roles). An input the decision cannot take answers 400; a
decision the item's state does not allow (now: someone may have decided it first) answers 409 and changes nothing.
"""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ipp.api import (
    Pagination,
    detail_response,
    error_response,
    errors_of,
    paginated_response,
    validated,
)

from . import selectors, services
from .models import ComplaintItem, ItemRejectionReason, Platform
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
                                          help_text="While in_review: the review is due by this day (China's working "
                                                    "days); null otherwise.")
    waiting_since = serializers.DateTimeField(allow_null=True, help_text="When the item moved into its state.")
    has_counter_notice = serializers.BooleanField()


class ReviewQueueApi(APIView):
    permission_classes = [IsAuthenticated, IsReviewer]
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=[state.value for state in selectors.AWAITING_REVIEWER], required=False,
                                        help_text="in_review or in_decision; both when absent.")
        platform = serializers.ChoiceField(choices=Platform.Code.choices, required=False)

    @extend_schema(
        operation_id="review_queue_list", tags=["review"], parameters=[FilterSerializer],
        description="Complaint items waiting for a reviewer, the longest waiting first: in review (accept or "
                    "reject) and awaiting a decision after a counter-notice (take down or reinstate).",
        responses={
            200: QueueEntrySerializer(many=True),
            400: error_response(errors_of(FilterSerializer), "An unknown state or platform."),
            403: detail_response("Only reviewers decide complaint items."),
        },
    )
    def get(self, request):
        filters = validated(self.FilterSerializer, request.query_params)
        found = selectors.items_awaiting_reviewer(state=filters.get("state", ""), platform=filters.get("platform", ""))
        return paginated_response(view=self, rows=found, serializer_class=QueueEntrySerializer)


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
