"""Web pages of bookable services: the offerings (public), an offering with its request form, my
bookings, one booking with the steps its viewer may take, the report download (permission-checked),
a platform's service record for the whitelist's yearly evaluation, and the service dashboard with its
Excel export. Thin: parse, authorise, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mengkeju.catalog.models import Platform, Service
from mengkeju.core import charts, clock
from mengkeju.core.files import serve
from mengkeju.core.views import attach_errors, error_text

from . import exports, forms, permissions, selectors, services
from .models import BOOKING_TRANSITIONS, BookingAction, OfferingKind


def _year(request) -> int:
    this_year = clock.local_date().year
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= this_year + 1 else this_year


def offering_list(request):
    kind = request.GET.get("kind", "")
    rows = selectors.visible_offerings(request.user)
    if kind in OfferingKind.values:
        rows = rows.filter(kind=kind)
    context = {
        "offerings": rows.order_by("kind", "name")[:200],
        "kinds": OfferingKind.choices,
        "kind": kind,
        "may_see_bookings": request.user.is_authenticated,
        "may_view_dashboard": permissions.can_view_dashboard(request.user),
        "publishable": selectors.own_publishers(request.user),
    }
    return render(request, "bookings/offering_list.html", context)


def _offering(request, pk: int):
    offering = get_object_or_404(selectors.visible_offerings(request.user), pk=pk)
    return offering


def offering_detail(request, pk: int):
    offering = _offering(request, pk)
    may_request = permissions.can_request(request.user, offering)
    form = (
        forms.RequestForm(request.POST or None, user=request.user, offering=offering) if may_request else None
    )
    if request.method == "POST":
        if not may_request:
            raise PermissionDenied(_("Only members of an enterprise book services, and only open ones."))
        if form.is_valid():
            try:
                booking = services.request_booking(offering, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(
                    request, _("Your request was sent to %(provider)s.") % {"provider": offering.provider}
                )
                return redirect("bookings:booking", booking.pk)
    today = clock.local_date()
    context = {
        "offering": offering,
        "form": form,
        "documents": offering.documents.all(),
        "chain_links": offering.chain_links.select_related("chain"),
        "held_this_period": services.held_in_period(offering, offering.period_of(today)),
        "may_edit": permissions.can_edit_offering(request.user, offering),
        "document_form": forms.DocumentForm()
        if permissions.can_edit_offering(request.user, offering)
        else None,
    }
    return render(request, "bookings/offering_detail.html", context)


@login_required
@require_POST
def document_add(request, pk: int):
    offering = _offering(request, pk)
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_offering_document(
                offering, upload=form.cleaned_data["file"], title=form.cleaned_data["title"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The document was added."))
    else:
        messages.error(request, _("Choose a file and give it a title."))
    return redirect("bookings:offering", offering.pk)


def document_download(request, pk: int, doc: int):
    offering = _offering(request, pk)
    document = get_object_or_404(offering.documents, pk=doc)
    return serve(document.file)


@login_required
def offering_create(request):
    platform = service = None
    if request.GET.get("platform", "").isdigit():
        platform = get_object_or_404(Platform, pk=int(request.GET["platform"]), retired_at__isnull=True)
    elif request.GET.get("service", "").isdigit():
        service = get_object_or_404(Service, pk=int(request.GET["service"]), retired_at__isnull=True)
    else:
        raise Http404
    provider_id = platform.organization_id if platform else service.provider_id
    if not permissions.can_publish_for(request.user, provider_id):
        raise PermissionDenied(_("Only the provider's staff and headquarters publish its services."))
    form = forms.OfferingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            offering = services.publish_offering(
                by=request.user, platform=platform, service=service, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is open for booking.") % {"name": offering.name})
            return redirect("bookings:offering", offering.pk)
    return render(request, "bookings/offering_form.html", {"form": form, "publisher": platform or service})


@login_required
def my_bookings(request):
    user = request.user
    rows = selectors.visible_bookings(user).order_by("-created_at", "-pk")
    org = user.organization_id
    context = {
        "made": rows.filter(enterprise_id=org)[:200] if org else [],
        "received": rows.filter(offering__provider_id=org)[:200] if org else [],
        "others": rows.exclude(enterprise_id=org).exclude(offering__provider_id=org)[:200]
        if permissions.role_of(user) in (*permissions.EVERYTHING_ROLES, permissions.Role.SUBCENTER_STAFF)
        else [],
        "may_view_dashboard": permissions.can_view_dashboard(user),
    }
    return render(request, "bookings/my_bookings.html", context)


def _visible_booking(request, pk: int):
    booking = get_object_or_404(selectors.visible_bookings(request.user), pk=pk)
    if not permissions.can_view_booking(request.user, booking):
        raise Http404
    return booking


ACTION_FORMS = {
    BookingAction.CONFIRM: forms.ConfirmForm,
    BookingAction.DECLINE: forms.DeclineForm,
    BookingAction.PERFORM: forms.PerformForm,
    BookingAction.RECORD_FEE: forms.FeeForm,
    BookingAction.RATE: forms.RateForm,
}


def _make_form(action, booking, data=None, files=None):
    if action == BookingAction.PERFORM:
        return forms.PerformForm(data, files, booking=booking)
    return ACTION_FORMS[action](data)


def _actions(user, booking) -> list[str]:
    allowed = []
    for status, action in BOOKING_TRANSITIONS:
        if status != booking.status:
            continue
        if action == BookingAction.RATE:
            if permissions.can_rate(user, booking):
                allowed.append(action)
        elif permissions.can_act_as_provider(user, booking):
            allowed.append(action)
    return allowed


@login_required
def booking_detail(request, pk: int, failed: tuple | None = None):
    booking = _visible_booking(request, pk)
    steps = []
    for action in _actions(request.user, booking):
        form = failed[1] if failed and failed[0] == action else _make_form(action, booking)
        steps.append({"action": action, "label": BookingAction(action).label, "form": form})
    context = {
        "booking": booking,
        "offering": booking.offering,
        "steps": steps,
        "events": booking.events.select_related("actor"),
        "may_download": bool(booking.report) and permissions.can_download_report(request.user, booking),
        "is_pilot_run": booking.offering.is_pilot_run,
    }
    return render(request, "bookings/booking_detail.html", context, status=400 if failed else 200)


@login_required
@require_POST
def booking_step(request, pk: int, action: str):
    booking = _visible_booking(request, pk)
    if action not in ACTION_FORMS:
        raise Http404
    form = _make_form(action, booking, request.POST, request.FILES)
    if form.is_valid():
        values = dict(form.cleaned_data)
        call = {
            BookingAction.CONFIRM: services.confirm_booking,
            BookingAction.DECLINE: services.decline_booking,
            BookingAction.PERFORM: services.record_performed,
            BookingAction.RECORD_FEE: services.record_fee,
            BookingAction.RATE: services.rate_booking,
        }[action]
        try:
            call(booking, by=request.user, **values)
        except ValidationError as exc:
            attach_errors(form, exc)
            messages.error(request, error_text(exc))
        else:
            booking.refresh_from_db()
            messages.success(
                request, _("Booking is now “%(status)s”.") % {"status": booking.get_status_display()}
            )
            return redirect("bookings:booking", booking.pk)
    return booking_detail(request, pk, failed=(action, form))


@login_required
def report_download(request, pk: int):
    booking = _visible_booking(request, pk)
    if not permissions.can_download_report(request.user, booking) or not booking.report:
        raise Http404
    return serve(booking.report)


def platform_record(request, pk: int):
    platform = get_object_or_404(Platform, pk=pk)
    if not permissions.can_view_platform_record(request.user, platform):
        raise PermissionDenied(_("The service record is for the network's staff, analysts and the platform."))
    year = _year(request)
    context = {
        "platform": platform,
        "record": selectors.platform_record(platform, year),
        "year": year,
        "years": list(range(clock.local_date().year, clock.local_date().year - 5, -1)),
    }
    return render(request, "bookings/platform_record.html", context)


def _bar_chart(rows, title_units: str, title_utilisation: str) -> dict | None:
    if not rows:
        return None
    labels = [r.label for r in rows]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 8, "right": 40, "top": 30, "bottom": 30, "containLabel": True},
        "xAxis": [{"type": "value", "name": title_units, "minInterval": 1}],
        "yAxis": {
            "type": "category",
            "data": labels,
            "axisLabel": {"interval": 0, "fontSize": 11, "width": 150, "overflow": "truncate"},
        },
        "series": [
            {
                "name": title_units,
                "type": "bar",
                "data": [r.units_served for r in rows],
                "color": charts.BLUE,
            },
            {
                "name": title_utilisation,
                "type": "bar",
                "data": [float(r.utilisation_percent or 0) for r in rows],
                "color": charts.GREEN,
            },
        ],
    }


def _dashboard_data(request):
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied(_("The service dashboard is for headquarters, sub-centers and analysts."))
    year = _year(request)
    offerings = selectors.dashboard_offerings(request.user)
    return year, selectors.service_figures(year, offerings), selectors.year_totals(year, offerings)


@login_required
def dashboard(request):
    year, figures, totals = _dashboard_data(request)
    units, utilisation = _("Units served"), _("Utilisation (per cent)")
    context = {
        "year": year,
        "years": list(range(clock.local_date().year, clock.local_date().year - 5, -1)),
        "figures": figures,
        "totals": totals,
        "charts": {
            "publishers": _bar_chart(figures["publishers"][:15], units, utilisation),
            "chains": _bar_chart(figures["chains"], units, utilisation),
        },
        "export_url": reverse("bookings:dashboard-export") + f"?year={year}",
    }
    return render(request, "bookings/dashboard.html", context)


@login_required
def dashboard_export(request):
    year, figures, _totals = _dashboard_data(request)
    response = HttpResponse(
        exports.dashboard_workbook(year, figures),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="service-bookings-{year}.xlsx"'
    return response
