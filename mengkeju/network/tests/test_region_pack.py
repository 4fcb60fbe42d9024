"""The region pack: what the shipped Inner Mongolia pack holds, idempotent loading, and rejection of bad files."""

import shutil
from pathlib import Path

import pytest
import yaml

from mengkeju.network.models import ChainLink, Division, IndustryChain, Organization, Region
from mengkeju.network.region_pack import RegionPackError, read_region_pack
from mengkeju.network.services import load_region_pack

REGION_DIR = Path(__file__).resolve().parents[3] / "regions" / "inner-mongolia"
pytestmark = pytest.mark.django_db


def test_inner_mongolia_pack_has_the_network_the_region_describes():
    assert Division.objects.filter(level="prefecture", external=False).count() == 12
    assert IndustryChain.objects.count() == 10
    for chain in IndustryChain.objects.all():
        stages = set(chain.links.values_list("stage", flat=True))
        assert stages >= {"upstream", "downstream"}, chain.code
    nodes = Organization.objects.filter(from_region_pack=True)
    assert nodes.filter(kind="headquarters").count() == 1
    assert nodes.filter(kind__in=["sub_center", "enclave"]).count() == 16
    assert nodes.filter(kind="cooperating_institution").count() == 34
    for enclave in nodes.filter(kind="enclave"):
        assert enclave.division.external, enclave.code
        assert enclave.serves_divisions.filter(external=False).exists(), enclave.code
    for sub in nodes.filter(kind__in=["sub_center", "enclave"]):
        assert sub.serves_chains.exists(), sub.code


def test_loading_twice_changes_nothing():
    before = {m: m.objects.count() for m in (Region, Division, IndustryChain, ChainLink, Organization)}
    report = load_region_pack(REGION_DIR)
    assert not report.changed
    assert report.unchanged["network_node"] == 51
    assert {m: m.objects.count() for m in before} == before


def test_changed_value_is_updated_in_place(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(REGION_DIR, pack)
    chains = yaml.safe_load((pack / "chains.yaml").read_text(encoding="utf-8"))
    chains["chains"][0]["name"] = "稀土新材料"
    (pack / "chains.yaml").write_text(yaml.safe_dump(chains, allow_unicode=True), encoding="utf-8")
    report = load_region_pack(pack)
    assert report.updated == {"chain": 1}
    assert IndustryChain.objects.get(code="rare-earth").name == "稀土新材料"


def _broken_pack(tmp_path, filename: str, mutate) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(REGION_DIR, pack)
    path = pack / filename
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return pack


@pytest.mark.parametrize(
    ("filename", "mutate", "where", "reason"),
    [
        ("network.yaml", lambda d: d["nodes"][3].update(kind="branch"), "nodes[3].kind", "branch"),
        (
            "network.yaml",
            lambda d: d["nodes"][5]["serves_divisions"].append("159999"),
            "nodes[5].serves_divisions",
            "159999",
        ),
        (
            "network.yaml",
            lambda d: d["nodes"][2]["serves_chains"].append("tea"),
            "nodes[2].serves_chains",
            "tea",
        ),
        ("divisions.yaml", lambda d: d["divisions"][1].pop("name"), "divisions[1]", "name"),
        ("divisions.yaml", lambda d: d["divisions"][2].update(code="15A"), "divisions[2].code", "15A"),
        (
            "chains.yaml",
            lambda d: d["chains"][0]["links"][0].update(stage="sideways"),
            "chains[0].links[0].stage",
            "sideways",
        ),
        ("chains.yaml", lambda d: d["chains"][1].update(colour="red"), "chains[1]", "colour"),
        ("region.yaml", lambda d: d.pop("timezone"), "", "timezone"),
    ],
)
def test_malformed_pack_is_rejected_naming_file_path_and_reason_and_loads_nothing(
    tmp_path, filename, mutate, where, reason
):
    pack = _broken_pack(tmp_path, filename, mutate)
    Organization.objects.filter(from_region_pack=True).update(name="unchanged")
    with pytest.raises(RegionPackError) as exc:
        load_region_pack(pack)
    problems = exc.value.problems
    assert any(p.file == filename and p.path.startswith(where) and reason in p.reason for p in problems), (
        problems
    )
    assert not Organization.objects.filter(from_region_pack=True).exclude(name="unchanged").exists()


def test_invalid_yaml_names_the_line(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(REGION_DIR, pack)
    (pack / "divisions.yaml").write_text(
        "divisions:\n  - {code: '150100', name: [unclosed\n", encoding="utf-8"
    )
    with pytest.raises(RegionPackError) as exc:
        read_region_pack(pack)
    (problem,) = exc.value.problems
    assert problem.file == "divisions.yaml"
    assert "YAML" in problem.reason


def test_reasons_are_localized_in_chinese(tmp_path):
    from django.utils import translation

    pack = _broken_pack(tmp_path, "network.yaml", lambda d: d["nodes"][0].pop("location"))
    with translation.override("zh-hans"), pytest.raises(RegionPackError) as exc:
        read_region_pack(pack)
    assert "缺少必填字段" in str(exc.value)


def test_missing_file_and_duplicate_codes_are_reported(tmp_path):
    pack = _broken_pack(tmp_path, "network.yaml", lambda d: d["nodes"].append(dict(d["nodes"][0])))
    (pack / "chains.yaml").unlink()
    with pytest.raises(RegionPackError) as exc:
        read_region_pack(pack)
    assert any(p.file == "chains.yaml" for p in exc.value.problems)
    pack2 = _broken_pack(tmp_path / "two", "network.yaml", lambda d: d["nodes"].append(dict(d["nodes"][1])))
    with pytest.raises(RegionPackError) as exc:
        read_region_pack(pack2)
    assert any("duplicate" in p.reason or "重复" in p.reason for p in exc.value.problems)
