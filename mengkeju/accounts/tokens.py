"""Signed, expiring links: e-mail verification. (Password reset uses Django's own token generator.)"""

from __future__ import annotations

from django.core import signing

EMAIL_SALT = "mengkeju.accounts.verify-email"
EMAIL_MAX_AGE = 3 * 24 * 3600  # three days


def email_token(user) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=EMAIL_SALT)


def read_email_token(token: str) -> dict | None:
    """{"u": user id, "e": address} or None for a forged, altered or expired token."""
    try:
        return signing.loads(token, salt=EMAIL_SALT, max_age=EMAIL_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
