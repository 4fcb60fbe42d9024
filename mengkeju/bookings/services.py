"""Changes to offerings and bookings: one user intent, one function, one transaction, one event.

Capacity is never overbooked: requesting a booking and confirming it on a date lock the offering's
row (`select_for_update`) and count what the period already holds, so of two enterprises asking for
the last unit at the same moment one gets it and the other a clear refusal (PostgreSQL test:
tests/test_concurrency.py). Every step goes through BOOKING_TRANSITIONS with a conditional update of
the status, and writes one BookingEvent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Achievement, Platform, Service
from mengkeju.catalog.services import raise_achievement_trl, validate_attachment
from mengkeju.core import clock
from mengkeju.core.roles import Role
from mengkeju.network.models import ChainLink, User
from mengkeju.network.permissions import require_verified
from mengkeju.notifications.models import Notification
from mengkeju.notifications.services import notify

from . import permissions
from .models import (
    BOOKING_TRANSITIONS,
    HOLDING_STATUSES,
    OPEN_STATUSES,
    Accreditation,
    Booking,
    BookingAction,
    BookingEvent,
    Offering,
    OfferingDocument,
    OfferingKind,
    Period,
)

MAX_WISHED_DAYS = 366
MAX_TEXT = 4000


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _money(value, field: str, *, allow_zero: bool = True) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise _error(field, _("Give an amount in yuan, such as 12000.00."), "invalid") from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero):
        raise _error(field, _("The amount must be positive."), "out_of_range")
    if amount > settings.MAX_AMOUNT_YUAN or amount != amount.quantize(Decimal("0.01")):
        raise _error(field, _("The amount is too large or has more than two decimals."), "out_of_range")
    return amount


def _record(booking: Booking, action: str, before: str, *, by, note: str = "") -> None:
    BookingEvent.objects.record(
        booking=booking, action=action, from_status=before, to_status=booking.status, note=note, by=by
    )


def _tell(booking: Booking, *, provider: bool) -> None:
    """An in-app notification of the step to the other side: the provider's members, or the requester."""
    if provider:
        people = User.objects.filter(
            organization_id=booking.offering.provider_id, role=Role.MEMBER, is_active=True
        ).order_by("pk")
        message = _("%(enterprise)s requests %(offering)s.") % {
            "enterprise": booking.enterprise.name,
            "offering": booking.offering.name,
        }
    else:
        people = [booking.requested_by]
        message = _("Your booking of %(offering)s is now “%(status)s”.") % {
            "offering": booking.offering.name,
            "status": booking.get_status_display(),
        }
    notify(people, message, reverse("bookings:booking", args=[booking.pk]), kind=Notification.Kind.OTHER)


# --- Offerings ------------------------------------------------------------------------------------------


@transaction.atomic
def publish_offering(
    *,
    by,
    platform: Platform | None = None,
    service: Service | None = None,
    name: str,
    kind: str,
    unit: str,
    capacity_per_period: int,
    unit_price_yuan,
    period: str = Period.MONTH,
    lead_time_days: int = 0,
    line_name: str = "",
    standard: str = "",
    accreditation: str = Accreditation.NONE,
    price_note: str = "",
    description: str = "",
    chain_links=None,
) -> Offering:
    """A platform (its organization) or a service's provider publishes a bookable service."""
    publisher = platform or service
    if (platform is None) == (service is None):
        raise _error("platform", _("Name exactly one platform or one service."), "required")
    provider_id = platform.organization_id if platform else service.provider_id
    if not permissions.can_publish_for(by, provider_id):
        raise PermissionDenied(_("Only the provider's staff and headquarters publish its services."))
    errors = {}
    name, unit = (name or "").strip(), (unit or "").strip()
    if not name or len(name) > 200:
        errors["name"] = ValidationError(_("Give a name of at most 200 characters."), code="required")
    if kind not in OfferingKind.values:
        errors["kind"] = ValidationError(_("Unknown kind of service."), code="invalid")
    if not unit or len(unit) > 20:
        errors["unit"] = ValidationError(
            _("Name the unit booked (run, sample, workstation …)."), code="required"
        )
    if period not in Period.values:
        errors["period"] = ValidationError(_("The period is a month or a week."), code="invalid")
    if accreditation not in Accreditation.values:
        errors["accreditation"] = ValidationError(_("Unknown accreditation."), code="invalid")
    if not isinstance(capacity_per_period, int) or not 1 <= capacity_per_period <= 100000:
        errors["capacity_per_period"] = ValidationError(
            _("The capacity is a whole number from 1 to 100000."), code="out_of_range"
        )
    if not isinstance(lead_time_days, int) or not 0 <= lead_time_days <= 365:
        errors["lead_time_days"] = ValidationError(_("The lead time is 0 to 365 days."), code="out_of_range")
    if kind == OfferingKind.PILOT_RUN and not (line_name or "").strip():
        errors["line_name"] = ValidationError(_("Name the pilot line a run is booked on."), code="required")
    if kind == OfferingKind.TESTING and not (standard or "").strip():
        errors["standard"] = ValidationError(_("Name the standard the item is tested to."), code="required")
    try:
        price = _money(unit_price_yuan, "unit_price_yuan")
    except ValidationError as exc:
        errors.update(exc.error_dict)
    links = list(chain_links or [])
    if any(not isinstance(link, ChainLink) for link in links):
        errors["chain_links"] = ValidationError(_("Unknown chain link."), code="invalid")
    if errors:
        raise ValidationError(errors)
    offering = Offering.objects.create(
        platform=platform,
        service=service,
        provider_id=provider_id,
        division_id=publisher.division_id,
        name=name,
        kind=kind,
        unit=unit,
        capacity_per_period=capacity_per_period,
        period=period,
        lead_time_days=lead_time_days,
        unit_price_yuan=price,
        line_name=(line_name or "").strip()[:200],
        standard=(standard or "").strip()[:200],
        accreditation=accreditation,
        price_note=(price_note or "").strip()[:300],
        description=(description or "").strip()[:MAX_TEXT],
        created_by=by,
    )
    offering.chain_links.set(links or list(publisher.chain_links.all()))
    return offering


