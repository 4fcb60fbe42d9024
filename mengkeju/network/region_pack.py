"""Reading and validating a region pack (a folder of YAML files) before anything is written.

`read_region_pack(path)` returns a `RegionPack` or raises `RegionPackError` listing every
problem found, each naming the file, the path inside it and the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import yaml
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from . import region_map

PACK_FILES = ("region", "divisions", "chains", "network")
OPTIONAL_FILES = ("calendar", "terms")
SCHEMA_PATH = Path(__file__).with_name("schemas") / "region-pack.schema.json"


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '/'}: {self.reason}"


class RegionPackError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class RegionPack:
    root: Path
    region: dict
    divisions: list[dict]
    chains: list[dict]
    nodes: list[dict] = field(default_factory=list)
    # calendar.yaml, one entry per day that breaks the Mon–Fri rule:
    # {"day": date, "is_working_day": bool, "name": str, "source": str}. None: the pack has no calendar.
    calendar_days: list[dict] | None = None
    # The map named by region.yaml's `map` (a GeoJSON FeatureCollection, checked: every feature a
    # division of the region by `properties.code`); None: the pack has no map.
    map: dict | None = None
    # terms.yaml's synonym groups (the preferred name first), checked: no name in two groups; None: the
    # pack has no terms.yaml.
    synonyms: list[list[str]] | None = None


@cache
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _validator(name: str) -> Draft202012Validator:
    schema = dict(_schema())
    schema["$ref"] = f"#/$defs/{name}"
    return Draft202012Validator(schema)


def _json_path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(error) -> str:
    """A localized reason for a jsonschema error."""
    v, value = error.validator, error.instance
    if v == "required":
        missing = [m for m in error.validator_value if m not in (value or {})]
        return _("required field missing: %(fields)s") % {"fields": ", ".join(missing)}
    if v == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {})))
        return _("unknown field: %(fields)s") % {"fields": ", ".join(extra)}
    if v == "enum":
        allowed = ", ".join("null" if x is None else str(x) for x in error.validator_value)
        return _("%(value)r is not one of: %(allowed)s") % {"value": value, "allowed": allowed}
    if v == "type":
        return _("expected %(expected)s, got %(value)r") % {"expected": error.validator_value, "value": value}
    if v == "pattern":
        return _("%(value)r does not have the expected form (%(pattern)s)") % {
            "value": value,
            "pattern": error.validator_value,
        }
    if v in ("maxLength", "minLength"):
        return _("%(value)r has a length outside the allowed range") % {"value": value}
    if v == "minItems":
        return _("the list must not be empty")
    if v == "const":
        return _("must be %(expected)r") % {"expected": error.validator_value}
    if v in ("minimum", "maximum"):
        return _("%(value)r is outside the allowed range") % {"value": value}
    if v == "dependentRequired":
        missing = [m for deps in error.validator_value.values() for m in deps if m not in (value or {})]
        return _("required field missing: %(fields)s") % {"fields": ", ".join(missing)}
    return error.message


def _plain(data):
    """YAML reads an unquoted 2026-10-01 as a date: give it back as the ISO string the schema expects."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, date):
        return data.isoformat()
    return data


def _load_yaml(root: Path, name: str, problems: list[Problem], *, optional: bool = False):
    filename = f"{name}.yaml"
    path = root / filename
    if optional and not path.exists():
        return None
    if not path.is_file():
        problems.append(Problem(filename, "", _("file not found in %(root)s") % {"root": root}))
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line %(line)s") % {"line": mark.line + 1} if mark else ""
        problems.append(Problem(filename, where, _("not valid YAML: %(error)s") % {"error": exc}))
        return None
    data = _plain(data)
    errors = sorted(_validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))
    for error in errors[:50]:
        problems.append(Problem(filename, _json_path(error.absolute_path), _describe(error)))
    return None if errors else data


def _check_unique(filename, items, path_prefix, problems):
    seen = set()
    for i, item in enumerate(items):
        if item["code"] in seen:
            problems.append(
                Problem(
                    filename,
                    f"{path_prefix}[{i}].code",
                    _("duplicate code %(code)r") % {"code": item["code"]},
                )
            )
        seen.add(item["code"])
    return seen


