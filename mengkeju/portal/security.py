"""Login and API protections wired in settings: the lockout page (django-axes) and expiring API tokens."""

from __future__ import annotations

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.management.base import CommandError
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, with the reason and how long to wait (429), instead of axes' bare text."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = ngettext(
        "Too many failed log-in attempts for this user name. Try again in %(minutes)d minute.",
        "Too many failed log-in attempts for this user name. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    context = {
        "form": AuthenticationForm(request),
        "lockout_message": message,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come with a request (the login page, the admin).
    An authenticate() without one (a script, the test client) has no address to lock and goes on to
    the password check, as before axes."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens older than settings.API_TOKEN_DAYS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - timedelta(days=settings.API_TOKEN_DAYS):
            raise exceptions.AuthenticationFailed(
                _("This API token has expired: ask for a new one."), code="token_expired"
            )
        return user, token


def refuse_outside_demo_mode() -> None:
    """The demo data include a superuser with a published password: never load them into production."""
    if not settings.DEMO_MODE:
        raise CommandError(
            _(
                "The demo data (and its admin account with a published password) are only loaded in demo "
                "mode: set MENGKEJU_DEMO=1 (`make demo` does)."
            )
        )
