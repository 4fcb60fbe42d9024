"""State changes of the innovation-points domain: one function per use case, each in a transaction
that records an append-only PointsEvent.

- load_points_system(path, by=None) -> dict[int, str]
- import_indicator_values(content, file_name, *, year, by) -> ImportReport
- enter_indicator_values(organization, year, values, *, by, chain=None, size_class="") -> EnterpriseYear
- confirm_data(record, *, by) / return_data(record, *, by, reason)
- recompute_scores(year, *, chain=None, size_class="", by=None) -> ScoreRun
- (tasks.py) start_import(upload, *, year, by) / start_recompute(year, *, chain, size_class, by) -> JobRun: the
  same two as background jobs a person watches on /jobs/<id>/ (see tasks.py)
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.core.roles import Role, role_of
from mengkeju.network.models import IndustryChain, Organization

from . import permissions, selectors
from .activity import SOURCES
from .importing import (
    CREDIT_CODE,
    FIXED_HEADERS,
    ImportRejected,
    ImportReport,
    RowProblem,
    _number,
    item_header,
    read_workbook,
)
from .models import (
    EnterpriseYear,
    ImportBatch,
    Indicator,
    IndicatorSystem,
    IndicatorValue,
    LoanConsent,
    PointsEvent,
    PointsLoan,
    Score,
    ScoreRun,
    cohort_key,
)
from .pack import SystemSpec, read_points_file
from .scoring import ROUND, score_cohort

Status = EnterpriseYear.Status
FOUR = Decimal("0.0001")


# --- indicator system ------------------------------------------------------------------------------


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _write_indicators(system: IndicatorSystem) -> None:
    system.indicators.all().delete()
    d = system.definition
    rows, position = [], 0
    for group in d["groups"]:
        for item in group["indicators"]:
            rows.append(
                Indicator(
                    system=system,
                    kind=Indicator.Kind.SCORED,
                    group_code=group["code"],
                    group_name=group["name"],
                    group_weight=Decimal(str(group["weight"])),
                    code=item["code"],
                    name=item["name"],
                    name_en=item.get("name_en", ""),
                    unit=item["unit"],
                    weight=Decimal(str(item["weight"])),
                    direction=item["direction"],
                    method=item["method"],
                    position=position,
                )
            )
            position += 1
    for item in d.get("bonus", []):
        rows.append(
            Indicator(
                system=system,
                kind=Indicator.Kind.BONUS,
                code=item["code"],
                name=item["name"],
                name_en=item.get("name_en", ""),
                unit=item["unit"],
                points=Decimal(str(item["points"])),
                cap=Decimal(str(item["cap"])),
                position=position,
            )
        )
        position += 1
    Indicator.objects.bulk_create(rows)


@transaction.atomic
def load_points_system(path: str | Path, *, by=None) -> dict[int, str]:
    """Load points.yaml: per year `created`, `unchanged`, `updated` (no score used it yet) or
    `new version` (scores exist for the loaded version, which stays as it is)."""
    data = read_points_file(path)
    size_classes = data.get("size_classes", [])
    outcome: dict[int, str] = {}
    for definition in data["systems"]:
        year = definition["year"]
        digest = _digest({"system": definition, "size_classes": size_classes})
        latest = selectors.latest_system(year, for_update=True)
        values = {
            "name": definition["name"],
            "name_en": definition.get("name_en", ""),
            "definition": definition,
            "size_classes": size_classes,
            "content_hash": digest,
        }
        if latest and latest.content_hash == digest:
            outcome[year] = "unchanged"
            continue
        if latest and not latest.has_results:
            for key, value in values.items():
                setattr(latest, key, value)
            latest.save()
            system, outcome[year] = latest, "updated"
        else:
            version = latest.version + 1 if latest else 1
            system = IndicatorSystem.objects.create(year=year, version=version, **values)
            outcome[year] = "new version" if latest else "created"
        _write_indicators(system)
        PointsEvent.objects.record(
            action=PointsEvent.Action.SYSTEM_LOADED,
            year=year,
            by=by,
            data={"version": system.version, "outcome": outcome[year], "hash": digest},
        )
    return outcome


def current_system(year: int, *, for_update: bool = False) -> IndicatorSystem:
    """The year's latest indicator system; refused (ValidationError) when none is loaded."""
    system = selectors.latest_system(year, for_update=for_update)
    if system is None:
        raise ValidationError(
            _("No indicator system is loaded for %(year)s (mengkeju load-points-system PATH).")
            % {"year": year},
            code="no_indicator_system",
        )
    return system


