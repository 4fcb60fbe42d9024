"""The region pack's map and node coordinates (issue 15): what the shipped pack holds, the clear errors
for a bad map or bad coordinates (nothing written), a pack without a map, and the map's endpoint."""

import json
import shutil
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.utils import translation

from mengkeju.network.models import Division, Organization, Region, RegionMap
from mengkeju.network.region_pack import RegionPackError, read_region_pack
from mengkeju.network.services import load_region_pack

REGION_DIR = Path(__file__).resolve().parents[3] / "regions" / "inner-mongolia"
pytestmark = pytest.mark.django_db


def _pack(tmp_path) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(REGION_DIR, pack)
    return pack


def _edit_yaml(pack: Path, filename: str, mutate) -> None:
    path = pack / filename
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _edit_map(pack: Path, mutate) -> None:
    path = pack / "map.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _node_index(code: str) -> int:
    nodes = yaml.safe_load((REGION_DIR / "network.yaml").read_text(encoding="utf-8"))["nodes"]
    return next(i for i, n in enumerate(nodes) if n["code"] == code)


def _problems(pack: Path, language: str = "en"):
    with translation.override(language), pytest.raises(RegionPackError) as exc:
        read_region_pack(pack)
    return exc.value.problems


def test_the_shipped_pack_has_a_map_of_its_twelve_divisions_and_nodes_with_coordinates():
    region = Region.objects.get()
    assert region.map.file == "map.geojson"
    codes = {f["properties"]["code"] for f in region.map.geojson["features"]}
    prefectures = set(
        Division.objects.filter(level="prefecture", external=False).values_list("code", flat=True)
    )
    assert codes == prefectures and len(codes) == 12
    assert (REGION_DIR / "map.geojson").stat().st_size < 300_000
    service = Organization.objects.filter(kind__in=["headquarters", "sub_center", "enclave"])
    assert service.count() == 17
    assert not service.filter(longitude=None).exists() and not service.filter(contact_name="").exists()
    baotou = Organization.objects.get(code="baotou")
    assert (round(baotou.longitude), round(baotou.latitude)) == (110, 41)


@pytest.mark.parametrize(
    ("mutate", "where", "reason"),
    [
        (lambda n: n.update(lon=200.0), ".lon", "200.0"),
        (lambda n: n.update(lat=-91), ".lat", "-91"),
        (lambda n: n.update(lon="109.8"), ".lon", "expected number"),
        (lambda n: n.pop("lat"), "", "lat"),
        (lambda n: n.update(lon=float("nan")), "", "nan"),
        (lambda n: n.update(lon=True), ".lon", "expected number"),
        # In the region by its location, but placed in Shanghai: outside the region's map.
        (lambda n: n.update(lon=121.6, lat=31.2), "", "outside the region's map"),
    ],
)
def test_bad_coordinates_are_refused_naming_the_node_and_nothing_is_written(tmp_path, mutate, where, reason):
    pack = _pack(tmp_path)
    i = _node_index("baotou")
    _edit_yaml(pack, "network.yaml", lambda d: mutate(d["nodes"][i]))
    Organization.objects.filter(code="baotou").update(longitude=1.0)
    with translation.override("en"), pytest.raises(RegionPackError) as exc:
        load_region_pack(pack)
    assert any(
        p.file == "network.yaml" and p.path == f"nodes[{i}]{where}" and reason in p.reason
        for p in exc.value.problems
    ), exc.value.problems
    assert Organization.objects.get(code="baotou").longitude == 1.0


def test_an_enclave_may_sit_outside_the_map():
    pack = read_region_pack(REGION_DIR)
    shanghai = next(n for n in pack.nodes if n["code"] == "shanghai-enclave")
    assert shanghai["lat"] < 35  # far south of the region, and accepted: its location is external


