"""API plumbing shared by every app: domain errors become responses with localized messages and codes."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import ConflictError, DomainError


def exception_handler(exc, context):
    """Turn domain errors from services into API responses with localized messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, ConflictError):
        return Response({"detail": str(exc), "code": exc.code}, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, DomainError):
        return Response({"detail": str(exc), "code": exc.code}, status=exc.status)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 404 and isinstance(response.data, dict):
        response.data["detail"] = _("Not found.")
    return response
