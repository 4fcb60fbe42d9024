"""Issue 18: the 18-indicator system with stage weights (初创期 / 成长期 / 稳定期) as region data, last
year's results kept, and 创新积分贷 (consent, the bank's ranking above the threshold, loans, financing
per year), with the transformations of scored enterprises. One passing and one refused case per rule."""

from copy import deepcopy
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from mengkeju.network.models import Organization, Region, User
from mengkeju.network.region_pack import RegionPackError
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

from .. import permissions, selectors, services
from ..models import EnterpriseYear, IndicatorSystem, IndicatorValue, PointsLoan, Score
from ..pack import SystemSpec, read_points_file
from .conftest import REGION_DIR
from .factories import enterprise, small_system, write_pack

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The rules' messages are asserted in English (the Chinese are in the catalog; one test reads them)."""
    with translation.override("en"):
        yield


def test_a_rule_message_reads_in_chinese(credit):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.record_loan(
            credit["enterprise"],
            by=credit["people"]["bank"],
            year=2025,
            amount_yuan="1",
            rate_percent="3",
            term_months=12,
        )
    assert "未同意向银行提供其创新积分" in str(caught.value)


# --- the indicator system and stages ---------------------------------------------------------------


def test_the_2026_system_has_three_classes_of_18_indicators_and_three_stages():
    data = read_points_file(REGION_DIR)
    system = next(s for s in data["systems"] if s["year"] == 2026)
    counts = {g["name"]: len(g["indicators"]) for g in system["groups"]}
    assert counts == {"技术创新": 7, "成长经营": 6, "辅助": 5}
    assert [s["name"] for s in system["stages"]] == ["初创期", "成长期", "稳定期"]
    spec = SystemSpec.from_definition(system)
    assert spec.stage_of(3, "small") == "startup"
    assert spec.stage_of(8, "medium") == "growth"
    assert spec.stage_of(3, "large") == "stable"
    assert spec.stage_of(30, "small") == "stable"
    assert spec.stage_of(None, "small") is None  # the age decides and is unknown


def staged(year=2026, **changes) -> dict:
    system = small_system(year, activity=False)
    system["stages"] = [
        {"code": "startup", "name": "初创期", "max_age": 5},
        {"code": "stable", "name": "稳定期"},
    ]
    system["groups"][0]["stage_weights"] = {"startup": 80, "stable": 20}
    system["groups"][1]["stage_weights"] = {"startup": 20, "stable": 80}
    system.update(changes)
    return system


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s["stages"][-1].update(max_age=3), "the last stage must have no condition"),
        (
            lambda s: s["groups"][0]["stage_weights"].pop("stable"),
            "stage weights must name each stage exactly",
        ),
        (lambda s: s.pop("stages"), "stage weights need the system's stages"),
        (lambda s: s["stages"][0].update(size_classes=["huge"]), "unknown size class huge"),
        (lambda s: s["stages"].append(dict(s["stages"][0])), "duplicate stage codes"),
    ],
)
def test_a_wrong_stage_definition_is_refused_with_the_rule(tmp_path, change, message):
    assert read_points_file(write_pack(tmp_path / "good", [staged()]))  # the passing case
    system = staged()
    change(system)
    with pytest.raises(RegionPackError) as caught:
        read_points_file(write_pack(tmp_path / "bad", [system]))
    assert message in str(caught.value)


def confirmed(org, year, values: dict, *, founded_year=None, size_class="small"):
    record = EnterpriseYear.objects.create(
        organization=org,
        year=year,
        status=EnterpriseYear.Status.CONFIRMED,
        founded_year=founded_year,
        size_class=size_class,
    )
    for code, value in values.items():
        IndicatorValue.objects.create(record=record, code=code, value=Decimal(value))
    return record


