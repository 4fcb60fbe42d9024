"""Open licences (专利开放许可, Patent Law Arts. 50–52): declared by the owner, withdrawn, and accepted
by anyone, who obtains an ordinary licence on the published terms at once.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Achievement
from mengkeju.core.events import acting_user
from mengkeju.core.exceptions import ConflictError
from mengkeju.network.models import Organization

from .. import calculations, permissions, selectors
from ..models import EXCLUSIVE_SCOPES, Licence, LicenceAction, OpenLicenceDeclaration, Scope
from ._common import _check_exclusivity, _reason, _record, _schedule_paid_terms, _schedule_upfront
from .terms import TERM_FIELDS, inventors_of, validate_fee_terms


@transaction.atomic
def declare_open_licence(
    achievement: Achievement,
    *,
    by,
    declared_on: date,
    payment_method: str,
    term_months: int,
    patent_number: str = "",
    description: str = "",
    **terms,
) -> OpenLicenceDeclaration:
    """专利开放许可: the owner offers an ordinary licence to anyone on published terms (Patent Law
    Arts. 50–52). Refused while an exclusive or sole licence is running."""
    if not permissions.can_declare(by, achievement):
        raise PermissionDenied(
            _("Only members of the achievement's owner may declare an open licence for it.")
        )
    if selectors.standing_declaration(achievement) is not None:
        raise ValidationError(
            _("An open licence declaration already stands for this achievement."), code="duplicate"
        )
    exclusive = selectors.running_licences(achievement).filter(scope__in=EXCLUSIVE_SCOPES).first()
    if exclusive is not None:
        raise ValidationError(
            _(
                "The %(scope)s licence held by %(licensee)s is running: no open licence may be declared while it runs."
            )
            % {"scope": Scope(exclusive.scope).label, "licensee": exclusive.licensee.name},
            code="invalid_state",
        )
    cleaned = validate_fee_terms(terms)
    payment_method = (payment_method or "").strip()
    if not payment_method:
        raise ValidationError(
            {"payment_method": ValidationError(_("Say how and when the licensee pays."), code="required")}
        )
    try:
        term_months = int(term_months)
    except (TypeError, ValueError):
        term_months = 0
    if not 1 <= term_months <= 240:
        raise ValidationError(
            {
                "term_months": ValidationError(
                    _("The licence term is between 1 and 240 months."), code="out_of_range"
                )
            }
        )
    declaration = OpenLicenceDeclaration(
        achievement=achievement,
        licensor=achievement.owner,
        declared_on=declared_on,
        payment_method=payment_method,
        term_months=term_months,
        patent_number=(patent_number or "").strip(),
        description=(description or "").strip(),
        created_by=acting_user(by),
        **cleaned,
    )
    declaration.full_clean()
    declaration.save()
    _record(
        declaration=declaration,
        action=LicenceAction.DECLARE,
        to_status=declaration.status,
        on=declared_on,
        by=by,
    )
    return declaration


@transaction.atomic
def withdraw_open_licence(
    declaration: OpenLicenceDeclaration, *, by, on: date, reason: str
) -> OpenLicenceDeclaration:
    """Withdraw the declaration: nobody new may accept it; licences already obtained keep running."""
    if not permissions.can_withdraw_declaration(by, declaration):
        raise PermissionDenied(_("Only the licensor may withdraw a standing declaration."))
    reason = _reason(reason)
    Status = OpenLicenceDeclaration.Status
    if not OpenLicenceDeclaration.objects.filter(pk=declaration.pk, status=Status.DECLARED).update(
        status=Status.WITHDRAWN, withdrawn_on=on, withdrawal_reason=reason
    ):
        raise ConflictError(_("This declaration was changed by someone else meanwhile; reload it."))
    declaration.refresh_from_db()
    _record(
        declaration=declaration,
        action=LicenceAction.WITHDRAW,
        from_status=Status.DECLARED,
        to_status=Status.WITHDRAWN,
        on=on,
        by=by,
        note=reason,
    )
    return declaration


@transaction.atomic
def accept_open_licence(
    declaration: OpenLicenceDeclaration, licensee: Organization, *, by, on: date
) -> Licence:
    """Anyone who accepts a standing declaration obtains an ordinary licence on the published terms at
    once, with its payment schedule."""
    declaration = OpenLicenceDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != OpenLicenceDeclaration.Status.DECLARED:
        raise ValidationError(
            _("This open licence declaration has been withdrawn; it can no longer be accepted."),
            code="invalid_state",
        )
    if not permissions.can_accept_open_licence(by, declaration, licensee):
        raise PermissionDenied(_("A member may accept an open licence for their own organization only."))
    if (
        selectors.running_licences(declaration.achievement)
        .filter(open_declaration=declaration, licensee=licensee)
        .exists()
    ):
        raise ValidationError(
            _("%(org)s already holds a licence under this declaration.") % {"org": licensee.name},
            code="duplicate",
        )
    licence = Licence(
        achievement=declaration.achievement,
        licensor=declaration.licensor,
        licensee=licensee,
        scope=Scope.ORDINARY,
        start_on=on,
        end_on=calculations.add_months(on, declaration.term_months) - timedelta(days=1),
        open_declaration=declaration,
        inventors=inventors_of(declaration.achievement),
        created_by=acting_user(by),
        status=Licence.Status.ACTIVE,
        granted_on=on,
        **{field: getattr(declaration, field) for field in TERM_FIELDS},
    )
    _check_exclusivity(licence)
    licence.full_clean()
    licence.save()
    _record(
        licence=licence,
        declaration=declaration,
        action=LicenceAction.ACCEPT,
        from_status="",
        to_status=licence.status,
        on=on,
        by=by,
    )
    _schedule_upfront(licence, by=by, on=on)
    _schedule_paid_terms(licence, by=by, on=on)
    return licence
