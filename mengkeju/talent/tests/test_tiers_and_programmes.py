"""Tiers are region-pack data; tier decisions are dated events by headquarters naming the criterion met;
programmes (region-pack data) take enrolments. Every refusal is localized, has a code and writes nothing."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from mengkeju.core import clock
from mengkeju.talent import pack, services
from mengkeju.talent.models import Enrolment, Person, TierDecision

pytestmark = pytest.mark.django_db


def test_the_region_pack_names_three_tiers_with_criteria_and_the_programmes():
    assert [t.code for t in pack.tiers()] == ["strategic", "leading", "reserve"]
    assert [t.name for t in pack.tiers()] == ["战略科技人才", "领军科技人才", "后备科技人才"]
    assert all(t.criteria for t in pack.tiers())
    assert {p.code for p in pack.programmes()} >= {"tech-commissioner", "industry-professor"}
    assert pack.exchange_role("tech-vice-president").name == "科技副总"


def test_headquarters_decides_a_tier_on_a_date_naming_the_criterion(professor, roles):
    decision = services.decide_tier(
        professor,
        tier="leading",
        criterion="transfer-record",
        decided_on=date(2024, 5, 1),
        by=roles["hq_operator"],
    )
    services.decide_tier(professor, tier="strategic", criterion="national-chief", by=roles["platform_admin"])
    professor.refresh_from_db()
    assert professor.tier == "strategic" and professor.tier_since == clock.local_date()
    assert decision.actor == roles["hq_operator"] and decision.from_tier == ""
    assert list(professor.tier_decisions.values_list("from_tier", "to_tier")) == [
        ("", "leading"),
        ("leading", "strategic"),
    ]


@pytest.mark.parametrize("role", ["subcenter_staff", "broker", "analyst", "member", "expert"])
def test_a_tier_change_by_another_role_is_refused_and_writes_nothing(professor, roles, role):
    user = {
        "subcenter_staff": roles["staff_in_scope"],
        "broker": roles["broker_in_scope"],
        "analyst": roles["analyst"],
        "member": roles["university_member"],
        "expert": roles["expert"],
    }[role]
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as exc:
        services.decide_tier(professor, tier="leading", criterion="transfer-record", by=user)
    assert str(exc.value) == "只有总中心可以认定人才层级。"
    assert not TierDecision.objects.exists() and Person.objects.get(pk=professor.pk).tier == ""


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"tier": "golden", "criterion": "academician"}, "unknown_tier", "tier"),
        ({"tier": "leading", "criterion": "academician"}, "unknown_criterion", "criterion"),
        (
            {
                "tier": "leading",
                "criterion": "transfer-record",
                "decided_on": date.today() + timedelta(days=3),
            },
            "future",
            "decided_on",
        ),
    ],
)
def test_bad_tier_decisions_are_refused_with_a_code(professor, roles, fields, code, field):
    with pytest.raises(ValidationError) as exc:
        services.decide_tier(professor, by=roles["hq_operator"], **fields)
    assert exc.value.error_dict[field][0].code == code
    assert not TierDecision.objects.exists()


def test_unknown_tier_names_the_regions_tiers_in_chinese(professor, roles):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.decide_tier(professor, tier="golden", criterion="x", by=roles["hq_operator"])
    message = exc.value.message_dict["tier"][0]
    assert "未知的人才层级" in message and "战略科技人才、领军科技人才、后备科技人才" in message


def test_enrolment_in_a_programme_of_the_region(professor, roles):
    services.enrol(professor, programme="industry-professor", year=2025, by=roles["staff_in_scope"])
    with pytest.raises(ValidationError) as exc:
        services.enrol(professor, programme="industry-professor", year=2025, by=roles["hq_operator"])
    assert exc.value.error_dict["programme"][0].code == "already_enrolled"
    with pytest.raises(ValidationError) as exc:
        services.enrol(professor, programme="moon-programme", year=2025, by=roles["hq_operator"])
    assert exc.value.error_dict["programme"][0].code == "unknown_programme"
    with pytest.raises(PermissionDenied):
        services.enrol(professor, programme="youth-talent", year=2025, by=roles["staff_out_of_scope"])
    assert Enrolment.objects.count() == 1


def test_tier_form_by_sub_center_staff_is_403_and_bad_tier_by_hq_is_400(professor, roles):
    client = Client()
    client.force_login(roles["staff_in_scope"])
    data = {"tier": "leading", "criterion": "transfer-record", "decided_on": "2025-01-01"}
    assert client.post(f"/talent/people/{professor.pk}/tier/", data).status_code == 403
    client.force_login(roles["hq_operator"])
    response = client.post(f"/talent/people/{professor.pk}/tier/", {**data, "criterion": "academician"})
    assert response.status_code == 400 and not TierDecision.objects.exists()
    assert client.post(f"/talent/people/{professor.pk}/tier/", data).status_code == 302
    assert Person.objects.get(pk=professor.pk).tier == "leading"


def test_api_tier_refusals(professor, roles):
    client = Client()
    client.force_login(roles["staff_in_scope"])
    url = f"/api/talent/people/{professor.pk}/tier/"
    response = client.post(
        url,
        {"tier": "leading", "criterion": "transfer-record"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 403 and response.json()["detail"] == "只有总中心可以认定人才层级。"
    client.force_login(roles["hq_operator"])
    response = client.post(url, {"tier": "golden", "criterion": "x"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["codes"]["tier"] == ["unknown_tier"]
    response = client.post(url, {"tier": "reserve", "criterion": "young-pi"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["to_tier"] == "reserve"
