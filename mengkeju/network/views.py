import hashlib
import json

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mengkeju.core import charts
from mengkeju.core.views import attach_errors

from . import region_map, selectors
from .models import Division, Organization


def _local(obj) -> str:
    """`name_en` on English pages when there is one, else `name`."""
    if (get_language() or "").lower().startswith("en") and getattr(obj, "name_en", ""):
        return obj.name_en
    return obj.name


def region_map_spec(focus: Organization | None = None) -> dict | None:
    """What region-map.js needs to draw the network map: where to fetch the outlines and the ECharts
    option (nodes plotted, the focus node and the divisions it serves highlighted). None when the region
    pack has no map: the page lists the nodes without drawing them."""
    if not selectors.has_region_map():
        return None
    kinds = dict(Organization.Kind.choices)
    nodes = [
        region_map.MapNode(
            code=n.code,
            name=_local(n),
            kind=n.kind,
            kind_label=str(kinds.get(n.kind, n.kind)),
            lon=n.longitude,
            lat=n.latitude,
            place=_local(n.division),
            outside=n.division.external,
            url=reverse("network:organization", args=[n.code]),
        )
        for n in selectors.mapped_nodes()
    ]
    divisions = {d.code: _local(d) for d in selectors.regional_divisions().exclude(parent=None)}
    served_divisions = list(focus.serves_divisions.all()) if focus is not None else []
    served = [d.code for d in served_divisions]
    if any(d.level == Division.Level.PROVINCE and not d.external for d in served_divisions):
        served = list(divisions)  # serving the region's own division means all of it
    return {
        "map": region_map.MAP_NAME,
        "url": reverse("network:map"),
        "option": region_map.map_option(nodes, divisions, focus=focus.code if focus else None, served=served),
    }


def region_map_geojson(request):
    """The region pack's map, for the network pages (cached by the browser; revalidated by ETag)."""
    geojson = selectors.region_map()
    if geojson is None:
        raise Http404(_("This region has no map."))
    body = json.dumps(geojson, ensure_ascii=False, separators=(",", ":")).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/geo+json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _coverage_chart(divisions, coverage: dict) -> dict:
    return {
        "tooltip": {},
        "grid": {"left": 90, "right": 20, "top": 10, "bottom": 30},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": [d.name for d in divisions]},
        "series": [
            {"type": "bar", "data": [coverage[d.pk] for d in divisions], "itemStyle": {"color": charts.BLUE}}
        ],
    }


def _ladder_chart(flow: dict) -> dict | None:
    """The sankey of moves up the ladder; None (no chart) before any move is recorded."""
    if not flow["links"]:
        return None
    return {
        "tooltip": {"trigger": "item"},
        "color": charts.PALETTE[:4],
        "series": [
            {
                "type": "sankey",
                "data": [{"name": n["name"]} for n in flow["nodes"]],
                "links": [
                    {key: link[key] for key in ("source", "target", "value")} for link in flow["links"]
                ],
                "emphasis": {"focus": "adjacency"},
                "lineStyle": {"color": "gradient", "curveness": 0.5},
            }
        ],
    }


def network_overview(request):
    nodes = list(selectors.network_nodes())
    by_kind = {kind: [n for n in nodes if n.kind == kind] for kind in Organization.NETWORK_KINDS}
    divisions = list(selectors.regional_divisions().filter(level="prefecture"))
    coverage = {d.pk: 0 for d in divisions}
    for node in by_kind[Organization.Kind.SUB_CENTER] + by_kind[Organization.Kind.ENCLAVE]:
        for d in node.serves_divisions.all():
            if d.pk in coverage:
                coverage[d.pk] += 1
    context = {
        "headquarters": by_kind[Organization.Kind.HEADQUARTERS],
        "sub_centers": by_kind[Organization.Kind.SUB_CENTER],
        "enclaves": by_kind[Organization.Kind.ENCLAVE],
        "cooperating": by_kind[Organization.Kind.COOPERATING],
        "charts": {"coverage": _coverage_chart(divisions, coverage)},
        "region_map": region_map_spec(),
    }
    return render(request, "network/overview.html", context)


def ladder(request):
    """The incubation ladder: its flow (sankey), graduations per year, and a form to record a move."""
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.shortcuts import redirect

    from . import permissions, services
    from .forms import LadderMoveForm

    may_record = permissions.can_record_ladder_move(request.user)
    form = LadderMoveForm(request.POST or None) if may_record else None
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.record_ladder_move(
                    form.cleaned_data["enterprise"],
                    form.cleaned_data["carrier"],
                    entered_on=form.cleaned_data["entered_on"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("The move is recorded."))
                return redirect("network:ladder")
    flow = selectors.ladder_flow()
    context = {
        "flow": flow,
        "rungs": [
            (k, Organization.Kind(k).label, flow["residents"][k], flow["entered"][k])
            for k in Organization.LADDER_KINDS
        ],
        "graduations": selectors.graduations_by_year(),
        "charts": {"ladder": _ladder_chart(flow)},
        "kinds": Organization.LADDER_KINDS,
        "form": form,
        "stays": selectors.ladder_stays() if permissions.can_view_ladder_stays(request.user) else None,
    }
    return render(request, "network/ladder.html", context)
