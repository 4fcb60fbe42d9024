"""Fee terms and inventors of a licence (or an open licence declaration): checked and cleaned."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Achievement

from ..models import FeeModel
from ._common import _decimal, _money

TERM_FIELDS = (
    "fee_model",
    "upfront_fee_yuan",
    "lump_sum_yuan",
    "royalty_rate",
    "minimum_annual_royalty_yuan",
    "per_unit_fee_yuan",
    "milestones",
    "payment_term_days",
)
MONEY_TERM_FIELDS = ("upfront_fee_yuan", "lump_sum_yuan", "minimum_annual_royalty_yuan", "per_unit_fee_yuan")
# Which optional terms each fee model uses; the others are cleared.
TERMS_USED = {
    FeeModel.FREE: set(),
    FeeModel.LUMP_SUM: {"lump_sum_yuan"},
    FeeModel.ROYALTY: {"royalty_rate", "minimum_annual_royalty_yuan"},
    FeeModel.PER_UNIT: {"per_unit_fee_yuan"},
    FeeModel.MILESTONES: {"milestones"},
}
REQUIRED_TERM = {
    FeeModel.LUMP_SUM: "lump_sum_yuan",
    FeeModel.ROYALTY: "royalty_rate",
    FeeModel.PER_UNIT: "per_unit_fee_yuan",
    FeeModel.MILESTONES: "milestones",
}
MAX_MILESTONES = 20


def validate_milestones(value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError(
            {
                "milestones": ValidationError(
                    _("Milestones must be a list of {name, months_after, amount_yuan}."), code="out_of_range"
                )
            }
        )
    if len(value) > MAX_MILESTONES:
        raise ValidationError(
            {
                "milestones": ValidationError(
                    _("At most %(n)s milestones.") % {"n": MAX_MILESTONES}, code="too_long"
                )
            }
        )
    cleaned = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            raise ValidationError(
                {
                    "milestones": ValidationError(
                        _("Milestone %(n)s: give a name, months after the grant and an amount.") % {"n": i},
                        code="out_of_range",
                    )
                }
            )
        name = str(item.get("name") or "").strip()
        if not name or len(name) > 100:
            raise ValidationError(
                {
                    "milestones": ValidationError(
                        _("Milestone %(n)s: give a name (at most 100 characters).") % {"n": i},
                        code="too_long",
                    )
                }
            )
        try:
            months = int(item.get("months_after"))
        except (TypeError, ValueError):
            months = -1
        if not 0 <= months <= 240:
            raise ValidationError(
                {
                    "milestones": ValidationError(
                        _("Milestone %(n)s: months after the grant must be between 0 and 240.") % {"n": i},
                        code="out_of_range",
                    )
                }
            )
        try:
            amount = _money(item.get("amount_yuan"), "milestones")
        except ValidationError:
            amount = None
        if amount is None:
            raise ValidationError(
                {
                    "milestones": ValidationError(
                        _("Milestone %(n)s: the amount must be a positive sum in yuan.") % {"n": i},
                        code="out_of_range",
                    )
                }
            )
        cleaned.append({"name": name, "months_after": months, "amount_yuan": str(amount)})
    return cleaned


def validate_fee_terms(terms: dict, *, paid_later: bool = False) -> dict:
    """Check fee terms and return them cleaned: the values the fee model does not use are cleared."""
    unknown = set(terms) - set(TERM_FIELDS)
    if unknown:
        raise TypeError(f"unknown fee terms: {', '.join(sorted(unknown))}")
    fee_model = terms.get("fee_model")
    if fee_model not in FeeModel.values:
        raise ValidationError(
            {
                "fee_model": ValidationError(
                    _("Choose a fee model: %(models)s.")
                    % {"models": ", ".join(str(m.label) for m in FeeModel)},
                    code="required",
                )
            }
        )
    if paid_later and fee_model == FeeModel.FREE:
        raise ValidationError(
            {
                "fee_model": ValidationError(
                    _(
                        "Use first, pay later needs the paid terms agreed in advance; choose a paying fee model."
                    ),
                    code="invalid",
                )
            }
        )
    cleaned: dict = {"fee_model": fee_model}
    for field in MONEY_TERM_FIELDS:
        cleaned[field] = _money(terms.get(field), field)
    rate = _decimal(terms.get("royalty_rate"), "royalty_rate")
    if rate is not None and not Decimal("0") < rate <= Decimal("1"):
        raise ValidationError(
            {
                "royalty_rate": ValidationError(
                    _("The royalty rate is a fraction of sales revenue above 0 and at most 1 (0.05 = 5 %)."),
                    code="too_long",
                )
            }
        )
    if rate is not None and rate != rate.quantize(Decimal("0.000001")):
        raise ValidationError(
            {
                "royalty_rate": ValidationError(
                    _("The royalty rate may have at most six decimals."), code="too_long"
                )
            }
        )
    cleaned["royalty_rate"] = rate
    cleaned["milestones"] = validate_milestones(terms.get("milestones"))
    term_days = terms.get("payment_term_days")
    try:
        term_days = 30 if term_days in (None, "") else int(term_days)
    except (TypeError, ValueError):
        term_days = -1
    if not 0 <= term_days <= 365:
        raise ValidationError(
            {
                "payment_term_days": ValidationError(
                    _("The payment term is between 0 and 365 days."), code="out_of_range"
                )
            }
        )
    cleaned["payment_term_days"] = term_days
    required = REQUIRED_TERM.get(fee_model)
    if required and not cleaned[required]:
        raise ValidationError(
            {
                required: ValidationError(
                    _("The fee model “%(model)s” needs this term.") % {"model": FeeModel(fee_model).label},
                    code="invalid",
                )
            }
        )
    for field in (
        "lump_sum_yuan",
        "royalty_rate",
        "minimum_annual_royalty_yuan",
        "per_unit_fee_yuan",
        "milestones",
    ):
        if field not in TERMS_USED[fee_model]:
            cleaned[field] = [] if field == "milestones" else None
    return cleaned


INVENTOR_SEPARATORS = re.compile(r"[、，,;；/\s]+")


def inventors_of(achievement: Achievement) -> list[dict]:
    """The achievement's inventors (a free-text list of names), each with weight 1."""
    names = [n for n in INVENTOR_SEPARATORS.split(achievement.inventors or "") if n]
    return [{"name": name, "weight": "1"} for name in dict.fromkeys(names)]


