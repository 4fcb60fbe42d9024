"""Licensing: licences (普通/排他/独占), open licence declarations (专利开放许可), use first, pay later
(先使用后付费), payment schedules, royalty reports and revenue sharing (成果转化收益分配).

Money is Decimal yuan (fields end in `_yuan`); rates and shares are Decimal fractions (0.05 = 5 %).
Records of what happened (events, reports, receipts, statements) are append-only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.catalog.models import Achievement
from mengkeju.core.events import AppendOnlyModel, Event
from mengkeju.network.models import Organization

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 6}
SHARE = {"max_digits": 5, "decimal_places": 4}


class Scope(models.TextChoices):
    """Licence scope (技术许可合同): who else may use the technology in the licensed territory."""

    ORDINARY = "ordinary", _("ordinary (普通)")
    EXCLUSIVE = "exclusive", _("exclusive (独占)")
    SOLE = "sole", _("sole (排他)")


EXCLUSIVE_SCOPES = (Scope.EXCLUSIVE, Scope.SOLE)


class FeeModel(models.TextChoices):
    """How the licensee pays (for a use-first-pay-later licence: after conversion)."""

    FREE = "free", _("free of charge")
    LUMP_SUM = "lump_sum", _("lump sum")
    ROYALTY = "royalty", _("royalty on sales")
    PER_UNIT = "per_unit", _("fee per unit")
    MILESTONES = "milestones", _("milestone payments")


class FeeTerms(models.Model):
    """Fee terms shared by licences and open licence declarations."""

    fee_model = models.CharField(_("fee model"), max_length=16, choices=FeeModel.choices)
    upfront_fee_yuan = models.DecimalField(
        _("upfront fee (yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Entry fee (入门费) due when the licence is granted; empty for none."),
    )
    lump_sum_yuan = models.DecimalField(
        _("lump sum (yuan)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    royalty_rate = models.DecimalField(
        _("royalty rate"),
        **RATE,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.000001")), MaxValueValidator(Decimal("1"))],
        help_text=_("Share of sales revenue, e.g. 0.05 for 5 %."),
    )
    minimum_annual_royalty_yuan = models.DecimalField(
        _("minimum annual royalty (yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    per_unit_fee_yuan = models.DecimalField(
        _("fee per unit (yuan)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    milestones = models.JSONField(
        _("milestones"),
        default=list,
        blank=True,
        help_text=_("List of {name, months_after, amount_yuan}: due that many months after the grant."),
    )
    payment_term_days = models.PositiveSmallIntegerField(
        _("payment term (days)"),
        default=30,
        validators=[MaxValueValidator(365)],
        help_text=_("Days after the grant, milestone or royalty period within which a payment is due."),
    )

    class Meta:
        abstract = True


class OpenLicenceDeclaration(FeeTerms):
    """专利开放许可: the patentee offers an ordinary licence to anyone on published terms."""

    class Status(models.TextChoices):
        DECLARED = "declared", _("declared")
        WITHDRAWN = "withdrawn", _("withdrawn")

    achievement = models.ForeignKey(
        Achievement, models.PROTECT, related_name="open_licence_declarations", verbose_name=_("achievement")
    )
    licensor = models.ForeignKey(
        Organization, models.PROTECT, related_name="open_licence_declarations", verbose_name=_("licensor")
    )
    patent_number = models.CharField(_("patent number"), max_length=40, blank=True)
    payment_method = models.CharField(
        _("payment method"),
        max_length=300,
        help_text=_("How and when the licensee pays, e.g. bank transfer within 30 days of each quarter."),
    )
    term_months = models.PositiveSmallIntegerField(
        _("licence term (months)"), validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    description = models.TextField(_("notes"), max_length=3000, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DECLARED, db_index=True
    )
    declared_on = models.DateField(_("declared on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("declared by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-declared_on", "-id"]
        verbose_name = _("open licence declaration")
        verbose_name_plural = _("open licence declarations")

    def __str__(self) -> str:
        return f"{self.achievement} · {self.get_fee_model_display()}"


class Licence(FeeTerms):
    """A licence to use an achievement (技术许可): ordinary, sole or exclusive; possibly use-first-pay-later."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        TRIAL = "trial", _("free trial")
        CONVERTED = "converted", _("converted to paid")
        EXITED = "exited", _("exited")
        TERMINATED = "terminated", _("terminated")
        EXPIRED = "expired", _("expired")

    # Statuses in which the licensee may use the technology.
    RUNNING = (Status.ACTIVE, Status.TRIAL, Status.CONVERTED)
    # Statuses in which the licence is paid for (royalty reports, payments).
    PAYING = (Status.ACTIVE, Status.CONVERTED)

    achievement = models.ForeignKey(
        Achievement, models.PROTECT, related_name="licences", verbose_name=_("achievement")
    )
    licensor = models.ForeignKey(
        Organization, models.PROTECT, related_name="licences_granted", verbose_name=_("licensor")
    )
    licensee = models.ForeignKey(
        Organization, models.PROTECT, related_name="licences_held", verbose_name=_("licensee")
    )
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.ORDINARY)
    territory = models.CharField(
        _("territory"), max_length=100, blank=True, help_text=_("Empty means without territorial limit.")
    )
    field_of_use = models.CharField(
        _("field of use"), max_length=200, blank=True, help_text=_("Empty means every field.")
    )
    start_on = models.DateField(_("starts on"))
    end_on = models.DateField(_("ends on"), null=True, blank=True, help_text=_("Empty: open-ended."))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    open_declaration = models.ForeignKey(
        OpenLicenceDeclaration,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="licences",
        verbose_name=_("open licence declaration"),
    )
    contract = models.ForeignKey(
        "deals.TechnicalContract",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="licences",
        verbose_name=_("technical contract"),
        help_text=_("The technical contract (技术合同, kind: licence) registered on the platform, if any."),
    )
    # For a contract signed outside the platform: its number as written on it.
    contract_reference = models.CharField(
        _("technical contract reference"),
        max_length=64,
        blank=True,
        help_text=_("Number of the technical contract (技术合同) this licence belongs to, if any."),
    )
    inventors = models.JSONField(
        _("inventors"),
        default=list,
        blank=True,
        help_text=_("Named people sharing the inventors' part of the income: list of {name, weight}."),
    )
    # 先使用后付费: a free trial, then conversion to the terms above or exit.
    use_first_pay_later = models.BooleanField(_("use first, pay later"), default=False)
    trial_months = models.PositiveSmallIntegerField(
        _("trial period (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    trial_start_on = models.DateField(_("trial starts on"), null=True, blank=True)
    trial_end_on = models.DateField(_("trial ends on"), null=True, blank=True)
    granted_on = models.DateField(_("granted on"), null=True, blank=True)
    converted_on = models.DateField(_("converted on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("reason for ending"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True) | models.Q(end_on__gte=models.F("start_on")),
                name="licence_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(licensor=models.F("licensee")), name="licence_parties_differ"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.achievement} → {self.licensee}"

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING

    @property
    def paid_from_on(self) -> date | None:
        """The first day for which the licensee pays (sales during the free trial are free)."""
        return self.converted_on if self.use_first_pay_later else self.granted_on


class LicenceAction(models.TextChoices):
    CREATE = "create", _("created")
    GRANT = "grant", _("granted")
    START_TRIAL = "start_trial", _("trial started")
    REMIND = "remind", _("trial-end reminder sent")
    CONVERT = "convert", _("converted to paid")
    EXIT = "exit", _("trial exited")
    EXPIRE = "expire", _("expired")
    TERMINATE = "terminate", _("terminated")
    REPORT = "report", _("royalty report filed")
    SCHEDULE = "schedule", _("payment scheduled")
    PAY = "pay", _("payment recorded")
    OVERDUE = "overdue", _("overdue notice sent")
    STATEMENT = "statement", _("revenue-sharing statement issued")
    DECLARE = "declare", _("open licence declared")
    WITHDRAW = "withdraw", _("open licence withdrawn")
    ACCEPT = "accept", _("open licence accepted")


S = Licence.Status
# The licence lifecycle in one place: (from status, action) -> to status. Tested as a table.
LICENCE_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, LicenceAction.GRANT): S.ACTIVE,
    (S.DRAFT, LicenceAction.START_TRIAL): S.TRIAL,
    (S.TRIAL, LicenceAction.CONVERT): S.CONVERTED,
    (S.TRIAL, LicenceAction.EXIT): S.EXITED,
    (S.TRIAL, LicenceAction.EXPIRE): S.EXPIRED,
    (S.ACTIVE, LicenceAction.EXPIRE): S.EXPIRED,
    (S.CONVERTED, LicenceAction.EXPIRE): S.EXPIRED,
    (S.TRIAL, LicenceAction.TERMINATE): S.TERMINATED,
    (S.ACTIVE, LicenceAction.TERMINATE): S.TERMINATED,
    (S.CONVERTED, LicenceAction.TERMINATE): S.TERMINATED,
}
del S


class LicenceEvent(Event):
    """Who changed what and when: every state change of a licence or an open licence declaration."""

    licence = models.ForeignKey(
        Licence, models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("licence")
    )
    declaration = models.ForeignKey(
        OpenLicenceDeclaration,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("open licence declaration"),
    )
    action = models.CharField(_("action"), max_length=16, choices=LicenceAction.choices)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    on = models.DateField(_("effective on"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty: the daily job."),
    )

    class Meta(Event.Meta):
        verbose_name = _("licence event")
        verbose_name_plural = _("licence events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(licence__isnull=False) | models.Q(declaration__isnull=False),
                name="licence_event_has_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.licence_id or self.declaration_id} {self.action}"


class TrialReminder(models.Model):
    """A trial-end reminder threshold (N days before the end) that has been handled for a licence."""

    licence = models.ForeignKey(Licence, models.CASCADE, related_name="trial_reminders")
    days_before = models.PositiveSmallIntegerField(_("days before the trial ends"))
    handled_on = models.DateField(_("handled on"))
    notified = models.BooleanField(
        _("notification sent"),
        default=True,
        help_text=_("False when a later reminder was sent instead (the job did not run in time)."),
    )

    class Meta:
        ordering = ["licence", "-days_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "days_before"], name="trial_reminder_once_per_threshold"
            )
        ]
        verbose_name = _("trial reminder")
        verbose_name_plural = _("trial reminders")

    def __str__(self) -> str:
        return f"{self.licence_id} −{self.days_before}d"


class RoyaltyReport(AppendOnlyModel):
    """A licensee's report of sales (and units) for a period; the royalty due is computed from it."""

    licence = models.ForeignKey(
        Licence, models.PROTECT, related_name="royalty_reports", verbose_name=_("licence")
    )
    period_start_on = models.DateField(_("period starts on"))
    period_end_on = models.DateField(_("period ends on"))
    sales_revenue_yuan = models.DecimalField(
        _("sales revenue (yuan)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    units_sold = models.DecimalField(
        _("units sold"), max_digits=14, decimal_places=3, validators=[MinValueValidator(Decimal("0"))]
    )
    royalty_due_yuan = models.DecimalField(_("royalty due (yuan)"), **MONEY)
    filed_on = models.DateField(_("filed on"))
    note = models.TextField(_("note"), max_length=1000, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name=_("filed by")
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["period_start_on", "id"]
        verbose_name = _("royalty report")
        verbose_name_plural = _("royalty reports")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end_on__gte=models.F("period_start_on")),
                name="royalty_report_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(sales_revenue_yuan__gte=0, units_sold__gte=0, royalty_due_yuan__gte=0),
                name="royalty_report_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.period_start_on}–{self.period_end_on}"


class Payment(models.Model):
    """One item of a licence's payment schedule: an amount due on a date, and what has been paid on it."""

    class Kind(models.TextChoices):
        UPFRONT = "upfront", _("upfront fee")
        LUMP_SUM = "lump_sum", _("lump sum")
        ROYALTY = "royalty", _("royalty")
        PER_UNIT = "per_unit", _("per-unit fee")
        MILESTONE = "milestone", _("milestone payment")
        MINIMUM_ROYALTY = "minimum_royalty", _("minimum annual royalty top-up")

    class State(models.TextChoices):
        """Computed against a clock, never stored."""

        DUE = "due", _("due")
        PARTLY_PAID = "partly_paid", _("partly paid")
        PAID = "paid", _("paid")
        OVERDUE = "overdue", _("overdue")

    licence = models.ForeignKey(Licence, models.PROTECT, related_name="payments", verbose_name=_("licence"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"), db_index=True)
    amount_yuan = models.DecimalField(
        _("amount (yuan)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    royalty_report = models.OneToOneField(
        RoyaltyReport,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="payment",
        verbose_name=_("royalty report"),
    )
    licence_year_end_on = models.DateField(
        _("licence year ending on"),
        null=True,
        blank=True,
        help_text=_("For a minimum-royalty top-up: the licence year it settles."),
    )
    paid_amount_yuan = models.DecimalField(_("paid (yuan)"), **MONEY, default=Decimal("0.00"))
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True)
    overdue_notice_on = models.DateField(
        _("overdue notice sent on"),
        null=True,
        blank=True,
        help_text=_("The day the parties were told this payment is overdue (once per payment)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("scheduled payment")
        verbose_name_plural = _("payment schedule")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_yuan__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(paid_amount_yuan__gte=0, paid_amount_yuan__lte=models.F("amount_yuan")),
                name="payment_paid_within_amount",
            ),
            models.UniqueConstraint(
                fields=["licence", "licence_year_end_on"],
                condition=models.Q(kind="minimum_royalty"),
                name="payment_one_minimum_top_up_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_yuan} {self.due_on}"

    @property
    def outstanding_yuan(self) -> Decimal:
        return self.amount_yuan - self.paid_amount_yuan

    def state_on(self, today: date) -> str:
        """Paid, partly paid, due or overdue, as seen on `today`."""
        if self.paid_amount_yuan >= self.amount_yuan:
            return self.State.PAID
        if self.due_on < today:
            return self.State.OVERDUE
        return self.State.PARTLY_PAID if self.paid_amount_yuan > 0 else self.State.DUE


class PaymentReceipt(AppendOnlyModel):
    """Money the licensor received against a scheduled payment."""

    payment = models.ForeignKey(
        Payment, models.PROTECT, related_name="receipts", verbose_name=_("scheduled payment")
    )
    received_on = models.DateField(_("received on"))
    amount_yuan = models.DecimalField(
        _("amount received (yuan)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name=_("recorded by")
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("payment received")
        verbose_name_plural = _("payments received")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_yuan__gt=0), name="receipt_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount_yuan} {self.received_on}"

    @property
    def deductions_yuan(self) -> Decimal:
        return sum((c.amount_yuan for c in self.costs.all()), Decimal("0.00"))

    @property
    def net_income_yuan(self) -> Decimal:
        return self.amount_yuan - self.deductions_yuan


class DeductibleCost(AppendOnlyModel):
    """A cost deducted from a received payment before sharing: taxes, maintenance fees, brokerage …"""

    class Kind(models.TextChoices):
        TAX = "tax", _("taxes")
        MAINTENANCE_FEE = "maintenance_fee", _("patent maintenance fees")
        BROKERAGE_FEE = "brokerage_fee", _("brokerage fees")
        OTHER = "other", _("other costs")

    receipt = models.ForeignKey(PaymentReceipt, models.PROTECT, related_name="costs")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount_yuan = models.DecimalField(
        _("amount (yuan)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("deductible cost")
        verbose_name_plural = _("deductible costs")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_yuan__gt=0), name="deductible_cost_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_yuan}"


class RevenueSharePolicy(AppendOnlyModel):
    """An institution's rule for sharing net licence income, in force from `valid_from` until the next one."""

    institution = models.ForeignKey(
        Organization, models.PROTECT, related_name="revenue_share_policies", verbose_name=_("institution")
    )
    valid_from = models.DateField(_("valid from"))
    inventors_share = models.DecimalField(_("inventors' share"), **SHARE)
    team_share = models.DecimalField(_("team share"), **SHARE)
    institution_share = models.DecimalField(_("institution share"), **SHARE)
    note = models.CharField(_("basis (rule or decision)"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name=_("set by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["institution", "-valid_from"]
        verbose_name = _("revenue-sharing policy")
        verbose_name_plural = _("revenue-sharing policies")
        constraints = [
            models.UniqueConstraint(fields=["institution", "valid_from"], name="revenue_policy_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(
                    inventors_share__gte=0,
                    team_share__gte=0,
                    institution_share__gte=0,
                    inventors_share__lte=1,
                    team_share__lte=1,
                    institution_share__lte=1,
                ),
                name="revenue_policy_shares_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.valid_from}"


class RevenueShareStatement(AppendOnlyModel):
    """How the net income of one received payment is shared: inventors (by name), team and institution."""

    receipt = models.OneToOneField(
        PaymentReceipt, models.PROTECT, related_name="statement", verbose_name=_("payment received")
    )
    policy = models.ForeignKey(
        RevenueSharePolicy, models.PROTECT, related_name="statements", verbose_name=_("policy applied")
    )
    gross_yuan = models.DecimalField(_("payment received (yuan)"), **MONEY)
    deductions_yuan = models.DecimalField(_("deductible costs (yuan)"), **MONEY)
    net_income_yuan = models.DecimalField(_("net income (yuan)"), **MONEY)
    inventors_yuan = models.DecimalField(_("inventors (yuan)"), **MONEY)
    team_yuan = models.DecimalField(_("team (yuan)"), **MONEY)
    institution_yuan = models.DecimalField(_("institution (yuan)"), **MONEY)
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+", verbose_name=_("issued by")
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("revenue-sharing statement")
        verbose_name_plural = _("revenue-sharing statements")
        # The parts add up to the net income exactly: services.allocate() guarantees it and the tests
        # check it (SQLite stores decimals as floats, so a database check could misfire).

    def __str__(self) -> str:
        return f"{self.receipt} → {self.net_income_yuan}"


class StatementLine(AppendOnlyModel):
    """One recipient's part of a statement."""

    class Party(models.TextChoices):
        INVENTOR = "inventor", _("inventor")
        TEAM = "team", _("team")
        INSTITUTION = "institution", _("institution")

    statement = models.ForeignKey(RevenueShareStatement, models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    party = models.CharField(_("party"), max_length=16, choices=Party.choices)
    name = models.CharField(_("name"), max_length=200)
    share = models.DecimalField(_("share of net income"), max_digits=9, decimal_places=8)
    amount_yuan = models.DecimalField(_("amount (yuan)"), **MONEY)

    class Meta:
        ordering = ["statement", "position"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")

    def __str__(self) -> str:
        return f"{self.name} {self.amount_yuan}"
