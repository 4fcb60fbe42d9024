"""A query parameter the API does not understand is a 400 naming it, never silently ignored."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["57943872", "yes-please", "null"])
def test_an_unreadable_boolean_filter_is_refused(client, value):
    answer = client.get(f"/api/platforms/?whitelisted={value}")
    assert answer.status_code == 400
    assert answer.json()["codes"] == {"whitelisted": ["invalid"]}


@pytest.mark.parametrize(("value", "expected"), [("true", 200), ("false", 200), ("1", 200), ("", 200)])
def test_readable_booleans_still_filter(client, value, expected):
    assert client.get(f"/api/platforms/?whitelisted={value}").status_code == expected


@pytest.mark.parametrize("page", ["false", "0", "-1", "1.5"])
def test_a_page_that_is_not_a_number_from_1_is_invalid_input(client, page):
    answer = client.get(f"/api/achievements/?page={page}")
    assert answer.status_code == 400
    assert "page" in answer.json()["codes"]


def test_a_page_past_the_last_is_not_found(client):
    answer = client.get("/api/achievements/?page=900")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_the_schema_says_pages_start_at_1_and_lists_may_answer_404_and_429(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/achievements/"]["get"]
    page = next(p for p in operation["parameters"] if p["name"] == "page")
    assert page["schema"] == {"type": "integer", "minimum": 1}
    assert {"400", "404", "429"} <= set(operation["responses"])


def test_the_schema_says_which_read_only_fields_may_be_null_or_blank(client):
    components = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert components["Deal"]["properties"]["seller"].get("nullable") is True  # a deal may have no seller yet
    assert components["Registration"]["properties"]["decided_by"].get("nullable") is True
    names = set(components)
    assert {"ChallengeMilestone", "LicenceMilestone", "ChallengeIndicator", "PointsIndicator"} <= names


def test_the_schema_says_which_lists_may_not_be_empty(client):
    components = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert components["PanelInputRequest"]["properties"]["experts"]["minItems"] == 1
    assert components["ApplicationRequest"]["properties"]["members"]["minItems"] == 1
    assert components["ApplicationRequest"]["properties"]["milestones"]["minItems"] == 1
