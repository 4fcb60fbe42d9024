"""API plumbing shared by every app: domain errors become responses with localized messages and codes.

Every error body carries machine-readable codes, so API clients need not parse the (Chinese) text:

- validation (400): `{"<field>": ["message", …], "non_field_errors": [...], "codes": {"<field>": ["code", …]}}`
- permission (403), not found (404), conflict (409) and other domain errors: `{"detail": "…", "code": "…"}`

The schema (`core.schema.AutoSchema`) documents these bodies on every operation.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import DomainError

NON_FIELD_KEY = "non_field_errors"


def _details(errors: list[DjangoValidationError]) -> list[ErrorDetail]:
    return [ErrorDetail(message, code=error.code or "invalid") for error in errors for message in error]


def validation_detail(exc: DjangoValidationError) -> dict[str, list[ErrorDetail]]:
    """A Django ValidationError as DRF error details, keeping each message's code."""
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD_KEY if field == NON_FIELD_ERRORS else field): _details(errors)
            for field, errors in exc.error_dict.items()
        }
    return {NON_FIELD_KEY: _details(exc.error_list)}


def exception_handler(exc, context):
    """Turn domain errors from services into API responses with localized messages and codes."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DomainError):
        return Response({"detail": str(exc), "code": exc.code}, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        response.data["codes"] = exc.get_codes()
    elif isinstance(exc, exceptions.APIException) and isinstance(response.data, dict):
        if response.status_code == 404:
            response.data["detail"] = _("Not found.")
        codes = exc.get_codes()
        response.data.setdefault("code", codes if isinstance(codes, str) else exc.default_code)
    return response
