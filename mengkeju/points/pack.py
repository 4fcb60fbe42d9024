"""Reading the indicator system from a region pack's points.yaml, and its parsed form for scoring.

`read_points_file(root)` validates the file against the `points` definition of the region-pack JSON
schema and then checks what a schema cannot (unique codes, tiers, known activity sources); it returns
the parsed data or raises `RegionPackError` listing every problem (file, path, reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

# The region pack's own reader: same YAML handling, schema and localized messages as load-region.
from mengkeju.network.region_pack import Problem, RegionPackError, _load_yaml

FILE = "points.yaml"


def read_points_file(root: str | Path) -> dict:
    root = Path(root)
    if root.is_file():
        root = root.parent
    problems: list[Problem] = []
    data = _load_yaml(root, "points", problems)
    if problems:
        raise RegionPackError(problems)
    from .activity import SOURCES

    years = set()
    size_codes = [c["code"] for c in data.get("size_classes", [])]
    if len(size_codes) != len(set(size_codes)):
        problems.append(Problem(FILE, "size_classes", _("duplicate size class codes")))
    for i, system in enumerate(data["systems"]):
        where = f"systems[{i}]"
        if system["year"] in years:
            problems.append(Problem(FILE, f"{where}.year", _("year %(year)s defined twice") % system))
        years.add(system["year"])
        codes: set[str] = set()
        items = [ind for g in system["groups"] for ind in g["indicators"]] + system.get("bonus", [])
        for item in items:
            if item["code"] in codes:
                problems.append(
                    Problem(FILE, where, _("duplicate indicator code %(code)r") % {"code": item["code"]})
                )
            codes.add(item["code"])
            if "min" in item and "max" in item and item["min"] > item["max"]:
                problems.append(
                    Problem(FILE, where, _("%(code)s: min is above max") % {"code": item["code"]})
                )
        group_codes = [g["code"] for g in system["groups"]]
        if len(group_codes) != len(set(group_codes)):
            problems.append(Problem(FILE, f"{where}.groups", _("duplicate group codes")))
        tiers = [t["min_score"] for t in system["tiers"]]
        if tiers != sorted(tiers, reverse=True) or tiers[-1] != 0:
            problems.append(
                Problem(FILE, f"{where}.tiers", _("tiers must go from the highest threshold down to 0"))
            )
        for j, item in enumerate(system.get("activity", [])):
            if item["source"] not in SOURCES:
                problems.append(
                    Problem(
                        FILE,
                        f"{where}.activity[{j}].source",
                        _("unknown activity source %(source)r; known: %(known)s")
                        % {"source": item["source"], "known": ", ".join(sorted(SOURCES))},
                    )
                )
    if problems:
        raise RegionPackError(problems)
    return data


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    name_en: str
    unit: str
    group: str
    weight: float  # within its group
    direction: str
    method: str
    min: float | None
    max: float | None
    integer: bool


@dataclass(frozen=True)
class BonusSpec:
    code: str
    name: str
    name_en: str
    unit: str
    points: float
    cap: float
    min: float | None
    max: float | None
    integer: bool


@dataclass(frozen=True)
class SystemSpec:
    """A year's definition in the shape the computation needs."""

    year: int
    z_span: float
    bonus_cap: float | None
    groups: tuple[tuple[str, str, float], ...]  # (code, name, weight)
    indicators: tuple[IndicatorSpec, ...]
    bonus: tuple[BonusSpec, ...]
    activity: tuple[tuple[str, float, float], ...]  # (source, points, cap)
    tiers: tuple[tuple[str, float], ...]  # (code, min_score), highest first

    @classmethod
    def from_definition(cls, d: dict) -> SystemSpec:
        indicators = tuple(
            IndicatorSpec(
                code=i["code"],
                name=i["name"],
                name_en=i.get("name_en", ""),
                unit=i["unit"],
                group=g["code"],
                weight=float(i["weight"]),
                direction=i["direction"],
                method=i["method"],
                min=i.get("min"),
                max=i.get("max"),
                integer=bool(i.get("integer", False)),
            )
            for g in d["groups"]
            for i in g["indicators"]
        )
        bonus = tuple(
            BonusSpec(
                code=b["code"],
                name=b["name"],
                name_en=b.get("name_en", ""),
                unit=b["unit"],
                points=float(b["points"]),
                cap=float(b["cap"]),
                min=b.get("min"),
                max=b.get("max"),
                integer=bool(b.get("integer", False)),
            )
            for b in d.get("bonus", [])
        )
        return cls(
            year=d["year"],
            z_span=float(d.get("z_span", 3)),
            bonus_cap=float(d["bonus_cap"]) if "bonus_cap" in d else None,
            groups=tuple((g["code"], g["name"], float(g["weight"])) for g in d["groups"]),
            indicators=indicators,
            bonus=bonus,
            activity=tuple((a["source"], float(a["points"]), float(a["cap"])) for a in d.get("activity", [])),
            tiers=tuple((t["code"], float(t["min_score"])) for t in d["tiers"]),
        )

    @property
    def all_items(self) -> tuple:
        return self.indicators + self.bonus
