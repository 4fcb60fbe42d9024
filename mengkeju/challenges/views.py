"""Web pages of open challenges: thin — parse, authorise, call a service, render."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mengkeju.catalog.models import Expert
from mengkeju.core import charts, clock, files
from mengkeju.core.views import attach_errors, error_items, error_text
from mengkeju.network.models import IndustryChain, Organization

from . import permissions, selectors, services
from .forms import (
    AcceptanceForm,
    ApplicationForm,
    ChallengeForm,
    EvidenceForm,
    ScoreForm,
    indicator_formset,
)
from .models import Application, Award, Challenge, Evidence, Indicator, Milestone, Objection, Scorecard

PAGE_SIZE = 20


def _run(request, call, success: str) -> bool:
    """Call a service; show its localized refusal as a message. True when it succeeded."""
    try:
        call()
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return False
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
        return False
    messages.success(request, success)
    return True


def _challenge(request, pk: int) -> Challenge:
    challenge = get_object_or_404(selectors.with_related(Challenge.objects.all()), pk=pk)
    if not permissions.can_view_challenge(request.user, challenge):
        raise Http404
    return challenge


def _application(request, pk: int) -> Application:
    application = get_object_or_404(Application.objects.select_related("challenge", "lead"), pk=pk)
    if not permissions.can_view_application(request.user, application):
        raise Http404
    return application


def _money(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


# --- public list, overview, workspace ----------------------------------------------------------


def challenge_list(request):
    params = request.GET
    qs = selectors.search(
        selectors.visible_challenges(request.user),
        text=params.get("q", ""),
        chain=params.get("chain", ""),
        status=params.get("status", ""),
        mode=params.get("mode", ""),
        budget_min=_money(params.get("budget_min", "")),
        budget_max=_money(params.get("budget_max", "")),
    )
    sort = params.get("sort") or "newest"
    sort_error = "" if sort in selectors.SORTS else _("Choose an order from the list.")
    if sort_error:
        qs = qs.none()  # like a bad filter: the error, not a list in some other order
    ordered = selectors.with_related(qs).order_by(*selectors.SORTS.get(sort, selectors.SORTS["newest"]))
    page = Paginator(ordered, PAGE_SIZE).get_page(params.get("page"))
    statuses = selectors.visible_statuses(request.user)
    context = {
        "page": page,
        "chains": IndustryChain.objects.all(),
        # Only the states this person may see; a visitor sees public ones only.
        "statuses": [(value, Challenge.Status(value).label) for value in statuses],
        "sorts": [
            ("newest", _("Newest first")),
            ("closing", _("Closing soonest")),
            ("price_high", _("Budget, high to low")),
            ("price_low", _("Budget, low to high")),
        ],
        "sort": sort,
        "sort_error": sort_error,
        "modes": Challenge.Mode.choices,
        "params": params,
        "may_draft": permissions.can_draft_challenge(
            request.user, getattr(request.user, "organization", None)
        ),
    }
    return render(request, "challenges/challenge_list.html", context)


def _overview_charts(data: dict) -> dict:
    """Challenges by stage, by industry chain (count and budget) and the money budgeted, committed, released."""
    common = {"color": charts.PALETTE[:4], "tooltip": {}}
    ten_k = _("10k yuan")
    return {
        "stages": {
            **common,
            "xAxis": {"type": "category", "data": [label for _v, label, _n in data["by_stage"]]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"type": "bar", "data": [n for *_r, n in data["by_stage"]]}],
        },
        "chains": {
            **common,
            "legend": {"top": 0},
            "xAxis": {"type": "category", "data": [row["name"] for row in data["by_chain"]]},
            "yAxis": [{"type": "value", "minInterval": 1}, {"type": "value", "name": ten_k}],
            "series": [
                {"name": _("challenges"), "type": "bar", "data": [row["count"] for row in data["by_chain"]]},
                {
                    "name": _("budget, 10k yuan"),
                    "type": "line",
                    "yAxisIndex": 1,
                    "data": [charts.ten_thousands(row["budget_yuan"]) for row in data["by_chain"]],
                },
            ],
        },
        "money": {
            **common,
            "xAxis": {"type": "category", "data": [_("budget"), _("committed"), _("released")]},
            "yAxis": {"type": "value", "name": ten_k},
            "series": [
                {
                    "type": "bar",
                    "data": [
                        charts.ten_thousands(data[k])
                        for k in ("budget_yuan", "committed_yuan", "released_yuan")
                    ],
                }
            ],
        },
    }


def overview(request):
    data = selectors.overview()
    return render(request, "challenges/overview.html", {"data": data, "charts": _overview_charts(data)})


def overview_export(request):

    from .exports import overview_workbook

    now = clock.localtime()
    caption = _("Open challenges, as of %(time)s") % {"time": now.strftime("%Y-%m-%d %H:%M")}
    response = HttpResponse(
        overview_workbook(selectors.overview(), caption=caption),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="challenges-overview-{now:%Y%m%d}.xlsx"'
    return response


@login_required
def workspace(request):
    return render(request, "challenges/workspace.html", {"work": selectors.workspace(request.user)})


# --- challenges --------------------------------------------------------------------------------


def _attach_challenge_errors(form, formset, exc: ValidationError) -> None:
    """A service's refusal on the challenge form: the indicators' errors above their rows, the rest
    on the form's fields."""
    for name, errors in error_items(exc):
        if name == "indicators":
            formset._non_form_errors = formset.error_class(errors, error_class="nonform")
        else:
            form.add_error(name if name in form.fields else None, errors)


