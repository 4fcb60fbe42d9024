"""The demo set's talent: people in every tier across the region's chains, programmes with enrolments,
exchanges in every state including a 科技副总; loading twice changes nothing."""

import pytest

from mengkeju.demo.loader import load_demo
from mengkeju.network.models import IndustryChain
from mengkeju.talent import pack
from mengkeju.talent.models import Enrolment, Exchange, Person, TierDecision

pytestmark = pytest.mark.django_db


def test_the_demo_talent(orgs):
    load_demo()
    people = Person.objects.filter(external_id__startswith="F-TAL-")
    assert people.count() >= 20
    assert set(people.values_list("tier", flat=True)) == {t.code for t in pack.tiers()}
    assert {c.code for c in IndustryChain.objects.all()} == set(
        people.values_list("chain_links__chain__code", flat=True)
    )
    assert TierDecision.objects.filter(from_tier__gt="").exists()  # someone moved up a tier
    assert Enrolment.objects.values("programme").distinct().count() == len(pack.programmes())
    statuses = set(Exchange.objects.values_list("status", flat=True))
    assert statuses == set(Exchange.Status.values)
    assert Exchange.objects.filter(role="tech-vice-president", status=Exchange.Status.ACTIVE).exists()
    counts = (Person.objects.count(), TierDecision.objects.count(), Exchange.objects.count())
    again = load_demo()
    assert again.counts["talent"][:2] == (0, 0)
    assert (Person.objects.count(), TierDecision.objects.count(), Exchange.objects.count()) == counts