def _spelling_maps(system: IndicatorSystem) -> tuple[dict[str, str], dict[str, str]]:
    chains = {}
    for code, name in IndustryChain.objects.values_list("code", "name"):
        chains[code] = chains[name] = code
    sizes = {}
    for item in system.size_classes:
        sizes[item["code"]] = sizes[item["name"]] = item["code"]
    return chains, sizes


# --- enterprise data -------------------------------------------------------------------------------


def _apply_values(record, values: dict[str, Decimal], *, batch=None, row=None, by=None) -> bool:
    """Write changed values with their source; unchanged values keep theirs. True if anything changed."""
    existing = {v.code: v for v in record.values.all()}
    changed = False
    for code, value in values.items():
        current = existing.get(code)
        if current is not None and current.value == value:
            continue
        changed = True
        if current is None:
            IndicatorValue.objects.create(
                record=record, code=code, value=value, import_batch=batch, source_row=row, entered_by=by
            )
        else:
            current.value, current.import_batch, current.source_row, current.entered_by = (
                value,
                batch,
                row,
                by,
            )
            current.save()
    return changed


def _set_status_after_change(record, now, *, by, confirm: bool) -> None:
    record.entered_by, record.entered_at = by, now
    if confirm:
        record.status, record.confirmed_by, record.confirmed_at = Status.CONFIRMED, by, now
    else:
        record.status, record.confirmed_by, record.confirmed_at = Status.ENTERED, None, None
    record.return_reason = ""


def _no_progress(done, total=None, message=None):
    pass


def import_indicator_values(
    content: bytes, file_name: str, *, year: int, by, progress=_no_progress
) -> ImportReport:
    """All rows or none: every problem (file, column, row) is reported and nothing is written.
    Re-importing the same file changes nothing. Values imported by headquarters or the serving
    sub-center are confirmed; an enterprise's own import awaits its sub-center's confirmation.

    The file is read and checked before the transaction opens (a long read does not hold the
    database's writer); the rows are written in one transaction. `progress(done, total, message)`
    hears how far it got."""
    if not permissions.can_import(by):
        raise PermissionDenied(_("You may not import innovation-points data."))
    system = current_system(year)
    spec = SystemSpec.from_definition(system.definition)
    chains, sizes = _spelling_maps(system)

    def read(report: ImportReport):
        return read_workbook(content, file_name, spec, report, chains=chains, size_classes=sizes)

    # First pass: check every row, keeping only each credit code's first row (bounded memory).
    progress(0, None, _("Reading the file …"))
    report = ImportReport(file_name)
    column = FIXED_HEADERS[CREDIT_CODE][0]
    seen: dict[str, int] = {}
    for r in read(report):
        report.rows += 1
        if report.rows % PROGRESS_EVERY == 0:
            progress(report.rows, None, _("Checking %(n)s rows …") % {"n": report.rows})
        if not r.credit_code:
            continue
        if r.credit_code in seen:
            report.add(
                r.row,
                column,
                _("duplicated row: enterprise %(code)s is already in row %(first)s")
                % {"code": r.credit_code, "first": seen[r.credit_code]},
            )
            continue
        seen[r.credit_code] = r.row
    sees_every_enterprise = role_of(by) in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR)
    enterprises: dict[str, int] = {}  # credit code → organization id, for the rows that may be written
    codes = list(seen)
    for start in range(0, len(codes), LOOKUP_CHUNK):
        found = {
            org.credit_code.upper(): org
            for org in Organization.objects.filter(
                kind=Organization.Kind.ENTERPRISE, credit_code__in=codes[start : start + LOOKUP_CHUNK]
            )
        }
        for code in codes[start : start + LOOKUP_CHUNK]:
            org = found.get(code)
            if org is None and sees_every_enterprise:
                report.add(
                    seen[code],
                    column,
                    _(
                        "unknown enterprise: no enterprise with credit code %(code)s is registered on the platform"
                    )
                    % {"code": code},
                )
            elif org is None or not permissions.can_enter_data(by, org):
                # One answer for "no such enterprise" and "not yours": a member must not learn which
                # credit codes are registered (nor their names) by importing guesses.
                report.add(
                    seen[code],
                    column,
                    _("no enterprise with credit code %(code)s that you may enter data for") % {"code": code},
                )
            else:
                enterprises[code] = org.pk
    del seen
    if report.problems:
        report.problems.sort(key=lambda p: (p.row, p.column))
        raise ImportRejected(report)
    # Second pass: read the file again and write each row as it comes, all in one transaction.
    with transaction.atomic():
        return _write_import(
            read(ImportReport(file_name)),
            report,
            enterprises,
            content,
            file_name,
            year=year,
            by=by,
            progress=progress,
        )