@login_required
def challenge_create(request):
    publisher = request.user.organization
    if not permissions.can_draft_challenge(request.user, publisher):
        raise PermissionDenied(_("Members draft challenges for their own organization."))
    form = ChallengeForm(request.POST or None)
    formset = indicator_formset(request.POST or None)
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        values = form.service_values()
        links = values.pop("chain_links")
        try:
            challenge = services.draft_challenge(
                by=request.user,
                publisher=publisher,
                indicators=formset.indicators(),
                chain_links=links,
                **values,
            )
        except ValidationError as exc:
            _attach_challenge_errors(form, formset, exc)
        else:
            messages.success(request, _("Challenge saved as a draft."))
            return redirect("challenges:detail", pk=challenge.pk)
    return render(
        request, "challenges/challenge_form.html", {"form": form, "formset": formset, "challenge": None}
    )


@login_required
def challenge_edit(request, pk: int):
    challenge = _challenge(request, pk)
    if not permissions.can_edit_challenge(request.user, challenge):
        raise PermissionDenied(_("Only the publisher edits a draft or returned challenge."))
    form = ChallengeForm(request.POST or None, initial=ChallengeForm.initial_from(challenge))
    formset = indicator_formset(request.POST or None, challenge)
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        values = form.service_values()
        links = values.pop("chain_links")
        try:
            services.update_challenge(
                challenge, by=request.user, indicators=formset.indicators(), chain_links=links, **values
            )
        except ValidationError as exc:
            _attach_challenge_errors(form, formset, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("challenges:detail", pk=challenge.pk)
    return render(
        request, "challenges/challenge_form.html", {"form": form, "formset": formset, "challenge": challenge}
    )


def _consortium_notes(consortium) -> list[str]:
    """The region's consortium rules in words, for the eligibility section of a challenge."""
    notes = []
    if consortium.lead_kinds:
        kinds = "、".join(str(Organization.Kind(k).label) for k in consortium.lead_kinds)
        if consortium.lead_inside_region:
            notes.append(
                _("The lead applicant is of the kind %(kinds)s and registered in the region.")
                % {"kinds": kinds}
            )
        else:
            notes.append(_("The lead applicant is of the kind %(kinds)s.") % {"kinds": kinds})
    elif consortium.lead_inside_region:
        notes.append(_("The lead applicant is registered in the region."))
    if consortium.cofunding_ratio:
        notes.append(
            _(
                "Enterprise co-funding at least %(ratio)s to the public funding, on application and "
                "before each tranche."
            )
            % {"ratio": consortium.ratio_label}
        )
    return notes


def challenge_detail(request, pk: int):
    challenge = _challenge(request, pk)
    user = request.user
    status = challenge.status
    hq = permissions.is_hq(user)
    runs_review = permissions.can_run_review(user, challenge)
    publisher = permissions.is_publisher_member(user, challenge)
    on_panel = permissions.is_panel_expert(user, challenge)
    horse_race = challenge.mode == Challenge.Mode.HORSE_RACE
    decided = status in (Challenge.Status.NOTICE, Challenge.Status.AWARDED)
    applications = (
        selectors.visible_applications(user).filter(challenge=challenge).prefetch_related("partners")
    )
    own_cards = {}
    expert = permissions.expert_profile(user)
    if expert is not None:
        own_cards = {
            c.application_id: c
            for c in Scorecard.objects.filter(expert=expert, application__challenge=challenge)
        }
    rows = []
    for application in applications:
        application.challenge = challenge
        application.may_score = on_panel and (
            application.status == Application.Status.SUBMITTED and permissions.can_score(user, application)
        )
        rows.append((application, own_cards.get(application.pk)))
    awards = list(
        challenge.awards.select_related("application__lead", "contract").prefetch_related(
            "application__milestones__tranche"
        )
        if decided
        else []
    )
    for award in awards:
        award.may_drop = (
            runs_review and horse_race and status == Challenge.Status.AWARDED and not award.dropped_at
        )
    indicators = list(challenge.indicators.all())
    for indicator in indicators:
        indicator.is_at_least = indicator.direction == Indicator.Direction.AT_LEAST
    own_application = (
        applications.filter(lead_id=getattr(user, "organization_id", None)).first()
        if user.is_authenticated
        else None
    )
    window_closed = challenge.closes_at is None or timezone.now() >= challenge.closes_at
    context = {
        "challenge": challenge,
        "indicators": indicators,
        "hq": hq,
        "publisher": publisher,
        "on_panel": on_panel,
        "applications": rows,
        "own_application": own_application,
        "ranking": (
            selectors.ranking(challenge, with_scores=permissions.can_see_ranking_scores(user, challenge))
            if permissions.can_see_ranking(user, challenge)
            else None
        ),
        "panel": challenge.panel.select_related("expert__organization"),
        "awards": awards,
        "stage_results": selectors.stage_results(challenge),
        "consortium_notes": _consortium_notes(selectors.consortium_rules()),
        "objections": challenge.objections.select_related("raised_by", "resolved_by")
        if (hq or decided)
        else [],
        "events": selectors.visible_events(request.user, challenge),
        "is_horse_race": horse_race,
        "shows_return_reason": bool(challenge.return_reason) and status == Challenge.Status.RETURNED,
        "in_notice": status == Challenge.Status.NOTICE,
        "shows_inquire": status == Challenge.Status.PUBLISHED,
        "can_edit": permissions.can_edit_challenge(user, challenge),
        "can_review": permissions.can_review_challenge(user, challenge),
        "can_cancel": permissions.can_cancel_challenge(user, challenge),
        "can_apply": permissions.can_apply(user, challenge),
        "may_take_on": own_application is None or own_application.status == Application.Status.WITHDRAWN,
        "can_object": permissions.can_object(user, challenge),
        # Before the window closes the button is shown disabled, with the reason (the service refuses).
        "may_start_review": runs_review and status == Challenge.Status.PUBLISHED and window_closed,
        "is_review_waiting": runs_review and status == Challenge.Status.PUBLISHED and not window_closed,
        "may_decide": runs_review and status == Challenge.Status.REVIEWING,
        "may_award": runs_review and status == Challenge.Status.NOTICE,
        "is_expert": expert is not None,
        "organizations": Organization.objects.exclude(kind__in=Organization.NETWORK_KINDS).order_by("name")
        if expert is not None
        else [],
    }
    return render(request, "challenges/challenge_detail.html", context)


@require_POST
@login_required
def challenge_action(request, pk: int, action: str):
    challenge = _challenge(request, pk)
    user, reason = request.user, request.POST.get("reason", "")
    calls = {
        "submit": (
            lambda: services.submit_challenge(challenge, by=user),
            _("Submitted to headquarters for review."),
        ),
        "publish": (lambda: services.publish_challenge(challenge, by=user), _("Published.")),
        "return": (
            lambda: services.return_challenge(challenge, reason, by=user),
            _("Returned to the publisher."),
        ),
        "cancel": (lambda: services.cancel_challenge(challenge, reason, by=user), _("Cancelled.")),
        "start-review": (lambda: services.start_review(challenge, by=user), _("Expert review started.")),
        "decide": (lambda: services.decide(challenge, by=user), _("Decided; the public notice has started.")),
        "reopen": (
            lambda: services.reopen_decision(challenge, reason, by=user),
            _("The decision was reopened."),
        ),
        "award": (
            lambda: services.award(challenge, by=user),
            _("Awarded; the technical contracts are drafted."),
        ),
        "declare": (lambda: _declare(request, challenge), _("Your declaration was recorded.")),
    }
    if action not in calls:
        raise Http404
    call, success = calls[action]
    _run(request, call, success)
    return redirect("challenges:detail", pk=challenge.pk)


def _declare(request, challenge):
    organization = Organization.objects.filter(code=request.POST.get("organization", "")).first()
    if organization is None:
        raise ValidationError(_("Choose the organization."), code="required")
    return services.declare_conflict(
        challenge, organization, by=request.user, note=request.POST.get("note", "")
    )


@login_required
def panel(request, pk: int):
    challenge = _challenge(request, pk)
    if not permissions.can_run_review(request.user, challenge):
        raise PermissionDenied(_("Only headquarters runs the review of a challenge."))
    if request.method == "POST":
        experts = Expert.objects.filter(
            pk__in=[int(x) for x in request.POST.getlist("experts") if x.isdigit()]
        )
        if _run(
            request, lambda: services.form_panel(challenge, experts, by=request.user), _("Panel formed.")
        ):
            return redirect("challenges:detail", pk=challenge.pk)
    proposal = selectors.panel_proposal(challenge)
    return render(
        request,
        "challenges/panel.html",
        {
            "challenge": challenge,
            "candidates": proposal.candidates,
            "proposed": {e.pk for e in proposal.proposed},
            "proposal": proposal,
        },
    )


@require_POST
@login_required
def objection_create(request, pk: int):
    challenge = _challenge(request, pk)
    _run(
        request,
        lambda: services.raise_objection(challenge, request.POST.get("text", ""), by=request.user),
        _("Your objection was recorded."),
    )
    return redirect("challenges:detail", pk=challenge.pk)


@require_POST
@login_required
def objection_resolve(request, pk: int):
    objection = get_object_or_404(Objection, pk=pk)
    _run(
        request,
        lambda: services.resolve_objection(
            objection,
            request.POST.get("resolution", ""),
            upheld=request.POST.get("upheld") == "yes",
            by=request.user,
        ),
        _("The objection was resolved."),
    )
    return redirect("challenges:detail", pk=objection.challenge_id)


# --- applications ------------------------------------------------------------------------------


@login_required
def application_create(request, pk: int):
    challenge = _challenge(request, pk)
    if not permissions.can_apply(request.user, challenge):
        raise PermissionDenied(
            _("Members of organizations other than the publisher apply to published challenges.")
        )
    form = ApplicationForm(request.POST or None, challenge=challenge)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.apply(challenge, by=request.user, **form.service_values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Your application was submitted."))
            return redirect("challenges:application", pk=application.pk)
    return render(request, "challenges/application_form.html", {"form": form, "challenge": challenge})


# Milestones that still take evidence: not yet accepted, and not cancelled by a down-select.
EVIDENCE_OPEN = (Milestone.Status.PLANNED, Milestone.Status.EVIDENCE, Milestone.Status.REFUSED)


def _milestone_rows(request, application):
    user = request.user
    rows = []
    needed = services.acceptance_experts_needed(application.challenge)
    for milestone in application.milestones.prefetch_related("indicators", "evidence", "acceptances__expert"):
        milestone.application = application
        rows.append(
            {
                "milestone": milestone,
                "tranche": getattr(milestone, "tranche", None) if hasattr(milestone, "tranche") else None,
                "may_upload": milestone.status in EVIDENCE_OPEN
                and permissions.can_upload_evidence(user, milestone),
                "awaits_verdicts": milestone.status == Milestone.Status.EVIDENCE,
                "may_accept": permissions.can_record_verdict(user, milestone),
                "acceptances": selectors.visible_acceptances(user, milestone),
                "verdicts": services.round_verdicts(milestone).count(),
                "verdicts_needed": needed,
                "may_release": permissions.can_release_tranche(user, milestone),
                "acceptance_form": AcceptanceForm(
                    indicators=milestone.indicators.all(), prefix=f"m{milestone.pk}"
                ),
            }
        )
    return rows


@login_required
def application_detail(request, pk: int):
    application = _application(request, pk)
    user = request.user
    award = Award.objects.filter(application=application).select_related("contract").first()
    may_manage = permissions.can_manage_application(user, application)
    in_race = award is not None and award.awarded_at is not None and award.dropped_at is None
    context = {
        "application": application,
        "challenge": application.challenge,
        "commitments": application.commitments.select_related("indicator"),
        "milestones": _milestone_rows(request, application),
        "award": award,
        "may_withdraw": may_manage and application.status == Application.Status.SUBMITTED,
        "may_resubmit": may_manage and application.status == Application.Status.WITHDRAWN,
        "may_score": permissions.can_score(user, application),
        "scorecards": selectors.visible_scorecards(user).filter(application=application),
        "evidence_form": EvidenceForm(),
        "hq": permissions.is_hq(user),
        "consortium": selectors.consortium_rules(),
        "may_report_cofunding": in_race and permissions.can_report_cofunding(user, application),
    }
    return render(request, "challenges/application_detail.html", context)


@require_POST
@login_required
def application_action(request, pk: int, action: str):
    application = _application(request, pk)
    calls = {
        "withdraw": (
            lambda: services.withdraw_application(application, by=request.user),
            _("Application withdrawn."),
        ),
        "resubmit": (
            lambda: services.resubmit_application(application, by=request.user),
            _("Application submitted again."),
        ),
    }
    if action not in calls:
        raise Http404
    _run(request, *calls[action])
    return redirect("challenges:application", pk=application.pk)


@require_POST
@login_required
def cofunding_report(request, pk: int):
    application = _application(request, pk)
    _run(
        request,
        lambda: services.report_cofunding(application, request.POST.get("amount_yuan", ""), by=request.user),
        _("Co-funding recorded."),
    )
    return redirect("challenges:application", pk=application.pk)


@login_required
def scorecard(request, pk: int):
    application = _application(request, pk)
    if not permissions.can_score(request.user, application):
        raise PermissionDenied(_("Only experts on the panel score, during the review."))
    expert = permissions.expert_profile(request.user)
    card = Scorecard.objects.filter(application=application, expert=expert).first()
    rubric = application.challenge.rubric
    initial = {f"score_{k}": v for k, v in (card.scores if card else {}).items()}
    form = ScoreForm(
        request.POST or None, rubric=rubric, initial={**initial, "comment": card.comment if card else ""}
    )
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("submit") == "1"
        try:
            services.save_scorecard(
                application,
                by=request.user,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                submit=submit,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request, _("Scorecard submitted.") if submit else _("Scores saved; not yet submitted.")
            )
            return redirect("challenges:detail", pk=application.challenge_id)
    return render(
        request,
        "challenges/scorecard.html",
        {"application": application, "challenge": application.challenge, "form": form, "card": card},
    )


# --- after the award ---------------------------------------------------------------------------


def _milestone(request, pk: int) -> Milestone:
    milestone = get_object_or_404(Milestone.objects.select_related("application__challenge"), pk=pk)
    if not permissions.can_view_application(request.user, milestone.application):
        raise Http404
    return milestone


@require_POST
@login_required
def evidence_upload(request, pk: int):
    milestone = _milestone(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        _run(
            request,
            lambda: services.upload_evidence(
                milestone,
                form.cleaned_data["file"],
                by=request.user,
                description=form.cleaned_data["description"],
            ),
            _("Evidence uploaded."),
        )
    return redirect("challenges:application", pk=milestone.application_id)


def evidence_download(request, pk: int):
    """Milestone evidence is as private as its application (permissions.can_view_application): 404 for
    anyone who may not see the application, never a public /media/ link."""
    evidence = get_object_or_404(Evidence.objects.select_related("milestone__application__challenge"), pk=pk)
    if not permissions.can_view_application(request.user, evidence.milestone.application):
        raise Http404
    return files.serve(evidence.file)


@require_POST
@login_required
def milestone_accept(request, pk: int):
    milestone = _milestone(request, pk)
    form = AcceptanceForm(request.POST, indicators=milestone.indicators.all(), prefix=f"m{milestone.pk}")
    if not form.is_valid():
        messages.error(request, _("State for every indicator whether it is met."))
    else:
        _run(
            request,
            lambda: services.accept_milestone(
                milestone, by=request.user, results=form.results(), note=form.cleaned_data["note"]
            ),
            _("Your verdict was recorded."),
        )
    return redirect("challenges:application", pk=milestone.application_id)


@require_POST
@login_required
def tranche_release(request, pk: int):
    milestone = _milestone(request, pk)
    _run(request, lambda: services.release_tranche(milestone, by=request.user), _("Tranche released."))
    return redirect("challenges:application", pk=milestone.application_id)


@require_POST
@login_required
def team_drop(request, pk: int):
    award = get_object_or_404(Award.objects.select_related("application"), pk=pk)
    milestone = Milestone.objects.filter(pk=request.POST.get("milestone") or 0).first()
    if milestone is None:
        messages.error(request, _("Choose the milestone of the down-select."))
    else:
        _run(
            request,
            lambda: services.drop_team(
                award, milestone=milestone, reason=request.POST.get("reason", ""), by=request.user
            ),
            _("The team was dropped."),
        )
    return redirect(reverse("challenges:detail", args=[award.challenge_id]))
