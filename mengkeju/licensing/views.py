"""Web pages of licensing. Thin: parse a form, check visibility, call a service, render.

The clock is read here (the edge), never in services: `clock.local_date()` is today in the
deployment's time zone.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mengkeju.core import clock
from mengkeju.core.views import attach_errors
from mengkeju.network.models import Organization

from . import calculations, permissions, selectors, services
from .forms import (
    FIELD_ALIASES,
    DeclarationForm,
    LicenceForm,
    PaymentForm,
    ReasonForm,
    RevenuePolicyForm,
    RoyaltyReportForm,
    TrialLicenceForm,
)
from .models import FeeModel, Licence, LicenceAction, OpenLicenceDeclaration, PaymentReceipt

PAGE_SIZE = 20


def _today():
    return clock.local_date()


def _visible_licence(request, pk: int) -> Licence:
    return get_object_or_404(selectors.visible_licences(request.user), pk=pk)


# Licences ----------------------------------------------------------------------------------------


@login_required
def licence_list(request):
    qs = selectors.visible_licences(request.user)
    status = request.GET.get("status", "")
    if status in Licence.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": Licence.Status.choices,
        "today": _today(),
        "overdue": selectors.overdue_payments(_today(), request.user).count(),
        "may_create": _may_create(request.user),
    }
    return render(request, "licensing/licence_list.html", context)


def _may_create(user) -> bool:
    organization = getattr(user, "organization", None)
    return organization is not None and permissions.can_create_licence(user, organization)


@login_required
def licence_create(request, trial: bool = False):
    if not _may_create(request.user):
        raise PermissionDenied(_("Only members of a licensing organization may record licences."))
    form_class = TrialLicenceForm if trial else LicenceForm
    extra = {"default_trial_months": services.default_trial_months()} if trial else {}
    form = form_class(request.POST or None, user=request.user, **extra)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            licence = services.record_licence(
                form.cleaned_data["achievement"],
                by=request.user,
                grant="grant" in request.POST,
                trial=trial,
                today=_today(),
                **values,
            )
        except ValidationError as exc:
            attach_errors(form, exc, FIELD_ALIASES)
        else:
            messages.success(request, _("Licence recorded."))
            return redirect(reverse("licensing:licence-detail", args=[licence.pk]))
    title = gettext_lazy("New use-first-pay-later licence") if trial else gettext_lazy("New licence")
    return render(
        request, "licensing/form.html", {"form": form, "title": title, "grant_button": True, "trial": trial}
    )


ACTIONS = {
    # url slug: (action, permission check, needs a reason)
    "grant": (LicenceAction.GRANT, permissions.can_grant, False),
    "start-trial": (LicenceAction.START_TRIAL, permissions.can_grant, False),
    "convert": (LicenceAction.CONVERT, permissions.can_convert, False),
    "exit": (LicenceAction.EXIT, permissions.can_exit_trial, True),
    "terminate": (LicenceAction.TERMINATE, permissions.can_terminate, True),
}
BUTTONS = {
    "grant": gettext_lazy("Grant the licence"),
    "start-trial": gettext_lazy("Start the free trial"),
    "convert": gettext_lazy("Convert to the paid terms"),
    "exit": gettext_lazy("Exit the trial"),
    "terminate": gettext_lazy("Terminate the licence"),
}


def _available_actions(user, licence: Licence) -> list[dict]:
    actions = []
    for slug, (_action, check, needs_reason) in ACTIONS.items():
        if slug == "grant" and licence.use_first_pay_later:
            continue
        if slug == "start-trial" and not licence.use_first_pay_later:
            continue
        if check(user, licence):
            actions.append({"slug": slug, "label": BUTTONS[slug], "needs_reason": needs_reason})
    return actions


def licence_detail(request, pk: int):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    licence = _visible_licence(request, pk)
    user, today = request.user, _today()
    sees_revenue = permissions.can_view_revenue(user, licence.licensor_id)
    royalties = licence.fee_model in (FeeModel.ROYALTY, FeeModel.PER_UNIT)  # paid on reported sales
    receipts = (
        PaymentReceipt.objects.filter(payment__licence=licence)
        .select_related("payment", "statement")
        .prefetch_related("costs")
        .order_by("received_on", "pk")
    )
    context = {
        "licence": licence,
        "today": today,
        "schedule": selectors.schedule(licence, today),
        "reports": licence.royalty_reports.select_related("filed_by"),
        "receipts": receipts,
        "sees_revenue": sees_revenue,
        "events": selectors.licence_events(licence, user),
        "actions": _available_actions(user, licence),
        "reason_form": ReasonForm(),
        "shows_royalty_reports": royalties,
        "may_report": permissions.can_file_royalty_report(user, licence)
        and licence.status not in (Licence.Status.DRAFT, Licence.Status.TRIAL, Licence.Status.EXITED)
        and royalties,
        "may_pay": permissions.can_record_payment(user, licence)
        and licence.payments.filter(paid_on__isnull=True).exists(),
        "reminders": licence.trial_reminders.all(),
    }
    return render(request, "licensing/licence_detail.html", context)


@require_POST
@login_required
def licence_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    licence = _visible_licence(request, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    by, today = request.user, _today()
    try:
        if action == "grant":
            services.grant_licence(licence, by=by, on=today)
        elif action == "start-trial":
            services.start_trial(licence, by=by, on=max(today, licence.start_on))
        elif action == "convert":
            services.convert_to_paid(licence, by=by, on=today)
        elif action == "exit":
            services.exit_trial(licence, by=by, on=today, reason=reason)
        else:
            services.terminate_licence(licence, by=by, on=today, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except services.ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Done: %(action)s.") % {"action": LicenceAction(ACTIONS[action][0]).label}
        )
    return redirect(reverse("licensing:licence-detail", args=[licence.pk]))


@login_required
def royalty_report_create(request, pk: int):
    licence = _visible_licence(request, pk)
    if not permissions.can_file_royalty_report(request.user, licence):
        raise PermissionDenied(_("Only the licensee files royalty reports."))
    form = RoyaltyReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.file_royalty_report(
                licence,
                by=request.user,
                period_start_on=data["period_start_on"],
                period_end_on=data["period_end_on"],
                sales_revenue_yuan=data["sales_revenue_yuan"],
                units_sold=data.get("units_sold") or 0,
                note=data.get("note", ""),
                filed_on=_today(),
            )
        except ValidationError as exc:
            attach_errors(form, exc, FIELD_ALIASES)
        else:
            messages.success(
                request, _("Report filed: %(amount)s yuan due.") % {"amount": report.royalty_due_yuan}
            )
            return redirect(reverse("licensing:licence-detail", args=[licence.pk]))
    title = gettext_lazy("File a royalty report")
    return render(request, "licensing/form.html", {"form": form, "title": title, "licence": licence})


@login_required
def payment_create(request, pk: int):
    licence = _visible_licence(request, pk)
    if not permissions.can_record_payment(request.user, licence):
        raise PermissionDenied(_("Only the licensor records payments received."))
    form = PaymentForm(request.POST or None, licence=licence, initial={"received_on": _today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            receipt = services.record_payment(
                licence,
                by=request.user,
                received_on=data["received_on"],
                amount_yuan=data["amount_yuan"],
                payment=data.get("payment"),
                costs=form.costs(),
            )
        except ValidationError as exc:
            attach_errors(form, exc, FIELD_ALIASES)
        else:
            if hasattr(receipt, "statement"):
                messages.success(request, _("Payment recorded; the revenue-sharing statement is issued."))
            else:
                messages.success(
                    request,
                    _(
                        "Payment recorded. No revenue-sharing policy is in force for the licensor on that day."
                    ),
                )
            return redirect(reverse("licensing:licence-detail", args=[licence.pk]))
    title = gettext_lazy("Record a payment received")
    return render(request, "licensing/form.html", {"form": form, "title": title, "licence": licence})


@login_required
def statement_detail(request, pk: int):
    statement = get_object_or_404(selectors.visible_statements(request.user), pk=pk)
    licence = statement.receipt.payment.licence
    return render(
        request,
        "licensing/statement.html",
        {
            "statement": statement,
            "licence": licence,
            "lines": statement.lines.all(),
            "costs": statement.receipt.costs.all(),
        },
    )


# Open licences -----------------------------------------------------------------------------------


def declaration_list(request):
    query = (request.GET.get("q") or "").strip()[:200]
    page = Paginator(selectors.public_declarations(query), PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user
    organization = getattr(user, "organization", None) if user.is_authenticated else None
    context = {
        "page": page,
        "q": query,
        "query": f"q={query}" if query else "",
        "accept_as": organization,
        "may_declare": bool(organization) and permissions.is_member_of(user, organization.pk),
    }
    template = (
        "licensing/_declaration_results.html"
        if request.headers.get("HX-Request")
        else "licensing/declaration_list.html"
    )
    return render(request, template, context)


def declaration_detail(request, pk: int):
    declaration = get_object_or_404(
        OpenLicenceDeclaration.objects.select_related("achievement", "licensor"), pk=pk
    )
    user = request.user
    if not permissions.can_view_declaration(user, declaration):
        raise Http404
    organization = getattr(user, "organization", None) if user.is_authenticated else None
    context = {
        "declaration": declaration,
        "may_accept": organization is not None
        and permissions.can_accept_open_licence(user, declaration, organization),
        "accept_as": organization,
        # Anonymous visitors of an open declaration are asked to log in to accept it.
        "may_log_in_to_accept": not user.is_authenticated
        and declaration.status == OpenLicenceDeclaration.Status.DECLARED,
        "may_withdraw": permissions.can_withdraw_declaration(user, declaration),
        "reason_form": ReasonForm(),
        "licence_count": declaration.licences.count(),
        "events": declaration.events.select_related("actor")
        if permissions.sees_everything(user) or permissions.is_member_of(user, declaration.licensor_id)
        else [],
    }
    return render(request, "licensing/declaration_detail.html", context)


@login_required
def declaration_create(request):
    form = DeclarationForm(request.POST or None, user=request.user)
    if not form.fields["achievement"].queryset.exists():
        raise PermissionDenied(_("Your organization has no achievements to declare an open licence for."))
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.declare_open_licence(
                form.cleaned_data["achievement"],
                by=request.user,
                declared_on=_today(),
                **form.service_values(),
            )
        except ValidationError as exc:
            attach_errors(form, exc, FIELD_ALIASES)
        else:
            messages.success(request, _("Open licence declared."))
            return redirect(reverse("licensing:declaration-detail", args=[declaration.pk]))
    title = gettext_lazy("Declare an open licence")
    return render(request, "licensing/form.html", {"form": form, "title": title})


@require_POST
def declaration_accept(request, pk: int):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={reverse('licensing:declaration-detail', args=[pk])}")
    declaration = get_object_or_404(OpenLicenceDeclaration, pk=pk)
    if not permissions.can_view_declaration(request.user, declaration):
        raise Http404
    organization = request.user.organization
    if organization is None:
        raise PermissionDenied(_("A member may accept an open licence for their own organization only."))
    try:
        licence = services.accept_open_licence(declaration, organization, by=request.user, on=_today())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("licensing:declaration-detail", args=[pk]))
    messages.success(request, _("You now hold an ordinary licence on the published terms."))
    return redirect(reverse("licensing:licence-detail", args=[licence.pk]))


@require_POST
@login_required
def declaration_withdraw(request, pk: int):
    declaration = get_object_or_404(OpenLicenceDeclaration, pk=pk)
    if not permissions.can_view_declaration(request.user, declaration):
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.withdraw_open_licence(declaration, by=request.user, on=_today(), reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except services.ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Declaration withdrawn; existing licences keep running."))
    return redirect(reverse("licensing:declaration-detail", args=[pk]))


# Revenue sharing ---------------------------------------------------------------------------------


@login_required
def revenue_policy(request):
    """The institution's revenue-sharing policy: the one in force, its history, and a new version."""
    user = request.user
    code = request.GET.get("institution")
    if code and permissions.sees_everything(user):
        institution = get_object_or_404(Organization, code=code)
    else:
        institution = user.organization
    if institution is None or not permissions.can_view_revenue(user, institution.pk):
        raise PermissionDenied(_("Only members of the institution see its revenue-sharing policy."))
    may_set = permissions.can_set_revenue_policy(user, institution)
    form = RevenuePolicyForm(request.POST or None) if may_set else None
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(
                _("Only members of a university or research institute set its revenue-sharing policy.")
            )
        if form.is_valid():
            try:
                services.set_revenue_share_policy(institution, by=user, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc, FIELD_ALIASES)
            else:
                messages.success(request, _("Revenue-sharing policy saved."))
                return redirect(reverse("licensing:revenue-policy"))
    context = {
        "institution": institution,
        "in_force": selectors.policy_in_force(institution, _today()),
        "policies": selectors.policies_of(institution),
        "minimum": calculations.as_percent(services.inventor_share_minimum()),
        "form": form,
        "statements": selectors.visible_statements(user)
        .filter(receipt__payment__licence__licensor=institution)
        .order_by("-issued_on", "-pk")[:50],
    }
    return render(request, "licensing/revenue_policy.html", context)
