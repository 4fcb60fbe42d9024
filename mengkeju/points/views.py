"""Web pages of innovation points. Thin: parse, check permissions, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mengkeju.core import charts
from mengkeju.core.views import attach_errors, error_text
from mengkeju.network.models import Division, IndustryChain, Organization

from . import permissions, selectors, services, tasks
from .certificate import render_certificate
from .exports import ranking_workbook
from .forms import EntryForm, ImportForm, LoanForm, RecomputeForm, ReturnForm
from .importing import build_template
from .models import EnterpriseYear, PointsLoan, Score
from .pack import SystemSpec


def _year(request) -> int | None:
    try:
        return int(request.GET.get("year") or request.POST.get("year") or 0) or selectors.default_year()
    except ValueError:
        return selectors.default_year()


@login_required
def home(request):
    user = request.user
    # The query (e.g. ?year=2025 from an import's "back" link) goes along: the default year may differ.
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    if permissions.can_view_ranking(user):
        return redirect(reverse("points:ranking") + query)
    if user.organization_id and permissions.can_view_enterprise_data(user, user.organization):
        return redirect(reverse("points:enterprise") + query)
    raise PermissionDenied


@login_required
def enterprise(request, org_id: int | None = None):
    """An enterprise's page: its score, breakdown, how to improve, its data and the import."""
    org = get_object_or_404(Organization, pk=org_id or request.user.organization_id or 0)
    if not permissions.can_view_enterprise_data(request.user, org):
        raise PermissionDenied
    year = _year(request)
    score = selectors.year_score(org, year) if year else None
    record = selectors.visible_records(request.user).filter(organization=org, year=year).first()
    context = {
        "org": org,
        "year": year,
        "years": selectors.years(),
        "score": score,
        "record": record,
        "values": {v.code: v for v in record.values.all()} if record else {},
        "import_form": ImportForm(initial={"year": year}),
        "can_enter": permissions.can_enter_data(request.user, org),
        "can_manage_consent": permissions.can_manage_consent(request.user, org),
        "consent": selectors.open_consent(org),
        "loans": selectors.visible_loans(request.user).filter(enterprise=org),
        "loan_threshold": selectors.loan_threshold(),
    }
    if score:
        context["explained"] = selectors.breakdown(score)
        for line in context["explained"]["indicators"]:
            line.lower_is_better = line.direction == "lower"  # as scoring.compute reads the pack
            line.is_zscore = line.method == "zscore"
        context["improve"] = selectors.improvements(score)
        context["other_scores"] = selectors.own_scores(org).filter(year=year).exclude(pk=score.pk)
    system = selectors.latest_system(year) if year else None
    if system and record:
        spec = SystemSpec.from_definition(system.definition)
        context["data_rows"] = [(item, context["values"].get(item.code)) for item in spec.all_items]
    return render(request, "points/enterprise.html", context)


