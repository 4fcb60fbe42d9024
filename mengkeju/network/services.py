"""State changes of the network domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mengkeju.core import clock

from .models import (
    CalendarDay,
    ChainLink,
    Division,
    IndustryChain,
    LadderMembership,
    Organization,
    Region,
    RegionMap,
    User,
)
from .region_pack import IMPORT_PLACEHOLDER_PREFIX, RegionPack, read_region_pack


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    # Chain links in the database that the pack no longer lists: code → records that still refer to
    # them. They are kept (never deleted silently); the operator decides what to do with them.
    stale_links: dict[str, int] = field(default_factory=dict)

    @property
    def notices(self) -> list[str]:
        return [
            _("chain link %(code)s is no longer in chains.yaml but was kept: %(n)s records still refer to it")
            % {"code": code, "n": n}
            for code, n in sorted(self.stale_links.items())
        ]

    def count(self, kind: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def _upsert(model, lookup: dict, values: dict, report: LoadReport, kind: str, m2m: dict | None = None):
    """Create or update one row; count it as created, updated or unchanged."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        outcome = "created"
    else:
        dirty = [k for k, v in values.items() if getattr(obj, k) != v]
        for k in dirty:
            setattr(obj, k, values[k])
        if dirty:
            obj.save(update_fields=dirty)
        outcome = "updated" if dirty else "unchanged"
    for name, targets in (m2m or {}).items():
        manager = getattr(obj, name)
        wanted = {t.pk for t in targets}
        if set(manager.values_list("pk", flat=True)) != wanted:
            manager.set(targets)
            if outcome == "unchanged":
                outcome = "updated"
    report.count(kind, outcome)
    return obj


@transaction.atomic
def load_region_pack(path: str | Path) -> LoadReport:
    """Validate the whole pack, then write it in one transaction: all of it or nothing."""
    pack: RegionPack = read_region_pack(path)
    report = LoadReport()
    region = pack.region
    region_row = _upsert(
        Region,
        {"code": region["code"]},
        {
            "name": region["name"],
            "name_en": region.get("name_en", ""),
            "network_name": region.get("network_name", ""),
            "network_name_en": region.get("network_name_en", ""),
            "timezone": region["timezone"],
            "parameters": region.get("parameters", {}),
            "synonyms": pack.synonyms or [],
        },
        report,
        "region",
    )
    divisions: dict[str, Division] = {}
    for item in pack.divisions:  # parents first: the file lists them first or they are resolved below
        divisions[item["code"]] = _upsert(
            Division,
            {"code": item["code"]},
            {
                "name": item["name"],
                "name_en": item.get("name_en", ""),
                "level": item["level"],
                "external": item.get("external", False),
            },
            report,
            "division",
        )
    for item in pack.divisions:
        parent = divisions.get(item.get("parent"))
        division = divisions[item["code"]]
        if division.parent_id != (parent.pk if parent else None):
            division.parent = parent
            division.save(update_fields=["parent"])

    chains: dict[str, IndustryChain] = {}
    for position, item in enumerate(pack.chains):
        chain = _upsert(
            IndustryChain,
            {"code": item["code"]},
            {"name": item["name"], "name_en": item.get("name_en", ""), "position": position},
            report,
            "chain",
        )
        chains[item["code"]] = chain
        for link_position, link in enumerate(item["links"]):
            _upsert(
                ChainLink,
                {"code": link["code"]},
                {
                    "chain": chain,
                    "name": link["name"],
                    "name_en": link.get("name_en", ""),
                    "stage": link["stage"],
                    "position": link_position,
                },
                report,
                "chain_link",
            )

    report.stale_links = _stale_links({link["code"] for item in pack.chains for link in item["links"]})

    for node in pack.nodes:
        _upsert(
            Organization,
            {"code": node["code"]},
            {
                "name": node["name"],
                "name_en": node.get("name_en", ""),
                "kind": node["kind"],
                "institution_type": node.get("institution_type") or "",
                "division": divisions[node["location"]],
                "address": node.get("address", ""),
                "description": node.get("description", ""),
                "serves_all_chains": not node["serves_chains"],
                "longitude": node.get("lon"),
                "latitude": node.get("lat"),
                "contact_name": node.get("contact", {}).get("name", ""),
                "contact_phone": node.get("contact", {}).get("phone", ""),
                "contact_email": node.get("contact", {}).get("email", ""),
                "from_region_pack": True,
            },
            report,
            "network_node",
            m2m={
                "serves_divisions": [divisions[c] for c in node["serves_divisions"]],
                "serves_chains": [chains[c] for c in node["serves_chains"]],
            },
        )
    if pack.calendar_days is not None:
        _load_calendar(pack.calendar_days, report)
    if pack.map is not None:
        _upsert(
            RegionMap, {"region": region_row}, {"file": region["map"], "geojson": pack.map}, report, "map"
        )
    else:
        RegionMap.objects.filter(region=region_row).delete()
    return report


