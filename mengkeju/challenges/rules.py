"""The rules of an open challenge that can be stated on their own: score aggregation, the weighted
rubric, machine-checkable eligibility and conflicts of interest. The services apply them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from mengkeju.deals.models import ContractParty

THOUSANDTH = Decimal("0.001")
# With this many scores or more, the highest and the lowest are dropped before averaging.
TRIM_FROM = 5
MAX_SCORE = Decimal(100)


def aggregate_scores(totals: Sequence[Decimal]) -> Decimal:
    """The panel's score of one application: the trimmed mean (highest and lowest dropped) when there
    are at least five scores, else the plain mean. One outlier cannot move a five-expert panel much."""
    if not totals:
        raise ValueError("no scores to aggregate")
    values = sorted(Decimal(t) for t in totals)
    if len(values) >= TRIM_FROM:
        values = values[1:-1]
    return (sum(values, Decimal(0)) / len(values)).quantize(THOUSANDTH, rounding=ROUND_HALF_UP)


def weighted_total(rubric: Sequence[dict], scores: dict) -> Decimal:
    """Σ score × weight / Σ weight, on the 0–100 scale of each criterion."""
    weights = [(c["code"], Decimal(str(c["weight"]))) for c in rubric]
    total_weight = sum((w for _code, w in weights), Decimal(0))
    value = sum((Decimal(str(scores[code])) * w for code, w in weights), Decimal(0)) / total_weight
    return value.quantize(THOUSANDTH, rounding=ROUND_HALF_UP)


def rubric_errors(rubric: Sequence[dict]) -> list[str]:
    errors = []
    if not rubric:
        return [_("The review rubric needs at least one criterion.")]
    codes = set()
    for criterion in rubric:
        code, name = criterion.get("code"), criterion.get("name")
        try:
            weight = Decimal(str(criterion.get("weight")))
        except Exception:  # any unreadable weight is the same input error
            weight = Decimal(-1)
        if not code or not name or code in codes:
            errors.append(_("Each rubric criterion needs a unique code and a name."))
        if weight <= 0:
            errors.append(_("Each rubric criterion needs a positive weight."))
        codes.add(code)
    return errors


def indicator_majority(indicators, verdicts: Sequence[Sequence[dict]]) -> dict[int, dict]:
    """Per indicator, how many experts found it met and not met; met by majority (more met than not
    met — a tie is not met). `verdicts`: each expert's results, [{"indicator": id, "met": bool}, ...]."""
    tally = {}
    for indicator in indicators:
        votes = [r["met"] for results in verdicts for r in results if r["indicator"] == indicator.pk]
        met = sum(1 for v in votes if v)
        tally[indicator.pk] = {
            "met_votes": met,
            "not_met_votes": len(votes) - met,
            "met": met > len(votes) - met,
        }
    return tally


# --- eligibility -------------------------------------------------------------------------------


def eligibility_failures(challenge, organizations: Iterable, commitments: dict, indicators) -> list[str]:
    """Machine-checkable eligibility of a team: every organization against the challenge's rules
    (inside the region only, allowed divisions, allowed kinds, not already funded for this challenge)
    and every committed indicator value against its target. Empty: eligible."""
    from .models import Application

    rules = challenge.eligibility or {}
    failures: list[str] = []
    division_codes = set(rules.get("division_codes") or [])
    kinds = set(rules.get("organization_kinds") or [])
    funded = set(
        Application.objects.filter(
            challenge=challenge, status__in=[Application.Status.AWARDED, Application.Status.SELECTED]
        ).values_list("lead_id", flat=True)
    )
    for org in organizations:
        division = org.division
        if rules.get("inside_region_only") and division.external:
            failures.append(
                _("%(org)s is outside the region; this challenge is open to organizations inside it only.")
                % {"org": org.name}
            )
        if division_codes and not _within(division, division_codes):
            failures.append(
                _("%(org)s is not located in a division this challenge is open to.") % {"org": org.name}
            )
        if kinds and org.kind not in kinds:
            failures.append(
                _("%(org)s is a %(kind)s; this challenge is open to other kinds of organization.")
                % {"org": org.name, "kind": org.get_kind_display()}
            )
        if org.pk in funded:
            failures.append(_("%(org)s is already funded for this challenge.") % {"org": org.name})
        if org.pk == challenge.publisher_id:
            failures.append(_("The publisher cannot take on its own challenge."))
    for indicator in indicators:
        value = commitments.get(indicator.pk)
        if value is None:
            failures.append(_("Commit to a value for “%(name)s”.") % {"name": indicator.name})
        elif not indicator.is_met_by(value):
            failures.append(
                _("The committed %(name)s of %(value)s does not meet the target %(target)s.")
                % {"name": indicator.name, "value": f"{value.normalize():f}", "target": str(indicator)}
            )
    return failures


def _within(division, codes: set[str]) -> bool:
    """The division or one of its ancestors is listed."""
    node = division
    while node is not None:
        if node.code in codes:
            return True
        node = node.parent
    return False


