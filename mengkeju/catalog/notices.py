"""Who is told about a catalog record's review (services.transition calls this inside its transaction):
the owner organization's active members and the record's author, never the reviewer themself."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from mengkeju.network.models import User
from mengkeju.notifications.models import Notification
from mengkeju.notifications.services import notify

from .models import Achievement, Action


def owner_people(listing) -> list:
    """The owner organization's active members, then the record's author (once each)."""
    members = list(
        User.objects.filter(organization_id=listing.owner_id, role=User.Role.MEMBER, is_active=True).order_by(
            "pk"
        )
    )
    if listing.created_by_id and listing.created_by.is_active:
        members.append(listing.created_by)
    return members


def review_outcome(listing, action: str, *, by, reason: str = "") -> None:
    if action not in (Action.PUBLISH, Action.RETURN):
        return
    kind = "achievement" if isinstance(listing, Achievement) else "demand"
    url = reverse(f"catalog:{kind}-detail", args=[listing.pk])
    with translation.override(settings.LANGUAGE_CODE):
        noun = _("achievement") if kind == "achievement" else _("demand")
        if action == Action.PUBLISH:
            message = _("Your %(noun)s “%(title)s” was published.") % {"noun": noun, "title": listing.title}
        else:
            message = _("Your %(noun)s “%(title)s” was returned for revision: %(reason)s") % {
                "noun": noun,
                "title": listing.title,
                "reason": reason,
            }
    notify(
        [p for p in owner_people(listing) if p.pk != getattr(by, "pk", None)],
        message,
        url,
        kind=Notification.Kind.REVIEW,
    )
