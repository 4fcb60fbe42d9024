"""After the award: evidence uploaded for milestones, the panel's acceptance (验收), the release of
tranches and the horse race's down-select.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DecimalField, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from mengkeju.network.selectors import region_parameter

from .. import permissions, rules, selectors
from ..models import Acceptance, Application, Award, Challenge, Evidence, Milestone, Tranche
from ._common import (
    FEN,
    Action,
    AppStatus,
    Status,
    _clean_note,
    _decimal,
    _hq_only,
    _members,
    _notify,
    _now,
    _record,
)

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Accepted evidence files: extension -> leading bytes the file must start with (None: not checked).
EVIDENCE_TYPES: dict[str, bytes | None] = {
    ".pdf": b"%PDF",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".xlsx": b"PK",
    ".docx": b"PK",
    ".zip": b"PK",
    ".csv": None,
    ".txt": None,
}


def acceptance_min_experts() -> int:
    return int(region_parameter("challenge_acceptance_min_experts", 3))


def _active_award(milestone: Milestone) -> Award:
    award = Award.objects.filter(application_id=milestone.application_id).first()
    if award is None or award.awarded_at is None:
        raise ValidationError(_("This team has not been awarded."), code="invalid")
    if award.dropped_at is not None:
        raise ValidationError(_("This team was dropped at the down-select."), code="invalid_state")
    return award


def validate_evidence_file(upload) -> None:
    name = PurePath(getattr(upload, "name", "") or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("Upload a PDF, image, Office, ZIP, CSV or text file (not “%(name)s”).")
                    % {"name": name},
                    code="required",
                )
            }
        )
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("The file is larger than %(mb)s MB.") % {"mb": MAX_EVIDENCE_BYTES // 2**20},
                    code="too_large",
                )
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": ValidationError(_("The file is empty."), code="required")})
    signature = EVIDENCE_TYPES[suffix]
    if signature is not None:
        upload.seek(0)
        head = upload.read(len(signature))
        upload.seek(0)
        if head != signature:
            raise ValidationError(
                {
                    "file": ValidationError(
                        _("The file's content does not match its type %(type)s.") % {"type": suffix},
                        code="invalid",
                    )
                }
            )


@transaction.atomic
def upload_evidence(milestone: Milestone, upload, *, by, description: str = "", now=None) -> Evidence:
    now = _now(now)
    milestone = (
        Milestone.objects.select_for_update().select_related("application__challenge").get(pk=milestone.pk)
    )
    if not permissions.can_upload_evidence(by, milestone):
        raise PermissionDenied(_("Only the awarded lead organization uploads evidence."))
    _active_award(milestone)
    if milestone.status not in (
        Milestone.Status.PLANNED,
        Milestone.Status.EVIDENCE,
        Milestone.Status.REFUSED,
    ):
        raise ValidationError(
            _("This milestone is %(status)s.") % {"status": milestone.get_status_display()},
            code="invalid_state",
        )
    validate_evidence_file(upload)
    evidence = Evidence.objects.create(
        milestone=milestone,
        file=upload,
        description=(description or "").strip()[:200],
        uploaded_by=by,
        uploaded_at=now,
    )
    source = milestone.status
    # New evidence after a refusal opens a new acceptance round: the verdicts start again.
    next_round = milestone.acceptance_round + (1 if source == Milestone.Status.REFUSED else 0)
    Milestone.objects.filter(pk=milestone.pk).update(
        status=Milestone.Status.EVIDENCE, acceptance_round=next_round
    )
    _record(
        milestone.application.challenge,
        Action.EVIDENCE,
        by=by,
        now=now,
        application=milestone.application,
        from_status=source,
        to_status=Milestone.Status.EVIDENCE,
        note=milestone.title,
        data={"milestone": milestone.pk, "evidence": evidence.pk},
    )
    return evidence


def acceptance_experts_needed(challenge: Challenge) -> int:
    """Verdicts a milestone needs: the region's minimum, or every panel expert when the panel is smaller."""
    return max(1, min(acceptance_min_experts(), challenge.panel.count()))


def round_verdicts(milestone: Milestone):
    """The verdicts of the milestone's current acceptance round by experts still on the panel."""
    panel = milestone.application.challenge.panel.values("expert_id")
    return milestone.acceptances.filter(round=milestone.acceptance_round, expert_id__in=panel)


