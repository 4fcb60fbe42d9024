"""A new password ends the person's API tokens: whoever held the old password (or a token made with
it) is locked out of the API as well as the site, whichever way the password was changed (the
password page, the admin, a command)."""

from __future__ import annotations

from django.db.models.signals import pre_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from .models import User


@receiver(pre_save, sender=User, dispatch_uid="network.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(
    sender, instance: User, raw: bool = False, update_fields=None, **kwargs
) -> None:
    # A save that names its fields without the password (every login: last_login) cannot change it.
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()
