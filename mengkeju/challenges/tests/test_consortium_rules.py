"""Issue 18, item 3: the consortium rules of open challenges, as region-pack data (docs/challenges.md).

- the lead applicant is an enterprise registered in the region (`challenge_lead_kinds`,
  `challenge_lead_inside_region`);
- enterprise co-funding at least 2 : 1 to the public funding (`challenge_cofunding_ratio`), on
  application and before each tranche;
- the staged assessment's results (赛马制) are published after each stage decision, without any
  expert's verdict or score.
Each rule: one passing and one refused case with the rule's message; a refusal writes nothing.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from mengkeju.challenges import selectors, services
from mengkeju.challenges.models import Application, ChallengeEvent, Milestone, Tranche
from mengkeju.network.models import Organization
from mengkeju.network.tests.factories import OrganizationFactory, division

from .factories import AFTER_CLOSE, apply_as, member, published_challenge
from .helpers import world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
LATER = AFTER_CLOSE + timedelta(days=60)


# --- the lead: an enterprise registered in the region -------------------------------------------


def test_an_enterprise_of_the_region_leads_with_a_university_as_partner():
    challenge = published_challenge()
    university = OrganizationFactory(kind=Organization.Kind.UNIVERSITY)
    lead = member(OrganizationFactory(name="包头永磁科技有限公司", division=division("150200")))
    application = apply_as(lead, challenge, partners=[university])
    assert application.status == Application.Status.SUBMITTED
    assert set(application.partners.all()) == {university}


def test_a_university_may_not_lead_and_nothing_is_written():
    challenge = published_challenge()
    lead = member(OrganizationFactory(name="某理工大学", kind=Organization.Kind.UNIVERSITY))
    with pytest.raises(ValidationError) as exc:
        apply_as(lead, challenge)
    assert "Consortium rule: the lead applicant must be of the kind enterprise" in str(exc.value)
    assert "某理工大学" in str(exc.value)
    assert not Application.objects.exists()
    assert not ChallengeEvent.objects.filter(action=ChallengeEvent.Action.APPLIED).exists()


def test_an_enterprise_registered_outside_the_region_may_not_lead():
    challenge = published_challenge()
    lead = member(OrganizationFactory(name="北京某科技有限公司", division=division("110000")))
    with pytest.raises(ValidationError) as exc:
        apply_as(lead, challenge)
    assert "must be registered in the region" in str(exc.value)
    assert "北京市" in str(exc.value)
    assert not Application.objects.exists()


def test_the_consortium_rules_speak_chinese():
    challenge = published_challenge()
    lead = member(OrganizationFactory(name="某研究所", kind=Organization.Kind.INSTITUTE))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        apply_as(lead, challenge, cofunding_yuan=Decimal("1"))
    assert (
        exc.value.message_dict["eligibility"][0]
        == "联合体规则：牵头单位须为企业；某研究所的类型为“科研院所”。"
    )
    assert exc.value.message_dict["cofunding_yuan"][0].startswith(
        "联合体规则：企业自筹资金与财政资金之比不得低于 2 : 1"
    )


def test_the_lead_rule_is_region_data(set_region_parameter):
    set_region_parameter("challenge_lead_kinds", ["enterprise", "institute"])
    challenge = published_challenge()
    lead = member(OrganizationFactory(kind=Organization.Kind.INSTITUTE))
    assert apply_as(lead, challenge).status == Application.Status.SUBMITTED


# --- co-funding on application --------------------------------------------------------------------


def test_co_funding_of_exactly_twice_the_public_budget_is_accepted():
    challenge = published_challenge()
    application = apply_as(
        member(OrganizationFactory()),
        challenge,
        budget_yuan=Decimal("1000000"),
        cofunding_yuan=Decimal("2000000"),
    )
    assert application.cofunding_yuan == Decimal("2000000.00")


def test_co_funding_below_two_to_one_is_refused_with_the_rule_and_the_amount_needed():
    challenge = published_challenge()
    with pytest.raises(ValidationError) as exc:
        apply_as(
            member(OrganizationFactory()),
            challenge,
            budget_yuan=Decimal("1000000"),
            cofunding_yuan=Decimal("1999999.99"),
        )
    messages = exc.value.message_dict["cofunding_yuan"]
    assert messages == [
        "Consortium rule: enterprise co-funding must be at least 2 : 1 of the public funding; "
        "1,000,000.00 yuan requested needs at least 2,000,000.00 yuan of co-funding, not 1,999,999.99."
    ]
    assert exc.value.error_dict["cofunding_yuan"][0].code == "out_of_range"
    assert not Application.objects.exists()


def test_the_ratio_is_region_data(set_region_parameter):
    set_region_parameter("challenge_cofunding_ratio", "3")
    challenge = published_challenge()
    with pytest.raises(ValidationError, match="at least 3 : 1"):
        apply_as(member(OrganizationFactory()), challenge, cofunding_yuan=Decimal("2400000"))


def test_a_resubmitted_application_is_checked_again(set_region_parameter):
    challenge = published_challenge()
    lead = member(OrganizationFactory())
    application = apply_as(lead, challenge)
    services.withdraw_application(application, by=lead, now=application.submitted_at)
    set_region_parameter("challenge_cofunding_ratio", "2.5")
    with pytest.raises(ValidationError, match=re.escape("at least 2.5 : 1")):
        services.resubmit_application(application, by=lead, now=application.submitted_at)
    assert Application.objects.get(pk=application.pk).status == Application.Status.WITHDRAWN


# --- co-funding at each tranche ---------------------------------------------------------------


@pytest.fixture
def awarded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return world("awarded")


def accept(w, milestone):
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    team = next(n for n, t in enumerate(w.teams) if t.pk == milestone.application_id)
    services.upload_evidence(milestone, pdf, by=w.team_members[team], now=LATER)
    for expert in w.experts[:3]:
        results = {i.pk: {"met": True, "note": ""} for i in milestone.indicators.all()}
        services.accept_milestone(milestone, by=expert.user, results=results, note="", now=LATER)
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.ACCEPTED
    return milestone


def test_each_tranche_needs_the_co_funding_contributed_to_keep_two_to_one(awarded):
    w = awarded
    team, lead = w.teams[0], w.team_members[0]
    first, second = (accept(w, m) for m in team.milestones.order_by("position"))
    assert (first.amount_yuan, second.amount_yuan) == (Decimal("480000.00"), Decimal("720000.00"))

    with pytest.raises(ValidationError) as exc:
        services.release_tranche(first, by=w.hq, now=LATER)
    assert exc.value.messages == [
        "Consortium rule: enterprise co-funding must keep pace at 2 : 1; with this tranche 480,000.00 yuan "
        "of public funding is released, which needs 960,000.00 yuan contributed by the enterprise, but "
        "0.00 yuan is reported."
    ]
    assert not Tranche.objects.exists()

    services.report_cofunding(team, Decimal("960000"), by=lead, now=LATER)
    assert services.release_tranche(first, by=w.hq, now=LATER).amount_yuan == Decimal("480000.00")

    # The second tranche counts what was released before: 1,200,000 public needs 2,400,000 contributed.
    services.report_cofunding(team, Decimal("2399999.99"), by=lead, now=LATER)
    with pytest.raises(ValidationError, match=re.escape("1,200,000.00 yuan of public funding is released")):
        services.release_tranche(second, by=w.hq, now=LATER)
    services.report_cofunding(team, Decimal("2400000"), by=lead, now=LATER)
    services.release_tranche(second, by=w.hq, now=LATER)
    assert Tranche.objects.count() == 2
    reported = ChallengeEvent.objects.filter(action=ChallengeEvent.Action.COFUNDING, application=team)
    assert [e.data["amount_yuan"] for e in reported.order_by("pk")] == [
        "960000.00",
        "2399999.99",
        "2400000.00",
    ]


def test_reported_co_funding_never_falls_and_only_the_lead_reports_it(awarded):
    w = awarded
    team = w.teams[0]
    services.report_cofunding(team, Decimal("500000"), by=w.team_members[0], now=LATER)
    with pytest.raises(ValidationError, match=re.escape("cannot fall below the 500,000.00 yuan reported")):
        services.report_cofunding(team, Decimal("400000"), by=w.team_members[0], now=LATER)
    for other in (w.team_members[1], w.publisher_member, w.hq, w.experts[0].user):
        with pytest.raises(PermissionDenied):
            services.report_cofunding(team, Decimal("900000"), by=other, now=LATER)
    assert Application.objects.get(pk=team.pk).cofunding_paid_yuan == Decimal("500000.00")


def test_without_a_ratio_in_the_region_pack_no_co_funding_is_required(awarded, set_region_parameter):
    w = awarded
    set_region_parameter("challenge_cofunding_ratio", "0")
    milestone = accept(w, w.teams[0].milestones.get(position=1))
    assert services.release_tranche(milestone, by=w.hq, now=LATER).amount_yuan == Decimal("480000.00")


# --- stage results of the horse race ------------------------------------------------------------


def test_a_stage_is_published_once_decided_with_outcomes_only(awarded, client):
    w = awarded
    a, b = w.teams[0], w.teams[1]
    accept(w, a.milestones.get(position=1))
    assert selectors.stage_results(w.challenge) == []  # team B's first milestone is still open
    page = client.get(f"/challenges/{w.challenge.pk}/").content.decode()
    assert 'id="stage-results"' not in page

    # Team B's milestone is refused by the panel (with the experts' notes), then HQ eliminates it.
    b_first = b.milestones.get(position=1)
    services.upload_evidence(
        b_first,
        SimpleUploadedFile("r.pdf", b"%PDF-1.4 r", content_type="application/pdf"),
        by=w.team_members[1],
        now=LATER,
    )
    for expert in w.experts[:3]:
        results = {i.pk: {"met": False, "note": "专家个人意见：温度未达标"} for i in b_first.indicators.all()}
        services.accept_milestone(b_first, by=expert.user, results=results, note="专家个人意见", now=LATER)
    award_b = b.award
    services.drop_team(award_b, milestone=b_first, reason="中期评估未通过", by=w.hq, now=LATER)

    (stage,) = selectors.stage_results(w.challenge)
    assert stage.position == 1
    assert [(t.lead_name, t.passed, t.dropped) for t in stage.teams] == [
        (a.lead.name, True, False),
        (b.lead.name, False, True),
    ]
    assert (stage.continuing, stage.dropped) == (1, 1)

    page = client.get(f"/challenges/{w.challenge.pk}/").content.decode()  # anonymous visitor
    section = page.split('id="stage-results"')[1].split('<div class="mk-card')[0]
    assert a.lead.name in section and b.lead.name in section
    assert section.count('class="text-success stage-passed"') == 1
    assert section.count('class="text-danger stage-dropped"') == 1
    assert "通过验收" in section and "本阶段淘汰" in section
    for expert in w.experts:
        assert expert.name not in section
    assert "专家个人意见" not in page


def test_the_api_reports_co_funding_with_the_same_rules(awarded):
    from rest_framework.test import APIClient

    w = awarded
    url = f"/api/challenges/applications/{w.teams[0].pk}/cofunding/"
    api = APIClient()
    api.force_authenticate(w.team_members[0])
    response = api.post(url, {"amount_yuan": "960000"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["cofunding_paid_yuan"] == "960000.00"
    response = api.post(url, {"amount_yuan": "100"}, format="json")
    assert response.status_code == 400
    assert "amount_yuan" in response.json()
    api.force_authenticate(w.publisher_member)
    assert api.post(url, {"amount_yuan": "990000"}, format="json").status_code in (403, 404)
    assert Application.objects.get(pk=w.teams[0].pk).cofunding_paid_yuan == Decimal("960000.00")
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    assert "/api/challenges/applications/{id}/cofunding/" in schema["paths"]