# Rows between two progress reports; credit codes looked up per query (no query with 20,000 parameters).
PROGRESS_EVERY = 1000
LOOKUP_CHUNK = 2000


def _write_import(rows, report, enterprises, content, file_name, *, year, by, progress) -> ImportReport:
    now = timezone.now()
    confirm = permissions.confirms_on_entry(by)
    chain_objects = {c.code: c for c in IndustryChain.objects.all()}
    digest = hashlib.sha256(content if isinstance(content, bytes) else Path(content).read_bytes()).hexdigest()
    batch = None
    total = report.rows
    message = _("Writing %(n)s rows …") % {"n": total}
    for done, r in enumerate(rows):
        if done % PROGRESS_EVERY == 0:
            progress(done, total, message)
        org_id = enterprises[r.credit_code]
        record = EnterpriseYear.objects.select_for_update().filter(organization_id=org_id, year=year).first()
        created = record is None
        if created:
            record = EnterpriseYear(organization_id=org_id, year=year, status=Status.ENTERED)
        chain = chain_objects.get(r.chain_code) if r.chain_code else record.chain
        size = r.size_class or record.size_class
        if batch is None:
            batch = ImportBatch.objects.create(
                file_name=file_name[:255], sha256=digest, year=year, rows=total, imported_by=by
            )
        founded = r.founded_year or record.founded_year
        meta_changed = (
            created or chain != record.chain or size != record.size_class or founded != record.founded_year
        )
        record.chain, record.size_class, record.founded_year = chain, size, founded
        if created:
            _set_status_after_change(record, now, by=by, confirm=confirm)
            record.save()
        values_changed = _apply_values(record, r.values, batch=batch, row=r.row, by=by)
        status_changed = confirm and record.status != Status.CONFIRMED
        if created:
            report.created += 1
        elif values_changed or meta_changed or status_changed:
            _set_status_after_change(record, now, by=by, confirm=confirm)
            record.save()
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        PointsEvent.objects.record(
            action=PointsEvent.Action.IMPORTED,
            record=record,
            year=year,
            by=by,
            data={"file": file_name, "sha256": digest, "row": r.row, "confirmed": confirm},
        )
    if report.created == 0 and report.updated == 0 and batch is not None:
        batch.delete()  # nothing came from this file: the values keep their first source
    progress(total, total, message)
    return report


