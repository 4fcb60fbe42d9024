"""Applications (揭榜): the window (fixed clock), eligibility rules as data, withdraw and resubmit."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mengkeju.challenges import services
from mengkeju.challenges.models import Application, ChallengeEvent
from mengkeju.network.models import Organization
from mengkeju.network.tests.factories import OrganizationFactory, division

from .factories import AFTER_CLOSE, CLOSES_AT, DURING, OPENS_AT, apply_as, member, published_challenge

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_late_application_is_refused_and_nothing_is_saved():
    challenge = published_challenge()
    user = member(OrganizationFactory())
    with pytest.raises(ValidationError, match="late applications are refused"):
        apply_as(user, challenge, now=CLOSES_AT)  # the closing minute itself is late
    with pytest.raises(ValidationError, match="late applications are refused"):
        apply_as(user, challenge, now=AFTER_CLOSE)
    assert not Application.objects.exists()
    assert not ChallengeEvent.objects.filter(action="applied").exists()


def test_application_before_the_window_opens_is_refused():
    challenge = published_challenge()
    with pytest.raises(ValidationError, match="Applications open on"):
        apply_as(member(OrganizationFactory()), challenge, now=OPENS_AT - timedelta(minutes=1))


def test_application_in_the_last_minute_is_accepted():
    challenge = published_challenge()
    application = apply_as(member(OrganizationFactory()), challenge, now=CLOSES_AT - timedelta(seconds=1))
    assert application.status == Application.Status.SUBMITTED


@pytest.mark.parametrize(
    ("eligibility", "lead_kwargs", "message"),
    [
        ({"inside_region_only": True}, {"division": "110000"}, "outside the region"),
        (
            {"organization_kinds": ["enterprise"]},
            {"kind": Organization.Kind.UNIVERSITY},
            "open to other kinds",
        ),
        ({"division_codes": ["150400"]}, {"division": "150200"}, "not located in a division"),
    ],
)
def test_ineligible_applicant_is_refused_by_the_challenges_rules(eligibility, lead_kwargs, message):
    challenge = published_challenge(eligibility=eligibility)
    if "division" in lead_kwargs:
        lead_kwargs = {**lead_kwargs, "division": division(lead_kwargs["division"])}
    user = member(OrganizationFactory(**lead_kwargs))
    with pytest.raises(ValidationError, match=message):
        apply_as(user, challenge)
    assert not Application.objects.exists()


def test_a_partner_outside_the_region_makes_the_team_ineligible():
    challenge = published_challenge(eligibility={"inside_region_only": True})
    partner = OrganizationFactory(name="北京某研究所", division=division("110000"))
    with pytest.raises(ValidationError, match="北京某研究所 is outside the region"):
        apply_as(member(OrganizationFactory()), challenge, partners=[partner])


def test_a_division_rule_admits_the_divisions_below_a_listed_one():
    challenge = published_challenge(eligibility={"division_codes": ["150000"]})
    assert apply_as(member(OrganizationFactory(division=division("150200"))), challenge).pk


def test_committed_values_must_meet_every_target():
    challenge = published_challenge()
    first, second = challenge.indicators.all()
    user = member(OrganizationFactory())
    with pytest.raises(ValidationError, match="does not meet the target") as refused:
        apply_as(user, challenge, commitments={first.pk: Decimal("170"), second.pk: Decimal("3.5")})
    assert len(refused.value.message_dict["eligibility"]) == 2
    with pytest.raises(ValidationError, match="Commit to a value"):
        apply_as(user, challenge, commitments={first.pk: Decimal("190")})


def test_the_publisher_cannot_take_on_its_own_challenge_even_as_a_partner():
    challenge = published_challenge()
    with pytest.raises(ValidationError, match="own challenge"):
        apply_as(member(OrganizationFactory()), challenge, partners=[challenge.publisher])


def test_one_application_per_lead_withdraw_and_resubmit_until_the_window_closes():
    challenge = published_challenge()
    user = member(OrganizationFactory())
    application = apply_as(user, challenge)
    with pytest.raises(ValidationError, match="already applied"):
        apply_as(user, challenge)
    services.withdraw_application(application, by=user, now=DURING)
    application = services.resubmit_application(application, by=user, now=DURING + timedelta(days=1))
    assert application.status == Application.Status.SUBMITTED
    services.withdraw_application(application, by=user, now=DURING + timedelta(days=2))
    replaced = apply_as(user, challenge, now=DURING + timedelta(days=3), budget_yuan=Decimal("900000"))
    assert replaced.pk == application.pk and replaced.budget_yuan == Decimal("900000.00")
    with pytest.raises(ValidationError, match="late applications are refused"):
        services.withdraw_application(replaced, by=user, now=AFTER_CLOSE)
    actions = list(challenge.events.filter(application=application).values_list("action", flat=True))
    assert actions == ["applied", "withdrawn", "resubmitted", "withdrawn", "resubmitted"]


def test_milestone_shares_must_add_up_to_one_hundred_percent():
    challenge = published_challenge()
    ids = [i.pk for i in challenge.indicators.all()]
    with pytest.raises(ValidationError, match="add up to 90"):
        apply_as(
            member(OrganizationFactory()),
            challenge,
            milestones=[{"title": "一", "due_on": "2026-09-30", "share_percent": "90", "indicator_ids": ids}],
        )