def test_each_enterprise_is_weighted_with_its_stage_and_an_unknown_age_is_left_out(tmp_path):
    services.load_points_system(write_pack(tmp_path, [staged()]))
    young, old, unknown = enterprise(), enterprise(), enterprise()
    # young is best on innovation (rd, patents), old is best on growth (low debt).
    confirmed(
        young, 2026, {"rd_expense": 10, "patents": 2, "debt_ratio": 90, "high_tech": 0}, founded_year=2023
    )
    confirmed(old, 2026, {"rd_expense": 0, "patents": 0, "debt_ratio": 10, "high_tech": 0}, founded_year=1990)
    confirmed(unknown, 2026, {"rd_expense": 5, "patents": 1, "debt_ratio": 50, "high_tech": 0})
    run = services.recompute_scores(2026)
    assert run.statistics["excluded"] == [unknown.pk]
    scores = {s.organization_id: s for s in run.scores.all()}
    assert (scores[young.pk].stage, scores[old.pk].stage) == ("startup", "stable")
    # Two enterprises: percentile 100/0; z-scores ±1 sd → 50 ± 50/3.
    high, low = 50 + 50 / 3, 50 - 50 / 3
    # young: innovation (80) = 40·high + 40·100, growth (20) = 20·low; old: innovation (20) low/0, growth 80·high.
    assert float(scores[young.pk].indicator_points) == pytest.approx(0.4 * high + 40 + 0.2 * low, abs=1e-4)
    assert float(scores[old.pk].indicator_points) == pytest.approx(0.1 * low + 0 + 0.8 * high, abs=1e-4)
    explained = selectors.breakdown(scores[young.pk])
    assert explained["stage"] == "初创期"
    assert [line.weight for line in explained["indicators"]] == [40.0, 40.0, 20.0]


def test_entry_refuses_an_impossible_year_of_establishment(tmp_path, people, orgs):
    services.load_points_system(write_pack(tmp_path, [staged()]))
    values = {"rd_expense": "1", "patents": "1", "debt_ratio": "1", "high_tech": "0"}
    owner = people["owner"]
    record = services.enter_indicator_values(orgs["enterprise"], 2026, values, by=owner, founded_year=2020)
    assert record.founded_year == 2020
    with pytest.raises(ValidationError) as caught:
        services.enter_indicator_values(orgs["enterprise"], 2026, values, by=owner, founded_year=2030)
    assert "year of establishment between 1900 and 2026" in str(caught.value)
    assert EnterpriseYear.objects.get(pk=record.pk).founded_year == 2020


def test_the_new_years_system_leaves_last_years_results_untouched(points_system, tmp_path):
    spec = SystemSpec.from_definition(services.current_system(2025).definition)
    orgs = [enterprise(), enterprise()]
    for i, org in enumerate(orgs):
        confirmed(org, 2025, {item.code: i + 1 for item in spec.all_items})
    services.recompute_scores(2025)
    before = list(
        Score.objects.filter(year=2025).values_list("organization_id", "total", "rank", "system_id")
    )
    system_2025 = services.current_system(2025)
    # A new version of 2026 (weights changed after 2026 was scored) and a reload of the whole pack.
    data = read_points_file(REGION_DIR)
    for org in orgs:
        confirmed(
            org,
            2026,
            {
                i["code"]: 1
                for g in next(s for s in data["systems"] if s["year"] == 2026)["groups"]
                for i in g["indicators"]
            },
            founded_year=2000,
        )
    services.recompute_scores(2026)
    changed = deepcopy(data)
    next(s for s in changed["systems"] if s["year"] == 2026)["groups"][0]["stage_weights"]["stable"] = 40
    import yaml

    (tmp_path / "points.yaml").write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    outcome = services.load_points_system(tmp_path)
    assert outcome[2026] == "new version" and outcome[2025] == "unchanged"
    assert services.current_system(2025).pk == system_2025.pk
    assert IndicatorSystem.objects.filter(year=2025).count() == 1
    after = list(Score.objects.filter(year=2025).values_list("organization_id", "total", "rank", "system_id"))
    assert after == before


# --- 创新积分贷 -----------------------------------------------------------------------------------------


@pytest.fixture
def credit(points_system, people, orgs):
    """2025 scored region-wide: `enterprise` tops (consents), `other_enterprise` is second, a third
    scores low; a bank and its officer."""
    people = dict(people)
    people["analyst"] = UserFactory(role=User.Role.ANALYST, organization=orgs["hq"])
    bank = OrganizationFactory(kind=Organization.Kind.INVESTOR, name="内蒙古示例银行")
    people["bank"] = UserFactory(role=User.Role.MEMBER, organization=bank)
    people["other_bank"] = UserFactory(
        role=User.Role.MEMBER, organization=OrganizationFactory(kind=Organization.Kind.INVESTOR)
    )
    spec = SystemSpec.from_definition(services.current_system(2025).definition)
    low = enterprise(name="低分企业")
    for org, value in ((orgs["enterprise"], 9), (orgs["other_enterprise"], 5), (low, 0)):
        confirmed(
            org, 2025, {item.code: min(value, 1) if item.max == 1 else value for item in spec.all_items}
        )
    services.recompute_scores(2025)
    Region.objects.update(parameters={**Region.objects.get().parameters, "points_loan_min_score": 50})
    return {"people": people, "bank": bank, "low": low, **orgs}


