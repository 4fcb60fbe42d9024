"""State changes of the network domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .models import ChainLink, Division, IndustryChain, Organization, Region
from .region_pack import RegionPack, read_region_pack


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


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
    _upsert(
        Region,
        {"code": region["code"]},
        {
            "name": region["name"],
            "name_en": region.get("name_en", ""),
            "network_name": region.get("network_name", ""),
            "network_name_en": region.get("network_name_en", ""),
            "timezone": region["timezone"],
            "parameters": region.get("parameters", {}),
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
                "from_region_pack": True,
            },
            report,
            "network_node",
            m2m={
                "serves_divisions": [divisions[c] for c in node["serves_divisions"]],
                "serves_chains": [chains[c] for c in node["serves_chains"]],
            },
        )
    return report


def source_organization(source: str) -> Organization:
    """The placeholder owner for imported records that name no organization (e.g. public listings)."""
    from django.utils.text import slugify

    from .selectors import current_region

    code = f"import-{slugify(source) or 'default'}"[:64]
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