# --- conflicts of interest ---------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    code: str  # same_organization | publisher | joint_contract | joint_application | declared
    message: str


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def conflicts_of(
    expert, challenge, applicant_org_ids: set[int], *, now: datetime, years: int
) -> list[Conflict]:
    """Why an expert may not review this challenge's applications (empty: no conflict).

    Same organization as an applicant (lead or partner) or as the publisher; a technical contract
    with an applicant organization signed within `years`; a joint challenge application with one
    within `years`; a declared conflict with an applicant organization or the publisher.
    """
    from .models import Application, ConflictDeclaration

    org_id = expert.organization_id
    conflicts: list[Conflict] = []
    involved = set(applicant_org_ids)
    if org_id in involved:
        conflicts.append(Conflict("same_organization", _("works at an applicant organization")))
    if org_id == challenge.publisher_id:
        conflicts.append(Conflict("publisher", _("works at the publishing organization")))
    cutoff = years_before(now, years)
    others = involved - {org_id}
    if others:
        recent = Q(contract__signed_on__gte=cutoff.date()) | Q(
            contract__signed_on__isnull=True, contract__created_at__gte=cutoff
        )
        contracts = ContractParty.objects.filter(recent, organization_id=org_id).values("contract_id")
        if ContractParty.objects.filter(contract_id__in=contracts, organization_id__in=others).exists():
            conflicts.append(
                Conflict(
                    "joint_contract",
                    _("a technical contract with an applicant organization in the last %(n)s years")
                    % {"n": years},
                )
            )
        joint = (
            Application.objects.filter(submitted_at__gte=cutoff)
            .exclude(challenge=challenge)
            .filter(Q(lead_id=org_id) | Q(partners__id=org_id))
            .filter(Q(lead_id__in=others) | Q(partners__id__in=others))
        )
        if joint.exists():
            conflicts.append(
                Conflict(
                    "joint_application",
                    _("a joint challenge application with an applicant organization in the last %(n)s years")
                    % {"n": years},
                )
            )
    declared = ConflictDeclaration.objects.filter(
        expert=expert, organization_id__in=involved | {challenge.publisher_id}
    )
    if declared.exists():
        names = "、".join(d.organization.name for d in declared.select_related("organization"))
        conflicts.append(Conflict("declared", _("declared a conflict with %(names)s") % {"names": names}))
    return conflicts


# --- consortium rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsortiumRules:
    """The region's consortium rules (region pack parameters, docs/challenges.md): the kinds of
    organization that may lead (empty: any), whether the lead must be located in the region, and the
    least enterprise co-funding per yuan of public funding (0: no ratio)."""

    lead_kinds: tuple[str, ...] = ()
    lead_inside_region: bool = False
    cofunding_ratio: Decimal = Decimal(0)

    @property
    def ratio_label(self) -> str:
        return f"{self.cofunding_ratio.normalize():f} : 1"


def lead_failures(lead, consortium: ConsortiumRules) -> list[str]:
    """Why this organization may not lead a consortium (empty: it may)."""
    from mengkeju.network.models import Organization

    failures = []
    if consortium.lead_kinds and lead.kind not in consortium.lead_kinds:
        kinds = "、".join(str(Organization.Kind(k).label) for k in consortium.lead_kinds)
        failures.append(
            _(
                "Consortium rule: the lead applicant must be of the kind %(kinds)s; %(org)s is of the "
                "kind “%(kind)s”."
            )
            % {"kinds": kinds, "org": lead.name, "kind": lead.get_kind_display()}
        )
    if consortium.lead_inside_region and lead.division.external:
        failures.append(
            _(
                "Consortium rule: the lead applicant must be registered in the region; %(org)s is "
                "located in %(division)s, outside it."
            )
            % {"org": lead.name, "division": lead.division.name}
        )
    return failures


def cofunding_needed(public_yuan: Decimal, consortium: ConsortiumRules) -> Decimal:
    """The least enterprise co-funding for this much public funding, to the fen (rounded up)."""
    return (Decimal(public_yuan) * consortium.cofunding_ratio).quantize(Decimal("0.01"), rounding=ROUND_UP)


def cofunding_failure(
    cofunding_yuan: Decimal, public_yuan: Decimal, consortium: ConsortiumRules
) -> str | None:
    """On application: the committed co-funding against the requested public funding."""
    needed = cofunding_needed(public_yuan, consortium)
    if cofunding_yuan >= needed:
        return None
    return _(
        "Consortium rule: enterprise co-funding must be at least %(ratio)s of the public funding; "
        "%(public)s yuan requested needs at least %(needed)s yuan of co-funding, not %(cofunding)s."
    ) % {
        "ratio": consortium.ratio_label,
        "public": f"{public_yuan:,.2f}",
        "needed": f"{needed:,.2f}",
        "cofunding": f"{cofunding_yuan:,.2f}",
    }


def tranche_cofunding_failure(
    paid_yuan: Decimal, public_yuan: Decimal, consortium: ConsortiumRules
) -> str | None:
    """Before a tranche: the co-funding contributed to date against the public funding released with it."""
    needed = cofunding_needed(public_yuan, consortium)
    if paid_yuan >= needed:
        return None
    return _(
        "Consortium rule: enterprise co-funding must keep pace at %(ratio)s; with this tranche "
        "%(public)s yuan of public funding is released, which needs %(needed)s yuan contributed by the "
        "enterprise, but %(paid)s yuan is reported."
    ) % {
        "ratio": consortium.ratio_label,
        "public": f"{public_yuan:,.2f}",
        "needed": f"{needed:,.2f}",
        "paid": f"{paid_yuan:,.2f}",
    }