def _stale_links(codes: set[str]) -> dict[str, int]:
    """Links the pack no longer lists, with how many records (of any model) refer to each."""
    relations = [rel for rel in ChainLink._meta.related_objects if rel.related_model is not ChainLink]
    return {
        link.code: sum(
            rel.related_model._default_manager.filter(**{rel.field.name: link}).count() for rel in relations
        )
        for link in ChainLink.objects.exclude(code__in=codes).order_by("code")
    }


def _load_calendar(days: list[dict], report: LoadReport) -> None:
    """The calendar file is the whole truth about holidays and make-up working days: rows for days it no
    longer lists are removed. A pack without calendar.yaml leaves the calendar as it is."""
    for item in days:
        _upsert(
            CalendarDay,
            {"day": item["day"]},
            {"is_working_day": item["is_working_day"], "name": item["name"], "source": item["source"]},
            report,
            "calendar_day",
        )
    removed, _by_model = CalendarDay.objects.exclude(day__in=[item["day"] for item in days]).delete()
    if removed:
        report.removed["calendar_day"] = removed


def source_organization(source: str) -> Organization:
    """The placeholder owner for imported records that name no organization (e.g. public listings)."""
    from django.utils.text import slugify

    from .selectors import current_region

    code = f"{IMPORT_PLACEHOLDER_PREFIX}{slugify(source) or 'default'}"[:64]
    org = Organization.objects.filter(code=code).first()
    if org is None:
        region = current_region()
        division = Division.objects.filter(code=region.code).first() if region else None
        division = division or Division.objects.order_by("level", "code").first()
        if division is None:
            raise ValueError("Load a region pack before importing (mengkeju load-region PATH).")
        org = Organization.objects.create(
            code=code,
            name=f"公开挂牌信息（{source}）",
            name_en=f"Imported listings ({source})",
            kind=Organization.Kind.SERVICE_PROVIDER,
            division=division,
            description="导入的公开挂牌成果与需求；原始挂牌单位未知。",
        )
    return org


# --- The incubation ladder (孵化器 → 加速器 → 科技园区) ---------------------------------------------------


def _rung(organization: Organization) -> int:
    return Organization.LADDER_KINDS.index(organization.kind)


