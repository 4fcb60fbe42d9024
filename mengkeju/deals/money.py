"""Money of technical contracts: the technology-transaction amount (技术交易额) that registration
records and the statistics add up. Services (drafting, registering) and the registration rule R3
both use it, so it lives below them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .models import TechnicalContract

FEN = Decimal("0.01")


def transaction_amount(contract) -> Decimal:
    """技术交易额 = contract amount − (equipment + instruments + parts + raw materials + construction), to the fen."""
    non_technical = sum(
        (Decimal(getattr(contract, name) or 0) for name in TechnicalContract.NON_TECHNICAL_FIELDS), Decimal(0)
    )
    return (Decimal(contract.amount_yuan or 0) - non_technical).quantize(FEN, rounding=ROUND_HALF_UP)
