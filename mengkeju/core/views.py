"""View helpers: put a service's refusal where the person will see it; the site's 404/500 handlers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def error_items(exc: ValidationError) -> Iterator[tuple[str | None, list[str]]]:
    """(field name or None, messages) pairs of a ValidationError, whatever its shape."""
    if hasattr(exc, "error_dict"):
        yield from exc.message_dict.items()
    else:
        yield None, exc.messages


def error_text(exc: ValidationError) -> str:
    """All messages of the error as one line, for a flash message."""
    return " ".join(exc.messages)


def attach_errors(form, exc: ValidationError, aliases: Mapping[str, str] | None = None) -> None:
    """Attach a service's ValidationError to a bound form: field errors to their fields (after
    renaming through `aliases`, service name → form field), the rest to the form as a whole."""
    for name, messages in error_items(exc):
        if name and aliases:
            name = aliases.get(name, name)
        form.add_error(name if name in form.fields else None, messages)


def not_found(request, exception=None):
    """404: the API answers JSON with a code, like every other API error; pages keep the site's 404."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500: the API answers JSON (a client parsing JSON gets JSON); pages keep the site's 500."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("Server error."), "code": "server_error"}, status=500)
    return defaults.server_error(request)
