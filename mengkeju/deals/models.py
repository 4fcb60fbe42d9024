"""Deals (the brokerage pipeline), technical contracts (技术合同) and their registration (认定登记).

The tables of allowed moves live here, each in one place: `DEAL_TRANSITIONS` for the deal pipeline,
`SUB_KINDS` for which sub-kinds belong to a contract kind. Business rules are in services.py and
rules.py; nothing here saves on its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.catalog.models import Achievement, Demand
from mengkeju.core.events import Event
from mengkeju.network.models import Division, IndustryChain, Organization

MONEY = {"max_digits": 16, "decimal_places": 2}
# Network nodes that may be responsible for a deal or a contract.
RESPONSIBLE_NODE_KINDS = (
    Organization.Kind.SUB_CENTER,
    Organization.Kind.ENCLAVE,
    Organization.Kind.HEADQUARTERS,
)


class Deal(models.Model):
    """A match being brokered towards a contract: demand and/or achievement, parties, sub-center, broker."""

    class Stage(models.TextChoices):
        INTENT = "intent", _("intent")
        NEGOTIATION = "negotiation", _("negotiation")
        SIGNED = "signed", _("contract signed")
        REGISTERED = "registered", _("contract registered")
        PERFORMING = "performing", _("performing")
        COMPLETED = "completed", _("completed")
        TERMINATED = "terminated", _("terminated")

    title = models.CharField(_("title"), max_length=200)
    demand = models.ForeignKey(
        Demand, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("demand")
    )
    achievement = models.ForeignKey(
        Achievement, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("achievement")
    )
    buyer = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="deals_as_buyer",
        verbose_name=_("buyer"),
    )
    seller = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="deals_as_seller",
        verbose_name=_("seller"),
    )
    sub_center = models.ForeignKey(
        Organization,
        models.PROTECT,
        related_name="deals",
        limit_choices_to={"kind__in": RESPONSIBLE_NODE_KINDS},
        verbose_name=_("responsible sub-center"),
    )
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="brokered_deals",
        verbose_name=_("technology broker"),
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.INTENT, db_index=True
    )
    termination_reason = models.TextField(_("termination reason"), blank=True)
    last_contacted_at = models.DateTimeField(_("last contacted at"), null=True, blank=True, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(demand__isnull=False) | models.Q(achievement__isnull=False),
                name="deal_has_demand_or_achievement",
            )
        ]
        indexes = [models.Index(fields=["sub_center", "stage"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_final(self) -> bool:
        return self.stage in FINAL_STAGES


Stage = Deal.Stage
FINAL_STAGES = frozenset({Stage.COMPLETED, Stage.TERMINATED})
NON_FINAL_STAGES = tuple(s for s in Stage if s not in FINAL_STAGES)
# Stages at which a deal has reached a signed contract (for conversion statistics).
SIGNED_OR_LATER = frozenset({Stage.SIGNED, Stage.REGISTERED, Stage.PERFORMING, Stage.COMPLETED})


class Trigger(models.TextChoices):
    """Who moves a deal along an edge: the broker by hand, or the registration of its contract."""

    BROKER = "broker", _("by the broker or sub-center")
    REGISTRATION = "registration", _("by contract registration")


# The deal pipeline, in one place: (from stage, to stage) -> what triggers it. Tested as a table.
# Registering a contract moves its deal to `registered` from any stage before it; cancelling that
# registration moves it back to `signed`. Applying for registration needs a signed, written contract,
# so it moves a deal still at intent or negotiation to `signed` (negotiation → signed being the
# broker's own edge, the application takes it on the broker's behalf). Termination (with a reason) is allowed from any non-final stage.
DEAL_TRANSITIONS: dict[tuple[str, str], str] = {
    (Stage.INTENT, Stage.NEGOTIATION): Trigger.BROKER,
    (Stage.NEGOTIATION, Stage.SIGNED): Trigger.BROKER,
    (Stage.SIGNED, Stage.PERFORMING): Trigger.BROKER,  # registration is voluntary; performance may start
    (Stage.REGISTERED, Stage.PERFORMING): Trigger.BROKER,
    (Stage.PERFORMING, Stage.COMPLETED): Trigger.BROKER,
    (Stage.INTENT, Stage.SIGNED): Trigger.REGISTRATION,  # its contract applied for registration: signed
    (Stage.INTENT, Stage.REGISTERED): Trigger.REGISTRATION,
    (Stage.NEGOTIATION, Stage.REGISTERED): Trigger.REGISTRATION,
    (Stage.SIGNED, Stage.REGISTERED): Trigger.REGISTRATION,
    (Stage.REGISTERED, Stage.SIGNED): Trigger.REGISTRATION,
    **{(stage, Stage.TERMINATED): Trigger.BROKER for stage in NON_FINAL_STAGES},
}


class DealEvent(Event):
    """An append-only record of a step in a deal: a stage change or a contact, with who and when."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("opened")
        STAGE = "stage", _("stage changed")
        CONTACT = "contact", _("contact recorded")
        CONTRACT = "contract", _("contract")

    deal = models.ForeignKey(Deal, models.PROTECT, related_name="events", verbose_name=_("deal"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_stage = models.CharField(_("from"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=16, choices=Stage.choices, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta(Event.Meta):
        verbose_name = _("deal event")
        verbose_name_plural = _("deal events")

    def __str__(self) -> str:
        return f"{self.deal_id} {self.kind} {self.to_stage}"


class ContractKind(models.TextChoices):
    """The five kinds of technical contract (Civil Code Book III Ch. 20), plus a marker for the rest."""

    DEVELOPMENT = "development", _("technology development (技术开发)")
    TRANSFER = "transfer", _("technology transfer (技术转让)")
    LICENCE = "licence", _("technology licence (技术许可)")
    CONSULTING = "consulting", _("technical consulting (技术咨询)")
    SERVICE = "service", _("technical service (技术服务)")
    # Goods, plain labour, construction …: may be entered, is always refused registration (rule R1).
    NON_TECHNICAL = "non_technical", _("not a technical contract (goods, labour, other)")


TECHNICAL_KINDS = frozenset(
    {
        ContractKind.DEVELOPMENT,
        ContractKind.TRANSFER,
        ContractKind.LICENCE,
        ContractKind.CONSULTING,
        ContractKind.SERVICE,
    }
)


class SubKind(models.TextChoices):
    COMMISSIONED_DEVELOPMENT = "commissioned_development", _("commissioned development (委托开发)")
    COOPERATIVE_DEVELOPMENT = "cooperative_development", _("cooperative development (合作开发)")
    PATENT_RIGHT_TRANSFER = "patent_right_transfer", _("patent right transfer (专利权转让)")
    PATENT_APPLICATION_RIGHT_TRANSFER = (
        "patent_application_right_transfer",
        _("patent application right transfer (专利申请权转让)"),
    )
    TECHNICAL_SECRET_TRANSFER = "technical_secret_transfer", _("technical secret transfer (技术秘密转让)")
    OTHER_RIGHTS_TRANSFER = "other_rights_transfer", _("transfer of other technology rights (其他权利转让)")
    PATENT_LICENCE = "patent_licence", _("patent licence (专利实施许可)")
    TECHNICAL_SECRET_LICENCE = "technical_secret_licence", _("technical secret licence (技术秘密使用许可)")
    FEASIBILITY_STUDY = "feasibility_study", _("feasibility study (可行性论证)")
    TECHNICAL_FORECAST = "technical_forecast", _("technical forecast (技术预测)")
    TECHNICAL_ASSESSMENT = "technical_assessment", _("technical assessment (技术评价)")
    OTHER_CONSULTING = "other_consulting", _("other consulting (其他咨询)")
    TECHNICAL_SERVICE = "technical_service", _("technical service (技术服务)")
    TECHNICAL_TRAINING = "technical_training", _("technical training (技术培训)")
    TECHNICAL_INTERMEDIARY = "technical_intermediary", _("technical intermediary (技术中介)")


# Which sub-kinds belong to which kind. A non-technical contract has no sub-kind.
SUB_KINDS: dict[str, tuple[str, ...]] = {
    ContractKind.DEVELOPMENT: (SubKind.COMMISSIONED_DEVELOPMENT, SubKind.COOPERATIVE_DEVELOPMENT),
    ContractKind.TRANSFER: (
        SubKind.PATENT_RIGHT_TRANSFER,
        SubKind.PATENT_APPLICATION_RIGHT_TRANSFER,
        SubKind.TECHNICAL_SECRET_TRANSFER,
        SubKind.OTHER_RIGHTS_TRANSFER,
    ),
    ContractKind.LICENCE: (SubKind.PATENT_LICENCE, SubKind.TECHNICAL_SECRET_LICENCE),
    ContractKind.CONSULTING: (
        SubKind.FEASIBILITY_STUDY,
        SubKind.TECHNICAL_FORECAST,
        SubKind.TECHNICAL_ASSESSMENT,
        SubKind.OTHER_CONSULTING,
    ),
    ContractKind.SERVICE: (
        SubKind.TECHNICAL_SERVICE,
        SubKind.TECHNICAL_TRAINING,
        SubKind.TECHNICAL_INTERMEDIARY,
    ),
    ContractKind.NON_TECHNICAL: (),
}


class LicenceScope(models.TextChoices):
    EXCLUSIVE = "exclusive", _("exclusive (独占)")
    SOLE = "sole", _("sole (排他)")
    ORDINARY = "ordinary", _("ordinary (普通)")


class Flow(models.TextChoices):
    """Where technology goes, by the seller's and buyer's divisions."""

    WITHIN = "within", _("within the region")
    OUTFLOW = "outflow", _("outflow (技术输出)")
    INFLOW = "inflow", _("inflow (技术吸纳)")
    EXTERNAL = "external", _("both parties outside the region")


def classify_flow(seller_division: Division | None, buyer_division: Division | None) -> str | None:
    """within / outflow / inflow / external, or None when a division is unknown. A pure function."""
    if seller_division is None or buyer_division is None:
        return None
    seller_outside, buyer_outside = seller_division.external, buyer_division.external
    if not seller_outside and not buyer_outside:
        return Flow.WITHIN
    if not seller_outside and buyer_outside:
        return Flow.OUTFLOW
    if seller_outside and not buyer_outside:
        return Flow.INFLOW
    return Flow.EXTERNAL


class TechnicalContract(models.Model):
    """技术合同. One row per version: an amendment of a registered contract is a new row (`previous_version`)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted for registration")
        REGISTERED = "registered", _("registered")
        REFUSED = "refused", _("registration refused")
        AMENDED = "amended", _("superseded by an amendment")
        CANCELLED = "cancelled", _("registration cancelled")

    deal = models.ForeignKey(
        Deal, models.SET_NULL, null=True, blank=True, related_name="contracts", verbose_name=_("deal")
    )
    title = models.CharField(_("contract title"), max_length=200)
    kind = models.CharField(_("contract kind"), max_length=16, choices=ContractKind.choices)
    sub_kind = models.CharField(_("sub-kind"), max_length=40, choices=SubKind.choices, blank=True)
    licence_scope = models.CharField(
        _("licence scope"), max_length=16, choices=LicenceScope.choices, blank=True
    )
    amount_yuan = models.DecimalField(_("contract amount (yuan)"), **MONEY)
    equipment_yuan = models.DecimalField(_("equipment (yuan)"), default=0, **MONEY)
    instruments_yuan = models.DecimalField(_("instruments (yuan)"), default=0, **MONEY)
    parts_yuan = models.DecimalField(_("parts (yuan)"), default=0, **MONEY)
    materials_yuan = models.DecimalField(_("raw materials (yuan)"), default=0, **MONEY)
    construction_yuan = models.DecimalField(_("construction (yuan)"), default=0, **MONEY)
    transaction_amount_yuan = models.DecimalField(
        _("technology-transaction amount (yuan)"),
        help_text=_("技术交易额 = contract amount − non-technical costs; computed."),
        **MONEY,
    )
    payment_terms = models.TextField(_("payment terms"), blank=True)
    # 2026 registration rules (docs/deals.md): who applies and what counts as technology.
    is_import = models.BooleanField(
        _("technology import (技术进口)"),
        default=False,
        help_text=_("The seller is abroad; the domestic buyer applies for registration."),
    )
    contributed_as_capital = models.BooleanField(
        _("technology contributed as capital (技术入股)"),
        default=False,
        help_text=_("Registers as a technology transfer."),
    )
    general_staff_training = models.BooleanField(
        _("training of general staff or in operating a product"),
        default=False,
        help_text=_("Such training is not technical training (技术培训) and is not registered."),
    )
    ip_clauses = models.TextField(_("intellectual-property clauses"), blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    term_start = models.DateField(_("term starts on"), null=True, blank=True)
    term_end = models.DateField(_("term ends on"), null=True, blank=True)
    chain = models.ForeignKey(
        IndustryChain,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("industry chain"),
    )
    sub_center = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="technical_contracts",
        limit_choices_to={"kind__in": RESPONSIBLE_NODE_KINDS},
        verbose_name=_("responsible sub-center"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    previous_version = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("amends"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("technical contract")
        verbose_name_plural = _("technical contracts")

    def __str__(self) -> str:
        return self.title

    NON_TECHNICAL_FIELDS = (
        "equipment_yuan",
        "instruments_yuan",
        "parts_yuan",
        "materials_yuan",
        "construction_yuan",
    )

    @property
    def is_editable(self) -> bool:
        return self.status in CONTRACT_EDITABLE_STATES

    def parties_in_role(self, role: str) -> list[ContractParty]:
        return [p for p in self.parties.all() if p.role == role]


CONTRACT_EDITABLE_STATES = frozenset({TechnicalContract.Status.DRAFT, TechnicalContract.Status.REFUSED})


def applicant_roles(contract: TechnicalContract) -> tuple[str, ...]:
    """Which party applies for registration, by the kind (2026 rules, draft Art. 11): the seller side
    (developer, transferor, licensor, consultant, service side, trainer); for a 技术中介 contract the
    intermediary (the service side of that contract, or a party named as intermediary); for a
    technology import the domestic buyer."""
    if contract.is_import:
        return (ContractParty.Role.BUYER,)
    if contract.sub_kind == SubKind.TECHNICAL_INTERMEDIARY:
        return (ContractParty.Role.SELLER, ContractParty.Role.INTERMEDIARY)
    return (ContractParty.Role.SELLER,)


def applicant_label(contract: TechnicalContract) -> str:
    """Who applies, in words: "the developer", "the licensor", … (for messages)."""
    if contract.is_import:
        return str(_("the domestic buyer (technology import)"))
    by_sub_kind = {
        SubKind.TECHNICAL_TRAINING: _("the trainer"),
        SubKind.TECHNICAL_INTERMEDIARY: _("the intermediary"),
    }
    by_kind = {
        ContractKind.DEVELOPMENT: _("the developer"),
        ContractKind.TRANSFER: _("the transferor"),
        ContractKind.LICENCE: _("the licensor"),
        ContractKind.CONSULTING: _("the consultant"),
        ContractKind.SERVICE: _("the service side"),
    }
    return str(by_sub_kind.get(contract.sub_kind) or by_kind.get(contract.kind) or _("the seller"))


class RefusalReason(models.TextChoices):
    """Why a registrar refuses (不予登记), as the 2026 rules name the cases [draft]."""

    PARTIES_UNCLEAR = "parties_unclear", _("the parties are unclear")
    SUBJECT_UNCLEAR = "subject_unclear", _("the subject matter is unclear")
    PRICE_UNCLEAR = "price_unclear", _("the price or remuneration is unclear")
    MONOPOLY_CLAUSES = "monopoly_clauses", _("illegal monopoly clauses (technology monopoly)")
    INFRINGING_CLAUSES = "infringing_clauses", _("clauses infringing others' technology rights")
    PROOF_MISSING = "proof_missing", _("proof documents missing")
    NAME_SEAL_MISMATCH = "name_seal_mismatch", _("the written name does not match the seal")


class ContractParty(models.Model):
    class Role(models.TextChoices):
        SELLER = "seller", _("seller (developer / consultant / service side)")
        BUYER = "buyer", _("buyer")
        INTERMEDIARY = "intermediary", _("intermediary")

    contract = models.ForeignKey(
        TechnicalContract, models.CASCADE, related_name="parties", verbose_name=_("contract")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="contract_parties",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code or ID number"), max_length=18, blank=True)
    division = models.ForeignKey(
        Division, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("division")
    )

    class Meta:
        ordering = ["contract", "id"]
        verbose_name = _("contract party")
        verbose_name_plural = _("contract parties")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class Registration(models.Model):
    """An application for registration (认定登记) and, once decided, its immutable snapshot.

    Statistics count rows with status=registered and is_current=True. An amendment is a new row
    (version + 1, `supersedes` the registered one) that keeps the base number with a `-<version>`
    suffix; the superseded row becomes `amended`. Numbers are never reused.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("awaiting registration")
        REGISTERED = "registered", _("registered")
        REFUSED = "refused", _("refused (不予登记)")
        AMENDED = "amended", _("superseded by an amendment")
        CANCELLED = "cancelled", _("cancelled")

    contract = models.ForeignKey(
        TechnicalContract, models.PROTECT, related_name="registrations", verbose_name=_("contract")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    number = models.CharField(_("registration number"), max_length=32, unique=True, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    is_current = models.BooleanField(_("current version"), default=False, db_index=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("submitted by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    refused_rule = models.CharField(_("refused by rule"), max_length=32, blank=True)
    refused_message = models.TextField(_("reason for refusal"), blank=True)
    refusal_reasons = models.JSONField(_("refusal reasons"), default=list, blank=True)
    applicant_role = models.CharField(
        _("applicant"), max_length=16, choices=ContractParty.Role.choices, blank=True
    )
    # Review window (2026 rules): due within N working days of the application, more with expert review.
    due_on = models.DateField(_("decision due on"), null=True, blank=True)
    needs_expert_review = models.BooleanField(_("expert review required"), default=False)
    is_disputed = models.BooleanField(_("disputed"), default=False)
    expert_reviewed_at = models.DateTimeField(_("expert review recorded at"), null=True, blank=True)
    expert_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("expert review recorded by"),
    )
    expert_opinion = models.TextField(_("expert opinion"), blank=True)
    verification_code = models.CharField(_("verification code"), max_length=16, blank=True)
    registering_office = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registering office"),
    )
    # Reported with a 变更登记 (amendment) or 注销登记 (cancellation): was a tax benefit already taken?
    tax_benefit_claimed = models.BooleanField(_("tax benefit already claimed"), null=True, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True, db_index=True)
    # Snapshot of the contract, copied when registered; statistics read these, never the live contract.
    title = models.CharField(_("contract title"), max_length=200, blank=True)
    kind = models.CharField(_("contract kind"), max_length=16, choices=ContractKind.choices, blank=True)
    sub_kind = models.CharField(_("sub-kind"), max_length=40, choices=SubKind.choices, blank=True)
    licence_scope = models.CharField(
        _("licence scope"), max_length=16, choices=LicenceScope.choices, blank=True
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True, db_index=True)
    amount_yuan = models.DecimalField(_("contract amount (yuan)"), null=True, blank=True, **MONEY)
    transaction_amount_yuan = models.DecimalField(
        _("technology-transaction amount (yuan)"), null=True, blank=True, **MONEY
    )
    seller_division = models.ForeignKey(
        Division, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("seller division")
    )
    buyer_division = models.ForeignKey(
        Division, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("buyer division")
    )
    flow = models.CharField(_("flow"), max_length=16, choices=Flow.choices, blank=True)
    chain = models.ForeignKey(
        IndustryChain,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("industry chain"),
    )
    sub_center = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible sub-center"),
    )
    seller_name = models.CharField(_("seller"), max_length=200, blank=True)
    buyer_name = models.CharField(_("buyer"), max_length=400, blank=True)
    seller_credit_code = models.CharField(_("seller credit code"), max_length=18, blank=True)
    buyer_credit_code = models.CharField(_("buyer credit code"), max_length=18, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            # At most one pending application, one registered row and one current row per contract version.
            models.UniqueConstraint(
                fields=["contract"], condition=models.Q(status="submitted"), name="registration_one_pending"
            ),
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(status="registered"),
                name="registration_one_registered",
            ),
            models.UniqueConstraint(
                fields=["contract"], condition=models.Q(is_current=True), name="registration_one_current"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="registered") | models.Q(number__isnull=False),
                name="registration_registered_has_number",
            ),
        ]
        indexes = [models.Index(fields=["status", "is_current", "registered_on"])]

    def __str__(self) -> str:
        return self.number or f"#{self.pk} v{self.version}"


class RegistrationEvent(Event):
    """An append-only, attributable record of an action on a registration."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("submitted")
        REGISTER = "register", _("registered")
        REFUSE = "refuse", _("refused")
        AMEND = "amend", _("amendment submitted")
        SUPERSEDE = "supersede", _("superseded by an amendment")
        CANCEL = "cancel", _("cancelled")
        DISPUTE = "dispute", _("marked as disputed")
        EXPERT_REVIEW = "expert_review", _("expert review recorded")

    registration = models.ForeignKey(
        Registration, models.PROTECT, related_name="events", verbose_name=_("registration")
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=Registration.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Registration.Status.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta(Event.Meta):
        verbose_name = _("registration event")
        verbose_name_plural = _("registration events")

    def __str__(self) -> str:
        return f"{self.registration_id} {self.action}"


class RegistrationCounter(models.Model):
    """The last sequence number handed out in a year; the row is locked while a number is allocated."""

    region_code = models.CharField(_("region code"), max_length=12)
    year = models.PositiveSmallIntegerField(_("year"))
    last_sequence = models.PositiveIntegerField(_("last sequence number"), default=0)

    class Meta:
        verbose_name = _("registration number counter")
        verbose_name_plural = _("registration number counters")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year"], name="registration_counter_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.region_code}{self.year}: {self.last_sequence}"
