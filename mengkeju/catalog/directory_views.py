"""Web pages of the directories (experts, innovation platforms, services): lists with keyword search and
filters, detail pages, forms for headquarters and sub-centers, an expert's own profile, retire/restore
and the file import."""

from __future__ import annotations

from dataclasses import dataclass

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
from mengkeju.core.tabular import ImportRejected
from mengkeju.core.views import attach_errors

from . import directory_importing, hooks, permissions, selectors, services
from .filtersets import ExpertFilterSet, PlatformFilterSet, ServiceFilterSet
from .forms import DIRECTORY_FORMS, DirectoryImportForm, ExpertProfileForm, RetireForm
from .models import Expert, Platform, Service, WhitelistStatus

PAGE_SIZE = 20


@dataclass(frozen=True)
class Directory:
    kind: str
    model: type
    filterset: type
    title: str
    new_label: str
    empty: str


DIRECTORIES = {
    "expert": Directory(
        "expert",
        Expert,
        ExpertFilterSet,
        gettext_lazy("Experts and talent"),
        gettext_lazy("Add an expert"),
        gettext_lazy("No experts match these filters."),
    ),
    "platform": Directory(
        "platform",
        Platform,
        PlatformFilterSet,
        gettext_lazy("Innovation platforms"),
        gettext_lazy("Add a platform"),
        gettext_lazy("No platforms match these filters."),
    ),
    "service": Directory(
        "service",
        Service,
        ServiceFilterSet,
        gettext_lazy("Services"),
        gettext_lazy("Add a service"),
        gettext_lazy("No services match these filters."),
    ),
}


def _merge_ranked(ranked: list, found) -> list:
    """The engine's ranking first, then the database's keyword hits it did not rank (a name, a rare
    word the segmenter splits): a keyword that appears in an entry always finds it."""
    seen = {obj.pk for obj in ranked}
    return ranked + [obj for obj in found if obj.pk not in seen]


def directory_list(request, kind: str):
    d = DIRECTORIES[kind]
    user = request.user
    shows_retired = permissions.can_manage_directory(user)
    base = selectors.visible_resources(d.model, user)
    filterset = d.filterset(request.GET or None, queryset=base, shows_retired=shows_retired)
    valid = not filterset.is_bound or filterset.is_valid()
    results = filterset.qs if valid else d.model.objects.none()
    text = filterset.keywords_text
    ranked = False
    if text:
        # The hybrid engine (matching app) ranks within the same filters, keywords aside.
        without_keywords = request.GET.copy()
        without_keywords.pop("q", None)
        scope = d.filterset(without_keywords, queryset=base, shows_retired=shows_retired).qs
        engine = hooks.matchmaker().ranked_resources(kind, text, scope)
        if engine:
            results = _merge_ranked(engine, results)
            ranked = True
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.shows_retired_badge = entry.retired_at is not None
        if kind == "platform":
            entry.shows_whitelist_status = (
                not entry.whitelisted and entry.whitelist_status != WhitelistStatus.NONE
            )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "kind": kind,
        "directory": d,
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "ranked": ranked,
        "may_create": permissions.can_manage_directory(user),
        "may_import": permissions.can_manage_directory(user),
        "is_filtered": bool(query),
    }
    template = f"catalog/{kind}_list.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        template = "catalog/_directory_results.html"
    return render(request, template, context)


def _get_visible(request, kind: str, pk: int):
    model = DIRECTORIES[kind].model
    resource = get_object_or_404(model.objects.select_related("division"), pk=pk)
    if not permissions.can_view_resource(request.user, resource):
        raise Http404
    return resource


def _detail_context(request, kind: str, resource) -> dict:
    user = request.user
    may_manage = permissions.can_manage_resource(user, resource)
    return {
        "kind": kind,
        "directory": DIRECTORIES[kind],
        "resource": resource,
        "is_retired": resource.retired_at is not None,
        "may_edit": permissions.can_edit_resource(user, resource),
        "may_retire": may_manage and resource.retired_at is None,
        "may_restore": may_manage and resource.retired_at is not None,
        "retire_form": RetireForm(),
        "changes": services.directory_history(resource) if may_manage else None,
    }


def expert_detail(request, pk: int):
    expert = _get_visible(request, "expert", pk)
    context = _detail_context(request, "expert", expert)
    context.update(
        expert=expert,
        is_own_profile=permissions.is_own_expert_profile(request.user, expert),
        chain_links=expert.chain_links.select_related("chain"),
    )
    return render(request, "catalog/expert_detail.html", context)


