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
        problems.extend(_stage_problems(system, where, size_codes))
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


def _stage_problems(system: dict, where: str, size_codes: list[str]) -> list[Problem]:
    """Stages: unique codes, known size classes, the last one a catch-all without condition; every
    `stage_weights` names exactly the stages (and none without stages)."""
    problems: list[Problem] = []
    stages = system.get("stages", [])
    codes = [s["code"] for s in stages]
    if len(codes) != len(set(codes)):
        problems.append(Problem(FILE, f"{where}.stages", _("duplicate stage codes")))
    for j, stage in enumerate(stages):
        unknown = sorted(set(stage.get("size_classes", [])) - set(size_codes))
        if unknown:
            problems.append(
                Problem(
                    FILE,
                    f"{where}.stages[{j}].size_classes",
                    _("unknown size class %(codes)s") % {"codes": ", ".join(unknown)},
                )
            )
    if stages and ("max_age" in stages[-1] or "size_classes" in stages[-1]):
        problems.append(
            Problem(
                FILE,
                f"{where}.stages[{len(stages) - 1}]",
                _("the last stage must have no condition: it takes every enterprise the others do not"),
            )
        )
    weighted = [(f"{where}.groups[{g}]", group) for g, group in enumerate(system["groups"])] + [
        (f"{where}.groups[{g}].indicators[{i}]", item)
        for g, group in enumerate(system["groups"])
        for i, item in enumerate(group["indicators"])
    ]
    for path, item in weighted:
        if "stage_weights" not in item:
            continue
        if not stages:
            problems.append(
                Problem(FILE, f"{path}.stage_weights", _("stage weights need the system's stages"))
            )
        elif set(item["stage_weights"]) != set(codes):
            problems.append(
                Problem(
                    FILE,
                    f"{path}.stage_weights",
                    _("stage weights must name each stage exactly: %(codes)s") % {"codes": ", ".join(codes)},
                )
            )
    return problems


@dataclass(frozen=True)
class StageSpec:
    code: str
    name: str
    name_en: str
    max_age: int | None
    size_classes: tuple[str, ...]

    def holds(self, age: int | None, size_class: str) -> bool | None:
        """Whether an enterprise of this age (None: unknown) and size class is in this stage; None when
        the age is needed and unknown."""
        if self.size_classes and size_class not in self.size_classes:
            return False
        if self.max_age is not None:
            if age is None:
                return None
            return age <= self.max_age
        return True


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
    stage_weights: tuple[tuple[str, float], ...] = ()

    def weight_in(self, stage: str) -> float:
        return dict(self.stage_weights).get(stage, self.weight)


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
    stages: tuple[StageSpec, ...] = ()
    group_stage_weights: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()  # group → stage weights

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
                stage_weights=tuple((k, float(v)) for k, v in i.get("stage_weights", {}).items()),
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
            stages=tuple(
                StageSpec(
                    code=s["code"],
                    name=s["name"],
                    name_en=s.get("name_en", ""),
                    max_age=s.get("max_age"),
                    size_classes=tuple(s.get("size_classes", ())),
                )
                for s in d.get("stages", [])
            ),
            group_stage_weights=tuple(
                (g["code"], tuple((k, float(v)) for k, v in g["stage_weights"].items()))
                for g in d["groups"]
                if "stage_weights" in g
            ),
        )

    def group_weights(self, stage: str = "") -> dict[str, float]:
        """Each group's weight for an enterprise in `stage` ("" or no stages: the plain weights)."""
        override = {code: dict(weights) for code, weights in self.group_stage_weights}
        return {code: override.get(code, {}).get(stage, weight) for code, _name, weight in self.groups}

    def stage_of(self, age: int | None, size_class: str) -> str | None:
        """The code of the first stage that holds; "" when the system has no stages; None when the
        enterprise's age is needed to decide and unknown."""
        for stage in self.stages:
            holds = stage.holds(age, size_class)
            if holds is None:
                return None
            if holds:
                return stage.code
        return ""

    @property
    def all_items(self) -> tuple:
        return self.indicators + self.bonus
