"""The region pack's map: reading and checking its GeoJSON, and the ECharts option of the network map.

Nothing here is about one region: the map file is named by region.yaml (`map:`), its features carry
division codes (`properties.code`), and nodes carry their own coordinates (`lon`, `lat`). A pack
without a map simply has none, and the pages list the nodes without drawing them.

Nodes located outside the region (enclave sub-centers, cooperating institutions in other provinces)
are not drawn at their true coordinates, which would shrink the region to a corner of the chart:
they stand in a row below the region's outline, each labelled with its home province or city
(`docs/region-pack.md`, "Map").
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

MAX_MAP_BYTES = 3 * 1024 * 1024  # the pages send the file to every visitor of a network page
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
# A node inside the region must lie within the map's bounding box, give or take this many degrees.
BOUNDS_MARGIN = 0.5


@dataclass(frozen=True)
class Bounds:
    west: float
    south: float
    east: float
    north: float

    @classmethod
    def of(cls, geojson: dict) -> Bounds:
        lons, lats = [], []
        for feature in geojson["features"]:
            for lon, lat in _positions(feature["geometry"]):
                lons.append(lon)
                lats.append(lat)
        return cls(min(lons), min(lats), max(lons), max(lats))

    def contains(self, lon: float, lat: float, margin: float = 0.0) -> bool:
        return (
            self.west - margin <= lon <= self.east + margin
            and self.south - margin <= lat <= self.north + margin
        )


def _positions(geometry: dict):
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        for ring in polygon:
            yield from ring


def is_coordinate(lon, lat) -> bool:
    """Both numbers (not booleans), finite, and on the globe."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat))
    return numbers and math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90


def _ring_problem(ring) -> str | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return _("a ring needs at least four positions")
    for position in ring:
        if not (
            isinstance(position, list) and len(position) >= 2 and is_coordinate(position[0], position[1])
        ):
            return _("%(value)r is not a longitude/latitude pair on the globe") % {"value": position}
    return None


def _geometry_problem(geometry) -> str | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        return _("the geometry must be a Polygon or a MultiPolygon")
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        return _("the geometry has no coordinates")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return _("the geometry has no coordinates")
        for ring in polygon:
            problem = _ring_problem(ring)
            if problem:
                return problem
    return None