@transaction.atomic
def enter_indicator_values(
    organization: Organization,
    year: int,
    raw_values: dict,
    *,
    by,
    chain=None,
    size_class: str = "",
    founded_year: int | None = None,
) -> EnterpriseYear:
    """A form entry. Raises a ValidationError listing each wrong value ("column: reason; …")."""
    if not permissions.can_enter_data(by, organization):
        raise PermissionDenied(_("You may not enter data for %(name)s.") % {"name": organization.name})
    system = current_system(year)
    spec = SystemSpec.from_definition(system.definition)
    problems: list[RowProblem] = []
    values = {}
    for item in spec.all_items:
        value = _number(raw_values.get(item.code), item, 0, item_header(item), problems)
        if value is not None:
            values[item.code] = value
    if size_class and size_class not in {c["code"] for c in system.size_classes}:
        problems.append(
            RowProblem(0, _("size class"), _("unknown size class %(value)r") % {"value": size_class})
        )
    if founded_year is not None and not 1900 <= founded_year <= year:
        problems.append(
            RowProblem(
                0,
                _("year of establishment"),
                _("%(value)s is not a year of establishment between 1900 and %(year)s")
                % {"value": founded_year, "year": year},
            )
        )
    if problems:
        raise ValidationError("; ".join(f"{p.column}: {p.message}" for p in problems), code="invalid_values")
    record = EnterpriseYear.objects.select_for_update().filter(organization=organization, year=year).first()
    record = record or EnterpriseYear(organization=organization, year=year, status=Status.ENTERED)
    record.chain, record.size_class = chain, size_class
    if founded_year is not None:
        record.founded_year = founded_year
    _set_status_after_change(record, timezone.now(), by=by, confirm=permissions.confirms_on_entry(by))
    record.save()
    _apply_values(record, values, by=by)
    PointsEvent.objects.record(action=PointsEvent.Action.ENTERED, record=record, year=year, by=by)
    return record


@transaction.atomic
def confirm_data(record: EnterpriseYear, *, by) -> EnterpriseYear:
    record = EnterpriseYear.objects.select_for_update().get(pk=record.pk)
    if not permissions.can_confirm(by, record):
        raise PermissionDenied(_("You may not confirm this enterprise's data."))
    record.status, record.confirmed_by, record.confirmed_at = Status.CONFIRMED, by, timezone.now()
    record.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    PointsEvent.objects.record(action=PointsEvent.Action.CONFIRMED, record=record, year=record.year, by=by)
    return record


@transaction.atomic
def return_data(record: EnterpriseYear, *, by, reason: str) -> EnterpriseYear:
    record = EnterpriseYear.objects.select_for_update().get(pk=record.pk)
    if not permissions.can_return(by, record):
        raise PermissionDenied(_("You may not return this enterprise's data."))
    if not reason.strip():
        raise ValidationError({"reason": ValidationError(_("Say what needs correcting."), code="required")})
    record.status, record.return_reason = Status.RETURNED, reason.strip()
    record.save(update_fields=["status", "return_reason"])
    PointsEvent.objects.record(
        action=PointsEvent.Action.RETURNED, record=record, year=record.year, by=by, note=reason.strip()
    )
    return record


# --- scoring ---------------------------------------------------------------------------------------


def _d(x: float) -> Decimal:
    return Decimal(f"{x:.{ROUND}f}")


def _r(x) -> float:
    return round(float(x), ROUND)