def test_the_region_pack_sets_the_threshold():
    """The test database holds regions/inner-mongolia as loaded by load-region."""
    assert selectors.loan_threshold() == Decimal("70")


def test_consent_is_given_and_withdrawn_by_the_enterprise_only(credit):
    owner, org = credit["people"]["owner"], credit["enterprise"]
    services.give_consent(org, by=owner)
    with pytest.raises(ValidationError, match="already consented"):
        services.give_consent(org, by=owner)
    with pytest.raises(PermissionDenied):
        services.give_consent(org, by=credit["people"]["hq_operator"])
    services.withdraw_consent(org, by=owner)
    with pytest.raises(ValidationError, match="nothing to withdraw"):
        services.withdraw_consent(org, by=owner)
    services.give_consent(org, by=owner)  # a new consent after a withdrawal
    assert selectors.open_consent(org) is not None


def test_a_bank_sees_only_consenting_enterprises_above_the_threshold(credit):
    people, bank_user = credit["people"], credit["people"]["bank"]
    top, second, low = credit["enterprise"], credit["other_enterprise"], credit["low"]
    scores = {s.organization_id: s.total for s in Score.objects.filter(year=2025)}
    assert scores[top.pk] >= 50 > scores[low.pk]
    services.give_consent(low, by=UserFactory(role=User.Role.MEMBER, organization=low))
    assert list(selectors.loan_ranking(bank_user, 2025)) == []  # consented but below the threshold
    services.give_consent(top, by=people["owner"])
    assert [s.organization_id for s in selectors.loan_ranking(bank_user, 2025)] == [top.pk]
    assert second.pk not in [s.organization_id for s in selectors.loan_ranking(bank_user, 2025)]
    services.withdraw_consent(top, by=people["owner"])
    assert list(selectors.loan_ranking(bank_user, 2025)) == []


