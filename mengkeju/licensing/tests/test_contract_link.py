"""A licence may name the technical contract (deals) it implements: a licence contract between its parties."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from mengkeju.deals.models import ContractKind, SubKind
from mengkeju.deals.tests.factories import make_contract
from mengkeju.licensing import services
from mengkeju.licensing.models import Licence

pytestmark = pytest.mark.django_db


def licence_with(parties, contract, scope="ordinary"):
    return services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["licensee"],
        scope=scope,
        start_on=date(2026, 1, 1),
        fee_model="lump_sum",
        lump_sum_yuan="200000",
        contract=contract,
    )


def licence_contract(parties, **fields):
    return make_contract(
        seller=parties["licensor"],
        buyer=parties["licensee"],
        kind=ContractKind.LICENCE,
        sub_kind=SubKind.PATENT_LICENCE,
        licence_scope="ordinary",
        **fields,
    )


def test_a_licence_names_its_contract(parties, client):
    contract = licence_contract(parties)
    licence = licence_with(parties, contract)
    assert licence.contract == contract and list(contract.licences.all()) == [licence]
    client.force_login(parties["licensee_member"])
    assert f"/deals/contracts/{contract.pk}/" in client.get(f"/licensing/{licence.pk}/").content.decode()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {
                "kind": ContractKind.DEVELOPMENT,
                "sub_kind": SubKind.COMMISSIONED_DEVELOPMENT,
                "licence_scope": "",
            },
            "contract",
        ),
        ({"licence_scope": "exclusive"}, "scope"),
    ],
)
def test_the_contract_must_be_a_licence_of_the_same_scope(parties, change, field):
    contract = make_contract(
        seller=parties["licensor"],
        buyer=parties["licensee"],
        **{
            "kind": ContractKind.LICENCE,
            "sub_kind": SubKind.PATENT_LICENCE,
            "licence_scope": "ordinary",
            **change,
        },
    )
    with pytest.raises(ValidationError) as refused:
        licence_with(parties, contract)
    assert field in refused.value.message_dict
    assert not Licence.objects.exists()


def test_the_contract_must_be_between_the_licence_parties(parties):
    contract = make_contract(
        seller=parties["licensor"],
        buyer=parties["unrelated"],
        kind=ContractKind.LICENCE,
        sub_kind=SubKind.PATENT_LICENCE,
    )
    with pytest.raises(ValidationError, match="被许可方"):
        licence_with(parties, contract)
    assert not Licence.objects.exists()


def test_the_api_names_no_contract_the_user_may_not_see(parties):
    """Naming another organization's contract answers exactly as naming a missing one: nothing of it
    (title, kind, scope) comes back, and nothing is written."""
    from rest_framework.test import APIClient

    from mengkeju.deals.models import TechnicalContract

    others = make_contract(
        kind=ContractKind.LICENCE,
        sub_kind=SubKind.PATENT_LICENCE,
        licence_scope="exclusive",
        title="别家的独占许可合同",
    )
    api = APIClient()
    api.force_authenticate(parties["licensor_member"])
    body = {
        "achievement": parties["achievement"].pk,
        "licensee": parties["licensee"].code,
        "start_on": "2026-01-01",
        "fee_model": "lump_sum",
        "lump_sum_yuan": "200000",
    }
    missing_pk = TechnicalContract.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    answers = [
        api.post("/api/licensing/licences/", {**body, "contract": pk}, format="json")
        for pk in (others.pk, missing_pk)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json()["codes"] == answers[1].json()["codes"] == {"contract": ["does_not_exist"]}
    assert "别家" not in answers[0].content.decode() and "独占" not in answers[0].content.decode()
    assert not Licence.objects.exists()
    own = licence_contract(parties)
    named = api.post("/api/licensing/licences/", {**body, "contract": own.pk}, format="json")
    assert named.status_code == 201, named.content


def test_a_refusal_does_not_name_the_owner_of_another_organizations_draft(parties):
    """Issue 13, finding 4: licensing someone else's unpublished achievement is refused without
    telling whose it is."""
    from rest_framework.test import APIClient

    from mengkeju.catalog.models import Status
    from mengkeju.catalog.tests.factories import AchievementFactory
    from mengkeju.network.tests.factories import OrganizationFactory

    owner = OrganizationFactory(name="保密的成果所有人研究院")
    draft = AchievementFactory(owner=owner, status=Status.DRAFT)
    api = APIClient()
    api.force_authenticate(parties["licensor_member"])
    body = {
        "achievement": draft.pk,
        "licensee": parties["licensee"].code,
        "start_on": "2026-01-01",
        "fee_model": "lump_sum",
        "lump_sum_yuan": "200000",
    }
    answer = api.post("/api/licensing/licences/", body, format="json")
    assert answer.status_code in (400, 403, 404), answer.content
    assert "保密的成果所有人研究院" not in answer.content.decode()
    assert not Licence.objects.exists()
