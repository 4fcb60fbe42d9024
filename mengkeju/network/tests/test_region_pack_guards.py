"""Issue 13, finding 13: a region pack may not take the code of the imports' placeholder organization,
and a chain link dropped from chains.yaml is reported (and kept), not left without notice."""

import io
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.utils import translation

from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.network.models import ChainLink, Organization
from mengkeju.network.region_pack import RegionPackError
from mengkeju.network.services import load_region_pack, source_organization

REGION_DIR = Path(__file__).resolve().parents[3] / "regions" / "inner-mongolia"
pytestmark = pytest.mark.django_db


def _pack(tmp_path, filename, mutate) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(REGION_DIR, pack)
    path = pack / filename
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return pack


def test_a_node_with_the_import_placeholder_code_is_refused_and_nothing_changes(tmp_path):
    placeholder = source_organization("tech-market")
    listing = AchievementFactory(owner=placeholder)

    def take_the_placeholder_code(data):
        data["nodes"][1]["code"] = placeholder.code
        data["nodes"][1]["name"] = "改名的节点"

    pack = _pack(tmp_path, "network.yaml", take_the_placeholder_code)
    with translation.override("zh-hans"), pytest.raises(RegionPackError) as info:
        load_region_pack(pack)
    (problem,) = info.value.problems
    assert problem.path == "nodes[1].code" and placeholder.code in problem.reason
    assert "导入" in problem.reason
    placeholder.refresh_from_db()
    assert placeholder.kind == Organization.Kind.SERVICE_PROVIDER and not placeholder.from_region_pack
    assert placeholder.name != "改名的节点"
    listing.refresh_from_db()
    assert listing.owner_id == placeholder.pk


def _drop_link(code):
    def mutate(data):
        for chain in data["chains"]:
            chain["links"] = [link for link in chain["links"] if link["code"] != code]

    return mutate


def test_a_link_removed_from_chains_yaml_is_reported_and_kept(tmp_path):
    AchievementFactory(chain_links=["rare-earth.catalysts"])
    AchievementFactory(chain_links=["rare-earth.catalysts", "rare-earth.magnets"])
    pack = _pack(tmp_path, "chains.yaml", _drop_link("rare-earth.catalysts"))
    report = load_region_pack(pack)
    assert report.stale_links == {"rare-earth.catalysts": 2}
    assert ChainLink.objects.filter(code="rare-earth.catalysts").exists()  # not deleted silently
    with translation.override("zh-hans"):
        (notice,) = report.notices
    assert "rare-earth.catalysts" in notice and "2" in notice and "chains.yaml" in notice


def test_the_load_region_command_prints_the_links_no_longer_in_the_pack(tmp_path):
    pack = _pack(tmp_path, "chains.yaml", _drop_link("dairy.breeding"))
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("load_region", str(pack), stdout=out)
    assert "dairy.breeding" in out.getvalue() and "0" in out.getvalue()
