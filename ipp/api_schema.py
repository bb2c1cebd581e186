"""How the API names things in its OpenAPI schema (``DEFAULT_SCHEMA_CLASS``).

A module of its own: drf-spectacular imports it while DRF's generic views load, so it must
not import the API's views (their ``extend_schema`` decorators import this module).
"""

from drf_spectacular import openapi


class AutoSchema(openapi.AutoSchema):
    def get_serializer_name(self, serializer, direction) -> str:
        # Every API class nests its own InputSerializer / OutputSerializer: name each schema
        # component after its class ("ComplaintWithdrawApi.InputSerializer" → "ComplaintWithdrawInput").
        outer, _dot, inner = type(serializer).__qualname__.rpartition(".")
        return outer.removesuffix("Api") + inner if outer else inner
