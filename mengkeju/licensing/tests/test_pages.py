"""The web pages: forms create what the services create; the pages show what people need."""

from datetime import date

import pytest

from mengkeju.licensing import services
from mengkeju.licensing.models import Licence, OpenLicenceDeclaration, RevenueSharePolicy

from .factories import converted_royalty_licence, royalty_payment

pytestmark = pytest.mark.django_db


def test_nav_links_to_licensing(client):
    body = client.get("/").content.decode()
    assert 'href="/licensing/open/"' in body and "技术许可" in body


def test_licensor_records_and_grants_a_licence_on_the_web(parties, client):
    client.force_login(parties["licensor_member"])
    assert client.get("/licensing/new/").status_code == 200
    response = client.post(
        "/licensing/new/",
        {
            "achievement": parties["achievement"].pk,
            "licensee": parties["licensee"].code,
            "scope": "sole",
            "territory": "内蒙古自治区",
            "start_on": "2026-01-01",
            "end_on": "2030-12-31",
            "fee_model": "milestones",
            "milestones_text": "中试完成 | 0 | 100000\n量产 | 12 | 250000",
            "payment_term_days": "30",
            "inventors_text": "张明 2\n李华",
            "grant": "1",
        },
    )
    licence = Licence.objects.get()
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert (licence.status, licence.scope, licence.territory) == ("active", "sole", "内蒙古自治区")
    assert licence.inventors == [{"name": "张明", "weight": "2"}, {"name": "李华", "weight": "1"}]
    assert licence.payments.count() == 2
    page = client.get(f"/licensing/{licence.pk}/").content.decode()
    assert "排他许可" in page and "里程碑：量产" in page and "付款计划" in page


def test_use_first_pay_later_form_defaults_to_the_region_trial(parties, client):
    client.force_login(parties["licensor_member"])
    form = client.get("/licensing/new/use-first-pay-later/").context["form"]
    assert form.fields["trial_months"].initial == 36
    assert "free" not in dict(form.fields["fee_model"].choices)


def test_members_without_achievements_cannot_open_the_forms(parties, client):
    client.force_login(parties["broker"])
    assert client.get("/licensing/new/").status_code == 403
    assert client.get("/licensing/open/new/").status_code == 403
    client.force_login(parties["licensee_member"])
    assert client.get("/licensing/open/new/").status_code == 403  # no achievements of its own


def test_actions_on_the_licence_page(parties, client):
    from .factories import trial_licence

    licence = trial_licence(parties)
    services.start_trial(licence, by=parties["licensor_member"], on=date(2026, 1, 15))
    client.force_login(parties["licensee_member"])
    page = client.get(f"/licensing/{licence.pk}/").content.decode()
    assert f"/licensing/{licence.pk}/exit/" in page and f"/licensing/{licence.pk}/convert/" in page
    refused = client.post(f"/licensing/{licence.pk}/exit/", {"reason": ""}, follow=True)
    assert "请填写理由" in refused.content.decode()
    client.post(f"/licensing/{licence.pk}/exit/", {"reason": "转产"})
    licence.refresh_from_db()
    assert licence.status == Licence.Status.EXITED


def test_royalty_report_and_payment_forms(parties, client):
    licence = converted_royalty_licence(parties)
    client.force_login(parties["licensee_member"])
    response = client.post(
        f"/licensing/{licence.pk}/royalty-reports/new/",
        {"period_start_on": "2026-06-01", "period_end_on": "2026-06-30", "sales_revenue_yuan": "100000"},
    )
    assert response.status_code == 302
    assert client.get(f"/licensing/{licence.pk}/payments/new/").status_code == 403  # the licensee does not
    client.force_login(parties["licensor_member"])
    response = client.post(
        f"/licensing/{licence.pk}/payments/new/",
        {
            "received_on": "2026-07-10",
            "amount_yuan": "3500.00",
            "tax_yuan": "210",
            "brokerage_fee_yuan": "100",
        },
    )
    assert response.status_code == 302
    receipt = licence.payments.get().receipts.get()
    assert sorted(receipt.costs.values_list("kind", "amount_yuan")) == [("brokerage_fee", 100), ("tax", 210)]


def test_declaring_and_accepting_on_the_web(parties, client):
    client.force_login(parties["licensor_member"])
    response = client.post(
        "/licensing/open/new/",
        {
            "achievement": parties["achievement"].pk,
            "fee_model": "per_unit",
            "per_unit_fee_yuan": "8.00",
            "payment_method": "每季度结束后30日内按销量支付",
            "term_months": "24",
            "payment_term_days": "30",
        },
    )
    declaration = OpenLicenceDeclaration.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/licensing/open/{declaration.pk}/"
    page = client.get(f"/licensing/open/{declaration.pk}/").content.decode()
    assert "撤回声明" in page
    client.force_login(parties["licensee_member"])
    page = client.get(f"/licensing/open/{declaration.pk}/").content.decode()
    assert "以 包头稀土永磁科技有限公司 名义接受" in page