def read_map(
    root: Path, filename: str, region_code: str, divisions: list[dict], problems: list
) -> dict | None:
    """The map file named by region.yaml, checked against the pack's divisions; None (and problems
    appended) when it is missing or wrong. `problems` takes (file, path, reason) tuples."""
    path = root / filename
    if not path.is_file():
        problems.append(("region.yaml", "map", _("file not found in %(root)s") % {"root": root}))
        return None
    if path.stat().st_size > MAX_MAP_BYTES:
        problems.append(
            (
                filename,
                "",
                _("the map is larger than %(mb)s MB: simplify it (every network page sends it)")
                % {"mb": MAX_MAP_BYTES // (1024 * 1024)},
            )
        )
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        where = _("line %(line)s") % {"line": exc.lineno} if isinstance(exc, json.JSONDecodeError) else ""
        problems.append((filename, where, _("not valid GeoJSON: %(error)s") % {"error": exc}))
        return None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        problems.append((filename, "type", _("the map must be a GeoJSON FeatureCollection")))
        return None
    features = data.get("features")
    if not isinstance(features, list) or not features:
        problems.append((filename, "features", _("the list must not be empty")))
        return None

    known = {d["code"]: d for d in divisions}
    before = len(problems)
    seen: set[str] = set()
    for i, feature in enumerate(features):
        where = f"features[{i}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append((filename, where, _("not a GeoJSON Feature")))
            continue
        code = (feature.get("properties") or {}).get("code")
        if not isinstance(code, str) or code not in known:
            problems.append(
                (filename, f"{where}.properties.code", _("unknown division %(code)r") % {"code": code})
            )
        elif known[code].get("external"):
            problems.append(
                (
                    filename,
                    f"{where}.properties.code",
                    _("division %(code)r is outside the region; the map shows the region's divisions only")
                    % {"code": code},
                )
            )
        elif code in seen:
            problems.append(
                (filename, f"{where}.properties.code", _("duplicate code %(code)r") % {"code": code})
            )
        seen.add(code)
        problem = _geometry_problem(feature.get("geometry"))
        if problem:
            problems.append((filename, f"{where}.geometry", problem))
    for division in divisions:
        if (
            division.get("parent") == region_code
            and not division.get("external")
            and division["code"] not in seen
        ):
            problems.append(
                (
                    filename,
                    "features",
                    _("the map has no outline for division %(code)r (%(name)s)")
                    % {"code": division["code"], "name": division["name"]},
                )
            )
    return None if len(problems) > before else data


def check_node_coordinates(nodes: list[dict], divisions: list[dict], geojson: dict | None, problems: list):
    """Coordinates are finite numbers on the globe, given both or neither; a node located inside the
    region lies within the map's bounds."""
    external = {d["code"] for d in divisions if d.get("external")}
    bounds = Bounds.of(geojson) if geojson else None
    for i, node in enumerate(nodes):
        if "lon" not in node and "lat" not in node:
            continue
        lon, lat = node.get("lon"), node.get("lat")
        if not is_coordinate(lon, lat):
            problems.append(
                (
                    "network.yaml",
                    f"nodes[{i}]",
                    _("lon %(lon)r, lat %(lat)r are not a longitude/latitude pair on the globe")
                    % {"lon": lon, "lat": lat},
                )
            )
        elif bounds and node["location"] not in external and not bounds.contains(lon, lat, BOUNDS_MARGIN):
            problems.append(
                (
                    "network.yaml",
                    f"nodes[{i}]",
                    _(
                        "lon %(lon)s, lat %(lat)s lie outside the region's map (longitude %(west)s–%(east)s, "
                        "latitude %(south)s–%(north)s), but the node's location %(location)r is in the region"
                    )
                    % {
                        "lon": lon,
                        "lat": lat,
                        "west": bounds.west,
                        "east": bounds.east,
                        "south": bounds.south,
                        "north": bounds.north,
                        "location": node["location"],
                    },
                )
            )


# --- the ECharts option of the network map ------------------------------------------------------------

MAP_NAME = "region"
# Marker per kind: (symbol, size, colour). Colours from the site palette (core/charts.py).
MARKERS = {
    "headquarters": ("pin", 30, "#c0392b"),
    "sub_center": ("circle", 11, "#1f5fa8"),
    "enclave": ("diamond", 13, "#d4a017"),
    "cooperating_institution": ("circle", 6, "#7f8c8d"),
}
FOCUS_COLOUR = "#e67e22"
SERVED_AREA = "#cfe0f5"


@dataclass(frozen=True)
class MapNode:
    code: str
    name: str
    kind: str
    kind_label: str
    lon: float
    lat: float
    place: str  # the name of the division the node sits in (its home province or city, for enclaves)
    outside: bool  # located outside the region: drawn in the row below it
    url: str


def map_option(
    nodes: list[MapNode], divisions: dict[str, str], *, focus: str | None = None, served=()
) -> dict:
    """The ECharts option of the network map: the region's divisions (GeoJSON features named by code,
    shown by `divisions` {code: name}), the divisions `served` by the focus node shaded, and one scatter
    series per node kind. Nodes `outside` the region carry no position yet: region-map.js puts them in a
    row below the outline, once it knows the outline's bounds, labelled with their `place`."""
    served_names = [divisions[c] for c in served if c in divisions]
    series = []
    for kind, (symbol, size, colour) in MARKERS.items():
        members = [n for n in nodes if n.kind == kind]
        if not members:
            continue
        data = []
        for n in members:
            item = {
                "name": n.name,
                "value": None if n.outside else [n.lon, n.lat],
                "code": n.code,
                "place": n.place,
                "url": n.url,
                "outside": n.outside,
            }
            label = {"show": n.outside, "formatter": n.place, "position": "bottom", "fontSize": 11}
            if n.code == focus:
                item["symbolSize"] = size * 1.8
                item["itemStyle"] = {"color": FOCUS_COLOUR, "borderColor": "#fff", "borderWidth": 1}
                label = {"show": True, "formatter": n.name, "position": "top", "fontWeight": "bold"}
                item["focus"] = True
            item["label"] = label
            data.append(item)
        series.append(
            {
                "type": "scatter",
                "name": members[0].kind_label,
                "coordinateSystem": "geo",
                "symbol": symbol,
                "symbolSize": size,
                "itemStyle": {"color": colour},
                "data": data,
                "zlevel": 1,
                "emphasis": {"scale": 1.3, "label": {"show": True, "formatter": "{b}", "position": "top"}},
            }
        )
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0, "type": "scroll", "textStyle": {"fontSize": 11}},
        "geo": {
            "map": MAP_NAME,
            "nameProperty": "code",
            "nameMap": divisions,
            "roam": False,
            "top": 10,
            "bottom": 40,
            "left": 10,
            "right": 10,
            "label": {"show": False},
            "itemStyle": {"areaColor": "#f3f5f8", "borderColor": "#9aa5b1", "borderWidth": 0.6},
            "emphasis": {"label": {"show": True, "fontSize": 11}, "itemStyle": {"areaColor": "#e3ecf7"}},
            "select": {"disabled": True},
            "regions": [{"name": name, "itemStyle": {"areaColor": SERVED_AREA}} for name in served_names],
        },
        "series": series,
    }
