"""Bad input is refused with a clear Chinese message and changes nothing — in services, the API and
the web forms."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from mengkeju.licensing import services
from mengkeju.licensing.models import (
    DeductibleCost,
    Licence,
    LicenceEvent,
    Payment,
    PaymentReceipt,
    RoyaltyReport,
)

from .factories import converted_royalty_licence, royalty_payment, trial_licence

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _state():
    return (
        Licence.objects.count(),
        list(Licence.objects.order_by("pk").values_list("status", flat=True)),
        LicenceEvent.objects.count(),
        RoyaltyReport.objects.count(),
        Payment.objects.count(),
        list(Payment.objects.order_by("pk").values_list("paid_amount_yuan", flat=True)),
        PaymentReceipt.objects.count(),
        DeductibleCost.objects.count(),
    )


def _refused(call, field=None):
    before = _state()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        call()
    messages = error.value.message_dict.get(field) if field else error.value.messages
    assert messages, error.value
    assert CHINESE.search(" ".join(messages)), messages
    assert _state() == before
    return " ".join(messages)


REPORT = {
    "period_start_on": date(2026, 7, 1),
    "period_end_on": date(2026, 9, 30),
    "sales_revenue_yuan": "250000",
    "filed_on": date(2026, 10, 10),
}
REPORT_BAD = [
    ("negative sales", {"sales_revenue_yuan": "-100"}, "sales_revenue_yuan"),
    ("sales not a number", {"sales_revenue_yuan": "很多"}, "sales_revenue_yuan"),
    ("fractions of a fen", {"sales_revenue_yuan": "100.001"}, "sales_revenue_yuan"),
    ("negative units", {"units_sold": "-3"}, "units_sold"),
    ("period ends before it starts", {"period_end_on": date(2026, 6, 30)}, "period_end_on"),
    ("period not yet over", {"filed_on": date(2026, 9, 1)}, "period_end_on"),
    (
        "period during the free trial",
        {"period_start_on": date(2026, 3, 1), "period_end_on": date(2026, 6, 30)},
        "period_start_on",
    ),
    (
        "period after the licence ends",
        {
            "period_start_on": date(2036, 1, 1),
            "period_end_on": date(2036, 3, 31),
            "filed_on": date(2036, 4, 1),
        },
        "period_start_on",
    ),
]


@pytest.mark.parametrize(("case", "change", "field"), REPORT_BAD, ids=[c[0] for c in REPORT_BAD])
def test_bad_royalty_report_is_refused(case, change, field, parties):
    licence = converted_royalty_licence(parties)
    _refused(
        lambda: services.file_royalty_report(licence, by=parties["licensee_member"], **{**REPORT, **change}),
        field,
    )


def test_overlapping_reports_are_refused(parties):
    licence = converted_royalty_licence(parties)
    services.file_royalty_report(licence, by=parties["licensee_member"], **REPORT)
    message = _refused(
        lambda: services.file_royalty_report(
            licence,
            by=parties["licensee_member"],
            **{**REPORT, "period_start_on": date(2026, 9, 1), "period_end_on": date(2026, 9, 30)},
        ),
        "period_start_on",
    )
    assert "2026-07-01" in message


@pytest.mark.parametrize("rate", ["1.5", "0", "-0.05", "1.0000001"])
def test_royalty_rate_must_be_a_fraction_up_to_one(parties, rate):
    _refused(
        lambda: services.create_licence(
            parties["achievement"],
            by=parties["licensor_member"],
            licensee=parties["licensee"],
            start_on=date(2026, 1, 1),
            fee_model="royalty",
            royalty_rate=rate,
        ),
        "royalty_rate",
    )


TERMS_BAD = [
    ("royalty without a rate", {"fee_model": "royalty"}, "royalty_rate"),
    ("lump sum without an amount", {"fee_model": "lump_sum"}, "lump_sum_yuan"),
    ("negative lump sum", {"fee_model": "lump_sum", "lump_sum_yuan": "-1"}, "lump_sum_yuan"),
    ("unknown fee model", {"fee_model": "barter"}, "fee_model"),
    ("milestones without any", {"fee_model": "milestones", "milestones": []}, "milestones"),
    (
        "milestone with a bad amount",
        {"fee_model": "milestones", "milestones": [{"name": "量产", "months_after": 6, "amount_yuan": "-5"}]},
        "milestones",
    ),
    ("payment term over a year", {"fee_model": "free", "payment_term_days": 400}, "payment_term_days"),
    ("absurd amount", {"fee_model": "lump_sum", "lump_sum_yuan": "99999999999"}, "lump_sum_yuan"),
]


@pytest.mark.parametrize(("case", "terms", "field"), TERMS_BAD, ids=[c[0] for c in TERMS_BAD])
def test_bad_fee_terms_are_refused(case, terms, field, parties):
    _refused(
        lambda: services.create_licence(
            parties["achievement"],
            by=parties["licensor_member"],
            licensee=parties["licensee"],
            start_on=date(2026, 1, 1),
            **terms,
        ),
        field,
    )


def test_licence_dates_and_parties_are_checked(parties):
    common = {"by": parties["licensor_member"], "fee_model": "free"}
    _refused(
        lambda: services.create_licence(
            parties["achievement"],
            licensee=parties["licensee"],
            start_on=date(2026, 5, 1),
            end_on=date(2026, 4, 30),
            **common,
        ),
        "end_on",
    )
    _refused(
        lambda: services.create_licence(
            parties["achievement"], licensee=parties["licensor"], start_on=date(2026, 5, 1), **common
        ),
        "licensee",
    )
    _refused(
        lambda: services.create_licence(
            parties["achievement"],
            licensee=parties["licensee"],
            start_on=date(2026, 5, 1),
            use_first_pay_later=True,
            trial_months=0,
            **{**common, "fee_model": "royalty", "royalty_rate": "0.05"},
        ),
        "trial_months",
    )
    _refused(
        lambda: services.create_licence(
            parties["achievement"],
            licensee=parties["licensee"],
            start_on=date(2026, 5, 1),
            use_first_pay_later=True,
            **common,
        ),
        "fee_model",
    )


def test_payment_on_an_exited_licence_is_refused(parties):
    licence = trial_licence(parties, fee_model="lump_sum", lump_sum_yuan="100000")
    services.start_trial(licence, by=parties["licensor_member"], on=date(2026, 1, 15))
    services.exit_trial(licence, by=parties["licensee_member"], on=date(2026, 6, 1), reason="不再使用")
    message = _refused(
        lambda: services.record_payment(
            licence, by=parties["licensor_member"], received_on=date(2026, 6, 2), amount_yuan="5000"
        )
    )
    assert "退出" in message


def test_a_use_first_pay_later_trial_has_no_upfront_fee(parties):
    _refused(
        lambda: trial_licence(parties, fee_model="lump_sum", lump_sum_yuan="1", upfront_fee_yuan="5000"),
        "upfront_fee_yuan",
    )


PAYMENT_BAD = [
    ("more than outstanding", {"amount_yuan": "3500.01"}, "amount_yuan"),
    ("zero", {"amount_yuan": "0"}, "amount_yuan"),
    ("negative", {"amount_yuan": "-10"}, "amount_yuan"),
    ("costs above the payment", {"costs": [{"kind": "tax", "amount_yuan": "4000"}]}, "costs"),
    ("unknown cost kind", {"costs": [{"kind": "bribe", "amount_yuan": "10"}]}, "costs"),
    ("negative cost", {"costs": [{"kind": "tax", "amount_yuan": "-10"}]}, "costs"),
]


@pytest.mark.parametrize(("case", "change", "field"), PAYMENT_BAD, ids=[c[0] for c in PAYMENT_BAD])
def test_bad_payment_is_refused(case, change, field, parties):
    licence = converted_royalty_licence(parties)
    royalty_payment(licence, parties, start=date(2026, 6, 1), end=date(2026, 6, 30), sales="100000")
    values = {"received_on": date(2026, 7, 15), "amount_yuan": "3500.00", **change}
    _refused(lambda: services.record_payment(licence, by=parties["licensor_member"], **values), field)


def test_nothing_outstanding_is_refused(parties):
    licence = converted_royalty_licence(parties)
    _refused(
        lambda: services.record_payment(
            licence, by=parties["licensor_member"], received_on=date(2026, 7, 15), amount_yuan="10"
        )
    )


def test_exit_needs_a_reason(parties):
    licence = trial_licence(parties)
    services.start_trial(licence, by=parties["licensor_member"], on=date(2026, 1, 15))
    _refused(
        lambda: services.exit_trial(licence, by=parties["licensee_member"], on=date(2026, 3, 1), reason=" "),
        "reason",
    )


@pytest.fixture
def licensee_api(parties):
    api = APIClient()
    api.force_authenticate(parties["licensee_member"])
    return api


API_REPORT_BAD = [
    ("negative sales", {"sales_revenue_yuan": "-1"}, "sales_revenue_yuan"),
    (
        "period outside the licence",
        {"period_start_on": "2026-01-01", "period_end_on": "2026-03-31"},
        "period_start_on",
    ),
    ("not a date", {"period_end_on": "三月底"}, "period_end_on"),
]


@pytest.mark.parametrize(("case", "change", "field"), API_REPORT_BAD, ids=[c[0] for c in API_REPORT_BAD])
def test_api_refuses_bad_royalty_reports(case, change, field, parties, licensee_api):
    licence = converted_royalty_licence(parties)
    before = _state()
    data = {
        "period_start_on": "2026-07-01",
        "period_end_on": "2026-09-30",
        "sales_revenue_yuan": "250000",
        "filed_on": "2026-10-10",
        **change,
    }
    response = licensee_api.post(
        f"/api/licensing/licences/{licence.pk}/royalty-reports/", data, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert CHINESE.search(str(response.json()[field]))
    assert _state() == before


def test_api_refuses_a_royalty_rate_above_one(parties):
    api = APIClient()
    api.force_authenticate(parties["licensor_member"])
    response = api.post(
        "/api/licensing/licences/",
        {
            "achievement": parties["achievement"].pk,
            "licensee": parties["licensee"].code,
            "start_on": "2026-01-01",
            "fee_model": "royalty",
            "royalty_rate": "1.5",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert CHINESE.search(str(response.json()["royalty_rate"]))
    assert not Licence.objects.exists()


def test_web_form_shows_the_error_next_to_the_field(parties, client):
    licence = converted_royalty_licence(parties)
    client.force_login(parties["licensee_member"])
    response = client.post(
        f"/licensing/{licence.pk}/royalty-reports/new/",
        {"period_start_on": "2026-07-01", "period_end_on": "2026-07-31", "sales_revenue_yuan": "-5"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "sales_revenue_yuan" in errors and CHINESE.search(" ".join(errors["sales_revenue_yuan"]))
    assert 'data-field="sales_revenue_yuan"' in response.content.decode()
    assert not RoyaltyReport.objects.exists()