def record_ladder_move(
    enterprise: Organization, carrier: Organization, *, entered_on: date, by, note: str = ""
) -> LadderMembership:
    """An enterprise enters an incubator, accelerator or science park on `entered_on`.

    Its open stay (if any) closes that day, as a graduation when the new rung is higher. Moves never
    go down the ladder and stays never overlap; a refused move changes nothing.
    """
    from . import permissions

    if not permissions.can_record_ladder_move(by, enterprise):
        raise PermissionDenied(_("You may not record incubation moves for this enterprise."))
    errors = {}
    if enterprise.kind != Organization.Kind.ENTERPRISE:
        errors["enterprise"] = ValidationError(
            _("Only enterprises move along the incubation ladder."), code="invalid"
        )
    if carrier.kind not in Organization.LADDER_KINDS:
        errors["carrier"] = ValidationError(
            _("Choose an incubator, an accelerator or a science park."), code="required"
        )
    if entered_on is None:
        errors["entered_on"] = ValidationError(_("Give the date of entry."), code="required")
    elif entered_on > clock.local_date():
        errors["entered_on"] = ValidationError(
            _("The date of entry cannot be in the future."), code="out_of_range"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the enterprise row so two moves of one enterprise are decided one after the other.
        Organization.objects.select_for_update().get(pk=enterprise.pk)
        last = (
            LadderMembership.objects.select_related("carrier")
            .filter(enterprise=enterprise)
            .order_by("-entered_on", "-id")
            .first()
        )
        if last is not None:
            if _rung(carrier) < _rung(last.carrier):
                raise ValidationError(
                    {
                        "carrier": ValidationError(
                            _(
                                "An enterprise cannot move down the ladder: it was last in %(from)s (%(kind)s)."
                            )
                            % {"from": last.carrier.name, "kind": last.carrier.get_kind_display()},
                            code="invalid_state",
                        )
                    }
                )
            if last.left_on is None and last.carrier_id == carrier.pk:
                raise ValidationError(
                    {
                        "carrier": ValidationError(
                            _("The enterprise is already in %(name)s.") % {"name": carrier.name},
                            code="duplicate",
                        )
                    }
                )
            boundary = last.left_on or last.entered_on
            if entered_on < boundary or (last.left_on is None and entered_on == last.entered_on):
                raise ValidationError(
                    {
                        "entered_on": ValidationError(
                            _("This stay would overlap the stay in %(name)s (%(start)s – %(end)s).")
                            % {
                                "name": last.carrier.name,
                                "start": last.entered_on.isoformat(),
                                "end": last.left_on.isoformat() if last.left_on else _("today"),
                            },
                            code="invalid",
                        )
                    }
                )
            if last.left_on is None:
                last.left_on = entered_on
                last.graduated = _rung(carrier) > _rung(last.carrier)
                last.save(update_fields=["left_on", "graduated"])
        return LadderMembership.objects.create(
            enterprise=enterprise, carrier=carrier, entered_on=entered_on, note=note.strip(), recorded_by=by
        )


def leave_ladder(stay: LadderMembership, *, left_on: date, graduated: bool, by) -> LadderMembership:
    """Close an open stay: the enterprise leaves, as a graduate or not."""
    from . import permissions

    if not permissions.can_record_ladder_move(by, stay.enterprise):
        raise PermissionDenied(_("You may not record incubation moves for this enterprise."))
    with transaction.atomic():
        stay = LadderMembership.objects.select_for_update().get(pk=stay.pk)
        if stay.left_on is not None:
            raise ValidationError(
                _("This stay has already ended on %(date)s.") % {"date": stay.left_on.isoformat()},
                code="duplicate",
            )
        if left_on is None or left_on < stay.entered_on:
            raise ValidationError(
                {
                    "left_on": ValidationError(
                        _("The date of leaving cannot be before the date of entry."), code="out_of_range"
                    )
                }
            )
        if left_on > clock.local_date():
            raise ValidationError(
                {
                    "left_on": ValidationError(
                        _("The date of leaving cannot be in the future."), code="out_of_range"
                    )
                }
            )
        stay.left_on = left_on
        stay.graduated = bool(graduated)
        stay.save(update_fields=["left_on", "graduated"])
    return stay


@transaction.atomic
def set_broker_level(broker: User, *, level: str, filing_number: str = "", by) -> User:
    """Record a technology broker's level (a code of the region pack's `broker_levels`) and filing number
    (备案编号). A level marked `filing_required` (中级技术经纪人, 高级技术经理人 in Inner Mongolia) is refused
    without one; docs/brokers.md."""
    from . import permissions
    from .selectors import broker_level, broker_levels

    if not permissions.can_set_broker_level(by, broker):
        raise PermissionDenied(_("You may not record this broker's level."))
    if broker.role != User.Role.BROKER:
        raise ValidationError(_("Only technology brokers have a broker level."), code="invalid")
    level = (level or "").strip()
    filing_number = (filing_number or "").strip()
    found = broker_level(level)
    if found is None:
        names = "、".join(item.label for item in broker_levels()) or "—"
        raise ValidationError(
            {
                "level": ValidationError(
                    _("Choose one of the region's broker levels: %(names)s.") % {"names": names},
                    code="invalid_choice",
                )
            }
        )
    if found.filing_required and not filing_number:
        raise ValidationError(
            {
                "filing_number": ValidationError(
                    _("The level “%(level)s” needs a filing number (备案编号).") % {"level": found.label},
                    code="required",
                )
            }
        )
    if len(filing_number) > 64:
        raise ValidationError(
            {"filing_number": ValidationError(_("At most %(n)s characters.") % {"n": 64}, code="too_long")}
        )
    User.objects.filter(pk=broker.pk).update(broker_level=found.code, broker_filing_number=filing_number)
    broker.refresh_from_db()
    return broker
