"""Payments: the licensor records money received against the payment schedule, with the costs to
deduct before sharing; the sharing statement follows at once when a policy is in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mengkeju.core.events import acting_user

from .. import permissions, selectors
from ..models import DeductibleCost, Licence, LicenceAction, Payment, PaymentReceipt
from ._common import ZERO, _money, _record
from .revenue_sharing import issue_statement


def _clean_costs(costs: Iterable[dict]) -> list[dict]:
    cleaned = []
    for i, cost in enumerate(costs or [], start=1):
        kind = cost.get("kind")
        if kind not in DeductibleCost.Kind.values:
            raise ValidationError(
                {
                    "costs": ValidationError(
                        _("Cost %(n)s: choose taxes, maintenance fees, brokerage fees or other.") % {"n": i},
                        code="invalid",
                    )
                }
            )
        amount = _money(cost.get("amount_yuan"), "costs", allow_zero=True)
        if not amount:
            continue  # an empty cost line is no cost
        description = str(cost.get("description") or "").strip()
        if len(description) > 200:
            raise ValidationError(
                {
                    "costs": ValidationError(
                        _("Cost %(n)s: the description is too long.") % {"n": i}, code="too_long"
                    )
                }
            )
        cleaned.append({"kind": kind, "amount_yuan": amount, "description": description})
    return cleaned


@transaction.atomic
def record_payment(
    licence: Licence,
    *,
    by,
    received_on: date,
    amount_yuan,
    payment: Payment | None = None,
    costs: Iterable[dict] = (),
) -> PaymentReceipt:
    """The licensor records money received against a scheduled payment (the earliest outstanding one
    if none is named), with the costs to deduct before sharing (taxes, fees …). If the licensor's
    revenue-sharing policy is in force on that day, the sharing statement is issued at once."""
    if not permissions.can_record_payment(by, licence):
        raise PermissionDenied(_("Only the licensor records payments received."))
    if licence.status == Licence.Status.EXITED:
        raise ValidationError(
            _("The licensee exited this licence's trial: no payment is due on it."), code="invalid"
        )
    if licence.status == Licence.Status.DRAFT:
        raise ValidationError(_("A draft licence has no payments; grant it first."), code="invalid")
    amount = _money(amount_yuan, "amount_yuan")
    if amount is None:
        raise ValidationError(
            {"amount_yuan": ValidationError(_("Give the amount received (yuan)."), code="required")}
        )
    if received_on is None:
        raise ValidationError(
            {"received_on": ValidationError(_("Give the day the payment was received."), code="required")}
        )
    if payment is None:
        payment = licence.payments.filter(paid_on__isnull=True).order_by("due_on", "pk").first()
        if payment is None:
            raise ValidationError(
                _("Nothing is outstanding on this licence's payment schedule."), code="invalid"
            )
    elif payment.licence_id != licence.pk:
        raise ValidationError(
            {
                "payment": ValidationError(
                    _("This scheduled payment belongs to another licence."), code="invalid"
                )
            }
        )
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if amount > payment.outstanding_yuan:
        raise ValidationError(
            {
                "amount_yuan": ValidationError(
                    _("The amount exceeds what is outstanding on this item (%(outstanding)s yuan).")
                    % {"outstanding": payment.outstanding_yuan},
                    code="out_of_range",
                )
            }
        )
    cost_lines = _clean_costs(costs)
    deductions = sum((c["amount_yuan"] for c in cost_lines), ZERO)
    if deductions > amount:
        raise ValidationError(
            {
                "costs": ValidationError(
                    _("The deductible costs (%(costs)s yuan) exceed the payment (%(amount)s yuan).")
                    % {"costs": deductions, "amount": amount},
                    code="too_long",
                )
            }
        )
    receipt = PaymentReceipt.objects.create(
        payment=payment, received_on=received_on, amount_yuan=amount, recorded_by=acting_user(by)
    )
    DeductibleCost.objects.bulk_create([DeductibleCost(receipt=receipt, **c) for c in cost_lines])
    paid = payment.paid_amount_yuan + amount
    Payment.objects.filter(pk=payment.pk).update(
        paid_amount_yuan=paid, paid_on=received_on if paid >= payment.amount_yuan else None
    )
    _record(
        licence=licence,
        action=LicenceAction.PAY,
        on=received_on,
        by=by,
        note=payment.description,
        data={"payment": payment.pk, "receipt": receipt.pk, "amount_yuan": str(amount)},
    )
    if selectors.policy_in_force(licence.licensor, received_on) is not None:
        issue_statement(receipt, by=by, on=received_on)
    return receipt
