"""State changes of the directories: experts, innovation platforms and services.

One user intent, one function, one transaction, one `DirectoryEvent`: create, edit, an expert's edit
of their own profile, retire (停用, soft: the record stays, restorable) and restore. Imports write
through `import_resources`, all rows in one transaction. Re-exported by `services`.

The whitelist of platforms has its own lifecycle (`services.whitelist_step`); nothing here changes it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.network.models import ChainLink, User

from . import permissions
from .models import DirectoryAction, DirectoryEvent, Expert, Platform, Service

DIRECTORY_MODELS: dict[str, type] = {"expert": Expert, "platform": Platform, "service": Service}
# The fields a manager sets, per directory (chain links travel separately).
DIRECTORY_FIELDS: dict[str, tuple[str, ...]] = {
    "expert": ("name", "tier", "title", "organization", "field", "bio", "division", "user"),
    "platform": ("name", "kind", "level", "organization", "description", "division"),
    "service": ("name", "kind", "provider", "description", "price_note", "division"),
}
MAX_DIRECTORY_CHAIN_LINKS = 12


def kind_of(resource) -> str:
    for kind, model in DIRECTORY_MODELS.items():
        if isinstance(resource, model):
            return kind
    raise ValueError(type(resource))


def _record(resource, action: str, *, by, fields: Iterable[str] = (), reason: str = "") -> None:
    DirectoryEvent.objects.record(
        by=by,
        resource_kind=kind_of(resource),
        resource_id=resource.pk,
        action=action,
        fields=sorted(fields),
        reason=reason,
    )


def _check_values(kind: str, values: dict) -> None:
    unknown = set(values) - set(DIRECTORY_FIELDS[kind])
    if unknown:
        raise ValidationError(
            {
                name: ValidationError(_("This field cannot be set here."), code="unknown_field")
                for name in sorted(unknown)
            }
        )


def _check_chain_links(chain_links) -> list[ChainLink]:
    links = list(dict.fromkeys(chain_links))
    if len(links) > MAX_DIRECTORY_CHAIN_LINKS:
        raise ValidationError(
            {
                "chain_links": ValidationError(
                    _("Choose at most %(n)s chain links.") % {"n": MAX_DIRECTORY_CHAIN_LINKS},
                    code="too_many",
                )
            }
        )
    return links


def _check_linked_user(resource) -> None:
    user = getattr(resource, "user", None)
    if user is not None and user.role != User.Role.EXPERT:
        raise ValidationError(
            {
                "user": ValidationError(
                    _("Only an account with the expert role can be linked to an expert."),
                    code="not_expert",
                )
            }
        )


def _validate(resource) -> None:
    # chain_links are checked separately; the external id is the import's own business.
    resource.full_clean(exclude=["external_id", "retired_at"])
    _check_linked_user(resource)


def _require_manager(by, division) -> None:
    if not permissions.can_manage_directory(by, division.pk if division is not None else None):
        raise PermissionDenied(
            _("You may change the directories only for the divisions your node serves.")
            if permissions.role_of(by) == permissions.Role.SUBCENTER_STAFF
            else _("You may not change the directories.")
        )


def create_resource(directory: str, /, *, by, chain_links: Iterable[ChainLink] = (), **values):
    """A new expert, platform or service (`directory`), entered by headquarters or the division's
    sub-center. (Positional: platforms and services have a field named `kind`.)"""
    _check_values(directory, values)
    _require_manager(by, values.get("division"))
    links = _check_chain_links(chain_links)
    resource = DIRECTORY_MODELS[directory](**values)
    _validate(resource)
    with transaction.atomic():
        resource.save()
        resource.chain_links.set(links)
        _record(resource, DirectoryAction.CREATE, by=by, fields=[*values, "chain_links"])
    return resource


def _changed(resource, values: dict, chain_links) -> list[str]:
    changed = [name for name, value in values.items() if getattr(resource, name) != value]
    if chain_links is not None and {link.pk for link in chain_links} != set(
        resource.chain_links.values_list("pk", flat=True)
    ):
        changed.append("chain_links")
    return changed


def update_resource(resource, *, by, chain_links: Iterable[ChainLink] | None = None, **values):
    """Change an entry. Managers change any field (within their divisions, before and after); the
    expert linked to a profile changes only its field, title, biography and chain links."""
    kind = kind_of(resource)
    _check_values(kind, values)
    if not permissions.can_edit_resource(by, resource):
        raise PermissionDenied(_("You may not edit this entry."))
    if not permissions.can_manage_resource(by, resource):  # the expert's own profile
        closed = sorted(
            name
            for name, value in values.items()
            if name not in permissions.EXPERT_SELF_FIELDS and getattr(resource, name) != value
        )
        if closed:
            raise ValidationError(
                {
                    name: ValidationError(
                        _("The network sets this; ask headquarters or your sub-center to change it."),
                        code="not_yours",
                    )
                    for name in closed
                }
            )
    elif "division" in values:
        _require_manager(by, values["division"])
    links = _check_chain_links(chain_links) if chain_links is not None else None
    with transaction.atomic():
        locked = type(resource).objects.select_for_update().get(pk=resource.pk)
        changed = _changed(locked, values, links)
        for name, value in values.items():
            setattr(locked, name, value)
        _validate(locked)
        if changed:
            locked.save()
            if links is not None:
                locked.chain_links.set(links)
            _record(locked, DirectoryAction.EDIT, by=by, fields=changed)
    return locked


def update_own_profile(expert: Expert, *, by, chain_links: Iterable[ChainLink] | None = None, **values):
    """An expert's edit of their own profile (field, title, biography, chain links)."""
    if not permissions.is_own_expert_profile(by, expert):
        raise PermissionDenied(_("This is not your profile."))
    return update_resource(expert, by=by, chain_links=chain_links, **values)


