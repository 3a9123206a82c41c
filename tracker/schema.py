"""OpenAPI schema generation: the schema says exactly what the API sends, and every operation
documents the errors it may answer."""

import inspect

from django.core.exceptions import FieldDoesNotExist, FieldError
from drf_spectacular import openapi
from drf_spectacular.plumbing import follow_model_field_lookup, force_instance, get_view_model
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.schemas.utils import get_pk_description

# A path variable matched by this pattern is a whole number: the schema says integer.
DIGITS = "^[0-9]+$"


class ErrorSerializer(serializers.Serializer):
    """The one error shape: `fields` maps each bad input field to its messages."""

    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(child=serializers.JSONField(), required=False)


def _nullable_source(model, field: serializers.Field) -> bool:
    """Whether a field's dotted source passes through a nullable model field (DRF then shows
    null); False when the path leaves the model's fields (a property, an annotation)."""
    for name in field.source_attrs:
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if getattr(model_field, "null", False):
            return True
        model = model_field.related_model
        if model is None:
            return False
    return False


class AutoSchema(openapi.AutoSchema):
    """Documents the error responses every operation may give, beside its own, and says
    exactly what a response holds: which fields are always there and which may be null."""

    READ_ERRORS = ("400", "401", "403", "404", "406", "429")
    WRITE_ERRORS = (*READ_ERRORS, "405", "409", "412", "413", "415", "422")

    def get_description(self) -> str:
        """The operation's docstring, else its view class's own: never one inherited from the
        shared machinery (ConditionalMixin's would describe every list to clients)."""
        view_class = type(self.view)
        own = vars(view_class).get("__doc__") or ""
        return super().get_description() if own else self._action_description()

    def _action_description(self) -> str:
        name = getattr(self.view, "action", None) or self.method.lower()
        method = vars(type(self.view)).get(name)
        doc = getattr(method, "__doc__", None) or ""
        return inspect.cleandoc(doc)

    def _map_basic_serializer(self, serializer, direction):
        """A model serializer's output holds every one of its fields (DRF writes each, null
        included): in a response, all are required, and a field whose source crosses a
        nullable model field (`reviewed_by`) is nullable."""
        schema = super()._map_basic_serializer(serializer, direction)
        serializer = force_instance(serializer)
        if direction != "response" or not isinstance(serializer, serializers.ModelSerializer):
            return schema
        model = serializer.Meta.model
        properties = schema["properties"]
        for name, field in serializer.fields.items():
            if name not in properties or isinstance(field, serializers.ManyRelatedField):
                continue
            if _nullable_source(model, field) and "$ref" not in properties[name]:
                properties[name]["nullable"] = True
        if properties:  # OpenAPI 3.0: `required` lists at least one name, or is left out
            schema["required"] = list(properties)
        return schema

    def _resolve_path_parameters(self, variables):
        """Path ids matched by DIGITS are integers: typed from the model field they look up,
        described (the pk's stock text, or what a lookup other than the pk is), or a plain
        integer when the view's model is out of reach."""
        parameters = super()._resolve_path_parameters(variables)
        model = get_view_model(self.view, emit_warnings=False)
        for parameter in parameters:
            if parameter["schema"].get("pattern") != DIGITS:
                continue
            parameter["schema"] = {"type": "integer", "minimum": 0}
            if model is None:
                continue
            try:
                field = follow_model_field_lookup(model, getattr(self.view, "lookup_field", "pk"))
            except FieldError:
                continue
            schema = self._map_model_field(field, direction=None)
            schema.pop("readOnly", None)
            # DIGITS: never negative (such a path is a 404 like any unknown one).
            schema["minimum"] = max(schema.get("minimum", 0), 0)
            parameter["schema"] = schema
            if field.primary_key:
                parameter.setdefault("description", get_pk_description(model, field))
            else:
                parameter.setdefault(
                    "description",
                    f"The {field.verbose_name} of the {model._meta.verbose_name}.",
                )
        return parameters

    def _sends_not_modified(self) -> bool:
        """A GET answers 304 where it takes If-None-Match: the views that declare the header
        are the ones that send an ETag."""
        return self.method == "GET" and any(
            getattr(parameter, "name", None) == "If-None-Match"
            and parameter.location == OpenApiParameter.HEADER
            for parameter in self.get_override_parameters()
        )

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self._sends_not_modified():
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
