"""Web pages of deals, contracts and registration: thin — parse, authorise, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mengkeju.catalog import selectors as catalog_selectors
from mengkeju.core.roles import role_of
from mengkeju.core.views import error_items, error_text
from mengkeju.network.models import User

from . import permissions, selectors, services
from .certificate import render_certificate
from .forms import ContractForm, NoteForm, PartyFormSet, ReasonForm, party_initial
from .models import (
    DEAL_TRANSITIONS,
    Deal,
    RefusalReason,
    Registration,
    RegistrationEvent,
    TechnicalContract,
    Trigger,
)

PAGE_SIZE = 30
Role = User.Role


def _safe_next(request, default: str) -> str:
    """The `next` the form sent, when it points back into this site; else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _attach_errors(form, formset, exc: ValidationError) -> None:
    for field, errors in error_items(exc):
        if field == "parties":
            formset._non_form_errors = formset.error_class(errors)
        else:
            form.add_error(field if field in form.fields else None, errors)


# --- deals -------------------------------------------------------------------------------------


@login_required
def board(request):
    """A sub-center's deals by stage, overdue follow-ups and conversion from match to contract."""
    if not permissions.can_see_board(request.user):
        raise PermissionDenied(_("The deal board is for brokers, sub-center staff and headquarters."))
    nodes = selectors.board_nodes(request.user)
    node = None
    code = request.GET.get("sub_center", "")
    if code:
        node = get_object_or_404(nodes, code=code)
    elif role_of(request.user) in (Role.SUBCENTER_STAFF, Role.BROKER):
        node = nodes.filter(pk=request.user.organization_id).first()  # staff see their own node; HQ all
    deals = selectors.visible_deals(request.user)
    if node is not None:
        deals = deals.filter(sub_center=node)
    due = selectors.follow_up()
    overdue_demands = selectors.overdue_demands(node, due)
    if node is None and role_of(request.user) not in (Role.HQ_OPERATOR, Role.PLATFORM_ADMIN):
        overdue_demands = overdue_demands.none()  # a broker outside any node has no routed demands
    context = {
        "nodes": nodes,
        "node": node,
        "columns": selectors.deals_by_stage(deals),
        "due": due,
        "overdue_deals": list(selectors.overdue_deals(deals, due)[:50]),
        "overdue_demands": list(overdue_demands[:20]),
        "overdue_demand_count": overdue_demands.count(),
        "conversion": selectors.conversion(
            deals if node is not None else selectors.visible_deals(request.user)
        ),
    }
    return render(request, "deals/board.html", context)


@require_POST
@login_required
def deal_open(request):
    demand = achievement = None
    try:
        if request.POST.get("demand"):
            demand = get_object_or_404(
                catalog_selectors.visible_demands(request.user), pk=int(request.POST["demand"])
            )
        if request.POST.get("achievement"):
            achievement = get_object_or_404(
                catalog_selectors.visible_achievements(request.user), pk=int(request.POST["achievement"])
            )
    except ValueError as exc:
        raise Http404 from exc
    try:
        deal = services.open_deal_from_match(demand=demand, achievement=achievement, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(_safe_next(request, reverse("deals:board")))
    url = reverse("deals:deal-detail", args=[deal.pk])
    if deal.is_new:
        messages.success(request, _("Deal opened: %(title)s") % {"title": deal.title})
    else:
        messages.info(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("This match already has a deal; the existing deal is opened:"),
                url,
                deal.title,
            ),
        )
    return redirect(url)


def _visible_deal(request, pk: int) -> Deal:
    deal = get_object_or_404(selectors.with_deal_related(Deal.objects.all()), pk=pk)
    if not permissions.can_view_deal(request.user, deal):
        raise Http404
    return deal


