"""OpenAPI schema generation: every operation documents the errors it may answer."""

from drf_spectacular import openapi
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The one error shape: `fields` maps each bad input field to its messages."""

    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(child=serializers.JSONField(), required=False)


class AutoSchema(openapi.AutoSchema):
    """Documents the error responses every operation may give, beside its own."""

    READ_ERRORS = ("400", "401", "403", "404", "406", "429")
    WRITE_ERRORS = (*READ_ERRORS, "405", "409", "412", "413", "415", "422")

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method == "GET":
            responses.setdefault("304", {"description": "Not modified (If-None-Match)"})
        codes = self.READ_ERRORS if self.method == "GET" else self.WRITE_ERRORS
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        return responses


# OpenAPI links: what a client (and schemathesis' stateful phase) may do with a response.
_UPDATE_ID = {"id": "$response.body#/id"}
_LINKS = {
    ("/api/v1/status-updates/", "post", "201"): {
        "GetUpdate": {"operationId": "v1_status_updates_retrieve", "parameters": _UPDATE_ID},
        "SubmitUpdate": {
            "operationId": "v1_status_updates_submit_create",
            "parameters": _UPDATE_ID,
        },
        "WithdrawUpdate": {
            "operationId": "v1_status_updates_withdraw_create",
            "parameters": _UPDATE_ID,
        },
        "ApproveUpdate": {
            "operationId": "v1_status_updates_approve_create",
            "parameters": _UPDATE_ID,
        },
        "RejectUpdate": {
            "operationId": "v1_status_updates_reject_create",
            "parameters": _UPDATE_ID,
        },
        "GetCommitment": {
            "operationId": "v1_commitments_retrieve",
            "parameters": {"id": "$response.body#/commitment"},
        },
    },
    ("/api/v1/commitments/{id}/", "get", "200"): {
        "GetHistory": {
            "operationId": "v1_commitments_history_list",
            "parameters": {"id": "$response.body#/id"},
        },
    },
    ("/api/v1/status-updates/{id}/approve/", "post", "200"): {
        "GetCommitment": {
            "operationId": "v1_commitments_retrieve",
            "parameters": {"id": "$response.body#/id"},
        },
    },
}


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: adds the OpenAPI links above."""
    for (path, method, code), links in _LINKS.items():
        response = result["paths"][path][method]["responses"][code]
        response["links"] = links
    return result