def add_offering_document(offering: Offering, *, upload, title: str, by) -> OfferingDocument:
    if not permissions.can_edit_offering(by, offering):
        raise PermissionDenied(_("Only the provider's staff and headquarters publish its services."))
    title = validate_attachment(upload, title)
    return OfferingDocument.objects.create(offering=offering, file=upload, title=title)


# --- Capacity -------------------------------------------------------------------------------------------


def held_in_period(offering: Offering, period: date, *, excluding: int | None = None) -> int:
    """Units of `offering` held by bookings in the capacity period starting on `period`."""
    rows = Booking.objects.filter(offering=offering, period_start=period, status__in=HOLDING_STATUSES)
    if excluding is not None:
        rows = rows.exclude(pk=excluding)
    return rows.aggregate(total=Sum("quantity"))["total"] or 0


def _check_capacity(offering: Offering, period: date, quantity: int, *, excluding: int | None = None) -> None:
    free = offering.capacity_per_period - held_in_period(offering, period, excluding=excluding)
    if quantity > free:
        raise _error(
            "quantity",
            _(
                "Capacity exceeded: %(offering)s has %(free)s of %(capacity)s %(unit)s left in the period "
                "starting %(period)s; you asked for %(quantity)s."
            )
            % {
                "offering": offering.name,
                "free": max(free, 0),
                "capacity": offering.capacity_per_period,
                "unit": offering.unit,
                "period": period.isoformat(),
                "quantity": quantity,
            },
            "capacity_exceeded",
        )


# --- Bookings -------------------------------------------------------------------------------------------


def _check_request_values(offering, *, quantity, wished_from, wished_to, sample_description, achievement, by):
    today = clock.local_date()
    errors = {}
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        errors["quantity"] = ValidationError(
            _("The quantity is a whole number of at least 1."), code="invalid"
        )
    elif quantity > offering.capacity_per_period:
        errors["quantity"] = ValidationError(
            _("Capacity exceeded: at most %(capacity)s %(unit)s can be booked in one period.")
            % {"capacity": offering.capacity_per_period, "unit": offering.unit},
            code="capacity_exceeded",
        )
    if not isinstance(wished_from, date) or not isinstance(wished_to, date):
        errors["wished_from"] = ValidationError(_("Give the wished dates."), code="required")
    elif wished_from < today:
        errors["wished_from"] = ValidationError(_("The wished dates cannot be in the past."), code="in_past")
    elif wished_to < wished_from:
        errors["wished_to"] = ValidationError(_("The wished period ends before it starts."), code="invalid")
    elif (wished_to - wished_from).days > MAX_WISHED_DAYS:
        errors["wished_to"] = ValidationError(
            _("The wished period may span at most a year."), code="out_of_range"
        )
    elif (wished_from - today).days < offering.lead_time_days:
        errors["wished_from"] = ValidationError(
            _("This service needs %(days)s days' notice: the earliest start is %(date)s.")
            % {
                "days": offering.lead_time_days,
                "date": date.fromordinal(today.toordinal() + offering.lead_time_days),
            },
            code="too_soon",
        )
    text = (sample_description or "").strip()
    if not text:
        errors["sample_description"] = ValidationError(
            _("Describe the samples or the material to run."), code="required"
        )
    elif len(text) > MAX_TEXT:
        errors["sample_description"] = ValidationError(_("At most 4000 characters."), code="too_long")
    if achievement is not None:
        if not offering.is_pilot_run:
            errors["achievement"] = ValidationError(
                _("Only a pilot run can serve an achievement."), code="invalid"
            )
        elif achievement.owner_id != by.organization_id:
            errors["achievement"] = ValidationError(
                _("Only your own organization's achievement can be piloted."), code="invalid"
            )
    if errors:
        raise ValidationError(errors)
    return text


