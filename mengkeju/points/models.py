"""Enterprise innovation points (企业创新积分制): the yearly indicator system, enterprises' yearly
indicator values with their sources, and scores computed per cohort.

Scores are Decimal with 4 decimal places (`SCORE`): the computation runs in float64 (numpy) and every
stored figure is rounded once to 4 places, so the same inputs give byte-identical rows on SQLite and
PostgreSQL and a page, an export and the API show the same number. Indicator values are Decimal with
4 places in the unit the indicator system states (万元, %, 人, 件 …).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.core.events import Event
from mengkeju.network.models import IndustryChain, Organization

SCORE = {"max_digits": 9, "decimal_places": 4}
VALUE = {"max_digits": 20, "decimal_places": 4}


class IndicatorSystem(models.Model):
    """One year's indicator system (a version of it). Immutable once a score was computed with it:
    loading a changed definition for that year then creates the next version."""

    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    definition = models.JSONField(_("definition"), help_text=_("The year's entry of points.yaml as loaded."))
    size_classes = models.JSONField(_("size classes"), default=list, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "-version"]
        verbose_name = _("indicator system")
        verbose_name_plural = _("indicator systems")
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="points_system_year_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def has_results(self) -> bool:
        return self.runs.exists()


class Indicator(models.Model):
    """An indicator (scored) or a bonus item of one system version; rows mirror the definition."""

    class Kind(models.TextChoices):
        SCORED = "scored", _("scored indicator")
        BONUS = "bonus", _("bonus item")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("higher is better")
        LOWER = "lower", _("lower is better")

    class Method(models.TextChoices):
        ZSCORE = "zscore", _("standardised (z-score)")
        PERCENTILE = "percentile", _("percentile")

    system = models.ForeignKey(IndicatorSystem, models.CASCADE, related_name="indicators")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    group_code = models.CharField(_("group"), max_length=32, blank=True)
    group_name = models.CharField(_("group name"), max_length=100, blank=True)
    group_weight = models.DecimalField(_("group weight"), **SCORE, null=True, blank=True)
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=16)
    weight = models.DecimalField(_("weight"), **SCORE, null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, blank=True)
    method = models.CharField(_("scoring method"), max_length=12, choices=Method.choices, blank=True)
    points = models.DecimalField(_("points per unit"), **SCORE, null=True, blank=True)
    cap = models.DecimalField(_("cap"), **SCORE, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["system", "position"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="points_indicator_code")]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class ImportBatch(models.Model):
    """One imported file: the source of the values it brought."""

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    year = models.PositiveSmallIntegerField(_("year"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.file_name


class EnterpriseYear(models.Model):
    """An enterprise's indicator data for one year. Scored only once confirmed by its sub-center
    (or imported by the sub-center / headquarters, which confirms it)."""

    class Status(models.TextChoices):
        ENTERED = "entered", _("entered, awaiting confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        RETURNED = "returned", _("returned for correction")

    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="points_years", verbose_name=_("enterprise")
    )
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    chain = models.ForeignKey(
        IndustryChain,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("industry chain"),
    )
    size_class = models.CharField(_("size class"), max_length=16, blank=True)
    founded_year = models.PositiveSmallIntegerField(
        _("year of establishment"),
        null=True,
        blank=True,
        help_text=_("With the size class it decides the enterprise's stage (初创期 / 成长期 / 稳定期)."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)

    class Meta:
        ordering = ["-year", "organization"]
        verbose_name = _("enterprise indicator data")
        verbose_name_plural = _("enterprise indicator data")
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="points_enterprise_year"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"


class IndicatorValue(models.Model):
    """One value, with its source: an import (file + row) or a user's entry."""

    record = models.ForeignKey(EnterpriseYear, models.CASCADE, related_name="values")
    code = models.CharField(_("indicator"), max_length=32)
    value = models.DecimalField(_("value"), **VALUE)
    import_batch = models.ForeignKey(
        ImportBatch, models.PROTECT, null=True, blank=True, related_name="values", verbose_name=_("import")
    )
    source_row = models.PositiveIntegerField(_("row in the file"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["record", "code"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [models.UniqueConstraint(fields=["record", "code"], name="points_value_code")]

    def __str__(self) -> str:
        return f"{self.code}={self.value}"


def cohort_key(year: int, chain=None, size_class: str = "") -> str:
    """The key of a scored cohort: year, industry chain (or *) and size class (or *)."""
    return f"{year}|{chain.code if chain else '*'}|{size_class or '*'}"


class ScoreRun(models.Model):
    """The results of one cohort (year, optionally chain and size class). A recompute replaces the
    run and its scores in one transaction; `statistics` holds the cohort's per-indicator figures."""

    cohort_key = models.CharField(_("cohort"), max_length=80, unique=True)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    chain = models.ForeignKey(IndustryChain, models.PROTECT, null=True, blank=True, related_name="+")
    size_class = models.CharField(_("size class"), max_length=16, blank=True)
    system = models.ForeignKey(IndicatorSystem, models.PROTECT, related_name="runs")
    enterprises = models.PositiveIntegerField(_("enterprises"), default=0)
    statistics = models.JSONField(_("cohort statistics"), default=dict)
    input_hash = models.CharField(_("input hash"), max_length=64)
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "cohort_key"]
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")

    def __str__(self) -> str:
        return self.cohort_key

    @property
    def cohort_label(self) -> str:
        """What a reader sees instead of the internal key: "2025 · 稀土 · 中型" or "2025 · 全部企业"."""
        parts = [str(self.year)]
        if self.chain_id:
            parts.append(self.chain.name)
        if self.size_class:
            parts.append(self.size_class)
        if len(parts) == 1:
            parts.append(_("all enterprises"))
        return " · ".join(str(p) for p in parts)


class Score(models.Model):
    """An enterprise's score in a cohort. `breakdown` is compact: {"i": {code: [raw, score, contribution]},
    "g": {group: points}, "b": {code: [raw, points]}, "a": {source: [count, points]}}; selectors expand it."""

    run = models.ForeignKey(ScoreRun, models.CASCADE, related_name="scores")
    system = models.ForeignKey(IndicatorSystem, models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, models.PROTECT, related_name="points_scores")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    indicator_points = models.DecimalField(_("indicator points (0–100)"), **SCORE)
    bonus_points = models.DecimalField(_("bonus points"), **SCORE)
    activity_points = models.DecimalField(_("activity points"), **SCORE)
    total = models.DecimalField(_("total score"), **SCORE, db_index=True)
    rank = models.PositiveIntegerField(_("rank"))
    tier = models.CharField(_("tier"), max_length=8, db_index=True)
    stage = models.CharField(
        _("stage"), max_length=16, blank=True, help_text=_("blank: a system without stages")
    )
    breakdown = models.JSONField(_("breakdown"))

    class Meta:
        ordering = ["run", "rank", "organization"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["run", "organization"], name="points_score_per_run")]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}: {self.total}"


