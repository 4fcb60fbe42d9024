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
