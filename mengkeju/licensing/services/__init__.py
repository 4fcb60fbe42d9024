"""State changes of licensing: one function per use case, one module per subject.

Each function checks permission, validates, writes inside a transaction and records an append-only
`LicenceEvent` naming who did it. Bad input raises `ValidationError` (a localized message per field)
and writes nothing; a forbidden act raises `PermissionDenied`.

Nothing here reads the clock: every function takes the business date it acts on (`on`, `today`,
`received_on` …). Views and the daily command pass `timezone.localdate()`; tests pass fixed dates.

The modules: `terms` (fee terms and inventors), `licences` (draft, grant, terminate, expire), `trials`
(use first, pay later), `reminders` (the daily job's notices), `royalties` (reports and minimum
royalties), `payments` (money received), `revenue_sharing` (policies and statements) and
`open_licences` (declare, withdraw, accept); `_common` holds what they share. Callers import from
this package: `from mengkeju.licensing import services`, then `services.grant_licence(...)`.
"""

from mengkeju.core.exceptions import ConflictError

from ._common import ZERO
from .licences import create_licence, expire_licences, grant_licence, record_licence, terminate_licence
from .open_licences import accept_open_licence, declare_open_licence, withdraw_open_licence
from .payments import record_payment
from .reminders import DEFAULT_REMINDER_DAYS, reminder_days, send_overdue_notices, send_trial_reminders
from .revenue_sharing import (
    DEFAULT_INVENTOR_SHARE_MIN,
    inventor_share_minimum,
    issue_statement,
    set_revenue_share_policy,
    share_net_income,
)
from .royalties import file_royalty_report, settle_minimum_royalties
from .terms import (
    INVENTOR_SEPARATORS,
    MAX_MILESTONES,
    MONEY_TERM_FIELDS,
    REQUIRED_TERM,
    TERM_FIELDS,
    TERMS_USED,
    inventors_of,
    validate_fee_terms,
    validate_inventors,
    validate_milestones,
)
from .trials import DEFAULT_TRIAL_MONTHS, convert_to_paid, default_trial_months, exit_trial, start_trial

__all__ = [
    "DEFAULT_INVENTOR_SHARE_MIN",
    "DEFAULT_REMINDER_DAYS",
    "DEFAULT_TRIAL_MONTHS",
    "INVENTOR_SEPARATORS",
    "MAX_MILESTONES",
    "MONEY_TERM_FIELDS",
    "REQUIRED_TERM",
    "TERMS_USED",
    "TERM_FIELDS",
    "ZERO",
    "ConflictError",
    "accept_open_licence",
    "convert_to_paid",
    "create_licence",
    "declare_open_licence",
    "default_trial_months",
    "exit_trial",
    "expire_licences",
    "file_royalty_report",
    "grant_licence",
    "inventor_share_minimum",
    "inventors_of",
    "issue_statement",
    "record_licence",
    "record_payment",
    "reminder_days",
    "send_overdue_notices",
    "send_trial_reminders",
    "set_revenue_share_policy",
    "settle_minimum_royalties",
    "share_net_income",
    "start_trial",
    "terminate_licence",
    "validate_fee_terms",
    "validate_inventors",
    "validate_milestones",
    "withdraw_open_licence",
]