@transaction.atomic
def recompute_scores(
    year: int, *, chain: IndustryChain | None = None, size_class: str = "", by=None, progress=_no_progress
) -> ScoreRun:
    """Score the cohort's confirmed data with the year's current system and replace the cohort's
    results. Deterministic: enterprises are ordered by id, the arithmetic is fixed, figures are rounded
    once to 4 places. Confirmed records missing a scored indicator are left out and listed."""
    if by is not None and not permissions.can_recompute(by):
        raise PermissionDenied(_("Only headquarters recomputes innovation points."))
    # One recompute of a year at a time: a second waits here for the first to commit, then reads what
    # it left and replaces it (without the lock it would fail on the cohort's unique key).
    system = current_system(year, for_update=True)
    spec = SystemSpec.from_definition(system.definition)
    records = EnterpriseYear.objects.filter(
        year=year, status=Status.CONFIRMED, organization__kind=Organization.Kind.ENTERPRISE
    )
    if chain is not None:
        records = records.filter(chain=chain)
    if size_class:
        records = records.filter(size_class=size_class)
    rows = list(
        records.order_by("organization_id").values_list(
            "pk", "organization_id", "organization__credit_code", "founded_year", "size_class"
        )
    )
    if not rows:
        raise ValidationError(
            _("No confirmed enterprise data in this cohort for %(year)s.") % {"year": year},
            code="empty_cohort",
        )
    n = len(rows)
    progress(0, 3 * n, _("Reading the data of %(n)s enterprises …") % {"n": n})
    row_of = {rec: i for i, (rec, *_rest) in enumerate(rows)}
    scored = {ind.code: j for j, ind in enumerate(spec.indicators)}
    bonus = {b.code: j for j, b in enumerate(spec.bonus)}
    values = np.full((n, len(scored)), np.nan)
    bonus_values = np.zeros((n, len(bonus)))
    value_rows = IndicatorValue.objects.filter(record__year=year, code__in=[*scored, *bonus]).values_list(
        "record_id", "code", "value"
    )
    # A plain fetch: a server-side cursor (iterator) makes PostgreSQL pick a cursor plan ~200x slower here.
    for record_id, code, value in value_rows:
        i = row_of.get(record_id)
        if i is None:
            continue
        if code in scored:
            values[i, scored[code]] = float(value)
        else:
            bonus_values[i, bonus[code]] = float(value)
    complete = ~np.isnan(values).any(axis=1)
    # The enterprise's stage (初创期 / 成长期 / 稳定期) from its age and size class, when the system has
    # stages; an enterprise whose stage needs its unknown year of establishment is left out and listed.
    stages = [
        spec.stage_of(year - founded if founded else None, size or "")
        for _rec, _org, _code, founded, size in rows
    ]
    complete &= np.array([stage is not None for stage in stages], dtype=bool)
    excluded = [rows[i][1] for i in np.flatnonzero(~complete)]
    if not complete.any():
        raise ValidationError(
            _("No enterprise in this cohort has a value for every indicator."), code="incomplete_cohort"
        )
    rows = [r[:3] for r, keep in zip(rows, complete, strict=True) if keep]
    stages = [stage for stage, keep in zip(stages, complete, strict=True) if keep]
    values, bonus_values = values[complete], bonus_values[complete]
    organizations = [(org, code or "") for _rec, org, code in rows]
    activity = np.zeros((len(rows), len(spec.activity)))
    position = {org: i for i, (org, _c) in enumerate(organizations)}
    for j, (source, _points, _cap) in enumerate(spec.activity):
        for org, count in SOURCES[source].count(organizations, year).items():
            if org in position:
                activity[position[org], j] = count

    progress(n, 3 * n, _("Scoring %(n)s enterprises …") % {"n": len(rows)})
    result = score_cohort(spec, values, bonus_values, activity, stages if spec.stages else None)
    key = cohort_key(year, chain, size_class)
    input_hash = _digest(
        {
            "system": [system.pk, system.content_hash],
            "orgs": [o for o, _c in organizations],
            "values": np.round(values, ROUND).tolist(),
            "bonus": np.round(bonus_values, ROUND).tolist(),
            "activity": activity.tolist(),
            **({"stages": stages} if spec.stages else {}),
        }
    )
    ScoreRun.objects.filter(cohort_key=key).delete()
    statistics = dict(result.statistics)
    for j, ind in enumerate(spec.indicators):
        statistics[ind.code]["weight"] = _r(result.effective_weights[j])
    run = ScoreRun.objects.create(
        cohort_key=key,
        year=year,
        chain=chain,
        size_class=size_class,
        system=system,
        enterprises=len(rows),
        statistics={"indicators": statistics, "excluded": excluded},
        input_hash=input_hash,
        computed_at=timezone.now(),
        computed_by=by,
    )
    group_codes = [g[0] for g in spec.groups]
    scored_codes = [i.code for i in spec.indicators]
    bonus_codes = [b.code for b in spec.bonus]
    sources = [a[0] for a in spec.activity]
    raw = np.round(values, ROUND).tolist()
    s = np.round(result.indicator_scores, ROUND).tolist()
    c = np.round(result.contributions, ROUND).tolist()
    g = np.round(result.group_points, ROUND).tolist()
    b_raw = np.round(bonus_values, ROUND).tolist()
    b_pts = np.round(result.bonus_item_points, ROUND).tolist()
    a_pts = np.round(result.activity_item_points, ROUND).tolist()
    a_cnt = activity.astype(int).tolist()
    scores = []
    for i, (_rec, org, _code) in enumerate(rows):
        breakdown = {
            "i": {code: [raw[i][j], s[i][j], c[i][j]] for j, code in enumerate(scored_codes)},
            "g": {code: g[i][j] for j, code in enumerate(group_codes)},
            "b": {code: [b_raw[i][j], b_pts[i][j]] for j, code in enumerate(bonus_codes)},
            "a": {code: [a_cnt[i][j], a_pts[i][j]] for j, code in enumerate(sources)},
        }
        indicator_points = _d(result.indicator_points[i])
        bonus_points = _d(result.bonus_points[i])
        activity_points = _d(result.activity_points[i])
        scores.append(
            Score(
                run=run,
                system=system,
                organization_id=org,
                year=year,
                indicator_points=indicator_points,
                bonus_points=bonus_points,
                activity_points=activity_points,
                total=indicator_points + bonus_points + activity_points,
                rank=int(result.rank[i]),
                tier=result.tier[i],
                stage=stages[i] or "",
                breakdown=breakdown,
            )
        )
    message = _("Saving %(n)s scores …") % {"n": len(scores)}
    for start in range(0, len(scores), 2000):
        progress(2 * n + round(start * n / len(scores)), 3 * n, message)
        Score.objects.bulk_create(scores[start : start + 2000], batch_size=2000)
    PointsEvent.objects.record(
        action=PointsEvent.Action.COMPUTED,
        year=year,
        by=by,
        data={
            "cohort": key,
            "enterprises": len(rows),
            "excluded": len(excluded),
            "system_version": system.version,
            "input_hash": input_hash,
        },
    )
    return run


