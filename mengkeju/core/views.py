"""View helpers: put a service's refusal where the person will see it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.core.exceptions import ValidationError


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