@login_required
def deal_detail(request, pk: int):
    deal = _visible_deal(request, pk)
    can_change = permissions.can_change_deal(request.user, deal)
    next_stages = [
        # Terminating needs a reason (the service refuses one without).
        {"stage": target, "label": Deal.Stage(target).label, "needs_reason": target == Deal.Stage.TERMINATED}
        for (source, target), trigger in DEAL_TRANSITIONS.items()
        if source == deal.stage and trigger == Trigger.BROKER
    ]
    context = {
        "deal": deal,
        "events": deal.events.select_related("actor"),
        "contracts": selectors.with_contract_related(deal.contracts.all()),
        "can_change": can_change,
        # The breadcrumb leads to the board only for those who may open it (parties go to their contracts).
        "may_see_board": permissions.can_see_board(request.user),
        "next_stages": next_stages if can_change else [],
        "note_form": NoteForm(),
    }
    return render(request, "deals/deal_detail.html", context)


@require_POST
@login_required
def deal_transition(request, pk: int):
    deal = _visible_deal(request, pk)
    try:
        services.transition_deal(
            deal, request.POST.get("stage", ""), by=request.user, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    except services.ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Deal moved to “%(stage)s”.") % {"stage": deal.get_stage_display()})
    return redirect(reverse("deals:deal-detail", args=[deal.pk]))


@require_POST
@login_required
def deal_contact(request, pk: int):
    deal = _visible_deal(request, pk)
    try:
        services.record_contact(deal, request.POST.get("note", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Contact recorded."))
    return redirect(reverse("deals:deal-detail", args=[deal.pk]))


# --- contracts ---------------------------------------------------------------------------------


@login_required
def contract_list(request):
    qs = selectors.with_contract_related(selectors.visible_contracts(request.user))
    status = request.GET.get("status", "")
    if status in TechnicalContract.Status.values:
        qs = qs.filter(status=status)
    # A statistics figure links here with its filters: the contracts it counts (that this person may see).
    counted = selectors.statistics_filter(request.GET)
    if counted is not None:
        registrations, _given = counted
        qs = qs.filter(pk__in=registrations.values("contract_id"))
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "deals/contract_list.html",
        {
            "page": page,
            "status": status,
            "statuses": TechnicalContract.Status.choices,
            "is_statistics_drill": counted is not None,
            "query": query.urlencode(),
            "may_draft": permissions.may_draft_contracts(request.user),
        },
    )


def _visible_contract(request, pk: int) -> TechnicalContract:
    contract = get_object_or_404(selectors.with_contract_related(TechnicalContract.objects.all()), pk=pk)
    if not permissions.can_view_contract(request.user, contract):
        raise Http404
    return contract


@login_required
def contract_create(request, pk: int | None = None):
    if not permissions.may_draft_contracts(request.user):
        raise PermissionDenied(_("You may read registered contracts but not draft them."))
    deal = _visible_deal(request, pk) if pk is not None else None
    if deal is not None and not permissions.can_change_deal(request.user, deal):
        raise PermissionDenied(_("You may not change this deal."))
    form = ContractForm(request.POST or None, initial={"title": deal.title if deal else ""})
    formset = PartyFormSet(request.POST or None, initial=party_initial(deal=deal), prefix="parties")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            contract = services.create_contract(
                by=request.user, parties=formset.parties(), deal=deal, **form.service_values()
            )
        except ValidationError as exc:
            _attach_errors(form, formset, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not draft this contract."))
        else:
            messages.success(request, _("Contract saved as a draft."))
            return redirect(reverse("deals:contract-detail", args=[contract.pk]))
    return render(
        request,
        "deals/contract_form.html",
        {"form": form, "formset": formset, "deal": deal, "contract": None},
    )


@login_required
def contract_edit(request, pk: int):
    contract = _visible_contract(request, pk)
    if not permissions.can_edit_contract(request.user, contract):
        raise PermissionDenied(_("Only drafts can be edited; a registered contract is amended instead."))
    form = ContractForm(request.POST or None, instance=TechnicalContract.objects.get(pk=contract.pk))
    formset = PartyFormSet(request.POST or None, initial=party_initial(contract=contract), prefix="parties")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.update_contract(
                contract, by=request.user, parties=formset.parties(), **form.service_values()
            )
        except ValidationError as exc:
            _attach_errors(form, formset, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(reverse("deals:contract-detail", args=[contract.pk]))
    return render(
        request,
        "deals/contract_form.html",
        {"form": form, "formset": formset, "deal": contract.deal, "contract": contract},
    )


@login_required
def contract_detail(request, pk: int):
    contract = _visible_contract(request, pk)
    user = request.user
    registrations = list(contract_lineage_registrations(contract))
    for registration in registrations:
        registration.may_register = permissions.can_register(user, registration)
        registration.may_cancel = permissions.can_cancel(user, registration)
        registration.may_amend = permissions.can_amend(user, registration)
        # Only a registered registration has a certificate; cancelling a pending one withdraws it.
        registration.has_certificate = registration.status == Registration.Status.REGISTERED
        registration.is_pending = registration.status == Registration.Status.SUBMITTED
        registration.refusal_reason_labels = [
            RefusalReason(code).label for code in registration.refusal_reasons if code in RefusalReason.values
        ]
        registration.benefits = services.entitled_benefits(registration)
        registration.may_see_code = registration.has_certificate and permissions.can_view_contract(
            user, registration.contract
        )
        registration.history = list(registration.events.all())
        for event in registration.history:
            # A refusal's note is the refusal message, shown on its own.
            event.shows_note = bool(event.note) and event.action != RegistrationEvent.Action.REFUSE
    context = {
        "contract": contract,
        "parties": contract.parties.all(),
        "registrations": registrations,
        "can_edit": permissions.can_edit_contract(user, contract),
        "can_submit": permissions.can_submit_contract(user, contract),
        "may_view_deal": bool(contract.deal_id) and permissions.can_view_deal(user, contract.deal),
        "reason_form": ReasonForm(),
        "refusal_reasons": RefusalReason.choices,
    }
    return render(request, "deals/contract_detail.html", context)


def contract_lineage_registrations(contract: TechnicalContract):
    """Registrations of this contract and of the versions it amends, newest first."""
    ids = []
    current = contract
    while current is not None:
        ids.append(current.pk)
        current = current.previous_version
    return (
        Registration.objects.filter(contract_id__in=ids)
        .select_related("contract", "submitted_by", "decided_by", "seller_division", "buyer_division")
        .prefetch_related("events__actor")
        .order_by("-version", "-submitted_at", "-id")
    )


@require_POST
@login_required
def contract_submit(request, pk: int):
    contract = _visible_contract(request, pk)
    try:
        services.submit_contract(contract, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Submitted for registration."))
    return redirect(reverse("deals:contract-detail", args=[contract.pk]))


# --- registrations -----------------------------------------------------------------------------


@login_required
def registration_queue(request):
    if not permissions.can_see_registration_queue(request.user):
        raise PermissionDenied(_("The registration queue is for registrars."))
    pending = list(selectors.registration_queue(request.user))
    calendar = selectors.region_calendar()
    for registration in pending:
        registration.failures = services.check_registration(registration)
        registration.may_register = permissions.can_register(request.user, registration)
        registration.clock = selectors.review_clock(registration, calendar=calendar)
        registration.awaits_expert_review = (
            registration.clock.needs_expert_review and not registration.clock.is_expert_reviewed
        )
    context = {
        "pending": pending,
        "reason_form": ReasonForm(),
        "refusal_reasons": RefusalReason.choices,
        "overdue_count": sum(1 for r in pending if r.clock.is_overdue),
    }
    return render(request, "deals/registration_queue.html", context)


def _visible_registration(request, pk: int) -> Registration:
    registration = get_object_or_404(Registration.objects.select_related("contract"), pk=pk)
    if not permissions.can_view_contract(request.user, registration.contract):
        raise Http404
    return registration


def _back(request, registration) -> str:
    return _safe_next(request, reverse("deals:contract-detail", args=[registration.contract_id]))


@require_POST
@login_required
def registration_register(request, pk: int):
    registration = _visible_registration(request, pk)
    try:
        registration = services.register(registration, by=request.user)
    except (ValidationError, services.ConflictError) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        if registration.status == Registration.Status.REGISTERED:
            messages.success(
                request, _("Registered under number %(number)s.") % {"number": registration.number}
            )
        else:
            messages.warning(request, _("Refused: %(message)s") % {"message": registration.refused_message})
    return redirect(_back(request, registration))


@require_POST
@login_required
def registration_refuse(request, pk: int):
    registration = _visible_registration(request, pk)
    try:
        services.refuse_registration(
            registration,
            request.POST.get("reason", ""),
            reasons=request.POST.getlist("reasons"),
            by=request.user,
        )
    except (ValidationError, services.ConflictError) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("The application was refused."))
    return redirect(_back(request, registration))


@require_POST
@login_required
def registration_cancel(request, pk: int):
    registration = _visible_registration(request, pk)
    try:
        services.cancel_registration(
            registration,
            request.POST.get("reason", ""),
            tax_benefit_claimed=request.POST.get("tax_benefit_claimed"),
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Cancelled; the history is kept."))
    return redirect(_back(request, registration))


@login_required
def registration_amend(request, pk: int):
    """Amend a registered contract: the contract form, prefilled; saving applies for the new version."""
    registration = _visible_registration(request, pk)
    if not permissions.can_amend(request.user, registration):
        raise PermissionDenied(_("You may not amend this registration."))
    contract = registration.contract
    form = ContractForm(request.POST or None, instance=TechnicalContract.objects.get(pk=contract.pk))
    formset = PartyFormSet(request.POST or None, initial=party_initial(contract=contract), prefix="parties")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            amendment = services.amend(
                registration,
                {**form.service_values(), "parties": formset.parties()},
                tax_benefit_claimed=request.POST.get("tax_benefit_claimed"),
                by=request.user,
            )
        except ValidationError as exc:
            _attach_errors(form, formset, exc)
        else:
            messages.success(request, _("Amendment submitted for registration."))
            return redirect(reverse("deals:contract-detail", args=[amendment.contract_id]))
    return render(
        request,
        "deals/contract_form.html",
        {
            "form": form,
            "formset": formset,
            "deal": contract.deal,
            "contract": contract,
            "amending": registration,
        },
    )


@login_required
def registration_certificate(request, pk: int):
    registration = _visible_registration(request, pk)
    if registration.status != Registration.Status.REGISTERED:
        raise Http404
    verify_url = request.build_absolute_uri(verification_path(registration))
    response = HttpResponse(
        render_certificate(registration, verify_url=verify_url), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="registration-{registration.number}.pdf"'
    return response


@require_POST
@login_required
def registration_dispute(request, pk: int):
    registration = _visible_registration(request, pk)
    try:
        services.mark_disputed(registration, request.POST.get("note", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Marked as disputed: expert review and the longer review window apply."))
    return redirect(_back(request, registration))


@require_POST
@login_required
def registration_expert_review(request, pk: int):
    registration = _visible_registration(request, pk)
    try:
        services.record_expert_review(registration, request.POST.get("opinion", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Expert review recorded."))
    return redirect(_back(request, registration))


def verification_path(registration: Registration) -> str:
    return f"{reverse('deals:verify')}?{urlencode({'number': registration.number, 'code': registration.verification_code})}"


def verify(request):
    """Public: a certificate's number and verification code → valid / amended / cancelled. Nothing else
    about the contract is shown (no parties, no amounts)."""
    number = request.GET.get("number", "").strip()[:40]
    code = request.GET.get("code", "").strip()[:40]
    asked = bool(number or code)
    result = selectors.verify_certificate(number, code) if asked else None
    context = {
        "number": number,
        "code": code,
        "asked": asked,
        "result": result or "",
        "result_label": selectors.Verification(result).label if result else "",
        "is_valid": result == selectors.Verification.VALID,
        "is_known": result is not None,
    }
    return render(request, "deals/verify.html", context)
