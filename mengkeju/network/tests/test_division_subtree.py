"""“A division and everything below it” is one rule, whole subtree at any depth, wherever it is asked:
the node's service scope, the catalog's division filter, the points ranking's division filter."""

import pytest

from mengkeju.catalog.models import Achievement
from mengkeju.catalog.selectors import ListingFilters
from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.network.models import Division, Organization
from mengkeju.network.selectors import division_subtree, responsible_nodes, service_scope
from mengkeju.network.tests.factories import OrganizationFactory, division

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """Inner Mongolia (province) → Baotou (prefecture) → Donghe district (county), as in the pack plus a county."""
    province, prefecture = division("150000"), division("150200")
    county = Division.objects.create(
        code="150202", name="东河区", level=Division.Level.COUNTY, parent=prefecture
    )
    return province, prefecture, county


def test_the_subtree_of_a_province_includes_its_grandchildren(tree):
    province, prefecture, county = tree
    ids = division_subtree("150000")
    assert {province.pk, prefecture.pk, county.pk} <= ids
    assert division("150100").pk in ids  # another prefecture
    assert division("110000").pk not in ids  # Beijing: outside the region, not below it


def test_the_subtree_starts_at_the_division_asked_for_given_as_object_id_or_code(tree):
    _province, prefecture, county = tree
    assert division_subtree(prefecture) == division_subtree(prefecture.pk) == {prefecture.pk, county.pk}
    assert division_subtree(county) == {county.pk}
    assert division_subtree(prefecture, "150100") == {prefecture.pk, county.pk, division("150100").pk}
    assert division_subtree("999999") == frozenset() and division_subtree() == frozenset()


def test_a_node_serving_the_province_serves_its_counties(tree):
    province, _prefecture, county = tree
    node = OrganizationFactory(kind=Organization.Kind.SUB_CENTER, division=province)
    node.serves_divisions.set([province])
    scope = service_scope(node)
    assert county.pk in scope.division_ids
    assert scope.covers(county.pk, set())


def test_filtering_listings_by_the_province_finds_a_listing_in_one_of_its_counties(tree):
    _province, _prefecture, county = tree
    in_county = AchievementFactory(division=county)
    in_beijing = AchievementFactory(division=division("110000"))
    found = set(ListingFilters(division="150000").apply(Achievement.objects.all()))
    assert in_county in found and in_beijing not in found
    assert set(ListingFilters(division="150202").apply(Achievement.objects.all())) == {in_county}


def test_a_record_in_a_county_is_routed_to_the_node_serving_the_province(tree):
    province, _prefecture, county = tree
    node = OrganizationFactory(kind=Organization.Kind.SUB_CENTER, division=province, code="whole-region")
    node.serves_divisions.set([province])
    assert node in responsible_nodes(county, set())
    assert node in responsible_nodes(province, set())
    assert node not in responsible_nodes(division("110000"), set())
