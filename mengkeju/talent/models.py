"""The talent pool and talent exchange (docs/talent.md).

- `Person`: someone in the talent pool (researcher, engineer, expert, broker) with organization, field,
  chain links and a tier. The tier is a code of the region pack's `talent_tiers`, set only by a
  `TierDecision` (dated, by headquarters, naming the criterion met); `Person.tier` is the latest one.
  A person may be linked to a directory expert (`catalog.Expert`) and to a user account.
- `Enrolment`: a person in one of the region pack's `talent_programmes` for a year (and term).
- `Exchange`: a secondment or dual appointment between two organizations, confirmed by both and by the
  sub-center (`ExchangeEvent` per step), with outcomes linked to records that already exist.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.catalog.models import Achievement, Demand, Expert
from mengkeju.challenges.models import Milestone
from mengkeju.core.events import Event
from mengkeju.deals.models import TechnicalContract
from mengkeju.network.models import ChainLink, Division, Organization


class Person(models.Model):
    class Kind(models.TextChoices):
        RESEARCHER = "researcher", _("researcher")
        ENGINEER = "engineer", _("engineer")
        EXPERT = "expert", _("expert")
        BROKER = "broker", _("technology broker")

    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("professional title"), max_length=50, blank=True)
    organization = models.ForeignKey(
        Organization, models.PROTECT, related_name="talent", verbose_name=_("organization")
    )
    division = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("division"))
    field = models.CharField(_("field"), max_length=100, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    chain_links = models.ManyToManyField(
        ChainLink, blank=True, related_name="talent", verbose_name=_("industry chain links")
    )
    # The latest tier decision's tier (a code of the region pack's talent_tiers); blank: no tier yet.
    tier = models.CharField(_("talent tier"), max_length=32, blank=True, db_index=True)
    tier_since = models.DateField(_("tier since"), null=True, blank=True)
    expert = models.OneToOneField(
        Expert, models.SET_NULL, null=True, blank=True, related_name="talent", verbose_name=_("expert")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="talent_profile",
        verbose_name=_("user account"),
    )
    external_id = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("talent pool")

    def __str__(self) -> str:
        return self.name


class TierDecision(Event):
    """A dated decision of headquarters putting a person in a tier, naming the criterion met."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="tier_decisions")
    from_tier = models.CharField(_("from tier"), max_length=32, blank=True)
    to_tier = models.CharField(_("tier"), max_length=32)
    criterion = models.CharField(_("criterion met"), max_length=32)
    decided_on = models.DateField(_("decided on"), db_index=True)
    note = models.TextField(_("note"), blank=True)

    class Meta(Event.Meta):
        ordering = ["decided_on", "id"]
        verbose_name = _("tier decision")
        verbose_name_plural = _("tier decisions")


class Enrolment(models.Model):
    """A person in a programme that feeds the tiers (a code of the region pack's talent_programmes)."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="enrolments", verbose_name=_("person"))
    programme = models.CharField(_("programme"), max_length=32, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    term = models.CharField(_("term"), max_length=50, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "programme", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme", "year"], name="talent_enrolment_once_a_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.programme} {self.year}"


class Exchange(models.Model):
    """人才交流: a person of one organization (`home`) works for another (`host`) for a term."""

    class Kind(models.TextChoices):
        SECONDMENT = "secondment", _("secondment (挂职)")
        DUAL_APPOINTMENT = "dual_appointment", _("dual appointment (兼职)")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        CONFIRMED = "confirmed", _("confirmed")
        ACTIVE = "active", _("under way")
        ENDED = "ended", _("ended")

    person = models.ForeignKey(Person, models.PROTECT, related_name="exchanges", verbose_name=_("person"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SECONDMENT)
    home = models.ForeignKey(
        Organization, models.PROTECT, related_name="talent_sent", verbose_name=_("sending organization")
    )
    host = models.ForeignKey(
        Organization, models.PROTECT, related_name="talent_hosted", verbose_name=_("host organization")
    )
    # The node that confirms for the network: the sub-center serving the host's division (or HQ).
    sub_center = models.ForeignKey(
        Organization, models.PROTECT, related_name="talent_exchanges", verbose_name=_("sub-center")
    )
    role = models.CharField(_("role"), max_length=32)  # a code of the region pack's talent_exchange_roles
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    purpose = models.TextField(_("purpose"))
    demand = models.ForeignKey(
        Demand, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("demand served")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    home_confirmed_at = models.DateTimeField(
        _("confirmed by the sending organization"), null=True, blank=True
    )
    host_confirmed_at = models.DateTimeField(_("confirmed by the host organization"), null=True, blank=True)
    sub_center_confirmed_at = models.DateTimeField(_("confirmed by the sub-center"), null=True, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    external_id = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("talent exchange")
        verbose_name_plural = _("talent exchanges")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(home=models.F("host")), name="talent_exchange_two_organizations"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="talent_exchange_term_forwards"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.host}"

    @property
    def is_proposed(self) -> bool:
        return self.status == self.Status.PROPOSED

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class ExchangeEvent(Event):
    class Kind(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        HOME_CONFIRMED = "home_confirmed", _("confirmed by the sending organization")
        HOST_CONFIRMED = "host_confirmed", _("confirmed by the host organization")
        SUB_CENTER_CONFIRMED = "sub_center_confirmed", _("confirmed by the sub-center")
        STARTED = "started", _("started")
        ENDED = "ended", _("ended")
        OUTCOME_LINKED = "outcome_linked", _("outcome linked")

    exchange = models.ForeignKey(Exchange, models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta(Event.Meta):
        verbose_name = _("exchange event")
        verbose_name_plural = _("exchange events")


class ExchangeOutcome(models.Model):
    """A record that already exists, linked by hand as an outcome of an exchange (contracts registered
    between the two organizations are listed without linking: selectors.contracts_between)."""

    exchange = models.ForeignKey(Exchange, models.PROTECT, related_name="outcomes")
    achievement = models.ForeignKey(Achievement, models.PROTECT, null=True, blank=True, related_name="+")
    contract = models.ForeignKey(TechnicalContract, models.PROTECT, null=True, blank=True, related_name="+")
    milestone = models.ForeignKey(Milestone, models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "id"]
        verbose_name = _("exchange outcome")
        verbose_name_plural = _("exchange outcomes")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(achievement__isnull=False, contract__isnull=True, milestone__isnull=True)
                    | models.Q(achievement__isnull=True, contract__isnull=False, milestone__isnull=True)
                    | models.Q(achievement__isnull=True, contract__isnull=True, milestone__isnull=False)
                ),
                name="talent_outcome_one_record",
            )
        ]

    def __str__(self) -> str:
        return str(self.achievement or self.contract or self.milestone)
