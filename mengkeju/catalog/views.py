"""Web pages of the catalog: lists with filters, detail pages, publish/edit forms, lifecycle buttons."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mengkeju.core import clock, files
from mengkeju.core.views import attach_errors
from mengkeju.network.selectors import responsible_nodes

from . import hooks, permissions, selectors, services, signals, tasks
from .filtersets import AchievementFilterSet, DemandFilterSet
from .forms import (
    AchievementForm,
    BulkImportForm,
    DemandForm,
    GuidanceCatalogForm,
    GuidanceEntryForm,
    TransitionForm,
    WhitelistStepForm,
)
from .models import (
    WHITELIST_DECISIONS,
    WHITELIST_EVALUATIONS,
    WHITELIST_REASON_REQUIRED,
    WHITELIST_TRANSITIONS,
    Achievement,
    Action,
    Demand,
    GuidanceCatalog,
    Platform,
    Status,
    WhitelistAction,
)

PAGE_SIZE = 20
# Button wording (imperative); Action labels are past tense for the history.
ACTION_BUTTONS = {
    Action.SUBMIT: gettext_lazy("Submit for review"),
    Action.PUBLISH: gettext_lazy("Publish"),
    Action.RETURN: gettext_lazy("Return for revision"),
    Action.WITHDRAW: gettext_lazy("Withdraw"),
    Action.REVISE: gettext_lazy("Reopen as draft"),
}


# The owner withdraws (撤回) its own record; a reviewer takes a published one down (下架) or rejects
# (驳回) one awaiting review. Both are the WITHDRAW transition; the words tell who did what.
TAKE_DOWN_BUTTON = gettext_lazy("Take down")
REJECT_BUTTON = gettext_lazy("Reject")
TAKEN_DOWN = gettext_lazy("taken down")
REJECTED = gettext_lazy("rejected")


def _acts_as_owner(user, listing) -> bool:
    return permissions.is_owner(user, listing) or (user.is_authenticated and listing.created_by_id == user.pk)


def _action_button(code: str, user, listing) -> str:
    if code != Action.WITHDRAW or _acts_as_owner(user, listing):
        return ACTION_BUTTONS[code]
    return TAKE_DOWN_BUTTON if listing.status == Status.PUBLISHED else REJECT_BUTTON


def _history(listing) -> list:
    """The record's events, each with the words for what happened (a reviewer's withdrawal is a take-down)."""
    events = list(listing.events.select_related("actor"))
    published = False
    for event in events:
        event.label = event.get_action_display()
        if event.action == Action.WITHDRAW and event.actor and not _acts_as_owner(event.actor, listing):
            event.label = TAKEN_DOWN if published else REJECTED
        published = event.action == Action.PUBLISH if event.action != Action.EDIT else published
    return events


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    form: type
    filterset: type
    visible: object
    modes_field: str


KINDS = {
    "achievement": Kind(
        "achievement",
        Achievement,
        AchievementForm,
        AchievementFilterSet,
        selectors.visible_achievements,
        "transfer_modes",
    ),
    "demand": Kind(
        "demand", Demand, DemandForm, DemandFilterSet, selectors.visible_demands, "cooperation_modes"
    ),
}


def _kind(name: str) -> Kind:
    return KINDS[name]


def listing_list(request, kind: str):
    k = _kind(kind)
    filterset = k.filterset(request.GET or None, queryset=selectors.with_related(k.visible(request.user)))
    # The status filter offers only the states of records this person may see; a visitor sees published
    # records only, so the filter is not offered at all.
    statuses = selectors.visible_statuses(k.model, request.user)
    if set(statuses) <= {Status.PUBLISHED}:
        del filterset.form.fields["status"]
    else:
        filterset.form.fields["status"].choices = [
            ("", "---------"),
            *[(value, Status(value).label) for value in statuses],
        ]
    if filterset.is_bound and not filterset.is_valid():
        qs = k.model.objects.none()
    else:
        qs = filterset.qs if filterset.is_bound else filterset.queryset
        if not request.GET.get("status"):  # the catalog shows published records unless a status is asked for
            qs = qs.filter(status=Status.PUBLISHED)
    # With keywords, the matching app (if installed) ranks the filtered records by relevance.
    ranked = (
        hooks.matchmaker().ranked(kind, filterset) if filterset.is_bound and filterset.is_valid() else None
    )
    page = Paginator(ranked if ranked is not None else qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for listing in page:
        listing.shows_status = listing.status != Status.PUBLISHED  # a status filter lists unpublished ones
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "kind": kind,
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "ranked": ranked is not None,
        # The search engine could not be reached: the database's keyword filter answered instead.
        "engine_unavailable": getattr(filterset, "engine_unavailable", False),
        # Keywords that matched nothing: say so, and offer ways out (other words, no filters).
        "keywords": (filterset.form.cleaned_data.get("q") or "").strip() if filterset.is_bound else "",
        "has_filters": bool(set(request.GET) - {"q", "page", "sort"}),
    }
    template = f"catalog/{kind}_list.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        template = f"catalog/_{kind}_results.html"
    return render(request, template, context)


def _get_visible(request, k: Kind, pk: int):
    listing = get_object_or_404(selectors.with_related(k.model.objects.all()), pk=pk)
    if not permissions.can_view(request.user, listing):
        raise Http404
    return listing


def listing_detail(request, kind: str, pk: int):
    k = _kind(kind)
    listing = _get_visible(request, k, pk)
    user = request.user
    actions = []
    if user.is_authenticated:
        checks = [
            (Action.SUBMIT, permissions.can_submit, False),
            (Action.PUBLISH, permissions.can_review, False),
            (Action.RETURN, permissions.can_review, True),
            (Action.WITHDRAW, permissions.can_withdraw, True),
            (Action.REVISE, permissions.can_revise, False),
        ]
        actions = [
            {
                "code": code,
                "label": _action_button(code, user, listing),
                "needs_reason": needs_reason,
                "is_approval": code == Action.PUBLISH,
            }
            for code, check, needs_reason in checks
            if check(user, listing)
        ]
    matchmaker = hooks.matchmaker()  # the matching app's, when installed
    matches = matchmaker.recommendations(listing)
    resources = matchmaker.resources(listing) if kind == "demand" else {}
    signals.listing_shown.send(
        k.model,
        listing=listing,
        viewer=user,
        recommended=[obj for obj, _r in matches],
        # Opened from a recommendation (`?rec=demand:12&rank=3` on the recommendation's link).
        origin=(request.GET.get("rec"), request.GET.get("rank")),
    )
    context = {
        "kind": kind,
        "listing": listing,
        "matches": matches,
        "show_match_scores": permissions.can_see_match_scores(user),
        "resources": resources,
        "resource_groups": [
            (gettext_lazy("Experts"), resources.get("expert", [])),
            (gettext_lazy("Innovation platforms"), resources.get("platform", [])),
            (gettext_lazy("Services"), resources.get("service", [])),
        ]
        if resources
        else [],
        "duplicates": matchmaker.possible_duplicates(listing)
        if permissions.is_reviewer_for(user, listing) or permissions.is_owner(user, listing)
        else [],
        "routed_to": responsible_nodes(
            listing.division, {link.chain_id for link in listing.chain_links.all()}
        )[:3],
        "modes": getattr(listing, k.modes_field).all(),
        "can_edit": permissions.can_edit(user, listing),
        "shows_inquire": listing.status == Status.PUBLISHED,
        "show_contact": permissions.can_see_contact(user, listing),
        "actions": actions,
        "events": _history(listing)
        if permissions.is_reviewer_for(user, listing) or permissions.is_owner(user, listing)
        else [],
        "transition_form": TransitionForm(),
        "attachments": listing.attachments.all() if kind == "achievement" else [],
        "ip_rights": [
            {"label": services.IP_KINDS.get(r.get("kind"), r.get("kind")), "number": r.get("number", "")}
            for r in getattr(listing, "ip_rights", [])
        ],
    }
    return render(request, f"catalog/{kind}_detail.html", context)


@login_required
def listing_create(request, kind: str):
    k = _kind(kind)
    form = k.form(request.POST or None, request.FILES or None, user=request.user)
    if not form.fields["owner"].queryset.exists():
        raise PermissionDenied(_("Your account may not publish this kind of record."))
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        values.pop("version", None)
        owner = values.pop("owner")
        chain_links = values.pop("chain_links")
        modes = values.pop(k.modes_field)
        attachments = values.pop("attachments", [])
        try:
            listing = services.create_listing(
                k.model,
                by=request.user,
                owner=owner,
                chain_links=chain_links,
                modes=modes,
                submit="submit" in request.POST,
                attachments=attachments,
                **values,
            )
        except ValidationError as exc:
            attach_errors(form, exc, {"file": "attachments"})
        else:
            messages.success(
                request,
                _("Submitted for review.") if listing.status == Status.SUBMITTED else _("Saved as a draft."),
            )
            return redirect(reverse(f"catalog:{kind}-detail", args=[listing.pk]))
    return render(request, f"catalog/{kind}_form.html", {"kind": kind, "form": form, "listing": None})


@login_required
def listing_edit(request, kind: str, pk: int):
    k = _kind(kind)
    listing = _get_visible(request, k, pk)
    if not permissions.can_edit(request.user, listing):
        raise PermissionDenied(_("You may not edit this record in its current state."))
    form = k.form(request.POST or None, instance=listing, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        version = values.pop("version", None)
        chain_links = values.pop("chain_links")
        modes = values.pop(k.modes_field)
        fresh = k.model.objects.get(
            pk=listing.pk
        )  # the form mutated `listing`; the service re-applies values
        try:
            services.update_listing(
                fresh,
                by=request.user,
                expected_version=version,
                chain_links=chain_links,
                modes=modes,
                **values,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        except services.ConflictError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Changes saved."))
            return redirect(reverse(f"catalog:{kind}-detail", args=[listing.pk]))
    return render(request, f"catalog/{kind}_form.html", {"kind": kind, "form": form, "listing": listing})


@require_POST
@login_required
def listing_transition(request, kind: str, pk: int, action: str):
    k = _kind(kind)
    if action not in Action.values:
        raise Http404
    listing = _get_visible(request, k, pk)
    form = TransitionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.transition(listing, action, by=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except services.ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
    return redirect(reverse(f"catalog:{kind}-detail", args=[listing.pk]))


@require_POST
@login_required
def attachment_upload(request, pk: int):
    listing = _get_visible(request, KINDS["achievement"], pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            services.add_attachment(
                listing, upload=upload, title=request.POST.get("title", ""), by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Attachment added."))
    return redirect(reverse("catalog:achievement-detail", args=[listing.pk]))


def attachment_download(request, pk: int, attachment_id: int):
    """Attachments are served through the record's visibility check, never as public media."""
    listing = _get_visible(request, KINDS["achievement"], pk)
    attachment = get_object_or_404(listing.attachments, pk=attachment_id)
    return files.serve(attachment.file)