# --- 创新积分贷 (points-based credit) ----------------------------------------------------------------


@transaction.atomic
def give_consent(organization: Organization, *, by) -> LoanConsent:
    """The enterprise consents that banks may see its score and rank (and offer it a loan)."""
    if not permissions.can_manage_consent(by, organization):
        raise PermissionDenied(_("Only a member of the enterprise gives its consent."))
    Organization.objects.select_for_update().get(pk=organization.pk)
    if selectors.open_consent(organization):
        raise ValidationError(
            _("%(name)s has already consented.") % {"name": organization.name}, code="already_consented"
        )
    consent = LoanConsent.objects.create(organization=organization, given_by=by, given_at=timezone.now())
    PointsEvent.objects.record(action=PointsEvent.Action.CONSENT_GIVEN, by=by, data={"org": organization.pk})
    return consent


@transaction.atomic
def withdraw_consent(organization: Organization, *, by) -> LoanConsent:
    """Banks no longer see the enterprise; loans already recorded stay."""
    if not permissions.can_manage_consent(by, organization):
        raise PermissionDenied(_("Only a member of the enterprise withdraws its consent."))
    consent = (
        LoanConsent.objects.select_for_update().filter(organization=organization, withdrawn_at=None).first()
    )
    if consent is None:
        raise ValidationError(
            _("%(name)s has not consented, so there is nothing to withdraw.") % {"name": organization.name},
            code="no_consent",
        )
    consent.withdrawn_by, consent.withdrawn_at = by, timezone.now()
    consent.save(update_fields=["withdrawn_by", "withdrawn_at"])
    PointsEvent.objects.record(
        action=PointsEvent.Action.CONSENT_WITHDRAWN, by=by, data={"org": organization.pk}
    )
    return consent


MAX_RATE_PERCENT = Decimal("36")
MAX_TERM_MONTHS = 360


def _loan_terms(amount_yuan, rate_percent, term_months) -> tuple[Decimal, Decimal, int]:
    errors = {}
    try:
        amount = Decimal(str(amount_yuan)).quantize(Decimal("0.01"))
        if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e14"):
            raise ValueError
    except (ValueError, ArithmeticError):
        errors["amount_yuan"] = ValidationError(
            _("The amount must be a positive number of yuan."), code="amount"
        )
    try:
        rate = Decimal(str(rate_percent)).quantize(Decimal("0.001"))
        if not rate.is_finite() or not Decimal(0) < rate <= MAX_RATE_PERCENT:
            raise ValueError
    except (ValueError, ArithmeticError):
        errors["rate_percent"] = ValidationError(
            _("The annual rate must be above 0 %% and at most %(max)s %%.") % {"max": MAX_RATE_PERCENT},
            code="rate",
        )
    try:
        term = int(term_months)
        if not 1 <= term <= MAX_TERM_MONTHS or str(term) != str(term_months).strip():
            raise ValueError
    except (ValueError, TypeError):
        errors["term_months"] = ValidationError(
            _("The term must be a whole number of months from 1 to %(max)s.") % {"max": MAX_TERM_MONTHS},
            code="term",
        )
    if errors:
        raise ValidationError(errors)
    return amount, rate, term


