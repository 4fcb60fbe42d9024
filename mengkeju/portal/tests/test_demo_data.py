"""The shipped demo set: big enough, spread over the region, specific, and loaded idempotently."""

import pytest

from mengkeju.catalog.models import Achievement, Demand, Expert, Platform, Service, Status
from mengkeju.demo.loader import load_demo
from mengkeju.network.models import Division, IndustryChain, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return load_demo()


def test_demo_set_is_large_and_covers_every_chain_and_division(demo):
    achievements = Achievement.objects.filter(source="demo")
    demands = Demand.objects.filter(source="demo")
    assert achievements.count() >= 300
    assert demands.count() >= 150
    assert achievements.filter(status=Status.PUBLISHED).count() >= 250
    for chain in IndustryChain.objects.all():
        assert achievements.filter(chain_links__chain=chain).exists(), chain.code
        assert demands.filter(chain_links__chain=chain).exists(), chain.code
    used = set(achievements.values_list("division__code", flat=True)) | set(
        demands.values_list("division__code", flat=True)
    )
    prefectures = set(
        Division.objects.filter(level="prefecture", external=False).values_list("code", flat=True)
    )
    assert len(used & prefectures) >= 10
    assert Expert.objects.count() >= 50 and Platform.objects.count() >= 30 and Service.objects.count() >= 20


def test_demo_texts_are_specific_not_templated(demo):
    summaries = list(Achievement.objects.filter(source="demo").values_list("summary", flat=True))
    titles = list(Achievement.objects.filter(source="demo").values_list("title", flat=True))
    assert len(set(titles)) == len(titles)
    assert len(set(summaries)) == len(summaries)
    # Quantified indicators: most summaries carry numbers.
    assert sum(any(ch.isdigit() for ch in s) for s in summaries) >= 0.9 * len(summaries)
    # No shared opening: at most a few summaries begin with the same 6 characters.
    openings = {}
    for s in summaries:
        openings[s[:6]] = openings.get(s[:6], 0) + 1
    assert max(openings.values()) <= 5


def test_loading_again_changes_nothing(demo):
    counts = (
        Achievement.objects.count(),
        Demand.objects.count(),
        Expert.objects.count(),
        User.objects.count(),
    )
    again = load_demo()
    assert again.counts["achievements"][:2] == (0, 0)
    assert again.counts["demands"][:2] == (0, 0)
    assert again.counts["organizations"][:2] == (0, 0)
    assert (
        Achievement.objects.count(),
        Demand.objects.count(),
        Expert.objects.count(),
        User.objects.count(),
    ) == counts


def test_one_demo_account_per_role(demo):
    roles = set(
        User.objects.filter(username__in=[a[0] for a in demo.accounts]).values_list("role", flat=True)
    )
    assert roles == {r.value for r in User.Role}
    enterprise = User.objects.get(username="enterprise")
    subcenter = User.objects.get(username="subcenter")
    assert subcenter.organization.serves_divisions.filter(pk=enterprise.organization.division_id).exists()
