"""The catalog: achievements (科技成果), demands (技术需求), experts, platforms and services."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mengkeju.core.events import Event
from mengkeju.core.files import unguessable
from mengkeju.network.models import ChainLink, Division, Organization


class CooperationMode(models.Model):
    """Transfer / cooperation modes (转让, 许可, 作价入股, 合作开发, 先使用后付费 …). Seeded by migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("cooperation mode")
        verbose_name_plural = _("cooperation modes")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("awaiting review")
    RETURNED = "returned", _("returned for revision")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Action(models.TextChoices):
    CREATE = "create", _("created")
    EDIT = "edit", _("edited")
    SUBMIT = "submit", _("submitted for review")
    PUBLISH = "publish", _("published")
    RETURN = "return", _("returned for revision")
    WITHDRAW = "withdraw", _("withdrawn")
    REVISE = "revise", _("reopened as draft")


# The lifecycle, in one place: (from state, action) -> to state. Tested as a table.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.RETURNED, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.PUBLISH): Status.PUBLISHED,
    (Status.SUBMITTED, Action.RETURN): Status.RETURNED,
    (Status.PUBLISHED, Action.WITHDRAW): Status.WITHDRAWN,
    (Status.SUBMITTED, Action.WITHDRAW): Status.WITHDRAWN,
    (Status.WITHDRAWN, Action.REVISE): Status.DRAFT,
    (Status.RETURNED, Action.REVISE): Status.DRAFT,
}
# Actions whose reason must be recorded.
REASON_REQUIRED = {Action.RETURN, Action.WITHDRAW}
# States in which the owner may edit the record.
EDITABLE_STATES = {Status.DRAFT, Status.RETURNED}


class TRL(models.IntegerChoices):
    """Technology readiness levels (技术就绪水平), GB/T 22900."""

    L1 = 1, _("TRL 1 · basic principles observed")
    L2 = 2, _("TRL 2 · technology concept formulated")
    L3 = 3, _("TRL 3 · key function proven")
    L4 = 4, _("TRL 4 · validated in the laboratory")
    L5 = 5, _("TRL 5 · validated in a relevant environment")
    L6 = 6, _("TRL 6 · pilot demonstrated (中试)")
    L7 = 7, _("TRL 7 · demonstrated in the real environment")
    L8 = 8, _("TRL 8 · system complete and qualified")
    L9 = 9, _("TRL 9 · proven in operation / mass production")


def amount_validators():
    return [MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(settings.MAX_AMOUNT_YUAN))]


