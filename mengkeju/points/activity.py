"""Activity points from the platform's own records: a small registry of sources.

A source is a function `(organizations, year) -> {organization_id: count}` registered under the code
that points.yaml names in a system's `activity` list (points per item, cap). Add a source by decorating
a function with `@activity_source("code", label)`; the pack loader refuses codes not registered here.
`organizations` is a list of (id, credit_code) of the cohort's enterprises.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ActivitySource:
    code: str
    label: str
    count: Callable[[list[tuple[int, str]], int], dict[int, int]]


SOURCES: dict[str, ActivitySource] = {}


def activity_source(code: str, label):
    def register(fn):
        SOURCES[code] = ActivitySource(code, label, fn)
        return fn

    return register


@activity_source("registered_contracts", _("registered technical contracts"))
def registered_contracts(organizations: list[tuple[int, str]], year: int) -> dict[int, int]:
    """Current registered technical contracts (认定登记) of the year, registered_on in the year, where the
    enterprise is seller or buyer: by the snapshot's credit code or by a contract party's organization."""
    from mengkeju.deals.models import ContractParty, Registration

    ids = {pk for pk, _code in organizations}
    by_code = {code: pk for pk, code in organizations if code}
    registrations = Registration.objects.filter(
        status=Registration.Status.REGISTERED, is_current=True, registered_on__year=year
    )
    pairs: set[tuple[int, int]] = set()
    contract_of: dict[int, int] = {}
    for reg_id, contract_id, seller, buyer in registrations.values_list(
        "pk", "contract_id", "seller_credit_code", "buyer_credit_code"
    ):
        contract_of[contract_id] = reg_id
        for code in (seller, buyer):
            if code in by_code:
                pairs.add((by_code[code], reg_id))
    parties = ContractParty.objects.filter(
        contract__registrations__in=registrations,
        organization__isnull=False,
        role__in=[ContractParty.Role.SELLER, ContractParty.Role.BUYER],
    ).values_list("contract_id", "organization_id")
    for contract_id, org_id in parties:
        if org_id in ids and contract_id in contract_of:
            pairs.add((org_id, contract_of[contract_id]))
    return dict(Counter(org for org, _reg in pairs))


@activity_source("licences_taken", _("licences taken"))
def licences_taken(organizations: list[tuple[int, str]], year: int) -> dict[int, int]:
    """Licences where the enterprise is licensee, active or converted to paid, starting in the year."""
    from mengkeju.licensing.models import Licence

    ids = {pk for pk, _code in organizations}
    rows = Licence.objects.filter(
        status__in=[Licence.Status.ACTIVE, Licence.Status.CONVERTED], start_on__year=year
    ).values_list("licensee_id", flat=True)
    return dict(Counter(org for org in rows if org in ids))


@activity_source("challenge_milestones", _("accepted challenge milestones"))
def challenge_milestones(organizations: list[tuple[int, str]], year: int) -> dict[int, int]:
    """Milestones of open challenges (揭榜挂帅) accepted (验收通过) in the year, credited to the team's lead
    and partner organizations. The year is that of the milestone's "accepted" event, the decision itself:
    an expert's single verdict does not decide a milestone that several experts accept together.
    Counts nothing while the challenges app is not installed."""
    if not apps.is_installed("mengkeju.challenges"):
        return {}
    try:
        Milestone = apps.get_model("challenges", "Milestone")
        ChallengeEvent = apps.get_model("challenges", "ChallengeEvent")
    except LookupError:
        return {}
    ids = {pk for pk, _code in organizations}
    decisions = ChallengeEvent.objects.filter(action="accepted", at__year=year).values_list("data", flat=True)
    accepted = {data.get("milestone") for data in decisions if isinstance(data, dict)} - {None}
    if not accepted:
        return {}
    milestones = Milestone.objects.filter(status="accepted", pk__in=accepted)
    counts: Counter = Counter()
    for milestone in milestones.select_related("application").prefetch_related("application__partners"):
        application = milestone.application
        for org in {application.lead_id, *(p.pk for p in application.partners.all())}:
            if org in ids:
                counts[org] += 1
    return dict(counts)