@pytest.mark.parametrize(
    ("mutate", "where", "reason"),
    [
        (
            lambda d: d["features"][0]["properties"].update(code="159999"),
            "features[0].properties.code",
            "159999",
        ),
        (
            lambda d: d["features"][1]["properties"].update(code="110000"),
            "features[1].properties.code",
            "outside",
        ),
        (
            lambda d: d["features"][2]["properties"].update(code="150100"),
            "features[2].properties.code",
            "duplicate",
        ),
        (lambda d: d["features"].pop(5), "features", "150600"),  # Ordos has no outline
        (lambda d: d["features"][3]["geometry"].update(type="Point"), "features[3].geometry", "Polygon"),
        (
            lambda d: d["features"][4]["geometry"]["coordinates"][0].insert(0, [300, 40]),
            "features[4].geometry",
            "300",
        ),
        (lambda d: d.update(type="Feature"), "type", "FeatureCollection"),
    ],
)
def test_a_map_that_does_not_match_the_divisions_is_refused(tmp_path, mutate, where, reason):
    pack = _pack(tmp_path)
    _edit_map(pack, mutate)
    problems = _problems(pack)
    assert any(p.file == "map.geojson" and p.path == where and reason in p.reason for p in problems), problems


def test_a_map_that_is_not_json_or_is_missing_is_refused(tmp_path):
    pack = _pack(tmp_path)
    (pack / "map.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    (problem,) = _problems(pack)
    assert (problem.file, problem.path) == ("map.geojson", "line 1") and "GeoJSON" in problem.reason
    (pack / "map.geojson").unlink()
    (problem,) = _problems(pack)
    assert (problem.file, problem.path) == ("region.yaml", "map")
    _edit_yaml(pack, "region.yaml", lambda d: d.update(map="../outside.geojson"))
    (problem,) = _problems(pack)
    assert (problem.file, problem.path) == ("region.yaml", "map")


def test_map_errors_are_explained_in_chinese(tmp_path):
    pack = _pack(tmp_path)
    _edit_map(pack, lambda d: d["features"][0]["properties"].update(code="159999"))
    problems = {p.path: p.reason for p in _problems(pack, "zh-hans")}
    assert "159999" in problems["features[0].properties.code"]
    assert "未知" in problems["features[0].properties.code"]
    assert "150100" in problems["features"] and "地图" in problems["features"]


def test_a_pack_without_a_map_loads_and_the_pages_list_the_nodes_without_drawing_them(tmp_path):
    pack = _pack(tmp_path)
    (pack / "map.geojson").unlink()
    _edit_yaml(pack, "region.yaml", lambda d: d.pop("map"))

    def drop_coordinates(data):
        for node in data["nodes"]:
            node.pop("lon", None)
            node.pop("lat", None)

    _edit_yaml(pack, "network.yaml", drop_coordinates)
    load_region_pack(pack)
    assert not RegionMap.objects.exists()
    client = Client()
    overview = client.get("/network/")
    assert overview.status_code == 200 and overview.context["region_map"] is None
    assert b'id="region-map"' not in overview.content and "蒙科聚包头分中心" in overview.content.decode()
    page = client.get("/network/organizations/baotou/")
    assert page.status_code == 200 and page.context["region_map"] is None
    assert b"region-map.js" not in page.content and b"echarts.min.js" not in page.content
    assert client.get("/network/map.geojson").status_code == 404


def test_reading_the_region_does_not_read_the_map(django_assert_num_queries):
    from mengkeju.network.selectors import current_region

    with django_assert_num_queries(1) as captured:
        current_region()
    assert "geojson" not in captured.captured_queries[0]["sql"]


def test_the_map_is_served_with_an_etag_and_revalidated():
    client = Client()
    response = client.get("/network/map.geojson")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    assert len(json.loads(response.content)["features"]) == 12
    again = client.get("/network/map.geojson", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_overview_draws_every_node_with_coordinates():
    response = Client().get("/network/")
    option = response.context["region_map"]["option"]
    codes = {d["code"] for s in option["series"] for d in s["data"]}
    assert {"hq", "baotou", "beijing-enclave", "xian-enclave"} <= codes
    outside = {d["code"] for s in option["series"] for d in s["data"] if d["outside"]}
    assert outside == {"beijing-enclave", "shanghai-enclave", "shenzhen-enclave", "xian-enclave"}
    assert option["geo"]["nameProperty"] == "code" and option["geo"]["nameMap"]["150200"] == "包头市"


def test_the_map_speaks_the_page_language():
    option = Client(HTTP_ACCEPT_LANGUAGE="en").get("/network/").context["region_map"]["option"]
    assert option["geo"]["nameMap"]["150200"] == "Baotou"
    names = {d["code"]: (d["name"], d["place"]) for s in option["series"] for d in s["data"]}
    assert names["beijing-enclave"] == ("Mengkeju Beijing Enclave Sub-center", "Beijing")
