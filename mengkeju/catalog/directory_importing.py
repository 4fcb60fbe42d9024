"""Import of experts, innovation platforms and services from .csv or .xlsx files.

As the listing import (`importing.py`): the whole file is read and every row checked before anything
is written; one bad row refuses the file and the report names each problem by row and column (the
column as the file's header spells it). Rows carry an id: importing the same file again updates
changed entries and leaves the rest (idempotent). Headers may be English field names or Chinese.
Formats and columns: docs/directories.md.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mengkeju.core import tabular
from mengkeju.core.tabular import ImportRejected, ImportReport

from . import permissions
from .directory_services import DIRECTORY_MODELS, MAX_DIRECTORY_CHAIN_LINKS, import_resources
from .importing import Lookups, as_text
from .models import Expert, Platform, Service

COMMON = {
    "id": ["id", "external_id", "编号"],
    "name": ["name", "名称", "姓名", "平台名称", "服务名称"],
    "division": ["division", "地区", "所在地区", "行政区划"],
    "chain_links": ["chain_links", "产业链环节"],
}
ALIASES = {
    "expert": {
        **COMMON,
        "tier": ["tier", "人才层级", "层级"],
        "title": ["title", "职称"],
        "organization": ["organization", "单位", "所在单位", "工作单位"],
        "field": ["field", "领域", "研究领域", "专业领域"],
        "bio": ["bio", "简介", "个人简介"],
    },
    "platform": {
        **COMMON,
        "kind": ["kind", "类型", "平台类型"],
        "level": ["level", "级别", "平台级别"],
        "organization": ["organization", "依托单位", "单位"],
        "description": ["description", "简介", "平台简介"],
    },
    "service": {
        **COMMON,
        "kind": ["kind", "类型", "服务类型"],
        "provider": ["provider", "服务机构", "提供方", "单位"],
        "description": ["description", "简介", "服务内容"],
        "price_note": ["price_note", "收费", "价格", "收费标准"],
    },
}
REQUIRED = {
    "expert": ("id", "name", "tier", "organization", "division"),
    "platform": ("id", "name", "kind", "level", "organization", "division"),
    "service": ("id", "name", "kind", "provider", "division"),
}
# Short Chinese words people write for a choice, besides its code and its (translated) label.
SYNONYMS = {
    ("expert", "tier"): {"战略": "strategic", "领军": "leading", "后备": "reserve"},
    ("platform", "level"): {
        "国家级": "national",
        "自治区级": "regional",
        "省级": "regional",
        "市级": "municipal",
    },
}
CHOICES = {
    ("expert", "tier"): Expert.Tier,
    ("platform", "kind"): Platform.Kind,
    ("platform", "level"): Platform.Level,
    ("service", "kind"): Service.Kind,
}
# What the upload page shows about the columns (docs/directories.md has the full table).
COLUMN_HELP = [
    (
        gettext_lazy("experts"),
        "id, name/姓名, tier/人才层级 (战略·领军·后备), organization/单位, division/地区, "
        "title/职称, field/领域, chain_links/产业链环节, bio/简介",
    ),
    (
        gettext_lazy("innovation platforms"),
        "id, name/名称, kind/类型, level/级别 (国家级·自治区级·市级), "
        "organization/依托单位, division/地区, chain_links/产业链环节, description/简介",
    ),
    (
        gettext_lazy("services"),
        "id, name/名称, kind/服务类型, provider/服务机构, division/地区, "
        "price_note/收费, chain_links/产业链环节, description/简介",
    ),
]


def _choice_lookup(kind: str, column: str) -> dict[str, str]:
    """code, English label, Chinese label and short synonyms → code."""
    choices = CHOICES[(kind, column)]
    lookup = {}
    for code, label in choices.choices:
        lookup[code] = code
        with translation.override("en"):
            lookup[str(label)] = code
        with translation.override("zh-hans"):
            lookup[str(label)] = code
    lookup.update(SYNONYMS.get((kind, column), {}))
    return lookup


class RowReader:
    """One row's values by column, remembering which header each came from (for the messages)."""

    def __init__(self, kind: str, raw: dict):
        self.kind, self.raw = kind, raw

    def header(self, column: str) -> str:
        for alias in ALIASES[self.kind][column]:
            if alias in self.raw:
                return alias
        return column

    def get(self, column: str):
        for alias in ALIASES[self.kind][column]:
            value = self.raw.get(alias)
            if value not in (None, ""):
                return value
        return None


