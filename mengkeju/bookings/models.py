"""Bookable services: what a platform or a service provider offers (a 中试 run on a named line, a testing
item under a standard, incubation space), with its capacity per period, lead time and price; the
bookings enterprises make; and each booking's append-only history.

Capacity is counted per period (a calendar month or an ISO week, the offering says which): a booking
holds `quantity` units of its period from the moment it is requested until it is declined. Providers
plan pilot lines and laboratories by monthly or weekly throughput ("4 runs a month", "40 samples a
week"), not by fixed time slots, and the confirmed date is chosen inside the period (docs/bookings.md).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mengkeju.catalog.models import TRL, Achievement, Platform, Service
from mengkeju.core.events import Event
from mengkeju.core.files import unguessable
from mengkeju.network.models import ChainLink, Division, Organization

MONEY = {"max_digits": 16, "decimal_places": 2}


class OfferingKind(models.TextChoices):
    PILOT_RUN = "pilot_run", _("pilot run (中试) on a named line")
    TESTING = "testing", _("testing item (检验检测)")
    INCUBATION = "incubation", _("incubation space")


class Accreditation(models.TextChoices):
    NONE = "none", _("none")
    CMA = "cma", _("CMA")
    CNAS = "cnas", _("CNAS")
    CMA_CNAS = "cma_cnas", _("CMA and CNAS")


class Period(models.TextChoices):
    MONTH = "month", _("per month")
    WEEK = "week", _("per week")


def period_start(day: date, period: str) -> date:
    """The first day of the capacity period `day` falls in."""
    if period == Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


# Periods of a year, for utilisation: months and (ISO) weeks.
PERIODS_PER_YEAR = {Period.MONTH: 12, Period.WEEK: 52}


class Offering(models.Model):
    """A bookable service of a platform or of a service (directory entry) and its provider."""

    platform = models.ForeignKey(
        Platform, models.PROTECT, null=True, blank=True, related_name="offerings", verbose_name=_("platform")
    )
    service = models.ForeignKey(
        Service, models.PROTECT, null=True, blank=True, related_name="offerings", verbose_name=_("service")
    )
    # Kept in step with the platform's organization or the service's provider, and its division: what the
    # permission rules and the dashboards read.
    provider = models.ForeignKey(
        Organization, models.PROTECT, related_name="offerings", verbose_name=_("provider")
    )
    division = models.ForeignKey(Division, models.PROTECT, related_name="+", verbose_name=_("division"))
    chain_links = models.ManyToManyField(
        ChainLink, blank=True, related_name="offerings", verbose_name=_("industry chain links")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=OfferingKind.choices)
    line_name = models.CharField(_("pilot line"), max_length=200, blank=True)
    standard = models.CharField(_("test standard"), max_length=200, blank=True)
    accreditation = models.CharField(
        _("accreditation"), max_length=16, choices=Accreditation.choices, default=Accreditation.NONE
    )
    unit = models.CharField(_("unit"), max_length=20)
    capacity_per_period = models.PositiveIntegerField(
        _("capacity per period"), validators=[MinValueValidator(1), MaxValueValidator(100000)]
    )
    period = models.CharField(_("period"), max_length=8, choices=Period.choices, default=Period.MONTH)
    lead_time_days = models.PositiveSmallIntegerField(
        _("lead time (days)"), default=0, validators=[MaxValueValidator(365)]
    )
    unit_price_yuan = models.DecimalField(_("price per unit (yuan)"), **MONEY)
    price_note = models.CharField(_("price list"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_open = models.BooleanField(_("open for booking"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("service offering")
        verbose_name_plural = _("service offerings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(platform__isnull=False, service__isnull=True)
                | models.Q(platform__isnull=True, service__isnull=False),
                name="offering_platform_xor_service",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity_per_period__gte=1), name="offering_capacity_1"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price_yuan__gte=0), name="offering_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def publisher(self):
        return self.platform or self.service

    @property
    def is_pilot_run(self) -> bool:
        return self.kind == OfferingKind.PILOT_RUN

    @property
    def is_testing(self) -> bool:
        return self.kind == OfferingKind.TESTING

    def period_of(self, day: date) -> date:
        return period_start(day, self.period)


def document_path(instance, filename: str) -> str:
    return unguessable("bookings/documents", filename)


def report_path(instance, filename: str) -> str:
    return unguessable("bookings/reports", filename)


class OfferingDocument(models.Model):
    """A document of an offering (price list, sample requirements, accreditation certificate)."""

    offering = models.ForeignKey(Offering, models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("offering document")
        verbose_name_plural = _("offering documents")

    def __str__(self) -> str:
        return self.title


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    CONFIRMED = "confirmed", _("confirmed")
    DECLINED = "declined", _("declined")
    PERFORMED = "performed", _("performed, report delivered")
    SETTLED = "settled", _("fee recorded")
    RATED = "rated", _("rated")


class BookingAction(models.TextChoices):
    REQUEST = "request", _("requested")
    CONFIRM = "confirm", _("confirmed")
    DECLINE = "decline", _("declined")
    PERFORM = "perform", _("performed, report uploaded")
    RECORD_FEE = "record_fee", _("fee recorded")
    RATE = "rate", _("rated")
    RAISE_TRL = "raise_trl", _("achievement's TRL raised")


# The booking lifecycle, in one place: (from status, action) -> to status. Tested as a table.
BOOKING_TRANSITIONS: dict[tuple[str, str], str] = {
    (BookingStatus.REQUESTED, BookingAction.CONFIRM): BookingStatus.CONFIRMED,
    (BookingStatus.REQUESTED, BookingAction.DECLINE): BookingStatus.DECLINED,
    (BookingStatus.CONFIRMED, BookingAction.PERFORM): BookingStatus.PERFORMED,
    (BookingStatus.PERFORMED, BookingAction.RECORD_FEE): BookingStatus.SETTLED,
    (BookingStatus.SETTLED, BookingAction.RATE): BookingStatus.RATED,
}
# Steps the provider takes; rating is the booking enterprise's.
PROVIDER_ACTIONS = {
    BookingAction.CONFIRM,
    BookingAction.DECLINE,
    BookingAction.PERFORM,
    BookingAction.RECORD_FEE,
}
# Bookings that hold capacity in their period (everything but a declined request).
HOLDING_STATUSES = (
    BookingStatus.REQUESTED,
    BookingStatus.CONFIRMED,
    BookingStatus.PERFORMED,
    BookingStatus.SETTLED,
    BookingStatus.RATED,
)
# Bookings whose service was performed (what the record and the dashboard count as served).
SERVED_STATUSES = (BookingStatus.PERFORMED, BookingStatus.SETTLED, BookingStatus.RATED)
# Open bookings: an overlapping second request of the same enterprise is refused.
OPEN_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


class Booking(models.Model):
    offering = models.ForeignKey(
        Offering, models.PROTECT, related_name="bookings", verbose_name=_("offering")
    )
    enterprise = models.ForeignKey(
        Organization, models.PROTECT, related_name="service_bookings", verbose_name=_("enterprise")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=BookingStatus.choices,
        default=BookingStatus.REQUESTED,
        db_index=True,
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    wished_from = models.DateField(_("wished from"))
    wished_to = models.DateField(_("wished until"))
    sample_description = models.TextField(_("sample description"), max_length=4000)
    # A pilot run may serve an achievement of the booking enterprise: its outcome can raise the TRL.
    achievement = models.ForeignKey(
        Achievement,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="service_bookings",
        verbose_name=_("achievement piloted"),
    )
    # The capacity period the booking counts in: of the wished start, then of the confirmed date.
    period_start = models.DateField(_("period"), db_index=True)
    scheduled_on = models.DateField(_("confirmed date"), null=True, blank=True)
    price_yuan = models.DecimalField(_("price (yuan)"), null=True, blank=True, **MONEY)
    decline_reason = models.TextField(_("reason declined"), blank=True)
    performed_on = models.DateField(_("performed on"), null=True, blank=True, db_index=True)
    report = models.FileField(_("report"), upload_to=report_path, max_length=300, blank=True)
    outcome_new_product = models.CharField(_("new product"), max_length=200, blank=True)
    outcome_process_validated = models.BooleanField(_("process validated"), default=False)
    outcome_trl = models.PositiveSmallIntegerField(
        _("TRL reached"), choices=TRL.choices, null=True, blank=True
    )
    trl_raised = models.BooleanField(_("raised the achievement's TRL"), default=False)
    fee_yuan = models.DecimalField(_("fee (yuan)"), null=True, blank=True, **MONEY)
    fee_recorded_on = models.DateField(_("fee recorded on"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("service booking")
        verbose_name_plural = _("service bookings")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="booking_quantity_1"),
            models.CheckConstraint(
                condition=models.Q(wished_to__gte=models.F("wished_from")), name="booking_dates"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="booking_rating_1_5",
            ),
        ]
        indexes = [models.Index(fields=["offering", "period_start", "status"])]

    def __str__(self) -> str:
        return f"{self.offering} · {self.enterprise}"

    @property
    def is_served(self) -> bool:
        return self.status in SERVED_STATUSES


class BookingEvent(Event):
    """An append-only step of a booking's history: who, what, and the note (reason, date, price …)."""

    booking = models.ForeignKey(Booking, models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=BookingAction.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=BookingStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=BookingStatus.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta(Event.Meta):
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")

    def __str__(self) -> str:
        return f"{self.booking_id} {self.action}"