# --- Platform whitelist (白名单) -----------------------------------------------------------------------

WHITELIST_BUTTONS = {
    WhitelistAction.APPLY: gettext_lazy("Apply for the whitelist"),
    WhitelistAction.REVIEW: gettext_lazy("Start review"),
    WhitelistAction.LIST: gettext_lazy("List on the whitelist"),
    WhitelistAction.REJECT: gettext_lazy("Reject the application"),
    WhitelistAction.KEEP: gettext_lazy("Evaluation: keep on the list"),
    WhitelistAction.REMOVE: gettext_lazy("Evaluation: remove from the list"),
}


def _whitelist_actions(user, platform) -> list[dict]:
    out = []
    for (status, action), _target in WHITELIST_TRANSITIONS.items():
        if status != platform.whitelist_status:
            continue
        allowed = (
            permissions.can_decide_whitelist(user)
            if action in WHITELIST_DECISIONS
            else permissions.can_apply_for_whitelist(user, platform)
        )
        if allowed:
            out.append(
                {
                    "action": action,
                    "label": WHITELIST_BUTTONS[action],
                    "needs_reason": action in WHITELIST_REASON_REQUIRED,
                    "needs_year": action in WHITELIST_EVALUATIONS,
                }
            )
    return out


@login_required
@require_POST
def platform_whitelist_step(request, pk: int, action: str):
    platform = get_object_or_404(Platform, pk=pk)
    form = WhitelistStepForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("catalog:platform-detail", pk=pk)
    try:
        services.whitelist_step(
            platform,
            action,
            by=request.user,
            reason=form.cleaned_data["reason"],
            year=form.cleaned_data["year"],
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        platform.refresh_from_db()
        messages.success(
            request,
            _("%(name)s: whitelist status is now “%(status)s”.")
            % {"name": platform.name, "status": platform.get_whitelist_status_display()},
        )
    return redirect("catalog:platform-detail", pk=pk)


# --- Guidance catalog (新技术产业化应用指导目录) ----------------------------------------------------------


def guidance_index(request):
    catalogs = [c for c in GuidanceCatalog.objects.all() if permissions.can_view_guidance(request.user, c)]
    can_curate = permissions.can_curate_guidance(request.user)
    form = GuidanceCatalogForm(request.POST or None) if can_curate else None
    if request.method == "POST":
        if not can_curate:
            raise PermissionDenied
        if form.is_valid():
            try:
                catalog = services.create_guidance_catalog(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                return redirect("catalog:guidance-detail", year=catalog.year)
    return render(
        request,
        "catalog/guidance_index.html",
        {"catalogs": catalogs, "form": form, "this_year": clock.local_date().year},
    )


def _guidance(request, year: int) -> GuidanceCatalog:
    catalog = get_object_or_404(GuidanceCatalog, year=year)
    if not permissions.can_view_guidance(request.user, catalog):
        raise Http404
    return catalog


def guidance_detail(request, year: int):
    catalog = _guidance(request, year)
    can_curate = (
        permissions.can_curate_guidance(request.user) and catalog.status == GuidanceCatalog.Status.DRAFT
    )
    form = GuidanceEntryForm(request.POST or None) if can_curate else None
    if request.method == "POST":
        if not can_curate:
            raise PermissionDenied
        if form.is_valid():
            achievement = Achievement.objects.filter(pk=form.cleaned_data["achievement"]).first()
            if achievement is None:
                form.add_error("achievement", _("There is no achievement with this number."))
            else:
                try:
                    services.add_guidance_entry(
                        catalog,
                        achievement,
                        reason=form.cleaned_data["reason"],
                        application_scenario=form.cleaned_data["application_scenario"],
                        by=request.user,
                    )
                except ValidationError as exc:
                    attach_errors(form, exc)
                else:
                    messages.success(request, _("Added to the catalog."))
                    return redirect("catalog:guidance-detail", year=year)
    entries = catalog.entries.select_related("achievement__owner").prefetch_related(
        "achievement__chain_links__chain"
    )
    return render(
        request,
        "catalog/guidance_detail.html",
        {"catalog": catalog, "entries": entries, "form": form, "can_curate": can_curate},
    )


@login_required
@require_POST
def guidance_publish(request, year: int):
    catalog = _guidance(request, year)
    try:
        services.publish_guidance_catalog(catalog, by=request.user)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, _("The %(year)s catalog is published.") % {"year": year})
    return redirect("catalog:guidance-detail", year=year)


def guidance_export(request, year: int, fmt: str):
    from . import guidance_exports

    catalog = _guidance(request, year)
    entries = list(
        catalog.entries.select_related("achievement__owner").prefetch_related("achievement__chain_links")
    )
    if fmt == "pdf":
        content, mime = guidance_exports.pdf(catalog, entries), "application/pdf"
    else:
        content = guidance_exports.workbook(catalog, entries)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="guidance-catalog-{year}.{fmt}"'
    return response


@login_required
def bulk_import(request):
    """HQ imports a file of achievements or demands; a background job does it (/jobs/<id>/)."""
    if not permissions.can_bulk_import(request.user):
        raise PermissionDenied
    form = BulkImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        run = tasks.start_bulk_import(
            data["file"],
            kind=data["kind"],
            status=data["status"],
            skip_invalid=data["skip_invalid"],
            source=data["source"],
            by=request.user,
        )
        return redirect("jobs:run", pk=run.pk)
    return render(request, "catalog/import.html", {"form": form}, status=400 if form.errors else 200)
