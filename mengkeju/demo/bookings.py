"""Demo bookable services and bookings (data/bookings_f.yaml), written through the bookings services so
events and capacity are the real ones; performed bookings are then moved back to the day the YAML gives.
Skipped when the demo's offerings already exist, so loading twice changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import F

from mengkeju.bookings import services
from mengkeju.bookings.models import Booking, BookingEvent, Offering
from mengkeju.catalog.models import Platform, Service
from mengkeju.network.models import User

from .domains import _data, _member, _moment, _org


def _report(offering: Offering, ref: str) -> ContentFile:
    text = f"{offering.name}\n{offering.line_name or offering.standard}\n演示报告 {ref}\n".encode()
    return ContentFile(text, name=f"report-{ref}.pdf")


def _backdate(booking: Booking, day: date) -> None:
    shift = (booking.wished_from - day).days
    Booking.objects.filter(pk=booking.pk).update(
        created_at=_moment(day - timedelta(days=20)),
        wished_from=day,
        wished_to=F("wished_to") - timedelta(days=shift),
        scheduled_on=day,
        performed_on=day,
        period_start=booking.offering.period_of(day),
        fee_recorded_on=F("fee_recorded_on") - timedelta(days=shift) if booking.fee_recorded_on else None,
    )
    BookingEvent.objects.filter(booking=booking).correct(
        {"at": _moment(day)}, reason="demo: the booking's story happened on the day the demo data gives"
    )


def demo_bookings(today: date) -> dict[str, int]:
    data = _data("bookings_f.yaml")
    if Offering.objects.filter(name=data["offerings"][0]["name"]).exists():
        return {"service offerings": 0, "service bookings": 0}
    hq = User.objects.get(username="hq")
    offerings = {}
    for item in data["offerings"]:
        values = {k: v for k, v in item.items() if k not in ("ref", "platform", "service")}
        values["unit_price_yuan"] = Decimal(values["unit_price_yuan"])
        if "platform" in item:
            values["platform"] = Platform.objects.get(external_id=item["platform"])
        else:
            values["service"] = Service.objects.get(external_id=item["service"])
        offerings[item["ref"]] = services.publish_offering(by=hq, **values)
    count = 0
    for n, item in enumerate(data["bookings"], start=1):
        offering = offerings[item["offering"]]
        enterprise = _member(_org(item["enterprise"]))
        provider = _member(offering.provider)
        start = today + timedelta(days=max(offering.lead_time_days, int(item.get("days_ahead", 0))))
        booking = services.request_booking(
            offering,
            by=enterprise,
            quantity=int(item["quantity"]),
            wished_from=start,
            wished_to=start + timedelta(days=14),
            sample_description=item["sample"],
        )
        steps = item.get("steps", [])
        if "confirm" in steps:
            services.confirm_booking(booking, by=provider, scheduled_on=start, price_yuan=item["price"])
        if "perform" in steps:
            services.record_performed(
                booking,
                by=provider,
                performed_on=today,
                report=_report(offering, f"{n:03d}"),
                outcome_new_product=item.get("new_product", "") if offering.is_pilot_run else "",
                outcome_process_validated=bool(item.get("process_validated")) and offering.is_pilot_run,
                outcome_trl=item.get("trl") if offering.is_pilot_run else None,
            )
        if "fee" in steps:
            services.record_fee(booking, by=provider, fee_yuan=item["price"])
        if "rate" in steps:
            services.rate_booking(
                booking, by=enterprise, rating=int(item["rating"]), comment=item.get("comment", "")
            )
        if "days_ago" in item:
            booking.refresh_from_db()
            _backdate(booking, today - timedelta(days=int(item["days_ago"])))
        count += 1
    return {"service offerings": len(offerings), "service bookings": count}
