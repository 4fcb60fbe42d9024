"""Bulk import of achievements and demands from JSONL, CSV or Excel files.

A file is read and every row checked before anything is written: if any row is wrong, the
report lists each rejected row with the column and the reason, and the database is untouched.
Rows carry an id; importing the same file again updates changed rows and leaves the rest
(idempotent). Column names may be English field names, Chinese headers, or the public
tech-market listing fields (name/text/industry/maturity/patent_type/price/cooperation/posted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.core import tabular
from mengkeju.core.tabular import ImportRejected, ImportReport, RowProblem
from mengkeju.network.models import ChainLink, Division, Organization
from mengkeju.network.selectors import current_region

from .models import TRL, Achievement, CooperationMode, Demand, Status
from .services import IP_KINDS, bulk_upsert_listings

ALIASES = {
    "id": ["id", "编号", "external_id"],
    "title": ["title", "name", "名称", "成果名称", "需求名称", "标题"],
    "summary": ["summary", "text", "简介", "成果简介", "成果介绍"],
    "problem": ["problem", "text", "需求描述", "问题描述", "需求内容"],
    "indicators": ["indicators", "技术指标"],
    "field": ["field", "industry", "技术领域", "领域"],
    "chain_links": ["chain_links", "产业链环节"],
    "division": ["division", "地区", "所在地区", "行政区划"],
    "trl": ["trl", "maturity", "成熟度", "技术成熟度"],
    "ip": ["ip", "patent_type", "知识产权", "专利类型"],
    "owner": ["owner", "单位", "所属单位", "需求单位", "成果单位"],
    "inventors": ["inventors", "完成人", "发明人"],
    "modes": ["transfer_modes", "cooperation_modes", "cooperation", "modes", "合作方式", "转化方式"],
    "price": ["price_yuan", "price", "价格", "转让价格"],
    "budget": ["budget_yuan", "budget", "预算", "需求预算"],
    "deadline": ["deadline", "截止日期"],
    "keywords": ["keywords", "关键词"],
    "contact_name": ["contact_name", "联系人"],
    "contact_phone": ["contact_phone", "联系电话"],
    "contact_email": ["contact_email", "邮箱", "电子邮箱"],
    "published": ["published", "posted", "发布日期"],
}

# Coarse stages used by public listings, mapped to the lowest TRL of their range (see docs/catalog.md).
STAGE_TRL = {"正在研发": 3, "通过小试": 4, "通过中试": 6, "已有样品": 6, "可以量产": 8, "已量产": 9}
# Phrases used for cooperation modes in listings, longest first when scanning concatenated text.
MODE_PHRASES = {
    "完全转让": "transfer",
    "技术转让": "transfer",
    "许可转让": "license_ordinary",
    "技术许可": "license_ordinary",
    "普通许可": "license_ordinary",
    "排他许可": "license_sole",
    "独占许可": "license_exclusive",
    "开放许可": "open_license",
    "先使用后付费": "use_first_pay_later",
    "技术入股": "equity",
    "作价入股": "equity",
    "合作生产": "joint_development",
    "合作开发": "joint_development",
    "委托开发": "commissioned_development",
    "技术咨询": "consulting_service",
    "技术服务": "consulting_service",
    "其他": "other",
}
IP_PHRASES = {
    "发明专利申请": "invention_patent_application",
    "发明专利": "invention_patent",
    "实用新型专利": "utility_model",
    "实用新型": "utility_model",
    "外观专利": "design_patent",
    "外观设计": "design_patent",
    "软件著作权": "software_copyright",
    "非专利技术": "trade_secret",
    "技术秘密": "trade_secret",
    "植物新品种": "plant_variety",
}


def _json_row(n: int, text: str, report: ImportReport) -> dict | None:
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        report.add(n, "", _("not valid JSON: %(error)s") % {"error": message})
        return None
    return value if isinstance(value, dict) else {"__invalid__": value}


def _no_constant(name: str):
    raise ValueError(_("%(name)s is not a number") % {"name": name})


# Rows written per bulk_upsert_listings call (all in one transaction); what bounds memory on write.
WRITE_CHUNK = 2000


# A .json file is one array that must be parsed whole (about 1.5× its size in memory, read twice per
# import); above this size it is refused with a hint to use JSON Lines, which is read line by line.
JSON_MAX_BYTES = 20 * 1024 * 1024


def _json_text(path: Path, report: ImportReport) -> str:
    limit = getattr(settings, "IMPORT_JSON_MAX_BYTES", JSON_MAX_BYTES)
    size = path.stat().st_size
    if size > limit:
        report.reject(
            0,
            "",
            _(
                "the .json file is %(size)s MB, more than the %(max)s MB a .json file may have (it is read "
                "whole); save it as JSON Lines (.jsonl, one object per line), which is read line by line"
            )
            % {"size": round(size / 1024 / 1024, 1), "max": round(limit / 1024 / 1024, 1)},
        )
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        tabular.not_utf8(report, raw, exc)


def read_rows(path: Path, report: ImportReport) -> Iterator[tuple[int, dict]]:
    """Yield (row number, raw dict) from a .jsonl, .json, .csv or .xlsx file, one row at a time.

    A line that is not JSON is a problem of its row (the other rows are still read)."""
    suffix = tabular.suffix_of(path)
    if suffix in ("jsonl", "ndjson"):
        for n, line in tabular.text_lines(path, report):
            if line.strip():
                value = _json_row(n, line, report)
                if value is not None:
                    yield n, value
    elif suffix == "json":
        data = _json_row(0, _json_text(path, report), report)
        if data is None:
            raise ImportRejected(report)
        data = data.get("__invalid__", data)
        for n, value in enumerate(data if isinstance(data, list) else [data], start=1):
            yield n, value if isinstance(value, dict) else {"__invalid__": value}
    elif suffix in tabular.READERS:
        yield from tabular.READERS[suffix](path, report).records()
    else:
        report.reject(
            0,
            "",
            _("unsupported file type %(suffix)s; use .jsonl, .json, .csv or .xlsx")
            % {"suffix": path.suffix.lower() or "?"},
        )


def count_rows(path: Path) -> int | None:
    """How many rows a file holds, cheaply, for a progress bar (None when it cannot tell)."""
    suffix = tabular.suffix_of(path)
    if suffix in ("jsonl", "ndjson", "csv") and path.is_file():
        with path.open("rb") as fh:
            return max(0, sum(1 for line in fh if line.strip()) - (1 if suffix == "csv" else 0))
    return None


def _pick(raw: dict, key: str):
    for alias in ALIASES[key]:
        if alias in raw and raw[alias] not in (None, ""):
            value = raw[alias]
            return value.strip() if isinstance(value, str) else value
    return None


_NUMBER = tabular.NUMBER
_UNIT = r"(?:元|万元|万|亿元|亿)?"
AMOUNT = re.compile(rf"^(?P<number>{_NUMBER})\s*(?P<unit>{_UNIT})(?:\s*[-~～至]\s*(?:{_NUMBER})\s*{_UNIT})?$")
UNIT_FACTOR = {"": 1, "元": 1, "万": 10_000, "万元": 10_000, "亿": 100_000_000, "亿元": 100_000_000}


def parse_amount(value) -> Decimal | None:
    """Yuan from 123456, '1,234.5', '12.5万元', '100.0万元-200.0万元' (the lower bound) or 面议 (None).

    Strict: digits with an optional decimal point and thousands separators, and a unit 元/万/亿; no
    exponents, inf or NaN (so '1e400' is refused, not read as 1400)."""
    if value in (None, "", "面议", "议价"):
        return None
    if isinstance(value, bool):
        raise ValueError(_("not an amount: %(value)s") % {"value": value})
    if isinstance(value, int | float | Decimal):
        try:
            amount = Decimal(value)
        except InvalidOperation as exc:  # pragma: no cover - Decimal() takes every int/float
            raise ValueError(_("not an amount: %(value)s") % {"value": value}) from exc
        if not amount.is_finite():
            raise ValueError(_("not an amount: %(value)s") % {"value": value})
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("-") and AMOUNT.match(text[1:].strip()):
            raise ValueError(_("the amount must be positive"))
        match = AMOUNT.match(text)
        if match is None:
            raise ValueError(_("not an amount: %(value)s") % {"value": value})
        number = match["number"].replace(",", "").replace("，", "")
        amount = Decimal(number) * UNIT_FACTOR[match["unit"]]
    else:
        raise ValueError(_("not an amount: %(value)s") % {"value": value})
    if amount <= 0:
        raise ValueError(_("the amount must be positive"))
    if amount > settings.MAX_AMOUNT_YUAN:
        raise ValueError(
            _("the amount is implausibly large (over %(max)s yuan)") % {"max": settings.MAX_AMOUNT_YUAN}
        )
    return amount.quantize(Decimal("0.01"))


def parse_modes(value, modes: dict[str, CooperationMode]) -> list[CooperationMode]:
    if value in (None, ""):
        return [modes["other"]]
    text = ",".join(as_texts(value))
    found: list[str] = []
    for token in re.split(r"[,，;；、/\s]+", text):
        if not token:
            continue
        if token in modes:
            found.append(token)
            continue
        rest = token
        while rest:
            for phrase in sorted(MODE_PHRASES, key=len, reverse=True):
                if rest.startswith(phrase):
                    found.append(MODE_PHRASES[phrase])
                    rest = rest[len(phrase) :]
                    break
            else:
                raise ValueError(_("unknown cooperation mode “%(mode)s”") % {"mode": token})
    return [modes[c] for c in dict.fromkeys(found)]


def parse_trl(value) -> int:
    """A maturity level 1–9 (a whole number, or digits) or a listing stage; true/false are not levels."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.isascii() and value.isdigit()
    ):
        level = int(value)
        if level not in TRL.values:
            raise ValueError(_("the maturity level must be 1 to 9"))
        return level
    if isinstance(value, str) and value in STAGE_TRL:
        return STAGE_TRL[value]
    raise ValueError(
        _("unknown maturity “%(value)s”; use 1–9 or one of %(stages)s")
        % {"value": value, "stages": "、".join(STAGE_TRL)}
    )