@transaction.atomic
def accept_milestone(milestone: Milestone, *, by, results: dict, note: str = "", now=None) -> Acceptance:
    """验收: a panel expert records their verdict — for every indicator the milestone verifies, met or
    not met (with a note); a verdict with an indicator not met needs a reason. Each verdict is written
    once, with its event. When `acceptance_experts_needed` verdicts of the round are in, each indicator
    is met by majority (more met than not met); all met: accepted, its tranche may be released; else
    not accepted (the team may upload new evidence, which opens a new round)."""
    now = _now(now)
    milestone = (
        Milestone.objects.select_for_update().select_related("application__challenge").get(pk=milestone.pk)
    )
    if not permissions.can_accept_milestone(by, milestone):
        raise PermissionDenied(_("Only experts on the challenge's panel accept milestones."))
    _active_award(milestone)
    if milestone.status != Milestone.Status.EVIDENCE:
        raise ValidationError(_("Acceptance needs evidence uploaded for this milestone."), code="invalid")
    expert = permissions.expert_profile(by)
    if milestone.acceptances.filter(expert=expert, round=milestone.acceptance_round).exists():
        raise ValidationError(
            _("You have already recorded your verdict on this milestone."), code="duplicate"
        )
    indicators = list(milestone.indicators.all())
    verdicts, errors = [], []
    for indicator in indicators:
        verdict = (results or {}).get(indicator.pk, (results or {}).get(str(indicator.pk)))
        if verdict is None or verdict.get("met") is None:
            errors.append(_("State whether “%(name)s” is met.") % {"name": indicator.name})
            continue
        verdicts.append(
            {
                "indicator": indicator.pk,
                "name": indicator.name,
                "met": bool(verdict["met"]),
                "note": (verdict.get("note") or "").strip()[:500],
            }
        )
    if errors:
        raise ValidationError({"results": errors})
    note = _clean_note(note, required=not indicators, field="note")
    all_met = all(v["met"] for v in verdicts)
    if not all_met and not note:
        raise ValidationError(
            {"note": ValidationError(_("Say why the milestone is not accepted."), code="required")}
        )
    challenge = milestone.application.challenge
    acceptance = Acceptance.objects.create(
        milestone=milestone,
        expert=expert,
        round=milestone.acceptance_round,
        results=verdicts,
        accepted=all_met,
        note=note,
        decided_at=now,
    )
    _record(
        challenge,
        Action.VERDICT,
        by=by,
        now=now,
        application=milestone.application,
        note=note,
        data={
            "milestone": milestone.pk,
            "round": milestone.acceptance_round,
            "expert": expert.pk,
            "accepted": all_met,
            "results": verdicts,
        },
    )
    recorded = list(round_verdicts(milestone))
    needed = acceptance_experts_needed(challenge)
    if len(recorded) < needed:
        return acceptance
    tally = rules.indicator_majority(indicators, [a.results for a in recorded])
    accepted = all(row["met"] for row in tally.values())
    status = Milestone.Status.ACCEPTED if accepted else Milestone.Status.REFUSED
    Milestone.objects.filter(pk=milestone.pk).update(status=status)
    _record(
        challenge,
        Action.ACCEPTED if accepted else Action.REFUSED,
        by=by,
        now=now,
        application=milestone.application,
        from_status=Milestone.Status.EVIDENCE,
        to_status=status,
        note="; ".join(a.note for a in recorded if a.note),
        data={
            "milestone": milestone.pk,
            "round": milestone.acceptance_round,
            "experts": [a.expert_id for a in recorded],
            "indicators": {str(pk): row for pk, row in tally.items()},
        },
    )
    # Blind acceptance: the team and the publisher learn the outcome only now the round is decided
    # (no notification for a single verdict).
    application = milestone.application
    if accepted:
        message = _("Milestone “%(name)s” of “%(title)s” was accepted.")
    else:
        message = _("Milestone “%(name)s” of “%(title)s” was not accepted; new evidence opens a new round.")
    _notify(
        _members([*application.organization_ids(), challenge.publisher_id]),
        message % {"name": milestone.title, "title": challenge.title},
        reverse("challenges:detail", args=[challenge.pk]),
    )
    return acceptance


