"""Web pages of the catalog: lists with filters, detail pages, publish/edit forms, lifecycle buttons."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mengkeju.network.selectors import responsible_nodes

from . import permissions, selectors, services
from .filtersets import AchievementFilterSet, DemandFilterSet
from .forms import AchievementForm, DemandForm, TransitionForm
from .models import Achievement, Action, Demand, Status
from .selectors import ListingFilters

PAGE_SIZE = 20
# Button wording (imperative); Action labels are past tense for the history.
ACTION_BUTTONS = {
    Action.SUBMIT: gettext_lazy("Submit for review"),
    Action.PUBLISH: gettext_lazy("Publish"),
    Action.RETURN: gettext_lazy("Return for revision"),
    Action.WITHDRAW: gettext_lazy("Withdraw"),
    Action.REVISE: gettext_lazy("Reopen as draft"),
}


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
    if filterset.is_bound and not filterset.is_valid():
        qs = k.model.objects.none()
    else:
        qs = filterset.qs if filterset.is_bound else filterset.queryset
        if not request.GET.get("status"):  # the catalog shows published records unless a status is asked for
            qs = qs.filter(status=Status.PUBLISHED)
    ranked = _ranked_search(kind, qs, filterset) if filterset.is_bound and filterset.is_valid() else None
    page = Paginator(ranked if ranked is not None else qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "kind": kind,
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "ranked": ranked is not None,
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
            {"code": code, "label": ACTION_BUTTONS[code], "needs_reason": needs_reason}
            for code, check, needs_reason in checks
            if check(user, listing)
        ]
    context = {
        "kind": kind,
        "listing": listing,
        "matches": _matches(kind, listing),
        "resources": (resources := _matches("resource", listing) if kind == "demand" else {}),
        "resource_groups": [
            (gettext_lazy("Experts"), resources.get("expert", [])),
            (gettext_lazy("Innovation platforms"), resources.get("platform", [])),
            (gettext_lazy("Services"), resources.get("service", [])),
        ]
        if resources
        else [],
        "routed_to": responsible_nodes(
            listing.division, {link.chain_id for link in listing.chain_links.all()}
        )[:3],
        "modes": getattr(listing, k.modes_field).all(),
        "can_edit": permissions.can_edit(user, listing),
        "actions": actions,
        "events": listing.events.select_related("actor")
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


def _ranked_search(kind: str, qs, filterset) -> list | None:
    """Keyword search through the hybrid engine, ranked by relevance, within the filtered records.

    Returns None (plain list order) when there is no query or matching is off."""
    from django.conf import settings

    text = (filterset.form.cleaned_data.get("q") or "").strip()
    if not text or not settings.MATCHING_ENABLED or filterset.form.cleaned_data.get("status"):
        return None
    from mengkeju.matching import adapter
    from mengkeju.retrieval.errors import EngineError

    try:
        results = adapter.store.search(kind, text, k=200, strict=True)
    except EngineError:
        return None
    # The engine ranks; the database decides visibility and the structured filters.
    unfiltered = filterset.queryset.filter(pk__in=[int(r.id) for r in results])
    filtered = ListingFilters(**{**filterset.listing_filters().__dict__, "q": ""}).apply(unfiltered)
    allowed = {obj.pk: obj for obj in filtered.filter(status=Status.PUBLISHED)}
    ranked = []
    for result in results:
        obj = allowed.get(int(result.id))
        if obj is not None:
            obj.match = result
            ranked.append(obj)
    return ranked


def _matches(kind: str, listing) -> list:
    """Recommended counterparts for a published record, with the reasons (empty if matching is off)."""
    from django.conf import settings

    if listing.status != Status.PUBLISHED or not settings.MATCHING_ENABLED:
        return []
    from mengkeju.matching import adapter

    try:
        if kind == "resource":
            return adapter.resources_for_demand(listing)
        if kind == "demand":
            return adapter.achievements_for_demand(listing, k=5)
        return adapter.demands_for_achievement(listing, k=5)
    except Exception:  # recommendations are an aid: the page still renders without them
        import logging

        logging.getLogger(__name__).exception("matching failed for %s %s", kind, listing.pk)
        return []


@login_required
def listing_create(request, kind: str):
    k = _kind(kind)
    form = k.form(request.POST or None, user=request.user)
    if not form.fields["owner"].queryset.exists():
        raise PermissionDenied(_("Your account may not publish this kind of record."))
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        values.pop("version", None)
        owner = values.pop("owner")
        chain_links = values.pop("chain_links")
        modes = values.pop(k.modes_field)
        try:
            listing = services.create_listing(
                k.model,
                by=request.user,
                owner=owner,
                chain_links=chain_links,
                modes=modes,
                submit="submit" in request.POST,
                **values,
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
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
            _attach_errors(form, exc)
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
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.file.name.rsplit("/", 1)[-1]
    )


def _attach_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def expert_list(request):
    page = Paginator(selectors.published_experts(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/expert_list.html", {"page": page})


def platform_list(request):
    qs = selectors.platforms()
    if request.GET.get("whitelisted") == "1":
        qs = qs.filter(whitelisted=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/platform_list.html", {"page": page})


def service_list(request):
    page = Paginator(selectors.services(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/service_list.html", {"page": page})
