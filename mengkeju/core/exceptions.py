"""Domain errors shared by every app. Each carries a machine-readable `code` besides its localized
message, so API clients need not parse the text (the API answers `{"detail": …, "code": …}`).

Validation failures use Django's own `ValidationError` with `code=`; permission refusals use
Django's `PermissionDenied`. Only what Django lacks lives here.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a service raises that are neither validation nor permission problems."""

    code = "error"
    status = 400

    def __init__(self, message: str = "", *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class ConflictError(DomainError):
    """The record changed since the user loaded it (another person acted first). The API answers 409."""

    code = "conflict"
    status = 409
