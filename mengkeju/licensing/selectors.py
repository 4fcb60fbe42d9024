"""Read queries of licensing. Every list starts from a `visible_*` query mirroring permissions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from mengkeju.network.models import Organization

from . import permissions
from .models import (
    EXCLUSIVE_SCOPES,
    FeeModel,
    Licence,
    LicenceAction,
    LicenceEvent,
    OpenLicenceDeclaration,
    Payment,
    RevenueSharePolicy,
    RevenueShareStatement,
)

ZERO = Decimal("0.00")


# Visibility --------------------------------------------------------------------------------------


def visible_licences(user) -> QuerySet[Licence]:
    qs = Licence.objects.select_related("achievement", "licensor", "licensee")
    if permissions.sees_everything(user):
        return qs
    if user and user.is_authenticated and user.role == user.Role.MEMBER and user.organization_id:
        return qs.filter(Q(licensor_id=user.organization_id) | Q(licensee_id=user.organization_id))
    return qs.none()


def visible_declarations(user) -> QuerySet[OpenLicenceDeclaration]:
    qs = OpenLicenceDeclaration.objects.select_related("achievement", "licensor")
    public = Q(status=OpenLicenceDeclaration.Status.DECLARED)
    if permissions.sees_everything(user):
        return qs
    if user and user.is_authenticated and user.role == user.Role.MEMBER and user.organization_id:
        return qs.filter(public | Q(licensor_id=user.organization_id))
    return qs.filter(public)


def public_declarations(query: str = "") -> QuerySet[OpenLicenceDeclaration]:
    """Standing open licence declarations, newest first; `query` searches title, field, owner, patent."""
    qs = OpenLicenceDeclaration.objects.filter(status=OpenLicenceDeclaration.Status.DECLARED).select_related(
        "achievement", "licensor"
    )
    for word in (query or "").split()[:8]:
        qs = qs.filter(
            Q(achievement__title__icontains=word)
            | Q(achievement__field__icontains=word)
            | Q(achievement__keywords__icontains=word)
            | Q(licensor__name__icontains=word)
            | Q(patent_number__icontains=word)
        )
    return qs


def visible_statements(user) -> QuerySet[RevenueShareStatement]:
    qs = RevenueShareStatement.objects.select_related(
        "receipt__payment__licence__achievement", "receipt__payment__licence__licensor", "policy"
    )
    if permissions.sees_everything(user):
        return qs
    if user and user.is_authenticated and user.role == user.Role.MEMBER and user.organization_id:
        return qs.filter(receipt__payment__licence__licensor_id=user.organization_id)
    return qs.none()


def visible_revenue_policies(user) -> QuerySet[RevenueSharePolicy]:
    """Revenue-sharing policies the user may read: HQ and admins all, a member their institution's
    (the rule of `permissions.can_view_revenue`, which the policy page applies); nobody else any."""
    qs = RevenueSharePolicy.objects.select_related("institution").order_by("institution", "-valid_from")
    if permissions.sees_everything(user):
        return qs
    if user and user.is_authenticated and user.role == user.Role.MEMBER and user.organization_id:
        return qs.filter(institution_id=user.organization_id)
    return qs.none()


def visible_payments(user) -> QuerySet[Payment]:
    return Payment.objects.filter(licence__in=visible_licences(user).values("pk")).select_related("licence")


def licence_events(licence: Licence, user) -> QuerySet[LicenceEvent]:
    """A licence's history as `user` may read it: revenue-sharing statements are the licensor's
    internal matter, so the licensee does not see those events."""
    events = licence.events.select_related("actor")
    if not permissions.can_view_revenue(user, licence.licensor_id):
        events = events.exclude(action=LicenceAction.STATEMENT)
    return events


# The grant rules ---------------------------------------------------------------------------------


def standing_declaration(achievement) -> OpenLicenceDeclaration | None:
    return (
        OpenLicenceDeclaration.objects.filter(
            achievement=achievement, status=OpenLicenceDeclaration.Status.DECLARED
        )
        .order_by("-declared_on")
        .first()
    )


def running_licences(achievement) -> QuerySet[Licence]:
    return Licence.objects.filter(achievement=achievement, status__in=Licence.RUNNING).select_related(
        "licensee"
    )


def _normalized(text: str) -> str:
    return "".join((text or "").split()).casefold()


def conflicting_licences(licence: Licence) -> QuerySet[Licence]:
    """Running licences of the same achievement that overlap `licence` in time, territory and field of
    use where one of the two is exclusive or sole.

    Territories and fields compare as text: an empty one means "everywhere" / "every field" and
    overlaps everything; two different non-empty ones are taken as separate.
    """
    qs = running_licences(licence.achievement).exclude(pk=licence.pk)
    if licence.scope not in EXCLUSIVE_SCOPES:
        qs = qs.filter(scope__in=EXCLUSIVE_SCOPES)
    if licence.end_on is not None:
        qs = qs.filter(start_on__lte=licence.end_on)
    qs = qs.filter(Q(end_on__isnull=True) | Q(end_on__gte=licence.start_on))
    territory, field_of_use = _normalized(licence.territory), _normalized(licence.field_of_use)
    ids = [
        other.pk
        for other in qs
        if (not territory or not _normalized(other.territory) or territory == _normalized(other.territory))
        and (
            not field_of_use
            or not _normalized(other.field_of_use)
            or field_of_use == _normalized(other.field_of_use)
        )
    ]
    return Licence.objects.filter(pk__in=ids).select_related("licensee").order_by("start_on", "pk")


# The daily job -----------------------------------------------------------------------------------


def trials_running_on(today: date) -> QuerySet[Licence]:
    return Licence.objects.filter(
        status=Licence.Status.TRIAL, trial_end_on__gte=today, trial_start_on__lte=today
    ).select_related("achievement", "licensee", "licensor")


def licences_to_expire(today: date) -> QuerySet[Licence]:
    return Licence.objects.filter(
        Q(status=Licence.Status.TRIAL, trial_end_on__lt=today)
        | Q(status__in=Licence.PAYING, end_on__lt=today)
    ).order_by("pk")


def licences_with_minimum_royalty() -> QuerySet[Licence]:
    return Licence.objects.filter(
        fee_model=FeeModel.ROYALTY,
        minimum_annual_royalty_yuan__isnull=False,
        status__in=(*Licence.PAYING, Licence.Status.TERMINATED, Licence.Status.EXPIRED),
    ).exclude(use_first_pay_later=True, converted_on__isnull=True)


# Revenue sharing ---------------------------------------------------------------------------------


def policy_in_force(institution: Organization, on: date) -> RevenueSharePolicy | None:
    return (
        RevenueSharePolicy.objects.filter(institution=institution, valid_from__lte=on)
        .select_related("institution")
        .order_by("-valid_from")
        .first()
    )


def policies_of(institution: Organization) -> QuerySet[RevenueSharePolicy]:
    return RevenueSharePolicy.objects.filter(institution=institution).select_related("created_by")


# The payment schedule ----------------------------------------------------------------------------


@dataclass
class ScheduleRow:
    payment: Payment
    state: str

    @property
    def state_label(self) -> str:
        return Payment.State(self.state).label


@dataclass
class Schedule:
    """A licence's payment schedule as seen on `today`: each item's state and the totals."""

    today: date
    rows: list[ScheduleRow] = field(default_factory=list)
    scheduled_yuan: Decimal = ZERO
    paid_yuan: Decimal = ZERO
    outstanding_yuan: Decimal = ZERO
    overdue_yuan: Decimal = ZERO

    @property
    def has_overdue(self) -> bool:
        return self.overdue_yuan > 0


def schedule(licence: Licence, today: date) -> Schedule:
    result = Schedule(today=today)
    for payment in licence.payments.all().order_by("due_on", "pk"):
        state = payment.state_on(today)
        result.rows.append(ScheduleRow(payment, state))
        result.scheduled_yuan += payment.amount_yuan
        result.paid_yuan += payment.paid_amount_yuan
        result.outstanding_yuan += payment.outstanding_yuan
        if state == Payment.State.OVERDUE:
            result.overdue_yuan += payment.outstanding_yuan
    return result


def overdue_payments(today: date, user=None) -> QuerySet[Payment]:
    qs = Payment.objects.all() if user is None else visible_payments(user)
    return qs.filter(paid_on__isnull=True, due_on__lt=today).order_by("due_on")
