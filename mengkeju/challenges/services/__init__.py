"""State changes of open challenges (揭榜挂帅): one function per use case, one module per subject.

Each validates, checks permission, writes inside a transaction and records an append-only
`ChallengeEvent`. Every function that depends on the clock takes `now` (an aware datetime), so
windows and notice periods are testable with a fixed clock; it defaults to the present.

The modules: `challenges` (drafting and publishing), `applications` (揭榜), `review` (panel,
conflicts of interest, scorecards), `awards` (decision, public notice, objections, award) and
`milestones` (evidence, acceptance, tranches, down-select); `_common` holds what they share. Reads
they rely on (conflicts of interest, submitted applications, the panel's minimum size) live in
`selectors` and are re-exported here. Callers import from this package:
`from mengkeju.challenges import services`, then `services.apply(...)`.
"""

from ..selectors import (
    applicant_organization_ids,
    conflict_years,
    expert_conflicts,
    panel_min_experts,
    submitted_applications,
)
from ._common import FEN, HUNDRED, MAX_NOTE, Action, AppStatus, Status
from .applications import ApplicationInput, apply, resubmit_application, withdraw_application
from .awards import award, decide, notice_days, raise_objection, reopen_decision, resolve_objection
from .challenges import (
    CHALLENGE_FIELDS,
    DEFAULT_RUBRIC,
    cancel_challenge,
    default_rubric,
    draft_challenge,
    publish_challenge,
    return_challenge,
    submit_challenge,
    update_challenge,
)
from .milestones import (
    EVIDENCE_TYPES,
    MAX_EVIDENCE_BYTES,
    accept_milestone,
    acceptance_experts_needed,
    acceptance_min_experts,
    drop_team,
    release_tranche,
    report_cofunding,
    round_verdicts,
    upload_evidence,
    validate_evidence_file,
)
from .review import declare_conflict, form_panel, save_scorecard, start_review

__all__ = [
    "CHALLENGE_FIELDS",
    "DEFAULT_RUBRIC",
    "EVIDENCE_TYPES",
    "FEN",
    "HUNDRED",
    "MAX_EVIDENCE_BYTES",
    "MAX_NOTE",
    "Action",
    "AppStatus",
    "ApplicationInput",
    "Status",
    "accept_milestone",
    "acceptance_experts_needed",
    "acceptance_min_experts",
    "applicant_organization_ids",
    "apply",
    "award",
    "cancel_challenge",
    "conflict_years",
    "decide",
    "declare_conflict",
    "default_rubric",
    "draft_challenge",
    "drop_team",
    "expert_conflicts",
    "form_panel",
    "notice_days",
    "panel_min_experts",
    "publish_challenge",
    "raise_objection",
    "release_tranche",
    "reopen_decision",
    "report_cofunding",
    "resolve_objection",
    "resubmit_application",
    "return_challenge",
    "round_verdicts",
    "save_scorecard",
    "start_review",
    "submit_challenge",
    "submitted_applications",
    "update_challenge",
    "upload_evidence",
    "validate_evidence_file",
    "withdraw_application",
]