def _day(value: str, filename: str, path: str, problems: list[Problem]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(filename, path, _("%(value)r is not a date") % {"value": value}))
        return None


def _calendar_days(calendar: dict, problems: list[Problem]) -> list[dict]:
    """The days of calendar.yaml that break the Mon–Fri rule, checked: holiday periods run forwards,
    make-up working days fall on a weekend, no year and no day is listed twice."""
    filename = "calendar.yaml"
    days: dict[date, dict] = {}
    years: set[int] = set()

    def add(day: date, entry: dict, path: str) -> None:
        if day in days:
            problems.append(Problem(filename, path, _("%(day)s is listed twice") % {"day": day.isoformat()}))
            return
        days[day] = entry

    for yi, year in enumerate(calendar["years"]):
        if year["year"] in years:
            problems.append(Problem(filename, f"years[{yi}].year", _("year %(year)s is listed twice") % year))
        years.add(year["year"])
        for hi, holiday in enumerate(year["holidays"]):
            where = f"years[{yi}].holidays[{hi}]"
            start = _day(holiday["start"], filename, f"{where}.start", problems)
            end = _day(holiday["end"], filename, f"{where}.end", problems)
            if start is None or end is None:
                continue
            if end < start or (end - start).days > 31:
                problems.append(
                    Problem(
                        filename, f"{where}.end", _("a holiday ends on or after its start, within a month")
                    )
                )
                continue
            for offset in range((end - start).days + 1):
                day = start + timedelta(days=offset)
                entry = {
                    "day": day,
                    "is_working_day": False,
                    "name": holiday["name"],
                    "source": year["source"],
                }
                add(day, entry, where)
        for wi, working in enumerate(year.get("working_days", [])):
            where = f"years[{yi}].working_days[{wi}].date"
            day = _day(working["date"], filename, where, problems)
            if day is None:
                continue
            if day.weekday() < 5:
                problems.append(
                    Problem(
                        filename,
                        where,
                        _("%(day)s is a weekday: a make-up working day falls on a Saturday or Sunday")
                        % {"day": day.isoformat()},
                    )
                )
                continue
            add(
                day,
                {"day": day, "is_working_day": True, "name": working["name"], "source": year["source"]},
                where,
            )
    return [days[d] for d in sorted(days)]


def _check_talent(parameters: dict, problems: list[Problem]) -> None:
    """Talent tiers, their criteria, programmes and exchange roles (docs/talent.md): codes unique; a
    programme's `feeds_tier` names a tier of the pack."""
    tiers = parameters.get("talent_tiers") or []
    tier_codes = _check_unique("region.yaml", tiers, "parameters.talent_tiers", problems)
    for i, tier in enumerate(tiers):
        _check_unique("region.yaml", tier["criteria"], f"parameters.talent_tiers[{i}].criteria", problems)
    programmes = parameters.get("talent_programmes") or []
    _check_unique("region.yaml", programmes, "parameters.talent_programmes", problems)
    for i, programme in enumerate(programmes):
        if programme.get("feeds_tier") and programme["feeds_tier"] not in tier_codes:
            problems.append(
                Problem(
                    "region.yaml",
                    f"parameters.talent_programmes[{i}].feeds_tier",
                    _("unknown talent tier %(code)r") % {"code": programme["feeds_tier"]},
                )
            )
    roles = parameters.get("talent_exchange_roles") or []
    _check_unique("region.yaml", roles, "parameters.talent_exchange_roles", problems)


# Codes of the placeholder organizations that imports assign when a record names no owner
# (services.source_organization): `import-<source>`. No network node may take such a code.
IMPORT_PLACEHOLDER_PREFIX = "import-"


def _synonyms(terms: dict, problems: list[Problem]) -> list[list[str]]:
    """terms.yaml's groups; a name (compared lower-cased) in two groups is a problem: it could not say
    which concept it names."""
    seen: dict[str, int] = {}
    for gi, group in enumerate(terms["synonyms"]):
        for ti, term in enumerate(group):
            key = term.lower()
            if key in seen and seen[key] != gi:
                problems.append(
                    Problem(
                        "terms.yaml",
                        f"synonyms[{gi}][{ti}]",
                        _("“%(term)s” is already in group %(other)s") % {"term": term, "other": seen[key]},
                    )
                )
            seen.setdefault(key, gi)
    return [list(group) for group in terms["synonyms"]]


