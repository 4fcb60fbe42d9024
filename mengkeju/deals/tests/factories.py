"""Factories for deals, technical contracts and registrations.

For other apps' tests (statistics): `registered_contract(...)` returns a Registration that went
through the real services (submitted by the seller side, registered by an HQ operator), so its
number and snapshot fields are exactly what production writes.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory

from mengkeju.catalog.tests.factories import DemandFactory
from mengkeju.core import clock
from mengkeju.deals import services
from mengkeju.deals.models import (
    ContractKind,
    ContractParty,
    Deal,
    Registration,
    SubKind,
    TechnicalContract,
)
from mengkeju.deals.rules import credit_code_check_character
from mengkeju.network.models import Organization, User
from mengkeju.network.tests.factories import OrganizationFactory, UserFactory, division


def credit_code(n: int, division_code: str = "150200") -> str:
    """A valid unified social credit code (GB 32100 check character) unique per n."""
    first17 = f"91{division_code}{n:09d}"
    return first17 + credit_code_check_character(first17)


def node(code: str = "baotou") -> Organization:
    return Organization.objects.get(code=code)


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"撮合项目{n}")
    demand = factory.SubFactory(DemandFactory)
    sub_center = factory.LazyFunction(node)
    stage = Deal.Stage.INTENT


class PartyOrganizationFactory(OrganizationFactory):
    credit_code = factory.Sequence(lambda n: credit_code(n + 500_000))


class TechnicalContractFactory(factory.django.DjangoModelFactory):
    """A commissioned-development contract of 1,000,000 yuan, signed ten days ago, running a year,
    for the Baotou sub-center, without parties (use `make_contract` for a complete one)."""

    class Meta:
        model = TechnicalContract

    title = factory.Sequence(lambda n: f"稀土永磁电机高温退磁技术开发合同{n}")
    kind = ContractKind.DEVELOPMENT
    sub_kind = SubKind.COMMISSIONED_DEVELOPMENT
    amount_yuan = Decimal("1000000.00")
    equipment_yuan = Decimal("0.00")
    instruments_yuan = Decimal("0.00")
    parts_yuan = Decimal("0.00")
    materials_yuan = Decimal("0.00")
    construction_yuan = Decimal("0.00")
    transaction_amount_yuan = factory.LazyAttribute(lambda c: services.transaction_amount(c))
    signed_on = factory.LazyFunction(lambda: clock.local_date() - timedelta(days=10))
    term_start = factory.LazyFunction(lambda: clock.local_date() - timedelta(days=10))
    term_end = factory.LazyFunction(lambda: clock.local_date() + timedelta(days=365))
    sub_center = factory.LazyFunction(node)
    status = TechnicalContract.Status.DRAFT


def make_contract(
    *,
    seller: Organization | None = None,
    buyer: Organization | None = None,
    seller_division: str | None = "150200",
    buyer_division: str | None = "150400",
    extra_parties: list[dict] | None = None,
    **fields,
) -> TechnicalContract:
    """A draft contract with one seller (in Baotou) and one buyer (in Chifeng), organizations created
    when not given. A division code of None leaves that party's division unknown."""
    seller = seller or PartyOrganizationFactory(division=division(seller_division or "150200"))
    buyer = buyer or PartyOrganizationFactory(division=division(buyer_division or "150400"))
    contract = TechnicalContractFactory(**fields)
    for role, org, code in (
        (ContractParty.Role.SELLER, seller, seller_division),
        (ContractParty.Role.BUYER, buyer, buyer_division),
    ):
        ContractParty.objects.create(
            contract=contract,
            role=role,
            organization=org,
            name=org.name,
            credit_code=org.credit_code or credit_code(org.pk + 700_000),
            division=division(code) if code else None,
        )
    for extra in extra_parties or []:
        ContractParty.objects.create(contract=contract, **extra)
    return contract


def seller_member(contract: TechnicalContract) -> User:
    seller = contract.parties.get(role=ContractParty.Role.SELLER).organization
    return UserFactory(role=User.Role.MEMBER, organization=seller)


def hq_operator() -> User:
    return UserFactory(role=User.Role.HQ_OPERATOR, organization=node("hq"))


def submitted_contract(
    contract: TechnicalContract | None = None, *, applicant: User | None = None, **fields
) -> Registration:
    """A contract applied for registration by its seller side; returns the pending Registration."""
    contract = contract or make_contract(**fields)
    return services.submit_contract(contract, by=applicant or seller_member(contract))


def registered_contract(
    contract: TechnicalContract | None = None,
    *,
    applicant: User | None = None,
    registrar: User | None = None,
    **fields,
) -> Registration:
    """A registered, current Registration made through the services.

    `fields` go to `make_contract` (e.g. amount_yuan=Decimal("250000.00"), kind=ContractKind.LICENCE,
    sub_kind=SubKind.PATENT_LICENCE, licence_scope="ordinary", seller_division="110000" for an inflow,
    chain=IndustryChain, signed_on=date(...)). Raises AssertionError if a rule refused it.
    """
    registration = submitted_contract(contract, applicant=applicant, **fields)
    registrar = registrar or hq_operator()
    if registration.needs_expert_review:  # 技术交易额 ≥ the region's threshold: experts first
        registration = services.record_expert_review(registration, "专家论证意见：同意登记", by=registrar)
    registration = services.register(registration, by=registrar)
    assert registration.status == Registration.Status.REGISTERED, registration.refused_message
    return registration
