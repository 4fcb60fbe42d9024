"""Talent is found by the matching engine for a demand or a challenge; the region pack's talent data is
validated before anything is loaded."""

import copy
from pathlib import Path

import pytest
import yaml
from django.test import Client

from mengkeju.catalog.tests.factories import DemandFactory
from mengkeju.matching import adapter
from mengkeju.network.models import ChainLink
from mengkeju.network.region_pack import RegionPackError, read_region_pack
from mengkeju.talent import selectors, services

pytestmark = pytest.mark.django_db
PACK = Path(__file__).resolve().parents[3] / "regions" / "inner-mongolia"


def test_people_of_the_pool_are_found_for_a_demand(professor, roles, talent_orgs):
    services.add_person(
        by=roles["hq_operator"],
        name="奶业工程师",
        kind="engineer",
        organization=talent_orgs["enterprise"],
        field="乳清蛋白膜分离",
        chain_links=[ChainLink.objects.get(code="dairy.processing")],
    )
    adapter.store.rebuild(adapter.RESOURCE)
    demand = DemandFactory(title="电机磁体高温退磁攻关", problem="永磁电机180℃退磁，需要晶界扩散钕铁硼磁体。")
    found = selectors.people_for_demand(demand)
    assert found and found[0][0] == professor
    client = Client()
    client.force_login(roles["staff_in_scope"])
    body = client.get(f"/talent/match/demand/{demand.pk}/").content.decode()
    assert f'data-person="{professor.pk}"' in body
    assert 'id="talent-match-link"' in client.get(f"/demands/{demand.pk}/").content.decode()
    client.force_login(roles["other_member"])
    assert 'id="talent-match-link"' not in client.get(f"/demands/{demand.pk}/").content.decode()
    assert client.get(f"/talent/match/demand/{demand.pk}/").status_code == 403
    assert client.get(f"/talent/match/nonsense/{demand.pk}/").status_code == 404


def test_experts_recommended_for_a_demand_are_unchanged_by_people_in_the_index(professor):
    adapter.store.rebuild(adapter.RESOURCE)
    demand = DemandFactory(title="磁体退磁", problem="晶界扩散钕铁硼磁体")
    assert set(adapter.resources_for_demand(demand)) == {"expert", "platform", "service"}


def _pack_with(tmp_path, change):
    data = yaml.safe_load((PACK / "region.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    change(data["parameters"])
    for name in ("divisions", "chains", "network", "calendar"):
        (tmp_path / f"{name}.yaml").write_text(
            (PACK / f"{name}.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    data.pop("map", None)
    (tmp_path / "region.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_a_programme_feeding_an_unknown_tier_is_refused(tmp_path):
    def change(p):
        p["talent_programmes"][0]["feeds_tier"] = "golden"

    with pytest.raises(RegionPackError) as exc:
        read_region_pack(_pack_with(tmp_path, change))
    assert any(p.path == "parameters.talent_programmes[0].feeds_tier" for p in exc.value.problems)


def test_a_tier_without_criteria_or_twice_is_refused(tmp_path):
    def change(p):
        p["talent_tiers"][0]["criteria"] = []
        p["talent_tiers"].append(dict(p["talent_tiers"][1]))

    with pytest.raises(RegionPackError) as exc:
        read_region_pack(_pack_with(tmp_path, change))
    paths = {p.path for p in exc.value.problems}
    assert "parameters.talent_tiers[0].criteria" in paths