def as_text(value) -> str:
    """A text cell as text: strings (cleaned of control characters) and whole numbers (an id typed as
    a number in Excel); a list, an object or true/false is refused rather than stored as its repr."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(
            _("expected text, not %(value)s")
            % {"value": json.dumps(value, ensure_ascii=False, default=str)[:50]}
        )
    return tabular.clean_text(value).strip()


def as_texts(value) -> list[str]:
    """A list of codes: a list of strings (JSON) or one string separated by commas etc."""
    if isinstance(value, list):
        return [as_text(item) for item in value]
    return [as_text(value)]


def parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(as_text(value)[:10])
    except ValueError as exc:
        raise ValueError(_("not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from exc


def parse_ip(value) -> list[dict]:
    if value in (None, ""):
        return []
    rights = []
    for part in re.split(r"[;；\n]+", as_text(value)):
        part = part.strip()
        if not part:
            continue
        kind_text, _sep, number = part.partition(" ")
        kind = IP_PHRASES.get(kind_text) or (kind_text if kind_text in IP_KINDS else None)
        if kind is None:
            raise ValueError(_("unknown kind of intellectual property “%(kind)s”") % {"kind": kind_text})
        rights.append({"kind": kind, "number": number.strip()})
    return rights


class Lookups:
    """Codes and names resolved once per import, not once per row."""

    def __init__(self, source: str, default_division: str | None, default_owner: str | None):
        self.divisions = {d.code: d for d in Division.objects.all()}
        self.divisions_by_name = {d.name: d for d in self.divisions.values()}
        self.links = {link.code: link for link in ChainLink.objects.all()}
        self.modes = {m.code: m for m in CooperationMode.objects.all()}
        self.orgs = {o.code: o for o in Organization.objects.all()}
        self.orgs_by_name = {o.name: o for o in self.orgs.values()}
        region = current_region()
        self.default_division_code = default_division or (region.code if region else None)
        self.source = source
        self.default_owner_code = default_owner

    def division(self, value) -> Division:
        code = as_text(value) or self.default_division_code
        division = self.divisions.get(str(code)) or self.divisions_by_name.get(str(code))
        if division is None:
            raise ValueError(_("unknown division “%(code)s”") % {"code": code})
        return division

    def owner(self, value, division: Division) -> Organization:
        value = as_text(value)
        if value:
            org = self.orgs.get(str(value)) or self.orgs_by_name.get(str(value))
            if org is None:
                raise ValueError(_("unknown organization “%(name)s”") % {"name": value})
            return org
        if self.default_owner_code:
            if self.default_owner_code not in self.orgs:
                raise ValueError(_("unknown organization “%(name)s”") % {"name": self.default_owner_code})
            return self.orgs[self.default_owner_code]
        return None  # resolved to the source's placeholder organization at write time

    def chain_links(self, value) -> list[ChainLink]:
        if value in (None, ""):
            return []
        codes = [c for text in as_texts(value) for c in re.split(r"[,，;；\s]+", text)]
        unknown = [c for c in codes if c and c not in self.links]
        if unknown:
            raise ValueError(_("unknown chain link “%(code)s”") % {"code": "、".join(unknown)})
        return [self.links[c] for c in codes if c]


def normalize_row(raw: dict, kind: str, lookups: Lookups, n: int, problems: list[RowProblem]) -> dict | None:
    """Check one row; return the values to write, or record its problems and return None."""
    if "__invalid__" in raw:
        problems.append(RowProblem(n, "", _("each row must be an object with named fields")))
        return None
    before = len(problems)
    row: dict = {}

    def take(column: str, parse, *, required=False, target=None):
        value = _pick(raw, column)
        if value is None and required:
            problems.append(RowProblem(n, column, _("this field is required")))
            return
        try:
            row[target or column] = parse(value)
        except ValueError as exc:
            problems.append(RowProblem(n, column, str(exc)))

    def text(limit):
        def parse(value):
            value = as_text(value)
            if len(value) > limit:
                raise ValueError(
                    _("too long: %(n)s characters (at most %(max)s)") % {"n": len(value), "max": limit}
                )
            return value

        return parse

    take("id", text(64), required=True, target="external_id")
    take("title", text(200), required=True)
    take("division", lookups.division, target="division")
    take("chain_links", lookups.chain_links)
    take("contact_name", text(50))
    take("contact_phone", text(32))
    take("contact_email", text(254))
    take("published", parse_date, target="published_on")
    if kind == "achievement":
        take("summary", text(10000))
        take("field", text(100))
        take("trl", parse_trl, required=True)
        take("ip", parse_ip, target="ip_rights")
        take("inventors", text(200))
        take("keywords", text(200))
        take("price", parse_amount, target="price_yuan")
    else:
        take("problem", text(5000))
        take("indicators", text(3000))
        take("budget", parse_amount, target="budget_yuan")
        take("deadline", parse_date)
    take("modes", lambda v: parse_modes(v, lookups.modes), target="modes")
    if "division" in row:
        try:
            row["owner"] = lookups.owner(_pick(raw, "owner"), row["division"])
        except ValueError as exc:
            problems.append(RowProblem(n, "owner", str(exc)))
    return row if len(problems) == before else None


def import_file(
    path: str | Path,
    kind: str,
    *,
    source: str = "import",
    default_division: str | None = None,
    default_owner: str | None = None,
    status: str = Status.PUBLISHED,
    skip_invalid: bool = False,
    progress=None,
    on_write=None,
) -> ImportReport:
    """Import one file, all or nothing: raises ImportRejected (nothing written) if any row is wrong.

    With `skip_invalid`, the valid rows are written and each rejected row is listed in the report.
    `progress(1)` is called for each row read, `on_write(n)` before the n checked rows are written.
    """
    path = Path(path)
    if kind not in ("achievement", "demand"):
        raise ValueError(kind)
    model = Achievement if kind == "achievement" else Demand
    report = ImportReport(str(path))
    if not path.is_file():
        report.reject(0, "", _("file not found"))
    lookups = Lookups(source, default_division, default_owner)
    if not lookups.divisions:
        report.reject(0, "", _("no region is loaded; run `mengkeju load-region PATH` first"))
    # First pass: check every row, keeping only each valid row's id and number (bounded memory).
    valid: dict[str, int] = {}
    for n, raw in read_rows(path, report):
        report.rows += 1
        if progress:
            progress(1)
        row = normalize_row(raw, kind, lookups, n, report.problems)
        if row is None:
            continue
        if row["external_id"] in valid:
            report.problems.append(
                RowProblem(
                    n,
                    "id",
                    _("duplicate id %(id)s (also on row %(other)s)")
                    % {"id": row["external_id"], "other": valid[row["external_id"]]},
                )
            )
            continue
        valid[row["external_id"]] = n
    if report.problems and not skip_invalid:
        raise ImportRejected(report)
    if not valid:
        report.reject(0, "", _("the file holds no rows"))
    if on_write:
        on_write(len(valid))
    # Second pass: read the file again and write the valid rows in chunks, all in one transaction.
    rows_to_write = set(valid.values())
    del valid
    created = updated = unchanged = 0
    try:
        with transaction.atomic():
            chunk: list[dict] = []
            for n, raw in read_rows(path, ImportReport(report.source)):
                if n not in rows_to_write:
                    continue
                row = normalize_row(raw, kind, lookups, n, [])
                published_on = row.pop("published_on", None)
                if status == Status.PUBLISHED:
                    moment = datetime.combine(published_on, time(9, 0)) if published_on else None
                    row["published_at"] = timezone.make_aware(moment) if moment else timezone.now()
                row["status"] = status
                chunk.append(row)
                if len(chunk) == WRITE_CHUNK:
                    counts = bulk_upsert_listings(model, chunk, source=source)
                    created, updated, unchanged = (
                        a + b for a, b in zip((created, updated, unchanged), counts, strict=True)
                    )
                    chunk = []
            if chunk:
                counts = bulk_upsert_listings(model, chunk, source=source)
                created, updated, unchanged = (
                    a + b for a, b in zip((created, updated, unchanged), counts, strict=True)
                )
    except ValidationError as exc:
        report.problems.extend(RowProblem(0, "", m) for m in exc.messages)
        raise ImportRejected(report) from exc
    report.created, report.updated, report.unchanged = created, updated, unchanged
    return report