def request_booking(
    offering: Offering,
    *,
    by,
    quantity: int,
    wished_from: date,
    wished_to: date,
    sample_description: str,
    achievement: Achievement | None = None,
) -> Booking:
    """An enterprise asks for `quantity` units of an offering in a wished window. The request holds its
    units in the period of the wished start until the provider declines it."""
    if not permissions.can_request(by, offering):
        raise PermissionDenied(_("Only members of an enterprise book services, and only open ones."))
    require_verified(by.organization)  # as for inquiries: a self-signed-up enterprise waits for 认证
    text = _check_request_values(
        offering,
        quantity=quantity,
        wished_from=wished_from,
        wished_to=wished_to,
        sample_description=sample_description,
        achievement=achievement,
        by=by,
    )
    with transaction.atomic():
        locked = Offering.objects.select_for_update().get(pk=offering.pk)
        overlapping = Booking.objects.filter(
            offering=locked,
            enterprise_id=by.organization_id,
            status__in=OPEN_STATUSES,
            wished_from__lte=wished_to,
            wished_to__gte=wished_from,
        ).first()
        if overlapping is not None:
            raise _error(
                "wished_from",
                _("Your organization already has an open booking of this service from %(start)s to %(end)s.")
                % {"start": overlapping.wished_from, "end": overlapping.wished_to},
                "overlap",
            )
        period = locked.period_of(wished_from)
        _check_capacity(locked, period, quantity)
        booking = Booking.objects.create(
            offering=locked,
            enterprise_id=by.organization_id,
            requested_by=by,
            quantity=quantity,
            wished_from=wished_from,
            wished_to=wished_to,
            sample_description=text,
            achievement=achievement,
            period_start=period,
        )
        _record(booking, BookingAction.REQUEST, "", by=by, note=f"{quantity} {locked.unit}")
        _tell(booking, provider=True)
    return booking


def _lock_for(booking: Booking, action: str, *, by) -> Booking:
    """Check the role and the transition; return the booking locked (inside the caller's transaction)."""
    if action == BookingAction.RATE:
        allowed = permissions.can_rate(by, booking)
    else:
        allowed = permissions.can_act_as_provider(by, booking)
    if not allowed:
        raise PermissionDenied(
            _("Only the booking enterprise rates a service.")
            if action == BookingAction.RATE
            else _("Only the provider's staff confirm, decline and record bookings.")
        )
    locked = Booking.objects.select_for_update().select_related("offering").get(pk=booking.pk)
    if (locked.status, action) not in BOOKING_TRANSITIONS:
        raise _error(
            "status",
            _("A booking that is “%(status)s” cannot be “%(action)s”.")
            % {"status": locked.get_status_display(), "action": BookingAction(action).label},
            "invalid_transition",
        )
    return locked


def _move(locked: Booking, action: str, fields: list[str], *, by, note: str = "") -> Booking:
    before = locked.status
    locked.status = BOOKING_TRANSITIONS[(before, action)]
    locked.save(update_fields=["status", *fields])
    _record(locked, action, before, by=by, note=note)
    if action != BookingAction.RATE:
        _tell(locked, provider=False)
    return locked


def confirm_booking(booking: Booking, *, by, scheduled_on: date, price_yuan) -> Booking:
    """The provider confirms a date and a price. A date in another period moves the booking's units there
    (if that period has room)."""
    if not isinstance(scheduled_on, date):
        raise _error("scheduled_on", _("Give the date of the run or test."), "required")
    if scheduled_on < clock.local_date():
        raise _error("scheduled_on", _("The confirmed date cannot be in the past."), "in_past")
    price = _money(price_yuan, "price_yuan")
    with transaction.atomic():
        locked = _lock_for(booking, BookingAction.CONFIRM, by=by)
        offering = Offering.objects.select_for_update().get(pk=locked.offering_id)
        period = offering.period_of(scheduled_on)
        if period != locked.period_start:
            _check_capacity(offering, period, locked.quantity, excluding=locked.pk)
        locked.scheduled_on, locked.price_yuan, locked.period_start = scheduled_on, price, period
        _move(
            locked,
            BookingAction.CONFIRM,
            ["scheduled_on", "price_yuan", "period_start"],
            by=by,
            note=f"{scheduled_on.isoformat()} · {price} 元",
        )
    booking.refresh_from_db()
    return booking