class PointsEvent(Event):
    """Append-only audit: loads of the system, imports, entries, confirmations, returns, recomputes."""

    class Action(models.TextChoices):
        SYSTEM_LOADED = "system_loaded", _("indicator system loaded")
        IMPORTED = "imported", _("imported")
        ENTERED = "entered", _("entered")
        CONFIRMED = "confirmed", _("confirmed")
        RETURNED = "returned", _("returned")
        COMPUTED = "computed", _("scores computed")
        CONSENT_GIVEN = "consent_given", _("consent to banks given")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("consent to banks withdrawn")
        LOAN_RECORDED = "loan_recorded", _("loan recorded")
        LOAN_GRANTED = "loan_granted", _("loan granted")

    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    record = models.ForeignKey(EnterpriseYear, models.PROTECT, null=True, blank=True, related_name="events")
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta(Event.Meta):
        verbose_name = _("innovation points event")
        verbose_name_plural = _("innovation points events")

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


# --- 创新积分贷 (points-based credit) --------------------------------------------------------------------


class LoanConsent(models.Model):
    """An enterprise's consent that banks may see its score and rank (创新积分贷). Given and withdrawn on
    the enterprise's points page; a withdrawn consent stays as a record and a new one may be given."""

    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="points_loan_consents", verbose_name=_("enterprise")
    )
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    given_at = models.DateTimeField(_("given at"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent to banks")
        verbose_name_plural = _("consents to banks")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="points_one_open_consent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.given_at:%Y-%m-%d}"


class PointsLoan(models.Model):
    """A loan a bank offered or granted to an enterprise on the strength of its innovation points.
    The score and rank it relied on are copied (a recompute replaces scores; the loan keeps its basis)."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("offered")
        GRANTED = "granted", _("granted")

    bank = models.ForeignKey(
        Organization, models.PROTECT, related_name="points_loans_given", verbose_name=_("bank")
    )
    enterprise = models.ForeignKey(
        Organization, models.PROTECT, related_name="points_loans", verbose_name=_("enterprise")
    )
    year = models.PositiveSmallIntegerField(_("points year"))
    score_total = models.DecimalField(_("score relied on"), **SCORE)
    score_rank = models.PositiveIntegerField(_("rank relied on"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, db_index=True)
    amount_yuan = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2)
    rate_percent = models.DecimalField(_("annual interest rate (%)"), max_digits=6, decimal_places=3)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    offered_at = models.DateTimeField(_("offered at"))
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-offered_at", "-pk"]
        verbose_name = _("points-based loan")
        verbose_name_plural = _("points-based loans")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_yuan__gt=0), name="points_loan_amount_positive"),
            models.CheckConstraint(condition=models.Q(term_months__gt=0), name="points_loan_term_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.bank} → {self.enterprise}: {self.amount_yuan}"