def retire_resource(resource, *, by, reason: str = ""):
    """Retire (停用): the entry leaves public lists, pages, search and matching; staff still see it."""
    if not permissions.can_manage_resource(by, resource):
        raise PermissionDenied(_("You may not retire this entry."))
    with transaction.atomic():
        locked = type(resource).objects.select_for_update().get(pk=resource.pk)
        if locked.retired_at is not None:
            raise ValidationError(_("%(name)s is already retired.") % {"name": locked}, code="retired")
        locked.retired_at = timezone.now()
        locked.save(update_fields=["retired_at"])
        _record(locked, DirectoryAction.RETIRE, by=by, reason=(reason or "").strip())
    return locked


def restore_resource(resource, *, by):
    """Bring a retired entry back into the directory."""
    if not permissions.can_manage_resource(by, resource):
        raise PermissionDenied(_("You may not restore this entry."))
    with transaction.atomic():
        locked = type(resource).objects.select_for_update().get(pk=resource.pk)
        if locked.retired_at is None:
            raise ValidationError(_("%(name)s is not retired.") % {"name": locked}, code="not_retired")
        locked.retired_at = None
        locked.save(update_fields=["retired_at"])
        _record(locked, DirectoryAction.RESTORE, by=by)
    return locked


def directory_history(resource):
    return DirectoryEvent.objects.filter(
        resource_kind=kind_of(resource), resource_id=resource.pk
    ).select_related("actor")


def import_resources(kind: str, rows: list[dict], *, by, operator: bool = False) -> tuple[int, int, int]:
    """Write checked import rows (values, `chain_links`, `external_id`) in one transaction: a row whose
    id is known updates that entry, a new id creates one. Returns (created, updated, unchanged).

    `operator`: the command line (`mengkeju import-directory`), run by whoever runs the server; no
    user's divisions limit it. Otherwise `by` must manage each row's division (before and after)."""
    model = DIRECTORY_MODELS[kind]
    created = updated = unchanged = 0
    with transaction.atomic():
        known = {
            r.external_id: r
            for r in model.objects.select_for_update().filter(
                external_id__in=[row["external_id"] for row in rows]
            )
        }
        for row in rows:
            values = dict(row)
            external_id = values.pop("external_id")
            links = values.pop("chain_links")
            if not operator:
                _require_manager(by, values["division"])
            resource = known.get(external_id)
            if resource is None:
                resource = model(external_id=external_id, **values)
                _validate(resource)
                resource.save()
                resource.chain_links.set(links)
                _record(resource, DirectoryAction.IMPORT_CREATE, by=by, fields=[*values, "chain_links"])
                created += 1
                continue
            if not operator:
                _require_manager(by, resource.division)
            changed = _changed(resource, values, links)
            if not changed:
                unchanged += 1
                continue
            for name, value in values.items():
                setattr(resource, name, value)
            _validate(resource)
            resource.save()
            resource.chain_links.set(links)
            _record(resource, DirectoryAction.IMPORT_UPDATE, by=by, fields=changed)
            updated += 1
    return created, updated, unchanged