def decline_booking(booking: Booking, *, by, reason: str) -> Booking:
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", _("Give the reason for declining."), "required")
    if len(reason) > MAX_TEXT:
        raise _error("reason", _("At most 4000 characters."), "too_long")
    with transaction.atomic():
        locked = _lock_for(booking, BookingAction.DECLINE, by=by)
        locked.decline_reason = reason
        _move(locked, BookingAction.DECLINE, ["decline_reason"], by=by, note=reason)
    booking.refresh_from_db()
    return booking


def record_performed(
    booking: Booking,
    *,
    by,
    performed_on: date,
    report,
    outcome_new_product: str = "",
    outcome_process_validated: bool = False,
    outcome_trl: int | None = None,
    raise_trl: bool = False,
) -> Booking:
    """The provider records the run or test performed, with its report (required) and, for a pilot run,
    its outcome. With `raise_trl`, a TRL reached above the piloted achievement's raises it, the report
    being the evidence (catalog.services.raise_achievement_trl writes the achievement's event)."""
    today = clock.local_date()
    if not isinstance(performed_on, date):
        raise _error("performed_on", _("Give the date it was performed."), "required")
    if performed_on > today:
        raise _error("performed_on", _("A run cannot be recorded as performed in the future."), "in_future")
    if not report:
        raise _error("report", _("Upload the report."), "required")
    validate_attachment(report, "")
    product = (outcome_new_product or "").strip()
    if len(product) > 200:
        raise _error("outcome_new_product", _("At most 200 characters."), "too_long")
    if outcome_trl is not None and (not isinstance(outcome_trl, int) or not 1 <= outcome_trl <= 9):
        raise _error("outcome_trl", _("The TRL must be a level from 1 to 9."), "out_of_range")
    with transaction.atomic():
        locked = _lock_for(booking, BookingAction.PERFORM, by=by)
        if not locked.offering.is_pilot_run and (product or outcome_process_validated or outcome_trl):
            raise _error("outcome_trl", _("Only a pilot run records an outcome."), "invalid")
        if raise_trl and (locked.achievement_id is None or outcome_trl is None):
            raise _error(
                "outcome_trl",
                _("To raise an achievement's TRL the run must pilot one and name the TRL reached."),
                "required",
            )
        locked.performed_on, locked.report = performed_on, report
        locked.outcome_new_product, locked.outcome_process_validated = (
            product,
            bool(outcome_process_validated),
        )
        locked.outcome_trl = outcome_trl
        fields = ["performed_on", "report", "outcome_new_product", "outcome_process_validated", "outcome_trl"]
        _move(locked, BookingAction.PERFORM, fields, by=by, note=performed_on.isoformat())
        if raise_trl:
            evidence = _("pilot-run report of booking %(id)s (%(offering)s, %(date)s)") % {
                "id": locked.pk,
                "offering": locked.offering.name,
                "date": performed_on.isoformat(),
            }
            raise_achievement_trl(locked.achievement, outcome_trl, by=by, evidence=evidence)
            locked.trl_raised = True
            locked.save(update_fields=["trl_raised"])
            BookingEvent.objects.record(
                booking=locked,
                action=BookingAction.RAISE_TRL,
                from_status=locked.status,
                to_status=locked.status,
                note=f"TRL {outcome_trl}",
                by=by,
            )
    booking.refresh_from_db()
    return booking


def record_fee(booking: Booking, *, by, fee_yuan) -> Booking:
    fee = _money(fee_yuan, "fee_yuan")
    with transaction.atomic():
        locked = _lock_for(booking, BookingAction.RECORD_FEE, by=by)
        locked.fee_yuan, locked.fee_recorded_on = fee, clock.local_date()
        _move(locked, BookingAction.RECORD_FEE, ["fee_yuan", "fee_recorded_on"], by=by, note=f"{fee} 元")
    booking.refresh_from_db()
    return booking


def rate_booking(booking: Booking, *, by, rating: int, comment: str = "") -> Booking:
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise _error("rating", _("Rate the service from 1 to 5."), "out_of_range")
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise _error("comment", _("At most 4000 characters."), "too_long")
    with transaction.atomic():
        locked = _lock_for(booking, BookingAction.RATE, by=by)
        locked.rating, locked.rating_comment = rating, comment
        _move(
            locked,
            BookingAction.RATE,
            ["rating", "rating_comment"],
            by=by,
            note=f"{rating}/5 {comment}".strip(),
        )
    booking.refresh_from_db()
    return booking
