"""The people's roles on the platform and the one lookup of a user's role.

`role_of(user)` is what every permission module asks: None for anonymous users, the platform
administrator's role for superusers, otherwise the user's own role.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("platform administrator")
    HQ_OPERATOR = "hq_operator", _("headquarters operator")
    SUBCENTER_STAFF = "subcenter_staff", _("sub-center staff")
    BROKER = "broker", _("technology broker")
    MEMBER = "member", _("organization member")
    EXPERT = "expert", _("expert")
    ANALYST = "analyst", _("government analyst")


def role_of(user) -> str | None:
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.PLATFORM_ADMIN
    return user.role
