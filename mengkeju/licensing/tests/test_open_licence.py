"""专利开放许可 (Patent Law Arts. 50–52): acceptance grants an ordinary licence at once; no exclusive or
sole licence while a declaration stands; withdrawal keeps existing licences running."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.licensing import selectors, services
from mengkeju.licensing.models import Licence, LicenceEvent, OpenLicenceDeclaration, Scope
from mengkeju.network.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DECLARED = date(2026, 3, 1)


def declare(parties, **overrides):
    values = {
        "declared_on": DECLARED,
        "payment_method": "签约后30日内一次性银行转账，按年度提交销售报告",
        "term_months": 60,
        "patent_number": "ZL202110345678.9",
        "fee_model": "royalty",
        "royalty_rate": "0.03",
        "upfront_fee_yuan": "20000",
    }
    return services.declare_open_licence(
        parties["achievement"], by=parties["licensor_member"], **{**values, **overrides}
    )


def test_accepting_a_declaration_grants_an_ordinary_licence_on_its_terms_at_once(parties):
    declaration = declare(parties)
    licence = services.accept_open_licence(
        declaration, parties["licensee"], by=parties["licensee_member"], on=date(2026, 4, 2)
    )
    assert licence.status == Licence.Status.ACTIVE
    assert licence.scope == Scope.ORDINARY
    assert (licence.licensor, licence.licensee) == (parties["licensor"], parties["licensee"])
    assert (licence.start_on, licence.end_on, licence.granted_on) == (
        date(2026, 4, 2),
        date(2031, 4, 1),
        date(2026, 4, 2),
    )
    assert (licence.fee_model, licence.royalty_rate) == ("royalty", Decimal("0.030000"))
    assert licence.open_declaration == declaration
    # The schedule: the entry fee, due within the payment term; royalties follow from reports.
    assert list(licence.payments.values_list("kind", "amount_yuan", "due_on")) == [
        ("upfront", Decimal("20000.00"), date(2026, 5, 2))
    ]
    assert licence.events.filter(
        action="accept", declaration=declaration, actor=parties["licensee_member"]
    ).exists()
    # A second enterprise may take one too: anyone may.
    services.accept_open_licence(
        declaration, parties["unrelated"], by=parties["unrelated_member"], on=date(2026, 4, 3)
    )
    assert declaration.licences.count() == 2


def test_the_same_organization_cannot_accept_twice_and_nobody_accepts_for_another(parties):
    declaration = declare(parties)
    services.accept_open_licence(declaration, parties["licensee"], by=parties["licensee_member"], on=DECLARED)
    with pytest.raises(ValidationError):
        services.accept_open_licence(
            declaration, parties["licensee"], by=parties["licensee_member"], on=DECLARED
        )
    with pytest.raises(PermissionDenied):
        services.accept_open_licence(
            declaration, parties["unrelated"], by=parties["licensee_member"], on=DECLARED
        )
    with pytest.raises(PermissionDenied):  # the patentee does not license itself
        services.accept_open_licence(
            declaration, parties["licensor"], by=parties["licensor_member"], on=DECLARED
        )
    assert Licence.objects.count() == 1


@pytest.mark.parametrize("scope", [Scope.EXCLUSIVE, Scope.SOLE])
def test_no_exclusive_or_sole_licence_while_a_declaration_stands(parties, scope):
    declare(parties)
    events = LicenceEvent.objects.count()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.create_licence(
            parties["achievement"],
            by=parties["licensor_member"],
            licensee=parties["licensee"],
            scope=scope,
            start_on=date(2026, 5, 1),
            fee_model="lump_sum",
            lump_sum_yuan="800000",
        )
    message = " ".join(refused.value.message_dict["scope"])
    assert "开放许可" in message and "2026-03-01" in message, message
    assert not Licence.objects.exists()
    assert LicenceEvent.objects.count() == events


def test_an_exclusive_draft_cannot_be_granted_once_a_declaration_is_made(parties):
    draft = services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["licensee"],
        scope=Scope.EXCLUSIVE,
        start_on=date(2026, 5, 1),
        fee_model="lump_sum",
        lump_sum_yuan="800000",
    )
    declare(parties)
    with pytest.raises(ValidationError):
        services.grant_licence(draft, by=parties["licensor_member"], on=date(2026, 5, 1))
    draft.refresh_from_db()
    assert draft.status == Licence.Status.DRAFT and not draft.payments.exists()


def test_an_ordinary_licence_may_still_be_granted_while_a_declaration_stands(parties):
    declare(parties)
    licence = services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["licensee"],
        start_on=date(2026, 5, 1),
        fee_model="lump_sum",
        lump_sum_yuan="100000",
    )
    services.grant_licence(licence, by=parties["licensor_member"], on=date(2026, 5, 1))
    assert licence.status == Licence.Status.ACTIVE


def test_withdrawal_keeps_existing_licences_running_and_stops_new_acceptances(parties):
    declaration = declare(parties)
    licence = services.accept_open_licence(
        declaration, parties["licensee"], by=parties["licensee_member"], on=date(2026, 4, 2)
    )
    services.withdraw_open_licence(
        declaration, by=parties["licensor_member"], on=date(2026, 9, 1), reason="拟独占许可"
    )
    declaration.refresh_from_db()
    assert (declaration.status, declaration.withdrawn_on) == (
        OpenLicenceDeclaration.Status.WITHDRAWN,
        date(2026, 9, 1),
    )
    licence.refresh_from_db()
    assert licence.status == Licence.Status.ACTIVE  # still running
    assert licence in selectors.running_licences(parties["achievement"])
    with pytest.raises(ValidationError):
        services.accept_open_licence(
            declaration, parties["unrelated"], by=parties["unrelated_member"], on=date(2026, 9, 2)
        )
    assert not selectors.public_declarations().exists()
    assert list(declaration.events.values_list("action", flat=True)) == ["declare", "accept", "withdraw"]
    # After the withdrawal an exclusive licence is no longer barred by the declaration, but it
    # still may not overlap the running ordinary licence.
    exclusive = services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["unrelated"],
        scope=Scope.EXCLUSIVE,
        start_on=date(2026, 10, 1),
        fee_model="lump_sum",
        lump_sum_yuan="900000",
    )
    with pytest.raises(ValidationError, match="包头稀土永磁科技有限公司"):
        services.grant_licence(exclusive, by=parties["licensor_member"], on=date(2026, 10, 1))


def test_a_declaration_is_refused_while_an_exclusive_licence_runs(parties):
    licence = services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["licensee"],
        scope=Scope.EXCLUSIVE,
        start_on=date(2026, 1, 1),
        fee_model="lump_sum",
        lump_sum_yuan="800000",
    )
    services.grant_licence(licence, by=parties["licensor_member"], on=date(2026, 1, 1))
    with pytest.raises(ValidationError):
        declare(parties)
    assert not OpenLicenceDeclaration.objects.exists()


def test_only_the_owner_declares_and_one_declaration_stands_at_a_time(parties):
    with pytest.raises(PermissionDenied):
        services.declare_open_licence(
            parties["achievement"],
            by=parties["licensee_member"],
            declared_on=DECLARED,
            payment_method="转账",
            term_months=12,
            fee_model="free",
        )
    declare(parties)
    with pytest.raises(ValidationError):
        declare(parties)
    assert OpenLicenceDeclaration.objects.count() == 1


def test_the_public_list_searches_standing_declarations(parties, client):
    declaration = declare(parties)
    other = services.declare_open_licence(
        AchievementFactory(owner=parties["licensor"], title="马铃薯脱毒种薯快繁技术", field="农业"),
        by=parties["licensor_member"],
        declared_on=DECLARED,
        payment_method="转账",
        term_months=36,
        fee_model="lump_sum",
        lump_sum_yuan="30000",
    )
    assert set(selectors.public_declarations("马铃薯")) == {other}
    assert set(selectors.public_declarations("")) == {declaration, other}
    page = client.get("/licensing/open/?q=马铃薯")
    assert page.status_code == 200
    body = page.content.decode()
    assert "马铃薯脱毒种薯快繁技术" in body and declaration.achievement.title not in body
    assert "登录后接受" in body  # anonymous visitors are asked to log in to accept


def test_accept_button_on_the_public_page_grants_the_licence(parties, client):
    declaration = declare(parties)
    client.force_login(parties["licensee_member"])
    page = client.get("/licensing/open/")
    assert f"/licensing/open/{declaration.pk}/accept/" in page.content.decode()
    response = client.post(f"/licensing/open/{declaration.pk}/accept/")
    licence = Licence.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/licensing/{licence.pk}/"
    assert licence.licensee == parties["licensee"]


def test_members_of_network_nodes_cannot_take_a_licence(parties):
    declaration = declare(parties)
    node = parties["broker"].organization
    staff_member = UserFactory(role="member", organization=node)
    with pytest.raises(PermissionDenied):
        services.accept_open_licence(declaration, node, by=staff_member, on=DECLARED)
