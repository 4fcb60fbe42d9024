"""Who is told about a deal or a contract (services call these inside their transactions):

- a deal opened or moved: the members of both parties (buyer and seller organizations) and the broker
  (the responsible sub-center's staff are told of a new deal by services._notify_node);
- a contract submitted for registration, registered or refused: the members of its parties.

Never the person who acted."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from mengkeju.network.models import User
from mengkeju.notifications.models import Notification
from mengkeju.notifications.services import notify

from .models import DealEvent, RegistrationEvent, Stage


def _members(org_ids) -> list:
    ids = [pk for pk in org_ids if pk]
    if not ids:
        return []
    return list(
        User.objects.filter(organization_id__in=ids, role=User.Role.MEMBER, is_active=True).order_by("pk")
    )


def _others(people, by) -> list:
    return [p for p in people if p is not None and p.pk != getattr(by, "pk", None)]


def deal_event(deal, kind: str, *, by, to_stage: str = "", note: str = "") -> None:
    if kind not in (DealEvent.Kind.OPENED, DealEvent.Kind.STAGE):
        return
    people = [*_members([deal.buyer_id, deal.seller_id]), deal.broker]
    with translation.override(settings.LANGUAGE_CODE):
        if kind == DealEvent.Kind.OPENED:
            message = _("A deal was opened: %(title)s") % {"title": deal.title}
        else:
            message = _("Deal “%(title)s” moved to %(stage)s.") % {
                "title": deal.title,
                "stage": Stage(to_stage).label,
            }
            if note:
                message += " " + note
    notify(
        _others(people, by),
        message,
        reverse("deals:deal-detail", args=[deal.pk]),
        kind=Notification.Kind.DEAL,
    )


def registration_event(registration, action: str, *, by, note: str = "") -> None:
    Action = RegistrationEvent.Action
    if action not in (Action.SUBMIT, Action.AMEND, Action.REGISTER, Action.REFUSE):
        return
    contract = registration.contract
    people = _members({p.organization_id for p in contract.parties.all()})
    with translation.override(settings.LANGUAGE_CODE):
        title = {"title": contract.title}
        if action in (Action.SUBMIT, Action.AMEND):
            message = _("Contract “%(title)s” was submitted for registration.") % title
        elif action == Action.REGISTER:
            message = _("Contract “%(title)s” was registered under %(number)s.") % {
                **title,
                "number": registration.number,
            }
        else:
            message = _("Contract “%(title)s” was refused registration: %(reason)s") % {
                **title,
                "reason": note or registration.refused_message,
            }
    url = reverse("deals:contract-detail", args=[contract.pk])
    notify(_others(people, by), message, url, kind=Notification.Kind.CONTRACT)
