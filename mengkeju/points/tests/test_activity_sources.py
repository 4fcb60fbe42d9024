"""Activity sources counted from real records, made through each app's own services.

`licences_taken`: licences where the enterprise is licensee, active or converted to paid, starting in
the year. `challenge_milestones`: milestones accepted (验收通过) in the year, credited to the team's
lead organization and its partners; a refused milestone counts nothing.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mengkeju.challenges import services as challenges
from mengkeju.challenges.models import Milestone
from mengkeju.challenges.tests.factories import (
    AFTER_CLOSE,
    apply_as,
    expert_with_user,
    hq_operator,
    member,
    published_challenge,
)
from mengkeju.challenges.tests.helpers import SCORES
from mengkeju.licensing import services as licensing
from mengkeju.licensing.models import Licence
from mengkeju.licensing.tests.factories import converted_royalty_licence, trial_licence
from mengkeju.points.activity import SOURCES

from .factories import enterprise

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def count(source: str, organizations, year: int) -> dict[int, int]:
    return SOURCES[source].count([(o.pk, o.credit_code) for o in organizations], year)


# --- licences_taken ------------------------------------------------------------------------------


def granted_licence(parties, *, start_on: date) -> Licence:
    """An ordinary lump-sum licence from the university to the enterprise, granted on its start day."""
    licence = licensing.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["licensee"],
        start_on=start_on,
        end_on=start_on + timedelta(days=3 * 365),
        fee_model="lump_sum",
        lump_sum_yuan="80000.00",
    )
    return licensing.grant_licence(licence, by=parties["licensor_member"], on=start_on)


def test_a_granted_licence_counts_for_the_licensee_in_its_start_year(parties):
    licence = granted_licence(parties, start_on=date(2026, 3, 1))
    assert licence.status == Licence.Status.ACTIVE
    cohort = [parties["licensee"], parties["licensor"], parties["unrelated"]]
    assert count("licences_taken", cohort, 2026) == {parties["licensee"].pk: 1}
    assert count("licences_taken", cohort, 2025) == {}
    assert count("licences_taken", cohort, 2027) == {}


def test_the_licensor_is_not_credited_when_it_is_in_the_cohort(parties):
    granted_licence(parties, start_on=date(2026, 3, 1))
    assert count("licences_taken", [parties["licensor"]], 2026) == {}


def test_a_licence_outside_the_cohort_counts_nothing(parties):
    granted_licence(parties, start_on=date(2026, 3, 1))
    assert count("licences_taken", [parties["unrelated"]], 2026) == {}


def test_a_draft_or_trial_licence_does_not_count_until_converted(parties):
    draft = trial_licence(parties)
    assert draft.status == Licence.Status.DRAFT
    assert count("licences_taken", [parties["licensee"]], 2026) == {}
    licensing.start_trial(draft, by=parties["licensor_member"], on=draft.start_on)
    assert Licence.objects.get(pk=draft.pk).status == Licence.Status.TRIAL
    assert count("licences_taken", [parties["licensee"]], 2026) == {}
    licensing.convert_to_paid(draft, by=parties["licensee_member"], on=date(2026, 6, 1))
    assert Licence.objects.get(pk=draft.pk).status == Licence.Status.CONVERTED
    # Counted in the year the licence started (the trial's start), not the year of conversion.
    assert count("licences_taken", [parties["licensee"]], 2026) == {parties["licensee"].pk: 1}


def test_a_converted_licence_counts_and_a_terminated_one_does_not(parties):
    converted_royalty_licence(parties, on=date(2026, 6, 1))
    other = granted_licence(parties, start_on=date(2026, 4, 1))
    assert count("licences_taken", [parties["licensee"]], 2026) == {parties["licensee"].pk: 2}
    licensing.terminate_licence(other, by=parties["licensor_member"], on=date(2026, 9, 1), reason="对方违约")
    assert count("licences_taken", [parties["licensee"]], 2026) == {parties["licensee"].pk: 1}


# --- challenge_milestones ------------------------------------------------------------------------


def pdf():
    return SimpleUploadedFile("report.pdf", b"%PDF-1.4 test report", content_type="application/pdf")


@pytest.fixture
def race(settings, tmp_path):
    """An awarded horse race: team A (an enterprise leading with a partner enterprise) and team B are
    funded, team C is not; all three went through the challenge services."""
    settings.MEDIA_ROOT = tmp_path
    hq = hq_operator()
    challenge = published_challenge(member(enterprise(name="包头稀土电机有限公司")), hq)
    lead, partner, lead_b, lead_c = (enterprise() for _ in range(4))
    leads = [member(lead), member(lead_b), member(lead_c)]
    teams = [
        apply_as(leads[0], challenge, partners=[partner]),
        apply_as(leads[1], challenge),
        apply_as(leads[2], challenge),
    ]
    challenges.start_review(challenge, by=hq, now=AFTER_CLOSE)
    experts = [expert_with_user() for _ in range(5)]
    challenges.form_panel(challenge, experts, by=hq, now=AFTER_CLOSE)
    for expert, row in zip(experts, SCORES, strict=True):
        for team, score in zip(teams, row, strict=True):
            challenges.save_scorecard(
                team,
                by=expert.user,
                scores={c["code"]: score for c in challenge.rubric},
                submit=True,
                now=AFTER_CLOSE,
            )
    challenges.decide(challenge, by=hq, now=AFTER_CLOSE + timedelta(days=1))
    challenges.award(challenge, by=hq, now=AFTER_CLOSE + timedelta(days=7))
    return {
        "teams": teams,
        "lead_users": leads,
        "experts": [expert.user for expert in experts],
        "lead": lead,
        "partner": partner,
        "lead_b": lead_b,
        "lead_c": lead_c,
    }


def decide_milestone(race, team: int, position: int, *, met: bool, at: datetime):
    """Evidence, then the panel's verdicts until the milestone is decided (one verdict or several,
    as the challenges rules require)."""
    milestone = race["teams"][team].milestones.get(position=position)
    challenges.upload_evidence(milestone, pdf(), by=race["lead_users"][team], now=at)
    for expert in race["experts"]:
        challenges.accept_milestone(
            milestone,
            by=expert,
            results={i.pk: {"met": met, "note": "" if met else "未达标"} for i in milestone.indicators.all()},
            note="" if met else "指标未达到承诺值",
            now=at,
        )
        milestone.refresh_from_db()
        if milestone.status != Milestone.Status.EVIDENCE:
            break
    assert milestone.status == (Milestone.Status.ACCEPTED if met else Milestone.Status.REFUSED)
    return milestone


def cohort(race):
    return [race["lead"], race["partner"], race["lead_b"], race["lead_c"]]


def test_an_accepted_milestone_credits_the_lead_and_its_partners_in_the_year_of_acceptance(race):
    decide_milestone(race, 0, 1, met=True, at=datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI))
    assert count("challenge_milestones", cohort(race), 2026) == {race["lead"].pk: 1, race["partner"].pk: 1}
    assert count("challenge_milestones", cohort(race), 2025) == {}
    assert count("challenge_milestones", cohort(race), 2027) == {}


def test_each_accepted_milestone_counts_once(race):
    decide_milestone(race, 0, 1, met=True, at=datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI))
    decide_milestone(race, 0, 2, met=True, at=datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI))
    decide_milestone(race, 1, 1, met=True, at=datetime(2026, 11, 5, 10, 0, tzinfo=SHANGHAI))
    assert count("challenge_milestones", cohort(race), 2026) == {
        race["lead"].pk: 2,
        race["partner"].pk: 2,
        race["lead_b"].pk: 1,
    }


def test_a_refused_milestone_counts_nothing_and_is_credited_when_accepted_later(race):
    decide_milestone(race, 1, 1, met=False, at=datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI))
    assert count("challenge_milestones", cohort(race), 2026) == {}
    # New evidence, accepted in the new year: it counts in the year of acceptance only.
    decide_milestone(race, 1, 1, met=True, at=datetime(2027, 1, 8, 10, 0, tzinfo=SHANGHAI))
    assert count("challenge_milestones", cohort(race), 2026) == {}
    assert count("challenge_milestones", cohort(race), 2027) == {race["lead_b"].pk: 1}


def test_the_year_of_acceptance_is_the_regions_calendar_year(race):
    # 00:30 on New Year's Day in Shanghai is still 31 December in UTC.
    decide_milestone(race, 0, 1, met=True, at=datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI))
    assert count("challenge_milestones", cohort(race), 2026) == {}
    assert count("challenge_milestones", cohort(race), 2027) == {race["lead"].pk: 1, race["partner"].pk: 1}