@transaction.atomic
def release_tranche(milestone: Milestone, *, by, now=None) -> Tranche:
    """Release a milestone's payment. Refused unless the milestone was accepted; released once."""
    now = _now(now)
    milestone = (
        Milestone.objects.select_for_update().select_related("application__challenge").get(pk=milestone.pk)
    )
    if not permissions.can_release_tranche(by, milestone):
        raise PermissionDenied(_("Only headquarters or the publisher releases payments."))
    _active_award(milestone)
    if milestone.status != Milestone.Status.ACCEPTED:
        raise ValidationError(
            _("A tranche is released only on an accepted milestone; “%(title)s” is %(status)s.")
            % {"title": milestone.title, "status": milestone.get_status_display()},
            code="invalid_state",
        )
    if Tranche.objects.filter(milestone=milestone).exists():
        raise ValidationError(_("This tranche was already released."), code="duplicate")
    application = Application.objects.select_for_update().get(pk=milestone.application_id)
    released = Tranche.objects.filter(milestone__application=application).aggregate(
        total=Coalesce(Sum("amount_yuan"), Decimal(0), output_field=DecimalField())
    )["total"]
    short = rules.tranche_cofunding_failure(
        application.cofunding_paid_yuan, released + milestone.amount_yuan, selectors.consortium_rules()
    )
    if short:
        raise ValidationError(short, code="out_of_range")
    tranche = Tranche.objects.create(
        milestone=milestone, amount_yuan=milestone.amount_yuan, released_at=now, released_by=by
    )
    _record(
        milestone.application.challenge,
        Action.RELEASED,
        by=by,
        now=now,
        application=milestone.application,
        note=milestone.title,
        data={"milestone": milestone.pk, "amount_yuan": str(tranche.amount_yuan)},
    )
    return tranche


@transaction.atomic
def report_cofunding(application: Application, amount_yuan, *, by, now=None) -> Application:
    """The awarded lead reports the enterprise co-funding contributed to date (cumulative, never less
    than reported before); each tranche of public money is released only while it keeps the region's
    co-funding ratio (release_tranche)."""
    now = _now(now)
    application = Application.objects.select_for_update().select_related("challenge").get(pk=application.pk)
    if not permissions.can_report_cofunding(by, application):
        raise PermissionDenied(_("Only the awarded lead organization reports its co-funding."))
    award_row = Award.objects.filter(application=application).first()
    if award_row is None or award_row.awarded_at is None or award_row.dropped_at is not None:
        raise ValidationError(_("Co-funding is reported by a team in the race."), code="invalid_state")
    amount = _decimal(amount_yuan, "amount_yuan", _("Enter the co-funding in yuan.")).quantize(FEN)
    if amount < application.cofunding_paid_yuan:
        raise ValidationError(
            {
                "amount_yuan": ValidationError(
                    _("The co-funding contributed to date cannot fall below the %(before)s yuan reported.")
                    % {"before": f"{application.cofunding_paid_yuan:,.2f}"},
                    code="out_of_range",
                )
            }
        )
    before = application.cofunding_paid_yuan
    Application.objects.filter(pk=application.pk).update(cofunding_paid_yuan=amount)
    application.refresh_from_db()
    _record(
        application.challenge,
        Action.COFUNDING,
        by=by,
        now=now,
        application=application,
        data={"before_yuan": str(before), "amount_yuan": str(amount)},
    )
    return application


@transaction.atomic
def drop_team(award_row: Award, *, milestone: Milestone, reason: str, by, now=None) -> Award:
    """Horse race down-select (赛马): at a milestone HQ drops a team, with the reason; its unpaid
    milestones are cancelled. At least one team stays in the race."""
    now = _now(now)
    award_row = (
        Award.objects.select_for_update().select_related("challenge", "application").get(pk=award_row.pk)
    )
    challenge = award_row.challenge
    _hq_only(challenge, by=by)
    reason = _clean_note(reason, required=True, field="reason")
    if challenge.mode != Challenge.Mode.HORSE_RACE or challenge.status != Status.AWARDED:
        raise ValidationError(_("Teams are dropped only in an awarded horse race."), code="invalid")
    if award_row.dropped_at is not None:
        raise ValidationError(_("This team was already dropped."), code="duplicate")
    if milestone.application.challenge_id != challenge.pk:
        raise ValidationError(
            {"milestone": ValidationError(_("Choose a milestone of this challenge."), code="required")}
        )
    if not challenge.awards.filter(dropped_at__isnull=True).exclude(pk=award_row.pk).exists():
        raise ValidationError(_("The last team in the race cannot be dropped."), code="invalid_state")
    Award.objects.filter(pk=award_row.pk).update(
        dropped_at=now, drop_reason=reason, dropped_at_milestone=milestone
    )
    Application.objects.filter(pk=award_row.application_id).update(status=AppStatus.DROPPED)
    award_row.application.milestones.filter(tranche__isnull=True).exclude(
        status=Milestone.Status.ACCEPTED
    ).update(status=Milestone.Status.CANCELLED)
    award_row.refresh_from_db()
    _record(
        challenge,
        Action.DROPPED,
        by=by,
        now=now,
        application=award_row.application,
        from_status=AppStatus.AWARDED,
        to_status=AppStatus.DROPPED,
        note=reason,
        data={"milestone": milestone.pk},
    )
    return award_row
