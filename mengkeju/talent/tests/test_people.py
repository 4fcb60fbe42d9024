"""Headquarters everywhere and sub-centers in their divisions add people to the pool; others may not;
bad input is a localized 400 and writes nothing. The pages answer in English as well."""

import pytest
from django.test import Client

from mengkeju.talent.models import Person

pytestmark = pytest.mark.django_db


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def _form(org, **changes):
    return {
        "name": "高工",
        "kind": "engineer",
        "organization": org.pk,
        "chain_links": ["rare-earth.magnets"],
        **changes,
    }


def test_the_web_form(roles, talent_orgs):
    org = talent_orgs["enterprise"]  # Baotou
    assert client_of(roles["other_member"]).get("/talent/people/new/").status_code == 403
    assert client_of(roles["staff_out_of_scope"]).post("/talent/people/new/", _form(org)).status_code == 403
    response = client_of(roles["hq_operator"]).post("/talent/people/new/", _form(org, kind="wizard"))
    assert response.status_code == 400 and not Person.objects.exists()
    response = client_of(roles["staff_in_scope"]).post("/talent/people/new/", _form(org))
    person = Person.objects.get()
    assert response.status_code == 302 and person.division == org.division
    assert list(person.chain_links.values_list("code", flat=True)) == ["rare-earth.magnets"]


def test_the_api(roles, talent_orgs):
    payload = {"name": "高工", "kind": "engineer", "organization": talent_orgs["enterprise"].code}
    assert (
        client_of(roles["analyst"])
        .post("/api/talent/people/", payload, content_type="application/json")
        .status_code
        == 403
    )
    response = client_of(roles["hq_operator"]).post(
        "/api/talent/people/", {**payload, "kind": "wizard"}, content_type="application/json"
    )
    assert response.status_code == 400 and not Person.objects.exists()
    response = client_of(roles["hq_operator"]).post(
        "/api/talent/people/", payload, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["tier"] == ""


def test_pages_in_english(roles, professor, exchange):
    client = client_of(roles["hq_operator"])
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    assert "Talent pool" in client.get("/talent/", **english).content.decode()
    assert (
        "Confirm for the sub-center"
        in client.get(f"/talent/exchanges/{exchange.pk}/", **english).content.decode()
    )
    assert "人才库" in client.get("/talent/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
