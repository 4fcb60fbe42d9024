"""The journeys through pages and API: open a deal from a match, draft a contract, register it, print it."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from rest_framework.test import APIClient

from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.core import clock
from mengkeju.deals.certificate import render_certificate
from mengkeju.deals.models import Deal, Registration, TechnicalContract
from mengkeju.network.models import User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

from .factories import credit_code, registered_contract

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def english_pages(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def matches_html(user, demand, achievement) -> str:
    result = SimpleNamespace(
        explanation={"passage": "晶界扩散", "shared_terms": ["钕铁硼"], "same": {"links": [], "chains": []}},
        parts={"bm25": 1.0, "dense": 0.5, "boost": 0},
        score=0.9,
    )
    request = RequestFactory().get(f"/demands/{demand.pk}/")
    request.user = user
    return render_to_string(
        "catalog/_matches.html",
        {"matches": [(achievement, result)], "listing": demand, "matches_kind": "achievement", "user": user},
        request=request,
    )


def test_recommended_matches_offer_open_a_deal_to_brokers_only(broker):
    demand, achievement = DemandFactory(), AchievementFactory()
    html = matches_html(broker, demand, achievement)
    assert "Open a deal" in html
    assert f'name="achievement" value="{achievement.pk}"' in html
    assert f'name="demand" value="{demand.pk}"' in html
    member = UserFactory(role=User.Role.MEMBER, organization=demand.owner)
    assert "Open a deal" not in matches_html(member, demand, achievement)


def test_a_broker_opens_a_deal_works_it_and_drafts_the_contract(client, broker):
    demand, achievement = DemandFactory(), AchievementFactory()
    client.force_login(broker)
    response = client.post("/deals/open/", {"demand": demand.pk, "achievement": achievement.pk})
    deal = Deal.objects.get()
    assert response.status_code == 302 and response.url == f"/deals/{deal.pk}/"
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert deal.title in page and "Create contract" in page
    client.post(f"/deals/{deal.pk}/contact/", {"note": "电话沟通"})
    client.post(f"/deals/{deal.pk}/transition/", {"stage": "negotiation"})
    deal.refresh_from_db()
    assert deal.stage == "negotiation" and deal.last_contacted_at is not None

    assert client.get(f"/deals/{deal.pk}/contract/").status_code == 200
    today = clock.local_date()
    form = {
        "title": "高温永磁材料委托开发合同",
        "kind": "development",
        "sub_kind": "commissioned_development",
        "licence_scope": "",
        "amount_yuan": "800000.00",
        "equipment_yuan": "50000.01",
        "instruments_yuan": "0",
        "parts_yuan": "0",
        "materials_yuan": "0",
        "construction_yuan": "0",
        "signed_on": (today - timedelta(days=3)).isoformat(),
        "term_start": (today - timedelta(days=3)).isoformat(),
        "term_end": (today + timedelta(days=200)).isoformat(),
        "chain": "rare-earth",
        "parties-TOTAL_FORMS": "3",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "10",
        "parties-0-role": "seller",
        "parties-0-organization": achievement.owner.code,
        "parties-0-name": achievement.owner.name,
        "parties-0-credit_code": credit_code(31),
        "parties-0-division": "150200",
        "parties-1-role": "buyer",
        "parties-1-organization": demand.owner.code,
        "parties-1-name": demand.owner.name,
        "parties-1-credit_code": credit_code(32),
        "parties-1-division": "150100",
    }
    response = client.post(f"/deals/{deal.pk}/contract/", form)
    contract = TechnicalContract.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert contract.deal == deal and contract.transaction_amount_yuan == Decimal("749999.99")
    assert contract.parties.count() == 2

    # A wrong check digit is shown on the form and nothing is saved.
    bad = {**form, "parties-0-credit_code": credit_code(33)[:17] + "Y", "title": "另一份合同"}
    if credit_code(33)[17] == "Y":
        bad["parties-0-credit_code"] = credit_code(33)[:17] + "X"
    response = client.post(f"/deals/{deal.pk}/contract/", bad)
    assert response.status_code == 200 and "check digit" in response.content.decode()
    assert TechnicalContract.objects.count() == 1

    client.post(f"/deals/contracts/{contract.pk}/submit/")
    registration = Registration.objects.get()
    assert registration.submitted_by == broker


def test_hq_registers_from_the_queue_and_prints_the_certificate(client, registrar, broker):
    from .factories import submitted_contract

    registration = submitted_contract()
    client.force_login(registrar)
    queue = client.get("/deals/registrations/").content.decode()
    assert registration.contract.title in queue and "All rules pass." in queue
    response = client.post(
        f"/deals/registrations/{registration.pk}/register/", {"next": "/deals/registrations/"}
    )
    assert response.status_code == 302 and response.url == "/deals/registrations/"
    registration.refresh_from_db()
    assert registration.status == "registered"
    detail = client.get(f"/deals/contracts/{registration.contract_id}/").content.decode()
    assert registration.number in detail and "Certificate (PDF)" in detail
    pdf = client.get(f"/deals/registrations/{registration.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = pdf.content
    assert body.startswith(b"%PDF")
    assert registration.number.encode() in body  # in the document keywords


def test_the_certificate_draws_the_number_and_the_chinese_names(registrar):
    registration = registered_contract(registrar=registrar)
    body = render_certificate(registration, compress=False)
    assert body.startswith(b"%PDF")
    assert f"({registration.number}) Tj".encode() in body  # drawn as text on the page
    assert b"STSong-Light" in body  # the built-in CJK font carries the Chinese labels


def test_refusals_are_shown_with_the_rule(client, registrar):
    from .factories import submitted_contract

    registration = submitted_contract(amount_yuan=Decimal("0"))
    client.force_login(registrar)
    response = client.post(f"/deals/registrations/{registration.pk}/register/", follow=True)
    assert "R3_AMOUNTS" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "refused"


def test_no_certificate_for_a_registration_that_is_not_registered(client, registrar):
    from .factories import submitted_contract

    registration = submitted_contract()
    client.force_login(registrar)
    assert client.get(f"/deals/registrations/{registration.pk}/certificate.pdf").status_code == 404


def test_the_api_covers_the_whole_journey(broker, registrar):
    api = APIClient()
    api.force_authenticate(broker)
    demand = DemandFactory()
    response = api.post("/api/deals/deals/", {"demand": demand.pk}, format="json")
    assert response.status_code == 201, response.content
    deal_id = response.json()["id"]
    assert response.json()["sub_center"] == "baotou"
    assert (
        api.post(f"/api/deals/deals/{deal_id}/contact/", {"note": "走访企业"}, format="json").status_code
        == 200
    )
    response = api.post(f"/api/deals/deals/{deal_id}/transition/", {"stage": "signed"}, format="json")
    assert response.status_code == 400  # intent → signed is not in the table
    response = api.post(f"/api/deals/deals/{deal_id}/transition/", {"stage": "negotiation"}, format="json")
    assert response.json()["stage"] == "negotiation"

    seller = OrganizationFactory(kind="university", credit_code=credit_code(41))
    today = clock.local_date()
    payload = {
        "deal": deal_id,
        "title": "稀土永磁专利实施许可合同",
        "kind": "licence",
        "sub_kind": "patent_licence",
        "licence_scope": "ordinary",
        "amount_yuan": "300000.00",
        "signed_on": str(today),
        "term_start": str(today),
        "term_end": str(today + timedelta(days=365)),
        "parties": [
            {"role": "seller", "organization": seller.code, "credit_code": seller.credit_code},
            {"role": "buyer", "organization": demand.owner.code, "credit_code": credit_code(42)},
        ],
    }
    response = api.post("/api/deals/contracts/", payload, format="json")
    assert response.status_code == 201, response.content
    contract = response.json()
    assert contract["transaction_amount_yuan"] == "300000.00" and contract["sub_center"] == "baotou"
    response = api.post(f"/api/deals/contracts/{contract['id']}/submit/")
    assert response.status_code == 201
    registration_id = response.json()["id"]

    api.force_authenticate(registrar)
    response = api.post(f"/api/deals/registrations/{registration_id}/register/")
    body = response.json()
    assert body["status"] == "registered" and body["flow"] == "within" and body["licence_scope"] == "ordinary"
    assert api.get(f"/api/deals/deals/{deal_id}/").json()["stage"] == "registered"

    api.force_authenticate(broker)
    url = f"/api/deals/registrations/{registration_id}/amend/"
    response = api.post(url, {"amount_yuan": "350000.00"}, format="json")
    assert response.status_code == 400 and "R9_TAX_REPORT" in response.content.decode()  # 变更登记 reports it
    response = api.post(url, {"amount_yuan": "350000.00", "tax_benefit_claimed": False}, format="json")
    assert response.status_code == 201, response.content
    amendment_id = response.json()["id"]
    assert response.json()["version"] == 2 and response.json()["supersedes"] == registration_id

    api.force_authenticate(registrar)
    assert api.post(f"/api/deals/registrations/{amendment_id}/refuse/", {}, format="json").status_code == 400
    response = api.post(f"/api/deals/registrations/{amendment_id}/register/")
    assert response.json()["number"] == f"{body['number']}-2"
    response = api.post(
        f"/api/deals/registrations/{amendment_id}/cancel/",
        {"reason": "合同解除", "tax_benefit_claimed": True},
        format="json",
    )
    assert response.json()["tax_benefit_claimed"] is True
    assert response.json()["status"] == "cancelled" and response.json()["is_current"] is False
    listed = api.get("/api/deals/registrations/", {"is_current": "true"}).json()
    assert listed["count"] == 0


def test_the_api_appears_in_the_openapi_schema(client):
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/deals/deals/",
        "/api/deals/deals/{id}/transition/",
        "/api/deals/contracts/{id}/submit/",
        "/api/deals/registrations/{id}/register/",
        "/api/deals/registrations/{id}/refuse/",
        "/api/deals/registrations/{id}/amend/",
        "/api/deals/registrations/{id}/cancel/",
    ):
        assert path in schema, path


def test_the_board_page_renders_for_staff(client, staff):
    client.force_login(staff)
    page = client.get("/deals/board/")
    assert page.status_code == 200
    assert 'id="kanban"' in page.content.decode()


def test_open_deal_never_redirects_off_site(client, broker):
    client.force_login(broker)
    submitted = DemandFactory(status="submitted")  # visible to the broker (in scope), not yet published
    response = client.post("/deals/open/", {"demand": submitted.pk, "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == "/deals/board/"
    assert not Deal.objects.exists()