class Listing(models.Model):
    """What achievements and demands share: ownership, place in the region, lifecycle."""

    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        Organization, models.PROTECT, related_name="+", verbose_name=_("owner organization")
    )
    division = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("division"))
    chain_links = models.ManyToManyField(ChainLink, related_name="+", verbose_name=_("industry chain links"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
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
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    source = models.CharField(_("source"), max_length=40, default="web")
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class Achievement(Listing):
    """科技成果: a research result offered for transfer."""

    # Blank only for imported legacy listings; the web form and API require it.
    summary = models.TextField(
        _("summary"), max_length=10000, blank=True, validators=[MaxLengthValidator(10000)]
    )
    field = models.CharField(_("technical field"), max_length=100, blank=True)
    trl = models.PositiveSmallIntegerField(_("maturity (TRL)"), choices=TRL.choices, db_index=True)
    ip_rights = models.JSONField(_("intellectual property"), default=list, blank=True)
    inventors = models.CharField(_("inventors"), max_length=200, blank=True)
    transfer_modes = models.ManyToManyField(
        CooperationMode, related_name="+", verbose_name=_("transfer modes")
    )
    price_yuan = models.DecimalField(
        _("price (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=amount_validators(),
        help_text=_("Leave empty for 面议 (negotiable)."),
    )
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="achievement_unique_external_id",
            ),
            models.CheckConstraint(condition=models.Q(trl__gte=1, trl__lte=9), name="achievement_trl_1_9"),
            models.CheckConstraint(
                condition=models.Q(price_yuan__isnull=True) | models.Q(price_yuan__gt=0),
                name="achievement_price_positive",
            ),
        ]
        indexes = [models.Index(fields=["status", "-published_at"])]


class Demand(Listing):
    """技术需求: an enterprise's technical problem."""

    # Blank only for imported legacy listings; the web form and API require it.
    problem = models.TextField(
        _("problem description"), max_length=5000, blank=True, validators=[MaxLengthValidator(5000)]
    )
    indicators = models.TextField(
        _("technical indicators"), max_length=3000, blank=True, validators=[MaxLengthValidator(3000)]
    )
    budget_yuan = models.DecimalField(
        _("budget (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=amount_validators(),
        help_text=_("Leave empty for 面议 (negotiable)."),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    cooperation_modes = models.ManyToManyField(
        CooperationMode, related_name="+", verbose_name=_("cooperation modes")
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="demand_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_yuan__isnull=True) | models.Q(budget_yuan__gt=0),
                name="demand_budget_positive",
            ),
        ]
        indexes = [models.Index(fields=["status", "-published_at"])]


class ListingEvent(Event):
    """An append-only record of a lifecycle step, with who did it (`actor`), when (`at`) and why."""

    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta(Event.Meta):
        abstract = True


class AchievementEvent(ListingEvent):
    listing = models.ForeignKey(Achievement, models.PROTECT, related_name="events")

    class Meta(ListingEvent.Meta):
        verbose_name = _("achievement record")
        verbose_name_plural = _("achievement records")

    def __str__(self) -> str:
        return f"{self.listing_id} {self.action}"


class DemandEvent(ListingEvent):
    listing = models.ForeignKey(Demand, models.PROTECT, related_name="events")

    class Meta(ListingEvent.Meta):
        verbose_name = _("demand record")
        verbose_name_plural = _("demand records")

    def __str__(self) -> str:
        return f"{self.listing_id} {self.action}"


def attachment_path(instance, filename: str) -> str:
    """`attachments/YYYY/MM/<random>/<name>`: private (served by catalog's download view only) and
    unguessable. Files uploaded before keep their old `attachments/YYYY/MM/<name>` paths."""
    return unguessable(timezone.localdate().strftime("attachments/%Y/%m"), filename)


class Attachment(models.Model):
    achievement = models.ForeignKey(Achievement, models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    title = models.CharField(_("title"), max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title


class ChainResource(models.Model):
    """What experts, platforms and services share: a place in the region and the chain links they serve."""

    division = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("division"))
    chain_links = models.ManyToManyField(
        ChainLink, blank=True, related_name="%(class)ss", verbose_name=_("industry chain links")
    )
    external_id = models.CharField(max_length=64, blank=True, db_index=True)
    # Retired (停用): gone from public lists and pages, kept for staff, restorable. Never deleted.
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True, db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class Expert(ChainResource):
    class Tier(models.TextChoices):
        STRATEGIC = "strategic", _("strategic talent (战略)")
        LEADING = "leading", _("leading talent (领军)")
        RESERVE = "reserve", _("reserve talent (后备)")

    name = models.CharField(_("name"), max_length=50)
    tier = models.CharField(_("talent tier"), max_length=16, choices=Tier.choices)
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="experts", verbose_name=_("organization")
    )
    field = models.CharField(_("field"), max_length=100, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="expert_profile"
    )

    class Meta:
        ordering = ["tier", "name"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")


class WhitelistStatus(models.TextChoices):
    NONE = "none", _("not applied")
    APPLIED = "applied", _("applied")
    UNDER_REVIEW = "under_review", _("under review")
    LISTED = "listed", _("listed")
    REJECTED = "rejected", _("not listed")
    REMOVED = "removed", _("removed from the list")


class WhitelistAction(models.TextChoices):
    APPLY = "apply", _("applied for the whitelist")
    REVIEW = "review", _("review started")
    LIST = "list", _("listed")
    REJECT = "reject", _("application rejected")
    KEEP = "keep", _("kept after yearly evaluation")
    REMOVE = "remove", _("removed after yearly evaluation")


# The whitelist (白名单) lifecycle, in one place: (from status, action) -> to status. Tested as a table.
WHITELIST_TRANSITIONS: dict[tuple[str, str], str] = {
    (WhitelistStatus.NONE, WhitelistAction.APPLY): WhitelistStatus.APPLIED,
    (WhitelistStatus.REJECTED, WhitelistAction.APPLY): WhitelistStatus.APPLIED,
    (WhitelistStatus.REMOVED, WhitelistAction.APPLY): WhitelistStatus.APPLIED,
    (WhitelistStatus.APPLIED, WhitelistAction.REVIEW): WhitelistStatus.UNDER_REVIEW,
    (WhitelistStatus.UNDER_REVIEW, WhitelistAction.LIST): WhitelistStatus.LISTED,
    (WhitelistStatus.UNDER_REVIEW, WhitelistAction.REJECT): WhitelistStatus.REJECTED,
    (WhitelistStatus.LISTED, WhitelistAction.KEEP): WhitelistStatus.LISTED,
    (WhitelistStatus.LISTED, WhitelistAction.REMOVE): WhitelistStatus.REMOVED,
}
# Decisions whose reason must be recorded; the yearly evaluation also names its year.
WHITELIST_REASON_REQUIRED = {WhitelistAction.REJECT, WhitelistAction.KEEP, WhitelistAction.REMOVE}
WHITELIST_EVALUATIONS = {WhitelistAction.KEEP, WhitelistAction.REMOVE}
# Steps headquarters takes; applying is the platform's (or its sub-center's) step.
WHITELIST_DECISIONS = {
    WhitelistAction.REVIEW,
    WhitelistAction.LIST,
    WhitelistAction.REJECT,
    WhitelistAction.KEEP,
    WhitelistAction.REMOVE,
}


class Platform(ChainResource):
    """创新平台: an innovation platform and its whitelist (白名单) status."""

    class Kind(models.TextChoices):
        MANUFACTURING_INNOVATION_CENTER = (
            "manufacturing_innovation_center",
            _("manufacturing innovation center"),
        )
        ENTERPRISE_TECH_CENTER = "enterprise_tech_center", _("enterprise technology center")
        TECH_INNOVATION_DEMO_ENTERPRISE = (
            "tech_innovation_demo_enterprise",
            _("technology innovation demonstration enterprise"),
        )
        TECH_INNOVATION_CENTER = "tech_innovation_center", _("technology innovation center")
        PILOT_PLATFORM = "pilot_platform", _("pilot-scale platform (中试平台)")
        KEY_LABORATORY = "key_laboratory", _("key laboratory")
        ENGINEERING_RESEARCH_CENTER = "engineering_research_center", _("engineering research center")

    class Level(models.TextChoices):
        NATIONAL = "national", _("national")
        REGIONAL = "regional", _("regional")
        MUNICIPAL = "municipal", _("municipal")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    # `whitelisted` is what the chain map and lists read: true exactly while whitelist_status is "listed".
    # The whitelist services keep both in step; save() lifts records imported with whitelisted=True.
    whitelisted = models.BooleanField(_("on the whitelist"), default=False)
    whitelist_status = models.CharField(
        _("whitelist status"),
        max_length=16,
        choices=WhitelistStatus.choices,
        default=WhitelistStatus.NONE,
        db_index=True,
    )
    listed_on = models.DateField(_("listed on"), null=True, blank=True)
    last_evaluated_year = models.PositiveSmallIntegerField(_("last evaluated (year)"), null=True, blank=True)
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="platforms", verbose_name=_("organization")
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("innovation platform")
        verbose_name_plural = _("innovation platforms")

    def save(self, *args, **kwargs):
        if self.whitelisted and self.whitelist_status == WhitelistStatus.NONE:
            self.whitelist_status = WhitelistStatus.LISTED  # legacy import / demo data
        self.whitelisted = self.whitelist_status == WhitelistStatus.LISTED
        super().save(*args, **kwargs)


class Service(ChainResource):
    class Kind(models.TextChoices):
        TESTING = "testing", _("testing and inspection")
        INCUBATION = "incubation", _("incubator")
        ACCELERATION = "acceleration", _("accelerator")
        SCIENCE_PARK = "science_park", _("science park")
        IP_SERVICE = "ip_service", _("intellectual-property service")
        FINANCE = "finance", _("technology finance")
        CONSULTING = "consulting", _("consulting")
        PILOT_SCALE = "pilot_scale", _("pilot-scale production")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    provider = models.ForeignKey(
        Organization, models.PROTECT, related_name="services", verbose_name=_("provider")
    )
    description = models.TextField(_("description"), blank=True)
    price_note = models.CharField(_("price"), max_length=100, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")


class WhitelistEvent(Event):
    """An append-only step of a platform's whitelist history: who, what, why, and for which year."""

    platform = models.ForeignKey(Platform, models.PROTECT, related_name="whitelist_events")
    action = models.CharField(_("action"), max_length=16, choices=WhitelistAction.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=WhitelistStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=WhitelistStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    evaluation_year = models.PositiveSmallIntegerField(_("evaluation year"), null=True, blank=True)

    class Meta(Event.Meta):
        verbose_name = _("whitelist event")
        verbose_name_plural = _("whitelist events")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "evaluation_year"],
                condition=models.Q(evaluation_year__isnull=False),
                name="whitelist_one_evaluation_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform_id} {self.action}"


class DirectoryAction(models.TextChoices):
    CREATE = "create", _("created")
    EDIT = "edit", _("edited")
    RETIRE = "retire", _("retired")
    RESTORE = "restore", _("restored")
    IMPORT_CREATE = "import_create", _("created by import")
    IMPORT_UPDATE = "import_update", _("updated by import")


class DirectoryKind(models.TextChoices):
    EXPERT = "expert", _("expert")
    PLATFORM = "platform", _("innovation platform")
    SERVICE = "service", _("service")


class DirectoryEvent(Event):
    """An append-only change of an expert, platform or service: who, what, which fields, why."""

    resource_kind = models.CharField(_("directory"), max_length=16, choices=DirectoryKind.choices)
    resource_id = models.PositiveIntegerField(_("record number"))
    action = models.CharField(_("action"), max_length=16, choices=DirectoryAction.choices)
    fields = models.JSONField(_("fields changed"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta(Event.Meta):
        verbose_name = _("directory record")
        verbose_name_plural = _("directory records")
        indexes = [models.Index(fields=["resource_kind", "resource_id"])]

    def __str__(self) -> str:
        return f"{self.resource_kind}:{self.resource_id} {self.action}"


class GuidanceCatalog(models.Model):
    """新技术产业化应用指导目录: headquarters' yearly catalog of new technologies for industrial application."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("guidance catalog")
        verbose_name_plural = _("guidance catalogs")

    def __str__(self) -> str:
        return self.title


class GuidanceEntry(models.Model):
    """One technology in a guidance catalog: a published achievement, why, and where to apply it."""

    catalog = models.ForeignKey(GuidanceCatalog, models.CASCADE, related_name="entries")
    achievement = models.ForeignKey(
        Achievement, models.PROTECT, related_name="guidance_entries", verbose_name=_("achievement")
    )
    reason = models.TextField(_("reason for inclusion"), max_length=2000)
    application_scenario = models.TextField(_("recommended application scenario"), max_length=2000)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("guidance catalog entry")
        verbose_name_plural = _("guidance catalog entries")
        constraints = [
            models.UniqueConstraint(fields=["catalog", "achievement"], name="guidance_entry_once_per_catalog")
        ]

    def __str__(self) -> str:
        return f"{self.catalog.year} · {self.achievement_id}"