def check_row(kind: str, raw: dict, n: int, lookups: Lookups, report: ImportReport, *, by, operator: bool):
    """The row's values for the service, or None with its problems added to the report."""
    row = RowReader(kind, raw)
    before = len(report.problems)
    values: dict = {}

    def problem(column: str, message: str) -> None:
        report.add(n, row.header(column), message)

    for column in ALIASES[kind]:
        value = row.get(column)
        if value is None:
            if column in REQUIRED[kind]:
                problem(column, _("this field is required"))
            continue
        try:
            text = as_text(value)
            if column == "id":
                values["external_id"] = text
            elif column == "division":
                values["division"] = lookups.division(text)
            elif column == "chain_links":
                links = lookups.chain_links(text)
                if len(links) > MAX_DIRECTORY_CHAIN_LINKS:
                    raise ValueError(_("at most %(n)s chain links") % {"n": MAX_DIRECTORY_CHAIN_LINKS})
                values["chain_links"] = links
            elif column in ("organization", "provider"):
                values[column] = lookups.owner(text, None)
            elif (kind, column) in CHOICES:
                lookup = _choice_lookup(kind, column)
                if text not in lookup:
                    raise ValueError(
                        _("unknown value “%(value)s”; use one of %(choices)s")
                        % {"value": text, "choices": "、".join(str(c.label) for c in CHOICES[(kind, column)])}
                    )
                values[column] = lookup[text]
            else:
                values[column] = text
        except ValueError as exc:
            problem(column, str(exc))
    values.setdefault("chain_links", [])
    if len(report.problems) > before:
        return None
    if not operator and not permissions.can_manage_directory(by, values["division"].pk):
        problem(
            "division", _("your node does not serve %(division)s") % {"division": values["division"].name}
        )
        return None
    model = DIRECTORY_MODELS[kind]
    fields = {k: v for k, v in values.items() if k not in ("chain_links", "external_id")}
    try:
        model(**fields).full_clean(exclude=["external_id", "retired_at", "user"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                problem(field if field in ALIASES[kind] else "id", message)
        return None
    return values


def import_rows(table_records, source: str, kind: str, *, by=None, operator: bool = False) -> ImportReport:
    """Check every row, then write them all in one transaction (or nothing: ImportRejected)."""
    if kind not in DIRECTORY_MODELS:
        raise ValueError(kind)
    report = ImportReport(source)
    lookups = Lookups("import", None, None)
    if not lookups.divisions:
        report.reject(0, "", _("no region is loaded; run `mengkeju load-region PATH` first"))
    rows: list[dict] = []
    seen: dict[str, int] = {}
    for n, raw in table_records:
        report.rows += 1
        values = check_row(kind, raw, n, lookups, report, by=by, operator=operator)
        if values is None:
            continue
        if values["external_id"] in seen:
            report.add(
                n,
                RowReader(kind, raw).header("id"),
                _("duplicate id %(id)s (also on row %(other)s)")
                % {"id": values["external_id"], "other": seen[values["external_id"]]},
            )
            continue
        seen[values["external_id"]] = n
        rows.append(values)
    if report.problems:
        raise ImportRejected(report)
    if not rows:
        report.reject(0, "", _("the file holds no rows"))
    if not operator:  # an entry the file updates must also lie in the importer's divisions
        model = DIRECTORY_MODELS[kind]
        for existing in model.objects.filter(external_id__in=seen).select_related("division"):
            if not permissions.can_manage_resource(by, existing):
                report.add(
                    seen[existing.external_id],
                    "id",
                    _("%(name)s is in %(division)s, which your node does not serve")
                    % {"name": existing.name, "division": existing.division.name},
                )
        if report.problems:
            raise ImportRejected(report)
    try:
        report.created, report.updated, report.unchanged = import_resources(
            kind, rows, by=by, operator=operator
        )
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        for message in messages:
            report.add(0, "", message)
        raise ImportRejected(report) from exc
    return report


def import_upload(content: bytes, name: str, kind: str, *, by=None, operator: bool = False) -> ImportReport:
    """Import an uploaded (or read) .csv/.xlsx file's bytes; `name` says which format it is."""
    report = ImportReport(name)
    suffix = tabular.suffix_of(name)
    if suffix not in ("csv", "xlsx", "xlsm"):
        report.reject(0, "", _("unsupported file type; use .csv or .xlsx"))
    table = tabular.READERS[suffix](content, report)
    records = list(table.records())  # the readers' own problems (merged cells …) land in `report`
    if report.problems:
        raise ImportRejected(report)
    return import_rows(records, name, kind, by=by, operator=operator)
