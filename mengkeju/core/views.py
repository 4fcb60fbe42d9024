"""View helpers: put a service's refusal where the person will see it; the site's 404/500 handlers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.core.exceptions import ValidationError
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.functional import Promise
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


def _page(request, template: str, status: int, exception=None):
    """An error page in the site's layout (navigation, language switch), localized."""
    context = {"request_path": request.path, "status": status}
    message = _exception_message(exception)
    if message:
        context["reason"] = message
    return render(request, template, context, status=status)


def _exception_message(exception) -> str:
    """The reason a view gave when it refused (PermissionDenied("…")), if it gave one in words."""
    if exception is None or not exception.args:
        return ""
    first = exception.args[0]
    return str(first) if isinstance(first, str | Promise) else ""


def bad_request(request, exception=None):
    """400: the API answers JSON with a code; pages answer in the site's layout."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("Bad request."), "code": "bad_request"}, status=400)
    return _page(request, "400.html", 400)


def permission_denied(request, exception=None):
    """403: the API answers JSON with a code; pages say what the person may do instead."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": _("You do not have permission to perform this action."), "code": "permission_denied"},
            status=403,
        )
    return _page(request, "403.html", 403, exception)


def not_found(request, exception=None):
    """404: the API answers JSON with a code, like every other API error; pages answer in the layout."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return _page(request, "404.html", 404)


def server_error(request):
    """500: the API answers JSON (a client parsing JSON gets JSON); pages answer in the layout, rendered
    without the request's context processors: the database may be what failed."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": _("Server error."), "code": "server_error"}, status=500)
    try:
        body = loader.get_template("500.html").render({"network_name": "蒙科聚", "status": 500})
    except Exception:  # the template itself is broken: a plain page rather than a second error
        return defaults.server_error(request)
    return HttpResponseServerError(body)