def service_detail(request, pk: int):
    service = _get_visible(request, "service", pk)
    context = _detail_context(request, "service", service)
    context.update(service=service, chain_links=service.chain_links.select_related("chain"))
    return render(request, "catalog/service_detail.html", context)


def platform_detail(request, pk: int):
    from .views import _whitelist_actions as whitelist_actions

    platform = _get_visible(request, "platform", pk)
    context = _detail_context(request, "platform", platform)
    context.update(
        platform=platform,
        actions=whitelist_actions(request.user, platform) if platform.retired_at is None else [],
        history=platform.whitelist_events.select_related("actor")
        if permissions.can_view_whitelist_history(request.user, platform)
        else None,
        this_year=clock.local_date().year,
    )
    return render(request, "catalog/platform_detail.html", context)


def _detail_url(kind: str, pk: int) -> str:
    return reverse(f"catalog:{kind}-detail", args=[pk])


@login_required
def directory_create(request, kind: str):
    if not permissions.can_manage_directory(request.user):
        raise PermissionDenied(_("You may not change the directories."))
    form = DIRECTORY_FORMS[kind](request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        chain_links = values.pop("chain_links")
        try:
            resource = services.create_resource(kind, by=request.user, chain_links=chain_links, **values)
        except ValidationError as exc:
            attach_errors(form, exc, {"user": "account"})
        else:
            messages.success(request, _("%(name)s is in the directory.") % {"name": resource})
            return redirect(_detail_url(kind, resource.pk))
    return render(
        request,
        "catalog/directory_form.html",
        {"kind": kind, "directory": DIRECTORIES[kind], "form": form, "resource": None},
    )


@login_required
def directory_edit(request, kind: str, pk: int):
    resource = _get_visible(request, kind, pk)
    user = request.user
    if not permissions.can_edit_resource(user, resource):
        raise PermissionDenied(_("You may not edit this entry."))
    own_profile = not permissions.can_manage_resource(user, resource)  # an expert's own profile
    form_class = ExpertProfileForm if own_profile else DIRECTORY_FORMS[kind]
    form = form_class(request.POST or None, instance=resource, user=user)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        chain_links = values.pop("chain_links")
        fresh = type(resource).objects.get(pk=resource.pk)  # the form changed `resource` in memory
        try:
            if own_profile:
                services.update_own_profile(fresh, by=user, chain_links=chain_links, **values)
            else:
                services.update_resource(fresh, by=user, chain_links=chain_links, **values)
        except ValidationError as exc:
            attach_errors(form, exc, {"user": "account"})
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_detail_url(kind, pk))
    return render(
        request,
        "catalog/directory_form.html",
        {
            "kind": kind,
            "directory": DIRECTORIES[kind],
            "form": form,
            "resource": resource,
            "is_own_profile": own_profile,
        },
    )


@login_required
@require_POST
def directory_retire(request, kind: str, pk: int):
    resource = _get_visible(request, kind, pk)
    form = RetireForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.retire_resource(resource, by=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s is retired: the public no longer sees it; you can restore it here.")
            % {"name": resource},
        )
    return redirect(_detail_url(kind, pk))


@login_required
@require_POST
def directory_restore(request, kind: str, pk: int):
    resource = _get_visible(request, kind, pk)
    try:
        services.restore_resource(resource, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is back in the directory.") % {"name": resource})
    return redirect(_detail_url(kind, pk))


@login_required
def directory_import(request):
    """Headquarters or a sub-center imports a .csv/.xlsx file of experts, platforms or services: all rows
    or none, with each problem named by row and column."""
    if not permissions.can_manage_directory(request.user):
        raise PermissionDenied(_("You may not change the directories."))
    form = DirectoryImportForm(request.POST or None, request.FILES or None)
    report = problems = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        try:
            report = directory_importing.import_upload(upload.read(), upload.name, kind, by=request.user)
        except ImportRejected as exc:
            problems = exc.report.problems
            status = 400
        else:
            messages.success(
                request,
                _(
                    "%(rows)s rows imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."
                )
                % {
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
            return redirect(reverse(f"catalog:{kind}-list"))
    elif form.errors:
        status = 400
    return render(
        request,
        "catalog/directory_import.html",
        {"form": form, "problems": problems, "columns": directory_importing.COLUMN_HELP},
        status=status,
    )
