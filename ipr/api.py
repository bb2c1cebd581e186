"""The caller's IP rights, read-only: a complaint names one of them by its id."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ipp.api import Pagination, detail_response, paginated_response

from . import selectors


class IprSerializer(serializers.Serializer):
    """One IP right as a complaint names it."""

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="trademark, patent, copyright or other.")
    status = serializers.CharField(
        help_text="draft, pending, approved, failed or withdrawn; only an approved right supports complaints.")
    name = serializers.CharField()
    number = serializers.CharField()
    jurisdiction = serializers.CharField(help_text="The office: an ISO country code, or EU / WO.")
    owner_name = serializers.CharField()
    classes = serializers.SerializerMethodField(help_text="A trademark's Nice classes (1-45).")
    expires_on = serializers.DateField(allow_null=True)

    def get_classes(self, ipr) -> list[int]:
        return [nice_class.number for nice_class in ipr.classes.all()]


class IprListApi(APIView):
    """The caller's rights, newest first."""

    pagination_class = Pagination

    @extend_schema(operation_id="iprs_list", tags=["iprs"], responses={200: IprSerializer(many=True)})
    def get(self, request):
        return paginated_response(view=self, rows=selectors.iprs_of(request.user), serializer_class=IprSerializer)


class IprDetailApi(APIView):
    @extend_schema(operation_id="iprs_retrieve", tags=["iprs"], responses={
        200: IprSerializer, 404: detail_response("No IP right of yours has this id.")})
    def get(self, request, pk: int):
        ipr = selectors.iprs_of(request.user).filter(pk=pk).first()
        if ipr is None:
            raise NotFound
        return Response(IprSerializer(ipr).data)
