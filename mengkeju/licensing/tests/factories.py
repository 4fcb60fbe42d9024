"""Factories and ready-made situations for licensing tests.

Rows made directly by factories (for permission matrices) skip the rules; the helper functions
below go through the services, the way real licences come about, so they carry events and schedules:

    licence = trial_licence(parties)                         # draft, use first, pay later
    licence = converted_royalty_licence(parties, on=D)       # trial started and converted on D
    payment = royalty_payment(licence, parties, ...)         # a royalty report and its scheduled payment
"""

from datetime import date
from decimal import Decimal

import factory

from mengkeju.catalog.tests.factories import AchievementFactory
from mengkeju.licensing import services
from mengkeju.licensing.models import FeeModel, Licence, OpenLicenceDeclaration, Scope
from mengkeju.network.models import Organization
from mengkeju.network.tests.factories import OrganizationFactory


class UniversityFactory(OrganizationFactory):
    kind = Organization.Kind.UNIVERSITY
    name = factory.Sequence(lambda n: f"测试大学{n}")


class LicenceFactory(factory.django.DjangoModelFactory):
    """A licence row as it stands in a given status, without going through the services."""

    class Meta:
        model = Licence

    achievement = factory.SubFactory(AchievementFactory, owner=factory.SubFactory(UniversityFactory))
    licensor = factory.LazyAttribute(lambda o: o.achievement.owner)
    licensee = factory.SubFactory(OrganizationFactory)
    scope = Scope.ORDINARY
    start_on = date(2026, 1, 1)
    fee_model = FeeModel.ROYALTY
    royalty_rate = Decimal("0.05")
    status = Licence.Status.ACTIVE
    granted_on = date(2026, 1, 1)


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpenLicenceDeclaration

    achievement = factory.SubFactory(AchievementFactory, owner=factory.SubFactory(UniversityFactory))
    licensor = factory.LazyAttribute(lambda o: o.achievement.owner)
    fee_model = FeeModel.LUMP_SUM
    lump_sum_yuan = Decimal("50000.00")
    payment_method = "签约后30日内银行转账"
    term_months = 60
    declared_on = date(2026, 1, 1)


ROYALTY_TERMS = {"fee_model": FeeModel.ROYALTY, "royalty_rate": Decimal("0.035")}
INVENTORS = [
    {"name": "张明", "weight": "3"},
    {"name": "李华", "weight": "2"},
    {"name": "王芳", "weight": "1"},
]


def trial_licence(parties, *, start_on=date(2026, 1, 15), trial_months=None, **terms) -> Licence:
    """A draft use-first-pay-later licence from the university to the enterprise (royalty terms)."""
    return services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["licensee"],
        start_on=start_on,
        end_on=date(2036, 1, 14),
        use_first_pay_later=True,
        trial_months=trial_months,
        inventors=INVENTORS,
        **(terms or ROYALTY_TERMS),
    )


def converted_royalty_licence(parties, *, on=date(2026, 6, 1), **terms) -> Licence:
    """A use-first-pay-later licence whose trial started on 2026-01-15 and was converted on `on`."""
    licence = trial_licence(parties, **terms)
    services.start_trial(licence, by=parties["licensor_member"], on=licence.start_on)
    return services.convert_to_paid(licence, by=parties["licensee_member"], on=on)


def royalty_payment(licence, parties, *, start, end, sales, filed_on=None, units=0):
    """File a royalty report as the licensee; returns the scheduled payment it created."""
    report = services.file_royalty_report(
        licence,
        by=parties["licensee_member"],
        period_start_on=start,
        period_end_on=end,
        sales_revenue_yuan=sales,
        units_sold=units,
        filed_on=filed_on or end,
    )
    return report.payment
