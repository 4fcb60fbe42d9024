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


# --- the newer domains: deals, licensing, challenges, innovation points, incubation ladder --------


@pytest.fixture
def full_demo(settings):
    """The demo as `mengkeju demo` loads it: with the region's innovation-points system."""
    from pathlib import Path

    from mengkeju.points.services import load_points_system

    load_points_system(Path(settings.PROJECT_DIR) / "regions" / "inner-mongolia" / "points.yaml")
    return load_demo()


def _domain_counts() -> dict[str, int]:
    from mengkeju.challenges.models import Application, Challenge
    from mengkeju.deals.models import Deal, DealEvent, Registration, TechnicalContract
    from mengkeju.licensing.models import Licence, LicenceEvent, Payment, RevenueShareStatement
    from mengkeju.network.models import LadderMembership
    from mengkeju.points.models import EnterpriseYear, Score

    models = (
        Deal,
        DealEvent,
        TechnicalContract,
        Registration,
        Licence,
        LicenceEvent,
        Payment,
        RevenueShareStatement,
        Challenge,
        Application,
        EnterpriseYear,
        Score,
        LadderMembership,
        User,
    )
    return {model.__name__: model.objects.count() for model in models}


def test_loading_the_full_demo_twice_creates_nothing_new(full_demo):
    counts = _domain_counts()
    assert counts["Deal"] >= 8 and counts["Licence"] >= 3 and counts["Challenge"] >= 2
    again = load_demo()
    assert _domain_counts() == counts
    for kind in ("deals", "licences", "open challenges", "innovation-points scores", "ladder moves"):
        assert kind not in again.counts or again.counts[kind] == (0, 0, 0), kind


def test_demo_pages_of_the_new_domains_are_populated(full_demo, client):
    from mengkeju.deals.models import Deal, Registration
    from mengkeju.licensing.models import Licence, RevenueShareStatement
    from mengkeju.points.models import Score

    broker = User.objects.get(username="broker")
    stages = set(Deal.objects.filter(sub_center=broker.organization).values_list("stage", flat=True))
    assert len(stages) >= 4 and {"registered", "terminated"} <= stages

    client.force_login(User.objects.get(username="subcenter"))
    board = client.get("/deals/board/")
    assert board.status_code == 200
    assert len(board.context["overdue_deals"]) >= 1
    assert sum(1 for _stage, _label, _deals, total in board.context["columns"] if total) >= 4

    registered = Registration.objects.get(status="registered", contract__deal__sub_center=broker.organization)
    assert registered.number and registered.is_current
    client.force_login(User.objects.get(username="hq"))
    queue = client.get("/deals/registrations/")
    assert queue.status_code == 200
    assert Registration.objects.filter(status="submitted").count() == 1

    enterprise = User.objects.get(username="enterprise")
    assert Score.objects.filter(organization=enterprise.organization).exists()
    client.force_login(enterprise)
    page = client.get("/points/enterprise/")
    assert page.status_code == 200
    score = Score.objects.get(organization=enterprise.organization)
    assert str(score.rank) in page.content.decode()

    researcher = User.objects.get(username="researcher")
    licences = Licence.objects.filter(licensor=researcher.organization)
    assert set(licences.values_list("status", flat=True)) == {"active", "trial", "converted"}
    assert RevenueShareStatement.objects.filter(policy__institution=researcher.organization).exists()
    client.force_login(researcher)
    listing = client.get("/licensing/").content.decode()
    for licence in licences:
        assert licence.licensee.name in listing
