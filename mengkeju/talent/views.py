"""Talent pages: the pool, a person, exchanges and their outcomes, the dashboard and its workbook."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mengkeju.catalog.models import Demand
from mengkeju.catalog.permissions import can_view
from mengkeju.challenges.models import Challenge
from mengkeju.challenges.permissions import can_view_challenge
from mengkeju.core import clock
from mengkeju.core.views import attach_errors, error_text
from mengkeju.network.models import IndustryChain

from . import charts, exports, pack, permissions, selectors, services
from .forms import EnrolmentForm, ExchangeForm, OutcomeForm, PersonForm, TierForm
from .models import Exchange, Person


def _need(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


@login_required
def pool(request):
    _need(
        permissions.can_view_pool(request.user),
        _("The talent pool is read by the network staff and analysts."),
    )
    people = selectors.visible_people(request.user).prefetch_related("chain_links__chain")
    tier, chain, kind, text = (request.GET.get(k, "").strip() for k in ("tier", "chain", "kind", "q"))
    if tier:
        people = people.filter(tier=tier)
    if chain:
        people = people.filter(chain_links__chain__code=chain).distinct()
    if kind:
        people = people.filter(kind=kind)
    if text:
        people = people.filter(name__icontains=text) | people.filter(field__icontains=text)
    tiers = pack.tiers()
    page = Paginator(people.order_by("name", "id"), 30).get_page(request.GET.get("page"))
    for person in page:
        person.tier_label = pack.label(tiers, person.tier) if person.tier else ""
    context = {
        "page_obj": page,
        "tiers": tiers,
        "chains": IndustryChain.objects.order_by("code"),
        "kinds": Person.Kind.choices,
        "selected": {"tier": tier, "chain": chain, "kind": kind, "q": text},
        "may_see_dashboard": permissions.can_view_dashboard(request.user),
        "may_add": permissions.can_manage_people(request.user),
    }
    return render(request, "talent/pool.html", context)


@login_required
def person_new(request):
    _need(
        permissions.can_manage_people(request.user),
        _("Only headquarters and the sub-center serving the division add people."),
    )
    form = PersonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                person = services.add_person(by=request.user, **form.cleaned_data)
                return redirect("talent:person", pk=person.pk)
            except ValidationError as exc:
                attach_errors(form, exc)
        status = 400
    return render(request, "talent/person_form.html", {"form": form}, status=status)


def _person_context(request, person, tier_form=None, enrol_form=None):
    tiers = pack.tiers()
    decisions = list(person.tier_decisions.select_related("actor"))
    for d in decisions:
        found = pack.tier(d.to_tier)
        d.tier_label = pack.label(tiers, d.to_tier)
        d.from_label = pack.label(tiers, d.from_tier) if d.from_tier else ""
        criterion = found.criterion(d.criterion) if found else None
        d.criterion_label = criterion.label if criterion else d.criterion
    enrolments = list(person.enrolments.all())
    programmes = pack.programmes()
    for e in enrolments:
        e.programme_label = pack.label(programmes, e.programme)
    may_decide = permissions.can_decide_tier(request.user)
    may_enrol = permissions.can_manage_people(request.user, person.division_id)
    return {
        "person": person,
        "tier_label": pack.label(tiers, person.tier) if person.tier else "",
        "decisions": decisions,
        "enrolments": enrolments,
        "exchanges": selectors.visible_exchanges(request.user).filter(person=person),
        "tier_form": (tier_form or TierForm(initial={"decided_on": clock.local_date()}))
        if may_decide
        else None,
        "enrol_form": (enrol_form or EnrolmentForm(initial={"year": clock.local_date().year}))
        if may_enrol
        else None,
    }


@login_required
def person_detail(request, pk: int):
    person = get_object_or_404(Person.objects.select_related("organization", "division", "expert"), pk=pk)
    _need(
        permissions.can_view_person(request.user, person), _("The talent pool is read by the network staff.")
    )
    return render(request, "talent/person.html", _person_context(request, person))


@login_required
@require_POST
def person_tier(request, pk: int):
    person = get_object_or_404(Person, pk=pk)
    _need(permissions.can_decide_tier(request.user), _("Only headquarters decides talent tiers."))
    form = TierForm(request.POST)
    if form.is_valid():
        try:
            services.decide_tier(person, by=request.user, **form.cleaned_data)
            return redirect("talent:person", pk=person.pk)
        except ValidationError as exc:
            attach_errors(form, exc)
    context = _person_context(request, person, tier_form=form)
    return render(request, "talent/person.html", context, status=400)


@login_required
@require_POST
def person_enrol(request, pk: int):
    person = get_object_or_404(Person, pk=pk)
    _need(
        permissions.can_manage_people(request.user, person.division_id),
        _("Only headquarters and the sub-center serving the division enrol people."),
    )
    form = EnrolmentForm(request.POST)
    if form.is_valid():
        try:
            services.enrol(person, by=request.user, **form.cleaned_data)
            return redirect("talent:person", pk=person.pk)
        except ValidationError as exc:
            attach_errors(form, exc)
    return render(
        request, "talent/person.html", _person_context(request, person, enrol_form=form), status=400
    )


def _role_labels(exchanges):
    roles = pack.exchange_roles()
    for exchange in exchanges:
        exchange.role_label = pack.label(roles, exchange.role)
    return exchanges


@login_required
def exchange_list(request):
    exchanges = selectors.visible_exchanges(request.user).order_by("-starts_on", "-pk")
    page = Paginator(exchanges, 30).get_page(request.GET.get("page"))
    _role_labels(page)
    context = {"page_obj": page, "may_propose": permissions.can_propose_exchange(request.user)}
    return render(request, "talent/exchanges.html", context)


@login_required
def exchange_new(request):
    _need(permissions.can_propose_exchange(request.user), _("You may not propose talent exchanges."))
    form = ExchangeForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                exchange = services.propose_exchange(
                    by=request.user, home=data["person"].organization, **data
                )
                return redirect("talent:exchange", pk=exchange.pk)
            except ValidationError as exc:
                attach_errors(form, exc)
        status = 400
    return render(request, "talent/exchange_form.html", {"form": form}, status=status)


def _exchange_context(request, exchange, outcome_form=None):
    user = request.user
    may_work = permissions.can_work_on_exchange(user, exchange) and not exchange.is_proposed
    side_labels = {
        permissions.HOME: _("Confirm for the sending organization"),
        permissions.HOST: _("Confirm for the host organization"),
        permissions.SUB_CENTER: _("Confirm for the sub-center"),
    }
    return {
        "exchange": _role_labels([exchange])[0],
        "events": exchange.events.select_related("actor"),
        "contracts": selectors.contracts_between(exchange),
        "outcomes": exchange.outcomes.select_related("achievement", "contract", "milestone"),
        "confirm_sides": [(s, side_labels[s]) for s in permissions.confirming_sides(user, exchange)],
        "may_start": may_work and exchange.is_confirmed,
        "may_end": may_work and exchange.is_active,
        "outcome_form": (outcome_form or OutcomeForm(exchange=exchange)) if may_work else None,
    }


def _visible_exchange(request, pk: int) -> Exchange:
    exchange = get_object_or_404(
        Exchange.objects.select_related("person", "home", "host", "sub_center", "demand"), pk=pk
    )
    _need(
        permissions.can_view_exchange(request.user, exchange), _("Only those taking part see this exchange.")
    )
    return exchange


@login_required
def exchange_detail(request, pk: int):
    exchange = _visible_exchange(request, pk)
    return render(request, "talent/exchange.html", _exchange_context(request, exchange))


@login_required
@require_POST
def exchange_step(request, pk: int, step: str):
    if step not in ("confirm", "start", "end"):
        raise Http404
    exchange = _visible_exchange(request, pk)
    try:
        if step == "confirm":
            services.confirm_exchange(exchange, by=request.user, side=request.POST.get("side") or None)
        elif step == "start":
            services.start_exchange(exchange, by=request.user)
        else:
            services.end_exchange(exchange, by=request.user, note=request.POST.get("note", ""))
    except ValidationError as exc:
        context = _exchange_context(request, exchange)
        context["step_error"] = error_text(exc)
        return render(request, "talent/exchange.html", context, status=400)
    return redirect("talent:exchange", pk=exchange.pk)


@login_required
@require_POST
def exchange_outcome(request, pk: int):
    exchange = _visible_exchange(request, pk)
    _need(
        permissions.can_work_on_exchange(request.user, exchange),
        _("You may not link outcomes of this exchange."),
    )
    form = OutcomeForm(request.POST, exchange=exchange)
    if form.is_valid():
        try:
            services.link_outcome(exchange, by=request.user, **form.cleaned_data)
            return redirect("talent:exchange", pk=exchange.pk)
        except ValidationError as exc:
            attach_errors(form, exc)
    return render(request, "talent/exchange.html", _exchange_context(request, exchange, form), status=400)


@login_required
def dashboard(request):
    _need(
        permissions.can_view_dashboard(request.user),
        _("The talent dashboard is read by headquarters, sub-centers and analysts."),
    )
    figures = exports.figures()
    context = {
        "matrices": [
            (
                "by_chain",
                "by_chain",
                _("Talent by tier and industry chain"),
                _("Industry chain"),
                figures["by_chain"],
            ),
            (
                "by_division",
                "by_division",
                _("Talent by tier and division"),
                _("Division"),
                figures["by_division"],
            ),
            (
                "by_year",
                "by_year",
                _("Talent by tier at the end of each year"),
                _("Year"),
                figures["by_year"],
            ),
        ],
        "flow_tables": [
            (
                "flows_kind",
                "flows_kind",
                _("Exchange between kinds of organizations"),
                figures["flows_by_kind"],
            ),
            (
                "flows_division",
                "flows_division",
                _("Exchange between divisions"),
                figures["flows_by_division"],
            ),
        ],
        "charts": charts.dashboard_charts(figures),
    }
    return render(request, "talent/dashboard.html", context)


@login_required
def dashboard_export(request):
    _need(
        permissions.can_view_dashboard(request.user),
        _("The talent dashboard is read by headquarters, sub-centers and analysts."),
    )
    response = HttpResponse(
        exports.workbook(exports.figures()),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="talent.xlsx"'
    return response


@login_required
def match(request, kind: str, pk: int):
    """People of the talent pool the matching engine finds for a demand or an open challenge."""
    if kind not in ("demand", "challenge"):
        raise Http404
    _need(
        permissions.can_view_pool(request.user),
        _("The talent pool is read by the network staff and analysts."),
    )
    if kind == "demand":
        subject = get_object_or_404(Demand.objects.select_related("division"), pk=pk)
        _need(can_view(request.user, subject), _("You may not see this demand."))
        found = selectors.people_for_demand(subject)
    else:
        subject = get_object_or_404(Challenge, pk=pk)
        _need(can_view_challenge(request.user, subject), _("You may not see this challenge."))
        found = selectors.people_for_challenge(subject)
    tiers = pack.tiers()
    rows = [
        (person, result, pack.label(tiers, person.tier) if person.tier else "") for person, result in found
    ]
    return render(request, "talent/match.html", {"subject": subject, "kind": kind, "rows": rows})
