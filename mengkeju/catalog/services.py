"""State changes of the catalog: create, edit and move achievements and demands through their lifecycle.

Each function validates, checks permission, writes inside a transaction and records an event.
Views, the API and commands call these; they never save catalog models themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.core import clock
from mengkeju.core.events import acting_user
from mengkeju.core.exceptions import ConflictError
from mengkeju.network.models import ChainLink, Organization
from mengkeju.network.permissions import require_verified
from mengkeju.network.services import source_organization

from . import notices, permissions, signals

# The directories (experts, platforms, services) keep their state changes in their own module.
from .directory_services import (  # noqa: F401 (re-exported: views and the API call services.*)
    create_resource,
    directory_history,
    restore_resource,
    retire_resource,
    update_own_profile,
    update_resource,
)
from .models import (
    REASON_REQUIRED,
    TRANSITIONS,
    WHITELIST_DECISIONS,
    WHITELIST_EVALUATIONS,
    WHITELIST_REASON_REQUIRED,
    WHITELIST_TRANSITIONS,
    Achievement,
    AchievementEvent,
    Action,
    CooperationMode,
    Demand,
    DemandEvent,
    GuidanceCatalog,
    GuidanceEntry,
    Platform,
    Status,
    WhitelistAction,
    WhitelistEvent,
    WhitelistStatus,
)

IP_KINDS = {
    "invention_patent": "发明专利",
    # A pending application (common for a university's newest results): its application number, not a ZL number.
    "invention_patent_application": "发明专利申请",
    "utility_model": "实用新型",
    "design_patent": "外观设计",
    "software_copyright": "软件著作权",
    "trade_secret": "技术秘密",
    "plant_variety": "植物新品种",
    "integrated_circuit": "集成电路布图设计",
}
MAX_CHAIN_LINKS = 6
# A Chinese patent application number: year (4) + type (1) + serial (7) + check digit, e.g. 202110345678.9,
# optionally written with "CN" in front.
PATENT_APPLICATION_NUMBER = re.compile(r"^(CN)?\d{12}\.?[\dX]$")


def _kind(model) -> str:
    return "achievement" if model is Achievement else "demand"


def _event_model(listing):
    return AchievementEvent if isinstance(listing, Achievement) else DemandEvent


def _modes_field(model) -> str:
    return "transfer_modes" if model is Achievement else "cooperation_modes"


def validate_ip_rights(value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(
            {
                "ip_rights": ValidationError(
                    _("Intellectual property must be a list of {kind, number}."), code="invalid"
                )
            }
        )
    cleaned = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or item.get("kind") not in IP_KINDS:
            raise ValidationError(
                {
                    "ip_rights": ValidationError(
                        _("Item %(n)s: unknown kind; use one of %(kinds)s.")
                        % {"n": i + 1, "kinds": ", ".join(IP_KINDS)},
                        code="unknown",
                    )
                }
            )
        number = str(item.get("number") or "").strip()
        if len(number) > 40:
            raise ValidationError(
                {
                    "ip_rights": ValidationError(
                        _("Item %(n)s: the number is too long.") % {"n": i + 1}, code="too_long"
                    )
                }
            )
        if item["kind"] == "invention_patent_application" and not PATENT_APPLICATION_NUMBER.match(
            number.replace(" ", "").upper()
        ):
            raise ValidationError(
                {
                    "ip_rights": ValidationError(
                        _("Item %(n)s: a patent application number looks like 202110345678.9 (CN optional).")
                        % {"n": i + 1},
                        code="application_number",
                    )
                }
            )
        cleaned.append({"kind": item["kind"], "number": number})
    return cleaned


def _check_relations(model, chain_links: Iterable[ChainLink], modes: Iterable[CooperationMode]) -> None:
    errors = {}
    if not chain_links:
        errors["chain_links"] = ValidationError(
            _("Choose at least one industry chain link."), code="required"
        )
    elif len(chain_links) > MAX_CHAIN_LINKS:
        errors["chain_links"] = ValidationError(
            _("Choose at most %(n)s industry chain links.") % {"n": MAX_CHAIN_LINKS}, code="too_long"
        )
    if not modes:
        errors[_modes_field(model)] = ValidationError(
            _("Choose at least one cooperation mode."), code="required"
        )
    if errors:
        raise ValidationError(errors)


def _check_deadline(model, values: dict) -> None:
    deadline = values.get("deadline")
    if model is Demand and deadline and deadline < clock.local_date():
        raise ValidationError(
            {"deadline": ValidationError(_("The deadline cannot be in the past."), code="out_of_range")}
        )


def _record(listing, action: str, from_status: str, *, by, reason: str = "") -> None:
    _event_model(listing).objects.record(
        listing=listing,
        action=action,
        from_status=from_status,
        to_status=listing.status,
        reason=reason,
        by=by,
    )
    _announce(type(listing), [listing.pk])


def _announce(model, ids: list[int]) -> None:
    """Tell listeners which records changed, inside the transaction: the search index records the
    change in its outbox, so the change and the note of it commit (or roll back) together."""
    signals.listings_changed.send(sender=model, ids=ids)


@transaction.atomic
def create_listing(
    model,
    *,
    by,
    owner: Organization,
    chain_links: list[ChainLink],
    modes: list[CooperationMode],
    submit: bool = False,
    attachments=(),
    **values,
):
    """Create an achievement or demand as a draft (or submit it straight away); an achievement may
    bring its attachments (uploaded files) along, checked as `add_attachment` checks them."""
    kind = _kind(model)
    if not permissions.can_create_for(by, owner, kind):
        raise PermissionDenied(_("You may not publish on behalf of %(org)s.") % {"org": owner.name})
    if model is Achievement:
        values["ip_rights"] = validate_ip_rights(values.get("ip_rights"))
    chain_links, modes = list(chain_links), list(modes)
    _check_relations(model, chain_links, modes)
    _check_deadline(model, values)
    attachments = [(upload, validate_attachment(upload)) for upload in attachments or ()]
    if attachments and model is not Achievement:
        raise ValidationError(
            {"file": ValidationError(_("Only achievements carry attachments."), code="invalid")}
        )
    listing = model(owner=owner, created_by=acting_user(by), **values)
    listing.full_clean()
    listing.save()
    listing.chain_links.set(chain_links)
    getattr(listing, _modes_field(model)).set(modes)
    for upload, title in attachments:
        listing.attachments.create(file=upload, title=title)
    _record(listing, Action.CREATE, "", by=by)
    if submit:
        transition(listing, Action.SUBMIT, by=by)
    return listing


@transaction.atomic
def update_listing(
    listing,
    *,
    by,
    expected_version: int | None = None,
    chain_links: list[ChainLink] | None = None,
    modes: list[CooperationMode] | None = None,
    **values,
):
    """Edit a record. With `expected_version`, refuse if someone else saved it in between."""
    model = type(listing)
    if not permissions.can_edit(by, listing):
        raise PermissionDenied(_("You may not edit this record in its current state."))
    if model is Achievement and "ip_rights" in values:
        values["ip_rights"] = validate_ip_rights(values["ip_rights"])
    values.pop("owner", None)  # ownership never changes through an edit
    for name, value in values.items():
        setattr(listing, name, value)
    new_links = list(chain_links) if chain_links is not None else list(listing.chain_links.all())
    new_modes = list(modes) if modes is not None else list(getattr(listing, _modes_field(model)).all())
    _check_relations(model, new_links, new_modes)
    _check_deadline(model, values)
    listing.full_clean()
    version = listing.version if expected_version is None else expected_version
    # Optimistic lock: only the version the user saw may be replaced.
    updated = model.objects.filter(pk=listing.pk, version=version).update(version=F("version") + 1)
    if not updated:
        raise ConflictError(
            _("Someone else changed this record meanwhile; reload it and apply your edit again.")
        )
    listing.version = version + 1
    listing.save()
    listing.chain_links.set(new_links)
    getattr(listing, _modes_field(model)).set(new_modes)
    _record(listing, Action.EDIT, listing.status, by=by)
    return listing


_CHECKS = {
    Action.SUBMIT: permissions.can_submit,
    Action.PUBLISH: permissions.can_review,
    Action.RETURN: permissions.can_review,
    Action.WITHDRAW: permissions.can_withdraw,
    Action.REVISE: permissions.can_revise,
}


@transaction.atomic
def transition(listing, action: str, *, by, reason: str = ""):
    """Move a record along its lifecycle (TRANSITIONS), recording who did it and why."""
    reason = (reason or "").strip()
    target = TRANSITIONS.get((listing.status, action))
    if target is None:
        raise ValidationError(
            _("A record that is %(status)s cannot be %(action)s.")
            % {"status": Status(listing.status).label, "action": Action(action).label},
            code="invalid_state",
        )
    if not _CHECKS[action](by, listing):
        raise PermissionDenied(_("You may not do this to this record."))
    if action in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": ValidationError(_("Please give a reason."), code="required")})
    if action in (Action.SUBMIT, Action.PUBLISH):
        require_verified(listing.owner)  # a pending organization drafts, but does not publish
    if len(reason) > 1000:
        raise ValidationError(
            {"reason": ValidationError(_("The reason may be at most 1000 characters."), code="too_long")}
        )
    source = listing.status
    changes = {"status": target, "version": F("version") + 1, "updated_at": timezone.now()}
    if target == Status.PUBLISHED:
        changes["published_at"] = timezone.now()
    # Conditional update: of two reviewers acting at once, exactly one wins.
    if not type(listing).objects.filter(pk=listing.pk, status=source).update(**changes):
        raise ConflictError(_("This record was changed by someone else meanwhile; reload it."))
    listing.refresh_from_db()
    _record(listing, action, source, by=by, reason=reason)
    notices.review_outcome(listing, action, by=by, reason=reason)
    return listing


_BULK_SKIP_VALIDATION = ["owner", "division", "created_by"]  # resolved from the database by the caller


@transaction.atomic
def bulk_upsert_listings(
    model, rows: list[dict], *, source: str, batch_size: int = 500
) -> tuple[int, int, int]:
    """Create or update many records keyed by (source, external_id), all in one transaction.

    Each row holds model field values plus `chain_links`, `modes` and `owner` (None: the source's
    placeholder organization). Returns (created, updated, unchanged). Any invalid row raises
    ValidationError naming the row's id, and nothing is written.
    """

    modes_field = _modes_field(model)
    placeholder = source_organization(source) if any(r.get("owner") is None for r in rows) else None
    ids = [r["external_id"] for r in rows]
    existing = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for obj in model.objects.filter(source=source, external_id__in=chunk).prefetch_related(
            "chain_links", modes_field
        ):
            existing[obj.external_id] = obj
    to_create, to_update, relations = [], [], []
    errors, unchanged = [], 0
    for raw in rows:
        row = dict(raw)
        links, modes = row.pop("chain_links", None) or [], row.pop("modes")
        row["owner"] = row.get("owner") or placeholder
        obj = existing.get(row["external_id"])
        if obj is None:
            obj = model(source=source, **row)
            target = to_create
        else:
            same_links = {link.pk for link in obj.chain_links.all()} == {link.pk for link in links}
            same_modes = {m.pk for m in getattr(obj, modes_field).all()} == {m.pk for m in modes}
            dirty = [k for k, v in row.items() if k != "published_at" and getattr(obj, k) != v]
            if not dirty and same_links and same_modes:
                unchanged += 1
                continue
            for k in dirty:
                setattr(obj, k, row[k])
            target = to_update
        try:
            obj.full_clean(exclude=_BULK_SKIP_VALIDATION, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for fieldname, messages in exc.message_dict.items():
                errors.append(f"{row['external_id']} · {fieldname}: {' '.join(messages)}")
            continue
        target.append(obj)
        relations.append((obj, links, modes))
    if errors:
        raise ValidationError(errors)
    model.objects.bulk_create(to_create, batch_size=batch_size)
    if to_update:
        fields = [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name != "created_at"]
        model.objects.bulk_update(to_update, fields, batch_size=batch_size)
    link_through = model.chain_links.through
    mode_through = getattr(model, modes_field).through
    changed_ids = [obj.pk for obj, _links, _modes in relations]
    for start in range(0, len(changed_ids), 900):
        chunk = changed_ids[start : start + 900]
        link_through.objects.filter(**{f"{model._meta.model_name}_id__in": chunk}).delete()
        mode_through.objects.filter(**{f"{model._meta.model_name}_id__in": chunk}).delete()
    owner_key = f"{model._meta.model_name}_id"
    link_through.objects.bulk_create(
        [
            link_through(**{owner_key: obj.pk, "chainlink_id": link.pk})
            for obj, links, _m in relations
            for link in links
        ],
        batch_size=batch_size,
    )
    mode_through.objects.bulk_create(
        [
            mode_through(**{owner_key: obj.pk, "cooperationmode_id": m.pk})
            for obj, _l, modes in relations
            for m in modes
        ],
        batch_size=batch_size,
    )
    _announce(model, changed_ids)
    event_model = AchievementEvent if model is Achievement else DemandEvent
    created_ids = {obj.pk for obj in to_create}
    event_model.objects.bulk_create(
        [
            event_model(
                listing=obj,
                action=Action.CREATE if obj.pk in created_ids else Action.EDIT,
                from_status="",
                to_status=obj.status,
                reason=f"import:{source}",
            )
            for obj, _l, _m in relations
        ],
        batch_size=batch_size,
    )
    return len(to_create), len(to_update), unchanged


ATTACHMENT_EXTENSIONS = {
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".jpg",
    ".jpeg",
    ".png",
    ".zip",
}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


@transaction.atomic
def validate_attachment(upload, title: str = "") -> str:
    """Check an uploaded file (type, size) and its title; return the title to store."""
    from pathlib import PurePath

    title = (title or "").strip() or PurePath(upload.name).stem
    extension = PurePath(upload.name).suffix.lower()
    if extension not in ATTACHMENT_EXTENSIONS:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("Files of type %(ext)s are not accepted; use %(allowed)s.")
                    % {"ext": extension or "?", "allowed": ", ".join(sorted(ATTACHMENT_EXTENSIONS))},
                    code="invalid",
                )
            }
        )
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {"file": ValidationError(_("The file is larger than 10 MB."), code="too_large")}
        )
    if len(title) > 200:
        raise ValidationError(
            {"title": ValidationError(_("The title may be at most 200 characters."), code="too_long")}
        )
    return title


def add_attachment(achievement: Achievement, *, upload, title: str, by):
    """Attach a file (specification, test report, patent certificate …) to an achievement."""
    from .models import Attachment

    if not permissions.can_edit(by, achievement):
        raise PermissionDenied(_("You may not edit this record in its current state."))
    title = validate_attachment(upload, title)
    attachment = Attachment.objects.create(achievement=achievement, file=upload, title=title)
    _record(
        achievement,
        Action.EDIT,
        achievement.status,
        by=by,
        reason=_("attachment added: %(title)s") % {"title": title},
    )
    return attachment


# --- Maturity (TRL) raised by evidence ------------------------------------------------------------------


def raise_achievement_trl(achievement: Achievement, trl: int, *, by, evidence: str) -> Achievement:
    """Raise an achievement's maturity (TRL) to `trl` on recorded evidence (e.g. a pilot run's report),
    writing an AchievementEvent that names the levels and the evidence. Only upwards, one record.

    The caller has checked that `by` may do it (bookings: the provider that performed a pilot run booked
    by the achievement's owner for this achievement); the catalog checks the values."""
    evidence = (evidence or "").strip()
    with transaction.atomic():
        locked = Achievement.objects.select_for_update().get(pk=achievement.pk)
        if not isinstance(trl, int) or not (1 <= trl <= 9):
            raise ValidationError(
                {"trl": ValidationError(_("The TRL must be a level from 1 to 9."), code="out_of_range")}
            )
        if trl <= locked.trl:
            raise ValidationError(
                {
                    "trl": ValidationError(
                        _("The achievement is already at TRL %(trl)s; evidence can only raise it.")
                        % {"trl": locked.trl},
                        code="not_higher",
                    )
                }
            )
        if not evidence:
            raise ValidationError({"evidence": ValidationError(_("Name the evidence."), code="required")})
        before = locked.trl
        locked.trl = trl
        locked.save(update_fields=["trl", "updated_at"])
        _record(
            locked,
            Action.EDIT,
            locked.status,
            by=by,
            reason=_("TRL %(before)s → %(after)s, evidence: %(evidence)s")
            % {"before": before, "after": trl, "evidence": evidence},
        )
    achievement.refresh_from_db()
    return achievement


# --- Platform whitelist (白名单) ------------------------------------------------------------------------


def whitelist_step(
    platform: Platform, action: str, *, by, reason: str = "", year: int | None = None
) -> Platform:
    """Move a platform through the whitelist lifecycle (WHITELIST_TRANSITIONS) and record the event.

    Apply → review → listed (or rejected); while listed, a yearly evaluation keeps or removes it, with
    a reason and the year evaluated (once per year). The map reads `whitelisted`, kept in step here.
    """
    reason = (reason or "").strip()
    if action not in WhitelistAction.values:
        raise ValidationError({"action": ValidationError(_("Unknown whitelist action."), code="unknown")})
    allowed = (
        permissions.can_decide_whitelist(by)
        if action in WHITELIST_DECISIONS
        else permissions.can_apply_for_whitelist(by, platform)
    )
    if not allowed:
        raise PermissionDenied(_("You may not take this whitelist step for this platform."))
    with transaction.atomic():
        locked = Platform.objects.select_for_update().get(pk=platform.pk)
        target = WHITELIST_TRANSITIONS.get((locked.whitelist_status, action))
        if target is None:
            if action == WhitelistAction.LIST and locked.whitelist_status == WhitelistStatus.LISTED:
                message = _("%(name)s is already on the whitelist.") % {"name": locked.name}
            else:
                message = _("A platform whose whitelist status is “%(status)s” cannot be “%(action)s”.") % {
                    "status": locked.get_whitelist_status_display(),
                    "action": WhitelistAction(action).label,
                }
            raise ValidationError({"action": message})
        errors = {}
        if action in WHITELIST_REASON_REQUIRED and not reason:
            errors["reason"] = ValidationError(_("Give the reason for this decision."), code="required")
        if action in WHITELIST_EVALUATIONS:
            this_year = clock.local_date().year
            if year is None:
                errors["year"] = ValidationError(_("Name the year evaluated."), code="required")
            elif not (1990 <= year <= this_year):
                errors["year"] = ValidationError(
                    _("The year evaluated must be between 1990 and %(year)s.") % {"year": this_year},
                    code="out_of_range",
                )
            elif locked.whitelist_events.filter(evaluation_year=year).exists():
                errors["year"] = ValidationError(
                    _("This platform has already been evaluated for %(year)s.") % {"year": year},
                    code="duplicate",
                )
            elif locked.listed_on and year < locked.listed_on.year:
                errors["year"] = ValidationError(
                    _("The platform was listed only in %(year)s.") % {"year": locked.listed_on.year},
                    code="invalid",
                )
        if errors:
            raise ValidationError(errors)
        before = locked.whitelist_status
        locked.whitelist_status = target
        if action == WhitelistAction.LIST:
            locked.listed_on = clock.local_date()
        if action in WHITELIST_EVALUATIONS:
            locked.last_evaluated_year = year
        locked.save(update_fields=["whitelist_status", "whitelisted", "listed_on", "last_evaluated_year"])
        WhitelistEvent.objects.record(
            platform=locked,
            action=action,
            from_status=before,
            to_status=target,
            reason=reason,
            evaluation_year=year if action in WHITELIST_EVALUATIONS else None,
            by=by,
        )
    platform.refresh_from_db()
    return platform


# --- Guidance catalog (新技术产业化应用指导目录) ----------------------------------------------------------


def _require_curator(*, by) -> None:
    if not permissions.can_curate_guidance(by):
        raise PermissionDenied(_("Only headquarters curates the guidance catalog."))


@transaction.atomic
def create_guidance_catalog(*, year: int, title: str = "", introduction: str = "", by) -> GuidanceCatalog:
    _require_curator(by=by)
    if not (1990 <= int(year) <= clock.local_date().year + 1):
        raise ValidationError(
            {"year": ValidationError(_("Choose a year between 1990 and next year."), code="out_of_range")}
        )
    if GuidanceCatalog.objects.filter(year=year).exists():
        raise ValidationError(
            {
                "year": ValidationError(
                    _("There is already a guidance catalog for %(year)s.") % {"year": year}, code="duplicate"
                )
            }
        )
    title = title.strip() or _(
        "Guidance catalog of new technologies for industrial application, %(year)s"
    ) % {"year": year}
    return GuidanceCatalog.objects.create(year=year, title=title, introduction=introduction, created_by=by)


def add_guidance_entry(
    catalog: GuidanceCatalog, achievement: Achievement, *, reason: str, application_scenario: str, by
) -> GuidanceEntry:
    """Add a published achievement to a draft catalog, saying why and where it should be applied."""
    _require_curator(by=by)
    with transaction.atomic():
        catalog = GuidanceCatalog.objects.select_for_update().get(pk=catalog.pk)
        errors = {}
        if catalog.status != GuidanceCatalog.Status.DRAFT:
            raise ValidationError(
                _("The %(year)s catalog is published; it can no longer change.") % {"year": catalog.year},
                code="invalid_state",
            )
        if achievement.status != Status.PUBLISHED:
            errors["achievement"] = ValidationError(
                _("Only published achievements can enter the guidance catalog."), code="invalid_state"
            )
        elif catalog.entries.filter(achievement=achievement).exists():
            errors["achievement"] = ValidationError(
                _("This achievement is already in the %(year)s catalog.") % {"year": catalog.year},
                code="duplicate",
            )
        if not (reason or "").strip():
            errors["reason"] = ValidationError(_("Say why this technology is recommended."), code="required")
        if not (application_scenario or "").strip():
            errors["application_scenario"] = ValidationError(
                _("Name the recommended application scenario."), code="required"
            )
        if errors:
            raise ValidationError(errors)
        position = catalog.entries.count() + 1
        return GuidanceEntry.objects.create(
            catalog=catalog,
            achievement=achievement,
            reason=reason.strip(),
            application_scenario=application_scenario.strip(),
            position=position,
            added_by=by,
        )


def remove_guidance_entry(entry: GuidanceEntry, *, by) -> None:
    _require_curator(by=by)
    with transaction.atomic():
        catalog = GuidanceCatalog.objects.select_for_update().get(pk=entry.catalog_id)
        if catalog.status != GuidanceCatalog.Status.DRAFT:
            raise ValidationError(
                _("The %(year)s catalog is published; it can no longer change.") % {"year": catalog.year},
                code="invalid_state",
            )
        entry.delete()


def publish_guidance_catalog(catalog: GuidanceCatalog, *, by) -> GuidanceCatalog:
    _require_curator(by=by)
    with transaction.atomic():
        catalog = GuidanceCatalog.objects.select_for_update().get(pk=catalog.pk)
        if catalog.status != GuidanceCatalog.Status.DRAFT:
            raise ValidationError(
                _("The %(year)s catalog is already published.") % {"year": catalog.year}, code="duplicate"
            )
        if not catalog.entries.exists():
            raise ValidationError(_("Add at least one technology before publishing."), code="required")
        withdrawn = catalog.entries.exclude(achievement__status=Status.PUBLISHED)
        if withdrawn.exists():
            raise ValidationError(
                _("These achievements are no longer published; remove them first: %(titles)s")
                % {"titles": "、".join(e.achievement.title for e in withdrawn)},
                code="invalid_state",
            )
        catalog.status = GuidanceCatalog.Status.PUBLISHED
        catalog.published_at = timezone.now()
        catalog.published_by = by
        catalog.save(update_fields=["status", "published_at", "published_by"])
    return catalog
