"""The REST API under /api/licensing/: in the OpenAPI schema, and a licence's life through it."""

import re

import pytest
from rest_framework.test import APIClient

from mengkeju.licensing.models import Licence, RevenueSharePolicy

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_the_licensing_api_is_in_the_openapi_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = (
        response.json() if response["Content-Type"].startswith("application/vnd.oai.openapi+json") else None
    )
    text = response.content.decode()
    for path in (
        "/api/licensing/licences/",
        "/api/licensing/licences/{id}/start-trial/",
        "/api/licensing/licences/{id}/convert/",
        "/api/licensing/licences/{id}/exit/",
        "/api/licensing/licences/{id}/royalty-reports/",
        "/api/licensing/licences/{id}/payments/",
        "/api/licensing/payments/",
        "/api/licensing/open-licences/",
        "/api/licensing/open-licences/{id}/accept/",
        "/api/licensing/open-licences/{id}/withdraw/",
        "/api/licensing/revenue-policies/",
        "/api/licensing/revenue-statements/",
    ):
        assert path in (schema["paths"] if schema else text), path


def test_a_use_first_pay_later_licence_through_the_api(parties):
    licensor, licensee = _api(parties["licensor_member"]), _api(parties["licensee_member"])
    policy = licensor.post(
        "/api/licensing/revenue-policies/",
        {
            "valid_from": "2026-01-01",
            "inventors_share": "0.7",
            "team_share": "0.1",
            "institution_share": "0.2",
        },
        format="json",
    )
    assert policy.status_code == 201, policy.content
    created = licensor.post(
        "/api/licensing/licences/",
        {
            "achievement": parties["achievement"].pk,
            "licensee": parties["licensee"].code,
            "start_on": "2026-01-15",
            "use_first_pay_later": True,
            "trial_months": 12,
            "fee_model": "per_unit",
            "per_unit_fee_yuan": "12.50",
            "inventors": [{"name": "张明", "weight": "2"}, {"name": "李华"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    licence = created.json()
    assert (licence["status"], licence["trial_months"], licence["licensor"]) == (
        "draft",
        12,
        parties["licensor"].code,
    )
    pk = licence["id"]
    started = licensor.post(f"/api/licensing/licences/{pk}/start-trial/", {"on": "2026-01-15"}, format="json")
    assert started.status_code == 200 and started.json()["trial_end_on"] == "2027-01-14", started.content
    converted = licensee.post(f"/api/licensing/licences/{pk}/convert/", {"on": "2026-10-01"}, format="json")
    assert converted.json()["status"] == "converted"
    report = licensee.post(
        f"/api/licensing/licences/{pk}/royalty-reports/",
        {
            "period_start_on": "2026-10-01",
            "period_end_on": "2026-12-31",
            "sales_revenue_yuan": "800000",
            "units_sold": "1234.5",
            "filed_on": "2027-01-05",
        },
        format="json",
    )
    assert report.status_code == 201, report.content
    assert report.json()["royalty_due_yuan"] == "15431.25"  # 1,234.5 × 12.50
    receipt = licensor.post(
        f"/api/licensing/licences/{pk}/payments/",
        {
            "received_on": "2027-01-20",
            "amount_yuan": "15431.25",
            "costs": [{"kind": "tax", "amount_yuan": "925.88"}],
        },
        format="json",
    )
    assert receipt.status_code == 201, receipt.content
    statement = licensor.get(f"/api/licensing/revenue-statements/{receipt.json()['statement']}/").json()
    assert statement["net_income_yuan"] == "14505.37"
    assert [(line["name"], line["amount_yuan"]) for line in statement["lines"]] == [
        ("张明", "6769.17"),
        ("李华", "3384.59"),
        ("研发团队", "1450.54"),
        (parties["licensor"].name, "2901.07"),
    ]
    detail = licensee.get(f"/api/licensing/licences/{pk}/").json()
    assert [p["state"] for p in detail["payments"]] == ["paid"]
    assert "statement" not in [e["action"] for e in detail["events"]]  # the licensor's internal matter
    assert "statement" in [
        e["action"] for e in licensor.get(f"/api/licensing/licences/{pk}/").json()["events"]
    ]


def test_open_licences_through_the_api(parties):
    licensor = _api(parties["licensor_member"])
    declared = licensor.post(
        "/api/licensing/open-licences/",
        {
            "achievement": parties["achievement"].pk,
            "fee_model": "lump_sum",
            "lump_sum_yuan": "50000",
            "payment_method": "签约后30日内银行转账",
            "term_months": 36,
        },
        format="json",
    )
    assert declared.status_code == 201, declared.content
    pk = declared.json()["id"]
    public = APIClient().get("/api/licensing/open-licences/")
    assert public.status_code == 200 and public.json()["count"] == 1
    assert APIClient().post(f"/api/licensing/open-licences/{pk}/accept/").status_code == 401
    accepted = _api(parties["licensee_member"]).post(
        f"/api/licensing/open-licences/{pk}/accept/", {}, format="json"
    )
    assert accepted.status_code == 201, accepted.content
    assert (accepted.json()["scope"], accepted.json()["status"]) == ("ordinary", "active")
    exclusive = licensor.post(
        "/api/licensing/licences/",
        {
            "achievement": parties["achievement"].pk,
            "licensee": parties["unrelated"].code,
            "scope": "exclusive",
            "start_on": "2026-05-01",
            "fee_model": "lump_sum",
            "lump_sum_yuan": "900000",
        },
        format="json",
    )
    assert exclusive.status_code == 400 and CHINESE.search(str(exclusive.json()["scope"]))
    withdrawn = licensor.post(
        f"/api/licensing/open-licences/{pk}/withdraw/", {"reason": "转为独占许可"}, format="json"
    )
    assert withdrawn.json()["status"] == "withdrawn"
    assert APIClient().get("/api/licensing/open-licences/").json()["count"] == 0
    assert Licence.objects.get().status == Licence.Status.ACTIVE


def test_policy_below_the_minimum_through_the_api(parties):
    response = _api(parties["licensor_member"]).post(
        "/api/licensing/revenue-policies/",
        {
            "valid_from": "2026-01-01",
            "inventors_share": "0.4",
            "team_share": "0.1",
            "institution_share": "0.5",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "50 %" in str(response.json()["inventors_share"])
    assert not RevenueSharePolicy.objects.exists()
