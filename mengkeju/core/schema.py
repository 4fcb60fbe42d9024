"""The OpenAPI schema tells the truth about errors: every operation documents the error bodies that
`core.api.exception_handler` produces (400 validation with codes; 401, 403, 404 and 409 with detail and code)."""

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
        if self.method in UNSAFE_METHODS:
            errors["409"] = OpenApiResponse(
                ErrorResponseSerializer, description="The record changed meanwhile (someone acted first)."
            )
        for status_code, response in errors.items():
            if status_code not in responses:
                responses[status_code] = self._get_response_for_code(
                    response.response, status_code, direction=direction
                )
                responses[status_code]["description"] = response.description
        return responses