@login_required
def template(request, year: int):
    if not permissions.can_import(request.user):
        raise PermissionDenied
    system = selectors.latest_system(year)
    if system is None:
        raise PermissionDenied(_("No indicator system for this year."))
    rows = []
    org = request.user.organization
    if org and permissions.is_enterprise_member(request.user, org):
        rows = [[org.credit_code, org.name]]
    content = build_template(
        SystemSpec.from_definition(system.definition), rows=rows, size_classes=system.size_classes
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="innovation-points-{year}.xlsx"'
    return response


@login_required
@require_POST
def import_data(request):
    """Checks the form, keeps the file and hands it to a background job; /jobs/<id>/ shows the rest."""
    if not permissions.can_import(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        run = tasks.start_import(form.cleaned_data["file"], year=form.cleaned_data["year"], by=request.user)
        return redirect("jobs:run", pk=run.pk)
    return render(
        request,
        "points/import_result.html",
        {"form": form, "problems": [], "report": None, "year": form.data.get("year")},
        status=400,
    )


@login_required
def enter_data(request, org_id: int, year: int):
    org = get_object_or_404(Organization, pk=org_id)
    if not permissions.can_enter_data(request.user, org):
        raise PermissionDenied
    system = selectors.latest_system(year)
    if system is None:
        raise Http404(_("No indicator system for this year."))
    spec = SystemSpec.from_definition(system.definition)
    record = EnterpriseYear.objects.filter(organization=org, year=year).first()
    initial = {}
    if record:
        initial = {v.code: v.value.normalize() for v in record.values.all()}
        initial |= {
            "chain": record.chain,
            "size_class": record.size_class,
            "founded_year": record.founded_year,
        }
    form = EntryForm(request.POST or None, initial=initial, spec=spec, size_classes=system.size_classes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.enter_indicator_values(
                org,
                year,
                {item.code: data.get(item.code) for item in spec.all_items},
                by=request.user,
                chain=data.get("chain"),
                size_class=data.get("size_class") or "",
                founded_year=data.get("founded_year"),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("The data was saved."))
            return redirect(reverse("points:enterprise-of", args=[org.pk]) + f"?year={year}")
    return render(request, "points/enter.html", {"form": form, "org": org, "year": year})


def _may_review(user) -> bool:
    """The review page: headquarters, and sub-center staff whose node serves some divisions."""
    return permissions.sees_region(user) or bool(permissions.scope_division_ids(user))


@login_required
def review(request):
    year = _year(request)
    records = selectors.records_to_review(request.user, year, request.GET.get("status", ""))
    if not _may_review(request.user):
        raise PermissionDenied
    records = list(records[:500])
    for record in records:
        record.may_confirm = permissions.can_confirm(request.user, record)
        record.may_return = permissions.can_return(request.user, record)
    return render(
        request,
        "points/review.html",
        {
            "records": records,
            "year": year,
            "years": selectors.years(),
            "statuses": EnterpriseYear.Status.choices,
            "status": request.GET.get("status", ""),
            "return_form": ReturnForm(),
        },
    )


@login_required
@require_POST
def confirm(request, pk: int):
    record = get_object_or_404(EnterpriseYear, pk=pk)
    services.confirm_data(record, by=request.user)
    messages.success(request, _("Confirmed: %(name)s") % {"name": record.organization.name})
    return redirect(reverse("points:review") + f"?year={record.year}")


@login_required
@require_POST
def return_record(request, pk: int):
    record = get_object_or_404(EnterpriseYear, pk=pk)
    form = ReturnForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.return_data(record, by=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Returned: %(name)s") % {"name": record.organization.name})
    return redirect(reverse("points:review") + f"?year={record.year}")


def _ranking_scope(request):
    if not permissions.can_view_ranking(request.user):
        raise PermissionDenied
    year = _year(request)
    chain = IndustryChain.objects.filter(code=request.GET.get("chain", "")).first()
    size_class = request.GET.get("size_class", "")
    run = selectors.run_for(year, chain, size_class) if year else None
    tier, division = request.GET.get("tier", ""), request.GET.get("division", "")
    scores = (
        selectors.ranking(request.user, run, tier=tier, division=division) if run else Score.objects.none()
    )
    return year, chain, size_class, run, tier, division, scores


def _ranking_charts(data: dict) -> dict:
    """The score histogram and the mean and maximum points per indicator group, from selectors.distributions."""
    title = {"textStyle": {"fontSize": 13}}
    common = {"tooltip": {"trigger": "axis"}, "grid": {"left": 40, "right": 10, "top": 40, "bottom": 30}}
    histogram, groups = data["histogram"], data["groups"]
    return {
        "histogram": {
            "title": {"text": _("Score distribution"), **title},
            **common,
            "xAxis": {"type": "category", "data": histogram["labels"]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"type": "bar", "data": histogram["counts"], "itemStyle": {"color": charts.BLUE}}],
        },
        "groups": {
            "title": {"text": _("Mean points by group"), **title},
            **common,
            "legend": {"top": 0, "right": 0},
            "xAxis": {"type": "category", "data": groups["labels"]},
            "yAxis": {"type": "value"},
            "series": [
                {
                    "name": _("mean"),
                    "type": "bar",
                    "data": groups["mean"],
                    "itemStyle": {"color": charts.GREEN},
                },
                {
                    "name": _("maximum"),
                    "type": "bar",
                    "data": groups["max"],
                    "itemStyle": {"color": charts.GOLD},
                },
            ],
        },
    }


@login_required
def ranking(request):
    year, chain, size_class, run, tier, division, scores = _ranking_scope(request)
    system = selectors.latest_system(year) if year else None
    scope = permissions.scope_division_ids(request.user)
    divisions = Division.objects.filter(external=False)
    if scope is not None:
        divisions = divisions.filter(pk__in=scope)
    shown = list(scores[:200])
    for score in shown:
        # The government analyst sees the ranking, not an enterprise's data and breakdown.
        score.may_open = permissions.can_view_enterprise_data(request.user, score.organization)
    return render(
        request,
        "points/ranking.html",
        {
            "year": year,
            "years": selectors.years(),
            "chain": chain,
            "chains": IndustryChain.objects.all(),
            "size_class": size_class,
            "size_classes": system.size_classes if system else [],
            "tier": tier,
            "tiers": [t["code"] for t in system.definition["tiers"]] if system else [],
            "division": division,
            "divisions": divisions,
            "run": run,
            "scores": shown,
            "total_count": scores.count(),
            "charts": _ranking_charts(selectors.distributions(scores, run)) if run else None,
            "can_recompute": permissions.can_recompute(request.user),
            "may_review": _may_review(request.user),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def export(request):
    year, _chain, _size_class, run, _tier, _division, scores = _ranking_scope(request)
    if run is None:
        raise PermissionDenied(_("Nothing computed for this cohort yet."))
    content = ranking_workbook(scores, run, caption=run.cohort_key)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="innovation-points-{year}.xlsx"'
    return response


@login_required
@require_POST
def recompute(request):
    if not permissions.can_recompute(request.user):
        raise PermissionDenied
    form = RecomputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a year."))
        return redirect("points:ranking")
    data = form.cleaned_data
    run = tasks.start_recompute(
        data["year"], chain=data.get("chain"), size_class=data.get("size_class") or "", by=request.user
    )
    return redirect("jobs:run", pk=run.pk)


@login_required
def certificate(request, pk: int):
    score = get_object_or_404(Score.objects.select_related("organization", "run", "system"), pk=pk)
    if not permissions.can_view_enterprise_data(request.user, score.organization):
        raise PermissionDenied
    response = HttpResponse(render_certificate(score), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="innovation-points-{score.year}-{score.organization_id}.pdf"'
    )
    return response


# --- 创新积分贷 (points-based credit) ----------------------------------------------------------------


@login_required
@require_POST
def consent(request):
    """The enterprise gives (action=give) or withdraws (action=withdraw) its consent to banks."""
    org = request.user.organization
    if org is None or not permissions.can_manage_consent(request.user, org):
        raise PermissionDenied
    give = request.POST.get("action") != "withdraw"
    try:
        (services.give_consent if give else services.withdraw_consent)(org, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Banks may now see your innovation score and rank.")
            if give
            else _("Your consent is withdrawn: banks no longer see your score."),
        )
    return redirect("points:enterprise")


def _bank_page(request, *, form=None, form_org=None, status=200):
    year = _year_for_loans(request)
    scores = list(selectors.loan_ranking(request.user, year)[:500]) if year else []
    return render(
        request,
        "points/loans.html",
        {
            "year": year,
            "years": selectors.loan_years(),
            "scores": scores,
            "threshold": selectors.loan_threshold(),
            "form": form or LoanForm(),
            "form_org": form_org,
            "loans": selectors.visible_loans(request.user)[:200],
            "may_grant": permissions.is_bank(request.user),
        },
        status=status,
    )


def _year_for_loans(request) -> int | None:
    years = selectors.loan_years()
    raw = request.GET.get("year") or request.POST.get("year") or ""
    return int(raw) if raw.isdigit() and int(raw) in years else (years[0] if years else None)


@login_required
def loans(request):
    """A bank's page: the ranking of consenting enterprises above the threshold, and its loans."""
    if not permissions.can_view_loan_ranking(request.user):
        raise PermissionDenied
    return _bank_page(request)


@login_required
@require_POST
def record_loan(request, org_id: int):
    if not permissions.is_bank(request.user):
        raise PermissionDenied
    org = get_object_or_404(Organization, pk=org_id)
    year = _year_for_loans(request)
    form = LoanForm(request.POST)
    if form.is_valid() and year:
        data = form.cleaned_data
        try:
            loan = services.record_loan(
                org,
                by=request.user,
                year=year,
                amount_yuan=data["amount_yuan"],
                rate_percent=data["rate_percent"],
                term_months=data["term_months"],
                granted=data["granted"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Loan recorded: %(name)s") % {"name": loan.enterprise.name})
            return redirect(reverse("points:loans") + f"?year={year}")
    return _bank_page(request, form=form, form_org=org, status=400)


@login_required
@require_POST
def grant_loan(request, pk: int):
    loan = get_object_or_404(PointsLoan, pk=pk)
    try:
        services.grant_loan(loan, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Recorded as granted: %(name)s") % {"name": loan.enterprise.name})
    return redirect("points:loans")


def financing_chart(rows) -> dict:
    """Points-based financing granted per year, in 万元 (ECharts bar)."""
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 20, "top": 30, "bottom": 10, "containLabel": True},
        "xAxis": {"type": "category", "data": [str(r.year) for r in rows]},
        "yAxis": {"type": "value", "name": _("granted, 10k yuan")},
        "series": [
            {
                "name": _("granted, 10k yuan"),
                "type": "bar",
                "data": [charts.ten_thousands(r.amount_yuan) for r in rows],
                "itemStyle": {"color": charts.GREEN},
            }
        ],
    }


@login_required
def financing(request):
    """Headquarters: points-based financing per year, the transformations of scored enterprises, the loans."""
    if not permissions.can_view_financing(request.user):
        raise PermissionDenied
    rows = selectors.financing_per_year()
    years = selectors.loan_years()
    return render(
        request,
        "points/financing.html",
        {
            "rows": rows,
            "charts": {"financing": financing_chart(rows)} if rows else None,
            "transformations": [selectors.transformations(y) for y in years],
            "loans": selectors.visible_loans(request.user)[:200],
        },
    )


def dashboard_panel(user, year: int) -> dict | None:
    """The HQ dashboard's innovation-points panel (insights.views.dashboard): the year's transformations
    by scored enterprises and the points-based financing per year with its chart; None for others."""
    if not permissions.can_view_financing(user):
        return None
    rows = selectors.financing_per_year()
    this_year = next((r for r in rows if r.year == year), None)
    return {
        "year": year,
        "transformations": selectors.transformations(year),
        "financing": rows,
        "financing_year": this_year.amount_yuan if this_year else 0,
        "chart": financing_chart(rows) if rows else None,
    }
