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

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        """Each operation's own answers, and two every operation of a kind gives: 401 to a request without a valid
        token (every operation but the token's), and 404 for a page past the last (every list)."""
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        if operation.get("security"):
            responses.setdefault("401", self._detail("No token, or an unknown or revoked one."))
        if any(parameter["in"] == "query" and parameter["name"] == "page" for parameter in operation.get("parameters", [])):
            responses.setdefault("404", self._detail("`page` is past the last page."))
        return operation

    def _detail(self, description: str) -> dict:
        # Imported here: the API's modules are loaded by the time a schema is generated, not when this one is.
        from ipp.api import DetailSerializer

        return {"content": {"application/json": {"schema": self.resolve_serializer(DetailSerializer, "response").ref}},
                "description": description}