def test_loan_rules(credit):
    people, bank_user, top = credit["people"], credit["people"]["bank"], credit["enterprise"]
    terms = {"year": 2025, "amount_yuan": "2000000", "rate_percent": "3.45", "term_months": 12}
    with pytest.raises(ValidationError, match="has not consented"):
        services.record_loan(top, by=bank_user, **terms)
    services.give_consent(top, by=people["owner"])
    low = credit["low"]
    services.give_consent(low, by=UserFactory(role=User.Role.MEMBER, organization=low))
    with pytest.raises(ValidationError, match="below the region's threshold of 50"):
        services.record_loan(low, by=bank_user, **terms)
    with pytest.raises(PermissionDenied, match="Only a bank"):
        services.record_loan(top, by=people["hq_operator"], **terms)
    for field, value, message in (
        ("amount_yuan", "0", "positive number of yuan"),
        ("rate_percent", "40", "at most 36"),
        ("term_months", "0", "from 1 to 360"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.record_loan(top, by=bank_user, **{**terms, field: value})
    assert PointsLoan.objects.count() == 0
    loan = services.record_loan(top, by=bank_user, **terms)
    assert (loan.status, loan.amount_yuan, loan.bank_id) == (
        "offered",
        Decimal("2000000.00"),
        credit["bank"].pk,
    )
    assert loan.score_total == selectors.loan_score(top, 2025).total
    with pytest.raises(PermissionDenied, match="Only the bank that offered"):
        services.grant_loan(loan, by=people["other_bank"])
    assert selectors.financing_per_year() == []
    services.grant_loan(loan, by=bank_user)
    with pytest.raises(ValidationError, match="already recorded as granted"):
        services.grant_loan(loan, by=bank_user)
    [row] = selectors.financing_per_year()
    assert (row.loans, row.amount_yuan, row.enterprises) == (1, Decimal("2000000.00"), 1)
    services.withdraw_consent(top, by=people["owner"])  # a loan already recorded stays
    assert PointsLoan.objects.filter(pk=loan.pk).exists()


ROLES = [
    "anonymous",
    "owner",
    "other_member",
    "staff_in_scope",
    "staff_out_of_scope",
    "broker_in_scope",
    "expert",
    "hq_operator",
    "analyst",
    "platform_admin",
    "bank",
]
SEES_FINANCING = {"hq_operator", "platform_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_what_of_the_loans(credit, role, client):
    people, top = credit["people"], credit["enterprise"]
    services.give_consent(top, by=people["owner"])
    loan = services.record_loan(
        top,
        by=people["bank"],
        year=2025,
        amount_yuan="500000",
        rate_percent="3.1",
        term_months=24,
        granted=True,
    )
    user = people[role]
    assert permissions.can_view_loan_ranking(user) is (role == "bank")
    assert permissions.can_view_financing(user) is (role in SEES_FINANCING)
    assert permissions.can_manage_consent(user, top) is (role == "owner")
    ranked = [s.organization_id for s in selectors.loan_ranking(user, 2025)]
    assert ranked == ([top.pk] if role == "bank" else [])
    sees_loan = role in {"bank", "owner", "hq_operator", "platform_admin"}
    assert list(selectors.visible_loans(user)) == ([loan] if sees_loan else [])
    assert (loan in selectors.visible_loans(people["other_bank"])) is False
    if user is not None:
        client.force_login(user)
    page = client.get(reverse("points:loans") + "?year=2025")
    financing = client.get(reverse("points:financing"))
    consent = client.post(reverse("points:consent"), {"action": "withdraw"})
    record = client.post(
        reverse("points:record-loan", args=[top.pk]),
        {"year": 2025, "amount_yuan": "1", "rate_percent": "3", "term_months": "12"},
    )
    if role == "anonymous":
        assert {page.status_code, financing.status_code, consent.status_code, record.status_code} == {302}
        return
    assert page.status_code == (200 if role == "bank" else 403)
    if role == "bank":
        assert top.name in page.content.decode() and credit["low"].name not in page.content.decode()
    assert financing.status_code == (200 if role in SEES_FINANCING else 403)
    if role in SEES_FINANCING:
        assert "50万元" in financing.content.decode()
    # An enterprise's member acts on its own enterprise's consent (the other member has none to withdraw).
    assert consent.status_code == (302 if role in {"owner", "other_member"} else 403)
    assert record.status_code == (302 if role == "bank" else 403)


def test_the_hq_dashboard_shows_the_financing_and_the_transformations(credit, client):
    people, top = credit["people"], credit["enterprise"]
    services.give_consent(top, by=people["owner"])
    services.record_loan(
        top,
        by=people["bank"],
        year=2025,
        amount_yuan="820000",
        rate_percent="3",
        term_months=12,
        granted=True,
    )
    from mengkeju.core import clock

    client.force_login(people["hq_operator"])
    year = clock.local_date().year
    page = client.get(reverse("insights:dashboard") + f"?year={year}").content.decode()
    assert 'data-figure="points-financing" data-yuan="820000.00"' in page
    client.force_login(people["analyst"])
    assert 'id="points-panel"' not in client.get(reverse("insights:dashboard")).content.decode()


def test_transformations_count_registered_contracts_and_licences_of_scored_enterprises(
    points_system, parties
):
    from mengkeju.core import clock
    from mengkeju.deals.tests.factories import make_contract, registered_contract

    from .test_activity_sources import granted_licence

    year = clock.local_date().year
    scored, unscored = parties["licensee"], parties["unrelated"]
    spec = SystemSpec.from_definition(services.current_system(2026).definition)
    confirmed(scored, 2026, {i.code: 1 for i in spec.all_items}, founded_year=2000)
    confirmed(enterprise(), 2026, {i.code: 2 for i in spec.all_items}, founded_year=2000)
    services.recompute_scores(2026)
    assert year == 2026
    registered_contract(make_contract(buyer=scored, amount_yuan=Decimal("300000.00")))
    registered_contract(make_contract(buyer=unscored, amount_yuan=Decimal("999000.00")))  # not scored
    granted_licence(parties, start_on=clock.local_date())  # lump sum 80,000 to the scored licensee
    t = selectors.transformations(2026)
    assert (t.contracts, t.licences, t.count) == (1, 1, 2)
    assert t.amount_yuan == Decimal("380000.00")
    assert selectors.transformations(2025).count == 0


def test_the_template_of_a_staged_system_reads_the_year_of_establishment(tmp_path, people):
    from ..importing import ImportRejected, template_headers

    services.load_points_system(write_pack(tmp_path, [staged()]))
    hq = people["hq_operator"]
    org = enterprise()
    spec = SystemSpec.from_definition(services.current_system(2026).definition)
    assert "成立年份" in template_headers(spec)

    def workbook(founded):
        from .factories import filled_workbook

        return filled_workbook(2026, [[org.credit_code, org.name, "", "small", founded, 1, 1, 1, 0]])

    with pytest.raises(ImportRejected) as caught:
        services.import_indicator_values(workbook(2031), "a.xlsx", year=2026, by=hq)
    assert "year of establishment between 1900 and 2026" in str(
        [p.message for p in caught.value.report.problems]
    )
    assert not EnterpriseYear.objects.filter(organization=org).exists()
    services.import_indicator_values(workbook(2019), "a.xlsx", year=2026, by=hq)
    assert EnterpriseYear.objects.get(organization=org, year=2026).founded_year == 2019