def _eligible_score(enterprise: Organization, year: int) -> Score:
    """The score a bank may rely on, or a ValidationError naming the rule the enterprise fails."""
    if enterprise.kind != Organization.Kind.ENTERPRISE:
        raise ValidationError(_("Points-based loans are for enterprises."), code="not_enterprise")
    if not selectors.open_consent(enterprise):
        raise ValidationError(
            _("%(name)s has not consented that banks see its innovation points.") % {"name": enterprise.name},
            code="no_consent",
        )
    threshold = selectors.loan_threshold()
    if threshold is None:
        raise ValidationError(
            _("The region sets no score threshold for points-based loans (points_loan_min_score)."),
            code="no_threshold",
        )
    score = selectors.loan_score(enterprise, year)
    if score is None:
        raise ValidationError(
            _("%(name)s has no region-wide innovation score for %(year)s.")
            % {"name": enterprise.name, "year": year},
            code="not_scored",
        )
    if score.total < threshold:
        raise ValidationError(
            _(
                "%(name)s scored %(score)s in %(year)s, below the region's threshold of %(min)s "
                "for points-based loans."
            )
            % {"name": enterprise.name, "score": score.total, "year": year, "min": threshold},
            code="below_threshold",
        )
    return score


@transaction.atomic
def record_loan(
    enterprise: Organization,
    *,
    by,
    year: int,
    amount_yuan,
    rate_percent,
    term_months,
    granted: bool = False,
) -> PointsLoan:
    """A bank records a loan it offered (or granted at once) to an enterprise of its ranking: one that
    consented and scored at least the region's threshold in the year's region-wide cohort."""
    if not permissions.is_bank(by):
        raise PermissionDenied(
            _("Only a bank (an organization of kind investor) records points-based loans.")
        )
    amount, rate, term = _loan_terms(amount_yuan, rate_percent, term_months)
    Organization.objects.select_for_update().get(pk=enterprise.pk)
    score = _eligible_score(enterprise, year)
    now = timezone.now()
    loan = PointsLoan.objects.create(
        bank=by.organization,
        enterprise=enterprise,
        year=year,
        score_total=score.total,
        score_rank=score.rank,
        status=PointsLoan.Status.GRANTED if granted else PointsLoan.Status.OFFERED,
        amount_yuan=amount,
        rate_percent=rate,
        term_months=term,
        offered_at=now,
        granted_at=now if granted else None,
        recorded_by=by,
    )
    PointsEvent.objects.record(
        action=PointsEvent.Action.LOAN_GRANTED if granted else PointsEvent.Action.LOAN_RECORDED,
        year=year,
        by=by,
        data={"loan": loan.pk, "org": enterprise.pk, "amount_yuan": str(amount)},
    )
    return loan


@transaction.atomic
def grant_loan(loan: PointsLoan, *, by) -> PointsLoan:
    """The bank that offered the loan records that it was granted (it then counts as financing)."""
    loan = PointsLoan.objects.select_for_update().get(pk=loan.pk)
    if not permissions.is_bank(by) or by.organization_id != loan.bank_id:
        raise PermissionDenied(_("Only the bank that offered the loan records its grant."))
    if loan.status == PointsLoan.Status.GRANTED:
        raise ValidationError(_("This loan is already recorded as granted."), code="already_granted")
    loan.status, loan.granted_at = PointsLoan.Status.GRANTED, timezone.now()
    loan.save(update_fields=["status", "granted_at"])
    PointsEvent.objects.record(
        action=PointsEvent.Action.LOAN_GRANTED,
        year=loan.year,
        by=by,
        data={"loan": loan.pk, "org": loan.enterprise_id, "amount_yuan": str(loan.amount_yuan)},
    )
    return loan
