"""The OpenAPI schema tells the truth: every operation documents the error bodies that
`core.api.exception_handler` produces (400 validation with codes; 401, 403, 404, 409 and 429 with detail
and code), and a read-only field of a model that may be empty or NULL says so (``""`` in its choices,
``nullable``), so clients generated from the schema accept every answer the API really gives.
`tests/test_api_fuzz.py` holds the API to it with schemathesis."""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ErrorResponseSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Localized message for people.")
    code = serializers.CharField(
        help_text="Machine-readable code, e.g. not_found, permission_denied, conflict."
    )


class ValidationErrorResponseSerializer(serializers.Serializer):
    non_field_errors = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Messages not about one field."
    )
    codes = serializers.DictField(
        child=serializers.JSONField(),
        help_text="The same keys as the messages (each field, non_field_errors), each with the list of "
        'machine-readable codes of its messages, e.g. {"title": ["required"]}.',
    )

    class Meta:
        ref_name = "ValidationErrorResponse"


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {
            "400": OpenApiResponse(ValidationErrorResponseSerializer, description="Invalid input."),
            "401": OpenApiResponse(
                ErrorResponseSerializer, description="Not logged in (or the token is invalid)."
            ),
            "403": OpenApiResponse(ErrorResponseSerializer, description="Not allowed for this user."),
        }
        if "{" in self.path:
            errors["404"] = OpenApiResponse(
                ErrorResponseSerializer, description="No such record, or not visible."
            )
        elif self.method == "GET" and self._is_list_view() and self._get_paginator():
            errors["404"] = OpenApiResponse(ErrorResponseSerializer, description="No such page.")
        if self.method in UNSAFE_METHODS - {"DELETE"}:
            errors["415"] = OpenApiResponse(
                ErrorResponseSerializer,
                description="The body's content type is not one this operation reads.",
            )
        if self.method in UNSAFE_METHODS:
            errors["409"] = OpenApiResponse(
                ErrorResponseSerializer, description="The record changed meanwhile (someone acted first)."
            )
        errors["429"] = OpenApiResponse(
            ErrorResponseSerializer, description="Too many requests: wait (Retry-After) and try again."
        )
        for status_code, response in errors.items():
            if status_code not in responses:
                responses[status_code] = self._get_response_for_code(
                    response.response, status_code, direction=direction
                )
                responses[status_code]["description"] = response.description
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema and schema.get("type") == "array" and getattr(field, "allow_empty", True) is False:
            schema["minItems"] = max(schema.get("minItems", 0), 1)
        if not (field.read_only and schema) or "$ref" in schema:
            return schema
        path = _model_fields(field)
        if (field.default is None or any(f.null for f in path)) and not schema.get("nullable"):
            schema["nullable"] = True
        if len(path) == 1 and path[0].blank and "enum" in schema and "" not in schema["enum"]:
            schema["enum"] = [*schema["enum"], ""]
        return schema


def _model_fields(field) -> list[models.Field]:
    """The model fields a read-only serializer field reads along its ``source`` (``licensee.code``: the
    relation, then the code), as far as they are concrete fields; empty when it shows no model field."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or field.source == "*":
        return []
    path = []
    for step in field.source.split("."):
        try:
            model_field = model._meta.get_field(step)
        except FieldDoesNotExist:
            return path
        if not getattr(model_field, "concrete", False):
            return path
        path.append(model_field)
        model = model_field.related_model
        if model is None:
            break
    return path
