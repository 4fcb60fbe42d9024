"""API plumbing shared by every app: domain errors become responses with localized messages and codes.

Every error body carries machine-readable codes, so API clients need not parse the (Chinese) text:

- validation (400): `{"<field>": ["message", …], "non_field_errors": [...], "codes": {"<field>": ["code", …]}}`
- not logged in (401), permission (403), not found (404), conflict (409) and other domain errors: `{"detail": "…", "code": "…"}`

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
    elif isinstance(exc, exceptions.ParseError):  # every 400 has the validation shape
        exc = exceptions.ValidationError(
            {NON_FIELD_KEY: [ErrorDetail(str(exc.detail), code=exc.default_code)]}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DomainError):
        return Response({"detail": str(exc), "code": exc.code}, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(response.data, dict):
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data["codes"] = exc.get_codes()
    elif response.status_code == 404:  # also Django's Http404 (get_object_or_404): one message, no model name
        response.data["detail"] = _("Not found.")
        response.data["code"] = "not_found"
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        response.data.setdefault("code", codes if isinstance(codes, str) else "error")
    return response