def validate_inventors(value) -> list[dict]:
    """A list of {name, weight}; weights are positive numbers, relative to each other."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ValidationError(
            {"inventors": ValidationError(_("Inventors must be a list of {name, weight}."), code="invalid")}
        )
    cleaned, seen = [], set()
    for i, item in enumerate(value, start=1):
        name = str((item or {}).get("name") or "").strip() if isinstance(item, dict) else ""
        if not name or len(name) > 50:
            raise ValidationError(
                {
                    "inventors": ValidationError(
                        _("Inventor %(n)s: give a name (at most 50 characters).") % {"n": i}, code="too_long"
                    )
                }
            )
        if name in seen:
            raise ValidationError(
                {
                    "inventors": ValidationError(
                        _("Inventor %(name)s is listed twice.") % {"name": name}, code="duplicate"
                    )
                }
            )
        seen.add(name)
        try:
            weight = Decimal(str(item.get("weight", "1") or "1"))
        except (InvalidOperation, ValueError):
            weight = Decimal("-1")
        if not weight.is_finite() or weight <= 0 or weight > 1000:
            raise ValidationError(
                {
                    "inventors": ValidationError(
                        _("Inventor %(name)s: the weight must be a positive number.") % {"name": name},
                        code="out_of_range",
                    )
                }
            )
        cleaned.append({"name": name, "weight": f"{weight.normalize():f}"})
    return cleaned