def test_revenue_policy_page(parties, client):
    client.force_login(parties["licensor_member"])
    page = client.get("/licensing/revenue-policy/")
    assert page.status_code == 200 and "50 %" in page.content.decode()
    refused = client.post(
        "/licensing/revenue-policy/",
        {
            "valid_from": "2026-01-01",
            "inventors_share": "0.3",
            "team_share": "0.2",
            "institution_share": "0.5",
        },
    )
    assert refused.status_code == 200
    assert "inventors_share" in refused.context["form"].errors
    assert 'data-field="inventors_share"' in refused.content.decode()
    saved = client.post(
        "/licensing/revenue-policy/",
        {
            "valid_from": "2026-01-01",
            "inventors_share": "0.7",
            "team_share": "0.1",
            "institution_share": "0.2",
        },
    )
    assert saved.status_code == 302 and RevenueSharePolicy.objects.count() == 1
    client.force_login(parties["licensee_member"])  # an enterprise sees its page but cannot set a policy
    page = client.get("/licensing/revenue-policy/")
    assert page.status_code == 200 and page.context["form"] is None
    client.force_login(parties["broker"])
    assert client.get("/licensing/revenue-policy/").status_code == 403


def test_printable_statement(parties, client):
    services.set_revenue_share_policy(
        parties["licensor"],
        by=parties["licensor_member"],
        valid_from=date(2026, 1, 1),
        inventors_share="0.7",
        team_share="0.1",
        institution_share="0.2",
    )
    licence = converted_royalty_licence(parties)
    payment = royalty_payment(licence, parties, start=date(2026, 6, 1), end=date(2026, 6, 30), sales="100000")
    receipt = services.record_payment(
        licence, by=parties["licensor_member"], received_on=date(2026, 7, 10), amount_yuan=payment.amount_yuan
    )
    client.force_login(parties["licensor_member"])
    body = client.get(f"/licensing/statements/{receipt.statement.pk}/").content.decode()
    assert "@media print" in body and "收益分配单" in body
    assert "张明" in body and "1,225元" in body  # 3,500 × 0.7 × 3/6
    detail = client.get(f"/licensing/{licence.pk}/").content.decode()
    assert f"/licensing/statements/{receipt.statement.pk}/" in detail


def test_licence_list_shows_only_my_licences(parties, client):
    licence = converted_royalty_licence(parties)
    client.force_login(parties["licensee_member"])
    assert licence in client.get("/licensing/").context["page"].object_list
    client.force_login(parties["unrelated_member"])
    assert not client.get("/licensing/").context["page"].object_list
    assert client.get("/licensing/").status_code == 200


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_renders_in_both_languages(parties, client, language):
    services.set_revenue_share_policy(
        parties["licensor"],
        by=parties["licensor_member"],
        valid_from=date(2026, 1, 1),
        inventors_share="0.7",
        team_share="0.1",
        institution_share="0.2",
    )
    licence = converted_royalty_licence(parties)
    payment = royalty_payment(licence, parties, start=date(2026, 6, 1), end=date(2026, 6, 30), sales="100000")
    receipt = services.record_payment(
        licence, by=parties["licensor_member"], received_on=date(2026, 7, 10), amount_yuan=payment.amount_yuan
    )
    declaration = services.declare_open_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        declared_on=date(2026, 2, 1),
        payment_method="转账",
        term_months=24,
        fee_model="milestones",
        milestones=[{"name": "量产", "months_after": 6, "amount_yuan": "1000"}],
    )
    client.force_login(parties["licensor_member"])
    client.cookies["django_language"] = language
    for url in (
        "/licensing/",
        "/licensing/new/",
        "/licensing/new/use-first-pay-later/",
        f"/licensing/{licence.pk}/",
        f"/licensing/{licence.pk}/payments/new/",
        f"/licensing/statements/{receipt.statement.pk}/",
        "/licensing/open/",
        "/licensing/open/new/",
        f"/licensing/open/{declaration.pk}/",
        "/licensing/revenue-policy/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    english = client.get(f"/licensing/{licence.pk}/").content.decode()
    assert ("Payment schedule" in english) == (language == "en")


def test_a_refused_grant_on_the_web_leaves_no_draft_licence_behind(parties, client):
    """Recording and granting is one intent: when the grant is refused (here an exclusive licence
    already runs for the same time), neither the licence nor its events stay."""
    from mengkeju.licensing.models import LicenceEvent

    first = services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["licensee"],
        scope="exclusive",
        start_on=date(2026, 1, 1),
        end_on=date(2030, 12, 31),
        fee_model="lump_sum",
        lump_sum_yuan="50000",
    )
    services.grant_licence(first, by=parties["licensor_member"], on=date(2026, 1, 1))
    licences, events = Licence.objects.count(), LicenceEvent.objects.count()
    client.force_login(parties["licensor_member"])
    data = {
        "achievement": parties["achievement"].pk,
        "licensee": parties["unrelated"].code,
        "scope": "ordinary",
        "start_on": "2027-01-01",
        "end_on": "2028-12-31",
        "fee_model": "lump_sum",
        "lump_sum_yuan": "10000",
        "payment_term_days": "30",
        "grant": "1",
    }
    for _attempt in range(2):  # each resubmission used to add another draft
        response = client.post("/licensing/new/", data)
        assert response.status_code == 200 and response.context["form"].errors
    assert (Licence.objects.count(), LicenceEvent.objects.count()) == (licences, events)
