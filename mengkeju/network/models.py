"""The service network: region, divisions, industry chains, organizations, people and roles."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.core.roles import Role


class Region(models.Model):
    """The one region a deployment serves; loaded from the region pack."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    network_name = models.CharField(_("network name"), max_length=100, blank=True)
    network_name_en = models.CharField(_("network English name"), max_length=100, blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    parameters = models.JSONField(_("policy parameters"), default=dict, blank=True)
    # terms.yaml: the matching engine's synonym groups, the preferred name first.
    synonyms = models.JSONField(_("synonyms"), default=list, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class RegionMap(models.Model):
    """The region pack's map (region.yaml `map:`): a GeoJSON FeatureCollection of the region's divisions,
    each feature's division code in properties.code. A row of its own, so that reading the region (every
    page does) never reads the map. No row: the pack has none and the pages draw no map."""

    region = models.OneToOneField(Region, models.CASCADE, related_name="map", verbose_name=_("region"))
    file = models.CharField(_("file"), max_length=100)
    geojson = models.JSONField(_("map (GeoJSON)"))

    class Meta:
        verbose_name = _("region map")
        verbose_name_plural = _("region maps")

    def __str__(self) -> str:
        return self.file


class Division(models.Model):
    """An administrative division (GB/T 2260 code)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        PREFECTURE = "prefecture", _("prefecture (league/city)")
        COUNTY = "county", _("county (banner/district)")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    external = models.BooleanField(_("outside the region"), default=False)

    class Meta:
        ordering = ["external", "code"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")

    def __str__(self) -> str:
        return self.name


class IndustryChain(models.Model):
    """A key industry chain (产业链)."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("industry chain")
        verbose_name_plural = _("industry chains")

    def __str__(self) -> str:
        return self.name


class ChainLink(models.Model):
    """A link (环节) of an industry chain, upstream, midstream or downstream."""

    class Stage(models.TextChoices):
        UPSTREAM = "upstream", _("upstream")
        MIDSTREAM = "midstream", _("midstream")
        DOWNSTREAM = "downstream", _("downstream")

    code = models.CharField(_("code"), max_length=100, unique=True)
    chain = models.ForeignKey(IndustryChain, models.CASCADE, related_name="links", verbose_name=_("chain"))
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["chain__position", "position", "code"]
        verbose_name = _("chain link")
        verbose_name_plural = _("chain links")

    def __str__(self) -> str:
        return f"{self.chain.name}·{self.name}"


class Organization(models.Model):
    """Any organization: a node of the service network or a member of it."""

    class Kind(models.TextChoices):
        HEADQUARTERS = "headquarters", _("headquarters")
        SUB_CENTER = "sub_center", _("sub-center")
        ENCLAVE = "enclave", _("enclave sub-center")
        COOPERATING = "cooperating_institution", _("cooperating institution")
        UNIVERSITY = "university", _("university")
        INSTITUTE = "institute", _("research institute")
        ENTERPRISE = "enterprise", _("enterprise")
        SERVICE_PROVIDER = "service_provider", _("service provider")
        INVESTOR = "investor", _("investor")
        INCUBATOR = "incubator", _("incubator")
        ACCELERATOR = "accelerator", _("accelerator")
        SCIENCE_PARK = "science_park", _("science park")

    NETWORK_KINDS = (Kind.HEADQUARTERS, Kind.SUB_CENTER, Kind.ENCLAVE, Kind.COOPERATING)
    SERVICE_NODE_KINDS = (Kind.SUB_CENTER, Kind.ENCLAVE)
    # The incubation ladder (孵化器 → 加速器 → 科技园区), lowest rung first.
    LADDER_KINDS = (Kind.INCUBATOR, Kind.ACCELERATOR, Kind.SCIENCE_PARK)

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, db_index=True)
    institution_type = models.CharField(_("institution type"), max_length=32, blank=True)
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="organizations", verbose_name=_("location")
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    serves_divisions = models.ManyToManyField(
        Division, blank=True, related_name="served_by", verbose_name=_("divisions served")
    )
    serves_chains = models.ManyToManyField(
        IndustryChain, blank=True, related_name="served_by", verbose_name=_("chains served")
    )
    serves_all_chains = models.BooleanField(_("serves all chains"), default=False)
    # Where a network node is, for the map (WGS-84 degrees; region pack `lon`, `lat`).
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    # A node's official contact (region pack `contact`): public on its page. Never a person's own phone.
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    from_region_pack = models.BooleanField(_("defined by the region pack"), default=False)

    class Verification(models.TextChoices):
        PENDING = "pending", _("pending verification")
        VERIFIED = "verified", _("verified")
        RETURNED = "returned", _("returned")

    # 认证: an organization that signed itself up is pending until the sub-center serving its division
    # (or headquarters) verifies it; organizations created by staff, imports or the region pack are
    # verified. A pending or returned organization may draft but not publish or send inquiries.
    verification = models.CharField(
        _("verification"), max_length=16, choices=Verification.choices, default=Verification.VERIFIED
    )

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verification == self.Verification.VERIFIED

    @property
    def is_network_node(self) -> bool:
        return self.kind in self.NETWORK_KINDS


class User(AbstractUser):
    """A person using the platform; the role decides what they may see and change."""

    Role = Role

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.MEMBER)
    organization = models.ForeignKey(
        Organization,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("organization"),
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Technology brokers (docs/brokers.md): the level is a code of the region pack's `broker_levels`;
    # levels marked `filing_required` carry the filing number (备案编号). Set through
    # services.set_broker_level, which checks both.
    # db_default: rows written by code that predates these columns (an older migration state) still insert.
    broker_level = models.CharField(_("broker level"), max_length=32, blank=True, db_default="")
    broker_filing_number = models.CharField(
        _("broker filing number (备案编号)"), max_length=64, blank=True, db_default=""
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class LadderMembership(models.Model):
    """An enterprise's stay on one rung of the incubation ladder (incubator → accelerator → science park).

    Stays of one enterprise never overlap and never go down the ladder; `graduated` marks a stay that
    ended by moving up (or by leaving the top rung as a graduate). Written only by network.services.
    """

    enterprise = models.ForeignKey(
        Organization, models.PROTECT, related_name="ladder_stays", verbose_name=_("enterprise")
    )
    carrier = models.ForeignKey(
        Organization,
        models.PROTECT,
        related_name="ladder_residents",
        verbose_name=_("incubator, accelerator or park"),
    )
    entered_on = models.DateField(_("entered on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    graduated = models.BooleanField(_("graduated"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        "User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["enterprise_id", "entered_on", "id"]
        verbose_name = _("incubation ladder stay")
        verbose_name_plural = _("incubation ladder stays")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("entered_on")),
                name="ladder_left_after_entered",
            ),
            models.UniqueConstraint(
                fields=["enterprise"], condition=models.Q(left_on__isnull=True), name="ladder_one_open_stay"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} @ {self.carrier} ({self.entered_on})"

    @property
    def rung(self) -> int:
        return Organization.LADDER_KINDS.index(self.carrier.kind)


class CalendarDay(models.Model):
    """A day that breaks the Monday–Friday rule, loaded from the region pack's calendar.yaml: a public
    holiday (not a working day) or a make-up working day on a weekend (调休, a working day)."""

    day = models.DateField(_("day"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=60)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day} {self.name}"
