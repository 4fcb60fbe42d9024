"""Account e-mails, sent by the worker (never inside a web request): the e-mail verification link and
invitations. Links are absolute (SITE_URL)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from mengkeju.core.jobs import job

from .models import Invitation
from .tokens import email_token


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@job(retries=5, backoff=60)
def send_verification_email(user_id: int) -> bool:
    user = get_user_model().objects.filter(pk=user_id).exclude(email="").first()
    if user is None:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        link = _link(reverse("accounts:verify-email", args=[email_token(user)]))
        send_mail(
            subject=_("[%(site)s] Confirm your e-mail address") % {"site": _("Mengkeju")},
            message=_("Open this link within three days to confirm your e-mail address:\n\n%(link)s\n")
            % {"link": link},
            from_email=None,
            recipient_list=[user.email],
        )
    return True


@job(retries=5, backoff=60)
def send_invitation_email(invitation_id: int) -> bool:
    invitation = (
        Invitation.objects.select_related("organization", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.accepted_at is not None:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        link = _link(reverse("accounts:invitation", args=[invitation.token]))
        send_mail(
            subject=_("[%(site)s] You are invited to join %(org)s")
            % {"site": _("Mengkeju"), "org": invitation.organization.name},
            message=_(
                "%(who)s invites you to join %(org)s on the platform. Open this link to accept:\n\n%(link)s\n"
            )
            % {"who": invitation.invited_by or "—", "org": invitation.organization.name, "link": link},
            from_email=None,
            recipient_list=[invitation.email],
        )
    return True
