"""The admin shows deals and contracts but does not move them: stage and status change only through
the services (which record the history), and a deal with history cannot be deleted there."""

import pytest
from django.contrib import admin

from mengkeju.deals.models import Deal, DealEvent, TechnicalContract

from .factories import DealFactory, TechnicalContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_as_admin(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    return request


def test_the_admin_shows_a_deals_stage_and_a_contracts_status_read_only(request_as_admin):
    deal_admin, contract_admin = admin.site._registry[Deal], admin.site._registry[TechnicalContract]
    assert "stage" in deal_admin.get_readonly_fields(request_as_admin, DealFactory())
    assert "status" in contract_admin.get_readonly_fields(request_as_admin, TechnicalContractFactory())
    assert "stage" not in deal_admin.get_form(request_as_admin, DealFactory()).base_fields
    assert "status" not in contract_admin.get_form(request_as_admin, TechnicalContractFactory()).base_fields


def test_a_deal_with_history_cannot_be_deleted_in_the_admin(request_as_admin, admin_user):
    deal_admin = admin.site._registry[Deal]
    quiet, with_history = DealFactory(), DealFactory()
    with_history.events.record(kind=DealEvent.Kind.CONTACT, note="电话沟通", by=admin_user)
    assert deal_admin.has_delete_permission(request_as_admin, quiet)
    assert not deal_admin.has_delete_permission(request_as_admin, with_history)


def test_the_deal_page_shows_its_history(admin_client, admin_user):
    deal = DealFactory()
    deal.events.record(kind=DealEvent.Kind.CONTACT, note="上门拜访", by=admin_user)
    page = admin_client.get(f"/admin/deals/deal/{deal.pk}/change/")
    assert page.status_code == 200 and "上门拜访" in page.content.decode()