def read_region_pack(root: str | Path) -> RegionPack:
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise RegionPackError([Problem(str(root), "", _("not a folder"))])
    data = {name: _load_yaml(root, name, problems) for name in PACK_FILES}
    calendar = _load_yaml(root, "calendar", problems, optional=True)
    terms = _load_yaml(root, "terms", problems, optional=True)
    if problems:
        raise RegionPackError(problems)

    divisions = data["divisions"]["divisions"]
    chains = data["chains"]["chains"]
    nodes = data["network"]["nodes"]
    division_codes = _check_unique("divisions.yaml", divisions, "divisions", problems)
    chain_codes = _check_unique("chains.yaml", chains, "chains", problems)
    link_codes: set[str] = set()
    for ci, chain in enumerate(chains):
        for li, link in enumerate(chain["links"]):
            if link["code"] in link_codes:
                problems.append(
                    Problem(
                        "chains.yaml", f"chains[{ci}].links[{li}].code", _("duplicate code %(code)r") % link
                    )
                )
            link_codes.add(link["code"])
    _check_unique("network.yaml", nodes, "nodes", problems)
    broker_levels = (data["region"].get("parameters") or {}).get("broker_levels") or []
    _check_unique("region.yaml", broker_levels, "parameters.broker_levels", problems)
    _check_talent(data["region"].get("parameters") or {}, problems)

    for i, division in enumerate(divisions):
        parent = division.get("parent")
        if parent and parent not in division_codes:
            problems.append(
                Problem(
                    "divisions.yaml",
                    f"divisions[{i}].parent",
                    _("unknown division %(code)r") % {"code": parent},
                )
            )
    if data["region"]["code"] not in division_codes:
        problems.append(
            Problem("region.yaml", "code", _("unknown division %(code)r") % {"code": data["region"]["code"]})
        )
    for i, node in enumerate(nodes):
        for key in ("location",):
            if node[key] not in division_codes:
                problems.append(
                    Problem(
                        "network.yaml",
                        f"nodes[{i}].{key}",
                        _("unknown division %(code)r") % {"code": node[key]},
                    )
                )
        for j, code in enumerate(node["serves_divisions"]):
            if code not in division_codes:
                problems.append(
                    Problem(
                        "network.yaml",
                        f"nodes[{i}].serves_divisions[{j}]",
                        _("unknown division %(code)r") % {"code": code},
                    )
                )
        for j, code in enumerate(node["serves_chains"]):
            if code not in chain_codes:
                problems.append(
                    Problem(
                        "network.yaml",
                        f"nodes[{i}].serves_chains[{j}]",
                        _("unknown industry chain %(code)r") % {"code": code},
                    )
                )
    for i, node in enumerate(nodes):
        if str(node["code"]).startswith(IMPORT_PLACEHOLDER_PREFIX):
            problems.append(
                Problem(
                    "network.yaml",
                    f"nodes[{i}].code",
                    _(
                        "the code %(code)r is reserved for the placeholder organizations of imports "
                        "(codes beginning with %(prefix)r); give the node another code"
                    )
                    % {"code": node["code"], "prefix": IMPORT_PLACEHOLDER_PREFIX},
                )
            )
    if sum(1 for n in nodes if n["kind"] == "headquarters") != 1:
        problems.append(Problem("network.yaml", "nodes", _("exactly one headquarters node is required")))
    calendar_days = _calendar_days(calendar, problems) if calendar is not None else None
    synonyms = _synonyms(terms, problems) if terms is not None else None
    found: list[tuple[str, str, str]] = []
    geojson = None
    if data["region"].get("map"):
        geojson = region_map.read_map(root, data["region"]["map"], data["region"]["code"], divisions, found)
    region_map.check_node_coordinates(nodes, divisions, geojson, found)
    problems += [Problem(*item) for item in found]
    if problems:
        raise RegionPackError(problems)
    return RegionPack(
        root=root,
        region=data["region"],
        divisions=divisions,
        chains=chains,
        nodes=nodes,
        calendar_days=calendar_days,
        map=geojson,
        synonyms=synonyms,
    )
