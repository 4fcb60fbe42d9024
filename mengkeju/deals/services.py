"""State changes of deals, technical contracts and registrations.

Each function validates, checks permission, writes inside a transaction and records an append-only
event. Views, the API and commands call these; they never save these models themselves.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Status as ListingStatus
from mengkeju.core.clock import local_date
from mengkeju.core.exceptions import ConflictError
from mengkeju.network.models import Organization, User
from mengkeju.network.selectors import responsible_nodes
from mengkeju.notifications.models import Notification
from mengkeju.notifications.services import notify

from . import notices, permissions, rules
from .models import (
    CONTRACT_EDITABLE_STATES,
    DEAL_TRANSITIONS,
    RESPONSIBLE_NODE_KINDS,
    SUB_KINDS,
    ContractKind,
    ContractParty,
    Deal,
    DealEvent,
    LicenceScope,
    RefusalReason,
    Registration,
    RegistrationEvent,
    SubKind,
    TechnicalContract,
    Trigger,
    applicant_roles,
)
from .money import transaction_amount
from .registry import (  # the registration's data and calendar (re-exported: views and tests call services.*)
    REVIEW_RULE,
    _clean_reasons,
    _registering_office,
    _review_due_on,
    _snapshot,
    _tax_benefit_reported,
    _tax_note,
    allocate_registration_number,
    base_number,
    check_registration,
    entitled_benefits,  # noqa: F401
    follow_up_working_days,  # noqa: F401
    new_verification_code,
    review_window,
)

Stage = Deal.Stage
ContractStatus = TechnicalContract.Status
RegStatus = Registration.Status
MAX_NOTE = 2000
# Rule code recorded when a registrar refuses by hand (the rules passed, the registrar did not agree).
REVIEWER_RULE = "R0_REVIEWER"
CONTRACT_FIELDS = (
    "title",
    "kind",
    "sub_kind",
    "licence_scope",
    "amount_yuan",
    "equipment_yuan",
    "instruments_yuan",
    "parts_yuan",
    "materials_yuan",
    "construction_yuan",
    "payment_terms",
    "ip_clauses",
    "signed_on",
    "term_start",
    "term_end",
    "chain",
    "is_import",
    "contributed_as_capital",
    "general_staff_training",
)
BOOLEAN_CONTRACT_FIELDS = ("is_import", "contributed_as_capital", "general_staff_training")
PARTY_FIELDS = ("role", "organization", "name", "credit_code", "division")


# --- deals -------------------------------------------------------------------------------------


def _record_deal(deal, kind, *, by, from_stage="", to_stage="", note="") -> DealEvent:
    event = DealEvent.objects.record(
        deal=deal, kind=kind, from_stage=from_stage, to_stage=to_stage, note=note, by=by
    )
    notices.deal_event(deal, kind, by=by, to_stage=to_stage, note=note)
    return event


def _clean_note(note: str, *, required: bool, field: str = "note") -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError(
            {field: _("Please write a note.") if field == "note" else _("Please give a reason.")}
        )
    if len(note) > MAX_NOTE:
        raise ValidationError(
            {field: ValidationError(_("At most %(n)s characters.") % {"n": MAX_NOTE}, code="too_long")}
        )
    return note


def route_to_sub_center(record, *, by=None) -> Organization:
    """The node responsible for a demand or achievement, by the network's routing.

    The opener's own node wins when it is among the responsible ones; else the first routed node;
    else the opener's node; else the headquarters.
    """
    chain_ids = {link.chain_id for link in record.chain_links.all()}
    nodes = responsible_nodes(record.division, chain_ids)
    own = getattr(by, "organization", None)
    if own is not None and any(node.pk == own.pk for node in nodes):
        return own
    if nodes:
        return nodes[0]
    if own is not None and own.kind in RESPONSIBLE_NODE_KINDS:
        return own
    headquarters = Organization.objects.filter(kind=Organization.Kind.HEADQUARTERS).first()
    if headquarters is None:
        raise ValidationError(_("No sub-center or headquarters is set up to take the deal."), code="invalid")
    return headquarters


@transaction.atomic
def open_deal_from_match(*, demand=None, achievement=None, by, buyer=None, seller=None) -> Deal:
    """Open a deal (stage: intent) for a recommended match. Opening the same open match again returns
    the deal already open for it. `buyer` / `seller` name the other party when only one listing is
    known (an inquiry on an achievement names its buyer); a listing's owner is always its side."""
    if demand is None and achievement is None:
        raise ValidationError(_("A deal needs a demand or an achievement."), code="invalid")
    if not permissions.can_open_deal(by):
        raise PermissionDenied(_("Only brokers and sub-center staff open deals."))
    for record in (demand, achievement):
        if record is not None and record.status != ListingStatus.PUBLISHED:
            raise ValidationError(
                _("“%(title)s” is not published.") % {"title": record.title}, code="invalid"
            )
    buyer = demand.owner if demand else buyer
    seller = achievement.owner if achievement else seller
    same = Deal.objects.filter(demand=demand, achievement=achievement)
    if demand is None or achievement is None:  # one listing: the other party tells the deals apart
        same = same.filter(buyer=buyer) if demand is None and buyer else same
        same = same.filter(seller=seller) if achievement is None and seller else same
    existing = same.exclude(stage__in=[Stage.COMPLETED, Stage.TERMINATED]).first()
    if existing is not None:
        existing.is_new = False  # the caller tells the person the existing deal was opened, not a new one
        return existing
    sub_center = route_to_sub_center(demand or achievement, by=by)
    title = " ↔ ".join(r.title for r in (demand, achievement) if r is not None)[:200]
    deal = Deal.objects.create(
        title=title,
        demand=demand,
        achievement=achievement,
        buyer=buyer,
        seller=seller,
        sub_center=sub_center,
        broker=by if permissions.role_of(by) == User.Role.BROKER else None,
        stage=Stage.INTENT,
        opened_by=by,
    )
    _record_deal(deal, DealEvent.Kind.OPENED, by=by, to_stage=Stage.INTENT)
    _notify_node(deal, by=by)
    deal.is_new = True
    return deal


def _notify_node(deal: Deal, *, by) -> None:
    """Tell the responsible node's staff that a deal was opened for them (in-app notification)."""
    url = reverse("deals:deal-detail", args=[deal.pk])
    staff = User.objects.filter(
        organization=deal.sub_center, role=User.Role.SUBCENTER_STAFF, is_active=True
    ).exclude(pk=getattr(by, "pk", None))
    message = (_("New deal for your sub-center: %(title)s") % {"title": deal.title})[:300]
    notify(staff, message, url, kind=Notification.Kind.DEAL)


def _move_deal(deal: Deal, to_stage: str, *, by, note: str, trigger: str) -> Deal:
    if DEAL_TRANSITIONS.get((deal.stage, to_stage)) != trigger:
        raise ValidationError(
            _("A deal at stage “%(from)s” cannot move to “%(to)s”.")
            % {"from": Stage(deal.stage).label, "to": Stage(to_stage).label},
            code="invalid_state",
        )
    source = deal.stage
    changes = {"stage": to_stage, "updated_at": timezone.now()}
    if to_stage == Stage.TERMINATED:
        changes["termination_reason"] = note
    # Conditional update: of two people moving the deal at once, exactly one wins.
    if not Deal.objects.filter(pk=deal.pk, stage=source).update(**changes):
        raise ConflictError(_("This deal was changed by someone else meanwhile; reload it."))
    deal.refresh_from_db()
    _record_deal(deal, DealEvent.Kind.STAGE, by=by, from_stage=source, to_stage=to_stage, note=note)
    return deal


@transaction.atomic
def transition_deal(deal: Deal, to_stage: str, *, by, note: str = "") -> Deal:
    """Move a deal along the pipeline by hand (DEAL_TRANSITIONS, trigger broker). Termination needs a reason."""
    if to_stage not in Stage.values:
        raise ValidationError(
            {"stage": ValidationError(_("Unknown stage %(stage)s.") % {"stage": to_stage}, code="unknown")}
        )
    if not permissions.can_change_deal(by, deal):
        raise PermissionDenied(_("You may not change this deal."))
    note = _clean_note(
        note,
        required=to_stage == Stage.TERMINATED,
        field="reason" if to_stage == Stage.TERMINATED else "note",
    )
    if DEAL_TRANSITIONS.get((deal.stage, to_stage)) == Trigger.REGISTRATION:
        raise ValidationError(
            _("A deal becomes registered when its contract is registered."), code="invalid_state"
        )
    return _move_deal(deal, to_stage, by=by, note=note, trigger=Trigger.BROKER)


@transaction.atomic
def record_contact(deal: Deal, note: str, *, by) -> DealEvent:
    """Record a contact with the parties (call, visit, meeting); resets the follow-up clock."""
    if not permissions.can_change_deal(by, deal):
        raise PermissionDenied(_("You may not change this deal."))
    if deal.is_final:
        raise ValidationError(_("This deal is closed."), code="invalid_state")
    note = _clean_note(note, required=True)
    now = timezone.now()
    Deal.objects.filter(pk=deal.pk).update(last_contacted_at=now, updated_at=now)
    deal.last_contacted_at = now
    return _record_deal(deal, DealEvent.Kind.CONTACT, by=by, note=note)


# --- contracts ---------------------------------------------------------------------------------


def _validate_contract(values: dict) -> None:
    """Input checks: what makes no sense even in a draft. Registration rules (rules.py) come later."""
    errors: dict[str, list[str]] = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors.setdefault("title", []).append(_("Give the contract a title."))
    kind = values.get("kind")
    if kind not in ContractKind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of contract."))
    else:
        sub_kind = values.get("sub_kind") or ""
        allowed = SUB_KINDS[kind]
        if allowed and sub_kind not in allowed:
            errors.setdefault("sub_kind", []).append(
                _("“%(sub)s” is not a sub-kind of %(kind)s.")
                % {
                    "sub": SubKind(sub_kind).label if sub_kind in SubKind.values else (sub_kind or "—"),
                    "kind": ContractKind(kind).label,
                }
            )
        if not allowed and sub_kind:
            errors.setdefault("sub_kind", []).append(_("A non-technical contract has no sub-kind."))
        scope = values.get("licence_scope") or ""
        if kind == ContractKind.LICENCE and scope not in LicenceScope.values:
            errors.setdefault("licence_scope", []).append(
                _("A licence states its scope: exclusive, sole or ordinary.")
            )
        if kind != ContractKind.LICENCE and scope:
            errors.setdefault("licence_scope", []).append(_("Only a licence has a licence scope."))
    amount = values.get("amount_yuan")
    if amount is None:
        errors.setdefault("amount_yuan", []).append(_("Enter the contract amount."))
    elif Decimal(amount) < 0:
        errors.setdefault("amount_yuan", []).append(_("The amount may not be negative."))
    for name in TechnicalContract.NON_TECHNICAL_FIELDS:
        if Decimal(values.get(name) or 0) < 0:
            errors.setdefault(name, []).append(_("The amount may not be negative."))
    if amount is not None and not errors.get("amount_yuan"):
        probe = TechnicalContract(
            **{k: values.get(k) or 0 for k in ("amount_yuan", *TechnicalContract.NON_TECHNICAL_FIELDS)}
        )
        if transaction_amount(probe) < 0:
            errors.setdefault("amount_yuan", []).append(
                _(
                    "The non-technical costs exceed the contract amount: the technology-transaction amount would be negative."
                )
            )
    start, end = values.get("term_start"), values.get("term_end")
    if start and end and end < start:
        errors.setdefault("term_end", []).append(_("The term cannot end before it starts."))
    if errors:
        raise ValidationError(errors)


def _validate_parties(parties: list[dict]) -> list[dict]:
    cleaned, errors = [], []
    for n, raw in enumerate(parties, start=1):
        party = {k: raw.get(k) for k in PARTY_FIELDS}
        party["name"] = (party.get("name") or "").strip()
        party["credit_code"] = rules.normalize_party_code(party.get("credit_code") or "")
        if not party["name"] and party.get("organization") is not None:
            party["name"] = party["organization"].name
        if party.get("role") not in ContractParty.Role.values:
            errors.append(_("Party %(n)s: choose seller, buyer or intermediary.") % {"n": n})
        if not party["name"]:
            errors.append(_("Party %(n)s: enter the name.") % {"n": n})
        if party["credit_code"] and not rules.is_valid_party_code(party["credit_code"]):
            errors.append(
                _(
                    "Party %(n)s: “%(code)s” is not a valid unified social credit code or ID number (check digit)."
                )
                % {"n": n, "code": party["credit_code"]}
            )
        if party.get("division") is None and party.get("organization") is not None:
            party["division"] = party["organization"].division
        cleaned.append(party)
    if errors:
        raise ValidationError({"parties": errors})
    return cleaned


def _platform_parties(parties) -> set[tuple[int, str]]:
    """(organization id, role) of the parties that are organizations on the platform."""
    out = set()
    for party in parties:
        org = party.get("organization") if isinstance(party, dict) else party.organization
        role = party.get("role") if isinstance(party, dict) else party.role
        if org is not None:
            out.add((org.pk, role))
    return out


def _save_parties(contract: TechnicalContract, parties: list[dict]) -> None:
    contract.parties.all().delete()
    ContractParty.objects.bulk_create([ContractParty(contract=contract, **party) for party in parties])


def _values(values: dict) -> dict:
    unknown = set(values) - set(CONTRACT_FIELDS) - {"sub_center"}
    if unknown:
        raise ValidationError(
            _("Unknown contract fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}, code="unknown"
        )
    values = dict(values)
    for name in ("sub_kind", "licence_scope", "payment_terms", "ip_clauses"):
        values[name] = values.get(name) or ""
    for name in TechnicalContract.NON_TECHNICAL_FIELDS:
        values[name] = Decimal(values.get(name) or 0)
    for name in BOOLEAN_CONTRACT_FIELDS:
        values[name] = bool(values.get(name))
    values["title"] = (values.get("title") or "").strip()
    return values


@transaction.atomic
def create_contract(*, by, parties: list[dict], deal: Deal | None = None, **values) -> TechnicalContract:
    """Draft a technical contract (with its parties), optionally for a deal."""
    values = _values(values)
    parties = _validate_parties(parties)
    party_orgs = [p["organization"].pk for p in parties if p.get("organization") is not None]
    if not permissions.can_create_contract(by, deal=deal, party_organization_ids=party_orgs):
        raise PermissionDenied(_("You may not draft this contract."))
    _validate_contract(values)
    sub_center = values.pop("sub_center", None)
    if deal is not None:
        sub_center = deal.sub_center
    elif sub_center is None and getattr(by, "organization", None) is not None:
        if by.organization.kind in RESPONSIBLE_NODE_KINDS and by.role != User.Role.HQ_OPERATOR:
            sub_center = by.organization
    contract = TechnicalContract(
        deal=deal,
        sub_center=sub_center,
        created_by=by,
        status=ContractStatus.DRAFT,
        **values,
    )
    contract.transaction_amount_yuan = transaction_amount(contract)
    contract.full_clean()
    contract.save()
    _save_parties(contract, parties)
    if deal is not None:
        _record_deal(
            deal,
            DealEvent.Kind.CONTRACT,
            by=by,
            note=_("Contract drafted: %(title)s") % {"title": contract.title},
        )
    return contract


@transaction.atomic
def update_contract(
    contract: TechnicalContract, *, by, parties: list[dict] | None = None, **values
) -> TechnicalContract:
    """Edit a draft (or a refused application). Registered contracts change only by `amend`."""
    contract = TechnicalContract.objects.select_for_update().get(pk=contract.pk)
    if contract.status not in CONTRACT_EDITABLE_STATES:
        raise ValidationError(
            _("A contract that is %(status)s cannot be edited.") % {"status": contract.get_status_display()},
            code="invalid_state",
        )
    if not permissions.can_edit_contract(by, contract):
        raise PermissionDenied(_("You may not edit this contract."))
    values.pop("sub_center", None)  # the responsible node is not the editor's to choose
    current = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    merged = _values({**current, **values})
    _validate_contract(merged)
    if parties is not None:
        parties = _validate_parties(parties)
        if not permissions.can_change_parties(by, contract) and _platform_parties(
            parties
        ) != _platform_parties(contract.parties.all()):
            raise PermissionDenied(
                _(
                    "Which organizations on the platform are parties, and in which role, is changed by the "
                    "contract's sub-center or broker, not by one of the parties."
                )
            )
    for name, value in merged.items():
        setattr(contract, name, value)
    contract.transaction_amount_yuan = transaction_amount(contract)
    contract.full_clean()
    contract.save()
    if parties is not None:
        _save_parties(contract, parties)
    return contract


# --- registration ------------------------------------------------------------------------------


def _record_registration(registration, action, *, by, from_status="", note="") -> RegistrationEvent:
    event = RegistrationEvent.objects.record(
        registration=registration,
        action=action,
        from_status=from_status,
        to_status=registration.status,
        note=note,
        by=by,
    )
    notices.registration_event(registration, action, by=by, note=note)
    return event


def _superseded_registration(contract: TechnicalContract) -> Registration | None:
    if contract.previous_version_id is None:
        return None
    return Registration.objects.filter(
        contract_id=contract.previous_version_id, status=RegStatus.REGISTERED, is_current=True
    ).first()


def _applicant_role(contract: TechnicalContract, by) -> str:
    """The party `by` applies as: their organization's role in the contract (the one entitled to apply
    when they hold several); brokers and staff apply on behalf of the entitled party."""
    allowed = applicant_roles(contract)
    org_id = getattr(by, "organization_id", None)
    own_roles = [p.role for p in contract.parties.all() if org_id and p.organization_id == org_id]
    if permissions.works_on_contract(by, contract) and not own_roles:
        return allowed[0]
    for role in own_roles:
        if role in allowed:
            return role
    return own_roles[0] if own_roles else ""


@transaction.atomic
def submit_contract(contract: TechnicalContract, *, by, note: str = "") -> Registration:
    """Apply for registration: a new registration row (status submitted) for this contract version.

    Only the party the kind names applies (rule R7_APPLICANT); the decision is due within the region's
    review window, counted in working days with its holiday calendar."""
    contract = TechnicalContract.objects.select_for_update().get(pk=contract.pk)
    if contract.status not in CONTRACT_EDITABLE_STATES:
        raise ValidationError(
            _("A contract that is %(status)s cannot be submitted.")
            % {"status": contract.get_status_display()},
            code="invalid_state",
        )
    applicant_role = _applicant_role(contract, by)
    if applicant_role and rules.applicant_problem(contract, applicant_role):
        raise ValidationError(rules.applicant_message(contract, applicant_role), code="applicant")
    if not permissions.can_submit_contract(by, contract):
        raise PermissionDenied(_("Only the party entitled to apply, its broker or its sub-center applies."))
    now = timezone.now()
    registration = Registration(
        contract=contract,
        version=contract.version,
        supersedes=_superseded_registration(contract),
        status=RegStatus.SUBMITTED,
        submitted_at=now,
        submitted_by=by,
        applicant_role=applicant_role,
        needs_expert_review=transaction_amount(contract) >= review_window().expert_threshold_yuan,
    )
    registration.due_on = _review_due_on(registration)
    registration.save()
    TechnicalContract.objects.filter(pk=contract.pk).update(
        status=ContractStatus.SUBMITTED, updated_at=timezone.now()
    )
    action = RegistrationEvent.Action.AMEND if registration.supersedes_id else RegistrationEvent.Action.SUBMIT
    _record_registration(registration, action, by=by, note=note)
    _deal_reaches_signed(contract, by=by)
    return registration


def _deal_reaches_signed(contract: TechnicalContract, *, by) -> None:
    """A contract applied for registration is a signed, written one: its deal, if still at intent or
    negotiation, moves to `signed`, so the deal page never says 洽谈 beside a contract 已申请登记."""
    deal = Deal.objects.filter(pk=contract.deal_id).first() if contract.deal_id else None
    if deal is None or deal.stage not in (Stage.INTENT, Stage.NEGOTIATION):
        return
    _move_deal(
        deal,
        Stage.SIGNED,
        by=by,
        trigger=DEAL_TRANSITIONS[(deal.stage, Stage.SIGNED)],
        note=_("Contract “%(title)s” applied for registration.") % {"title": contract.title},
    )


def _lock(registration: Registration) -> tuple[TechnicalContract, Registration]:
    """Lock the contract row, then the registration row (always in this order)."""
    contract = TechnicalContract.objects.select_for_update().get(pk=registration.contract_id)
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    locked.contract = contract
    return contract, locked


def _decided(registration: Registration) -> None:
    if registration.status != RegStatus.SUBMITTED:
        raise ConflictError(
            _("This application was already decided (%(status)s).")
            % {"status": registration.get_status_display()}
        )


@transaction.atomic
def register(registration: Registration, *, by) -> Registration:
    """Decide an application: run every rule; refuse with the first failing rule's code, or register
    (number, snapshot, contract registered, deal moved to registered)."""
    contract, registration = _lock(registration)
    _decided(registration)
    if not permissions.can_register(by, registration):
        raise PermissionDenied(_("You may not decide this application."))
    if registration.needs_expert_review and registration.expert_reviewed_at is None:
        raise ValidationError(
            _(
                "%(code)s review window: this application needs expert review (technology-transaction amount "
                "of %(threshold)s yuan or more, or disputed) before it is registered; record the experts' opinion first."
            )
            % {"code": REVIEW_RULE, "threshold": f"{review_window().expert_threshold_yuan:,.0f}"},
            code="expert_review_required",
        )
    failures = check_registration(registration)
    now = timezone.now()
    registration.decided_at, registration.decided_by = now, by
    if failures:
        registration.status = RegStatus.REFUSED
        registration.refused_rule = failures[0].code
        registration.refused_message = "\n".join(f.message for f in failures)
        registration.save()
        TechnicalContract.objects.filter(pk=contract.pk).update(status=ContractStatus.REFUSED, updated_at=now)
        _record_registration(
            registration,
            RegistrationEvent.Action.REFUSE,
            by=by,
            from_status=RegStatus.SUBMITTED,
            note=registration.refused_message,
        )
        return registration
    registered_on = local_date(now)
    superseded = None
    if registration.supersedes_id:
        superseded = Registration.objects.select_for_update().get(pk=registration.supersedes_id)
        registration.number = f"{base_number(superseded.number)}-{registration.version}"
    else:
        registration.number = allocate_registration_number(registered_on)
    _snapshot(registration, contract)
    registration.status = RegStatus.REGISTERED
    registration.registered_on = registered_on
    registration.verification_code = new_verification_code()
    registration.registering_office = _registering_office(by, contract)
    if superseded is not None:
        Registration.objects.filter(pk=superseded.pk).update(status=RegStatus.AMENDED, is_current=False)
        superseded.refresh_from_db()
        TechnicalContract.objects.filter(pk=superseded.contract_id).update(
            status=ContractStatus.AMENDED, updated_at=now
        )
        _record_registration(
            superseded,
            RegistrationEvent.Action.SUPERSEDE,
            by=by,
            from_status=RegStatus.REGISTERED,
            note=_("Superseded by %(number)s.") % {"number": registration.number},
        )
    registration.is_current = True
    registration.save()
    TechnicalContract.objects.filter(pk=contract.pk).update(status=ContractStatus.REGISTERED, updated_at=now)
    _record_registration(
        registration, RegistrationEvent.Action.REGISTER, by=by, from_status=RegStatus.SUBMITTED
    )
    deal = contract.deal
    if deal is not None and DEAL_TRANSITIONS.get((deal.stage, Stage.REGISTERED)) == Trigger.REGISTRATION:
        _move_deal(
            deal,
            Stage.REGISTERED,
            by=by,
            trigger=Trigger.REGISTRATION,
            note=_("Contract registered under %(number)s.") % {"number": registration.number},
        )
    return registration


@transaction.atomic
def refuse_registration(registration: Registration, reason: str = "", *, by, reasons=()) -> Registration:
    """A registrar refuses an application (不予登记, rule code R0_REVIEWER): one or more of the reasons
    the 2026 rules name (`RefusalReason`) and/or a written reason; at least one of the two."""
    contract, registration = _lock(registration)
    _decided(registration)
    if not permissions.can_register(by, registration):
        raise PermissionDenied(_("You may not decide this application."))
    codes = _clean_reasons(reasons)
    reason = _clean_note(reason, required=not codes, field="reason")
    now = timezone.now()
    registration.status = RegStatus.REFUSED
    registration.decided_at, registration.decided_by = now, by
    registration.refused_rule = REVIEWER_RULE
    registration.refusal_reasons = codes
    stated = _("; ").join([str(RefusalReason(code).label) for code in codes] + ([reason] if reason else []))
    registration.refused_message = _("%(code)s refused by the registrar: %(reason)s") % {
        "code": REVIEWER_RULE,
        "reason": stated,
    }
    registration.save()
    TechnicalContract.objects.filter(pk=contract.pk).update(status=ContractStatus.REFUSED, updated_at=now)
    _record_registration(
        registration,
        RegistrationEvent.Action.REFUSE,
        by=by,
        from_status=RegStatus.SUBMITTED,
        note=stated,
    )
    return registration


@transaction.atomic
def mark_disputed(registration: Registration, note: str, *, by) -> Registration:
    """A registrar marks a pending application as disputed: it then needs expert review and the longer
    review window (counted again from the application day)."""
    _contract, registration = _lock(registration)
    _decided(registration)
    if not permissions.can_register(by, registration):
        raise PermissionDenied(_("You may not decide this application."))
    note = _clean_note(note, required=True)
    registration.is_disputed = True
    registration.needs_expert_review = True
    registration.due_on = _review_due_on(registration)
    registration.save(update_fields=["is_disputed", "needs_expert_review", "due_on"])
    _record_registration(
        registration, RegistrationEvent.Action.DISPUTE, by=by, from_status=RegStatus.SUBMITTED, note=note
    )
    return registration


@transaction.atomic
def record_expert_review(registration: Registration, opinion: str, *, by) -> Registration:
    """Record the experts' opinion on an application that needs expert review (the large or disputed
    ones); the registrar then decides it."""
    _contract, registration = _lock(registration)
    _decided(registration)
    if not permissions.can_register(by, registration):
        raise PermissionDenied(_("You may not decide this application."))
    if not registration.needs_expert_review:
        raise ValidationError(
            _("%(code)s review window: this application needs no expert review.") % {"code": REVIEW_RULE},
            code="invalid_state",
        )
    opinion = _clean_note(opinion, required=True, field="opinion")
    registration.expert_opinion = opinion
    registration.expert_reviewed_at, registration.expert_reviewed_by = timezone.now(), by
    registration.save(update_fields=["expert_opinion", "expert_reviewed_at", "expert_reviewed_by"])
    _record_registration(
        registration,
        RegistrationEvent.Action.EXPERT_REVIEW,
        by=by,
        from_status=RegStatus.SUBMITTED,
        note=opinion,
    )
    return registration


@transaction.atomic
def amend(registration: Registration, changes: dict, *, by, tax_benefit_claimed=None) -> Registration:
    """Apply to change a registered contract: a new contract version (a copy with `changes`; `parties`
    replaces the parties) and a new application that supersedes this registration once registered.

    The registered version stays current until the amendment is registered; it then becomes `amended`
    and the amendment is registered under the same base number with the suffix `-<version>`.
    """
    old_contract, registration = _lock(registration)
    if registration.status != RegStatus.REGISTERED or not registration.is_current:
        raise ValidationError(_("Only the current registered version can be amended."), code="invalid_state")
    if not permissions.can_amend(by, registration):
        raise PermissionDenied(_("You may not amend this registration."))
    claimed = _tax_benefit_reported(tax_benefit_claimed, _("变更登记, amendment"))
    if TechnicalContract.objects.filter(previous_version=old_contract).exists():
        raise ValidationError(
            _("An amendment of this contract is already under way; edit and submit that one."),
            code="duplicate",
        )
    changes = dict(changes)
    parties = changes.pop("parties", None)
    changes.pop("sub_center", None)
    current = {name: getattr(old_contract, name) for name in CONTRACT_FIELDS}
    values = _values({**current, **changes})
    _validate_contract(values)
    if parties is None:
        parties = [{k: getattr(p, k) for k in PARTY_FIELDS} for p in old_contract.parties.all()]
    parties = _validate_parties(parties)
    contract = TechnicalContract(
        deal=old_contract.deal,
        sub_center=old_contract.sub_center,
        created_by=by,
        status=ContractStatus.DRAFT,
        version=old_contract.version + 1,
        previous_version=old_contract,
        **values,
    )
    contract.transaction_amount_yuan = transaction_amount(contract)
    contract.full_clean()
    contract.save()
    _save_parties(contract, parties)
    amendment = submit_contract(contract, by=by, note=_tax_note(claimed))
    Registration.objects.filter(pk=amendment.pk).update(tax_benefit_claimed=claimed)
    amendment.tax_benefit_claimed = claimed
    return amendment


@transaction.atomic
def cancel_registration(
    registration: Registration, reason: str, *, by, tax_benefit_claimed=None
) -> Registration:
    """Withdraw a pending application, or cancel a registration. History is kept; the number is not reused."""
    contract, registration = _lock(registration)
    if not (
        registration.status == RegStatus.SUBMITTED
        or (registration.status == RegStatus.REGISTERED and registration.is_current)
    ):
        raise ValidationError(
            _("Only a pending application or the current registration can be cancelled."), code="invalid"
        )
    if not permissions.can_cancel(by, registration):
        raise PermissionDenied(_("You may not cancel this registration."))
    reason = _clean_note(reason, required=True, field="reason")
    source = registration.status
    if source == RegStatus.REGISTERED:  # 注销登记 reports tax benefits; withdrawing an application does not
        registration.tax_benefit_claimed = _tax_benefit_reported(
            tax_benefit_claimed, _("注销登记, cancellation")
        )
        reason = f"{reason} {_tax_note(registration.tax_benefit_claimed)}"
    now = timezone.now()
    registration.status = RegStatus.CANCELLED
    registration.is_current = False
    if source == RegStatus.SUBMITTED:
        registration.decided_at, registration.decided_by = now, by
    registration.save()
    new_status = ContractStatus.DRAFT if source == RegStatus.SUBMITTED else ContractStatus.CANCELLED
    TechnicalContract.objects.filter(pk=contract.pk).update(status=new_status, updated_at=now)
    _record_registration(
        registration, RegistrationEvent.Action.CANCEL, by=by, from_status=source, note=reason
    )
    deal = contract.deal
    if source == RegStatus.REGISTERED and deal is not None and deal.stage == Stage.REGISTERED:
        _move_deal(
            deal,
            Stage.SIGNED,
            by=by,
            trigger=Trigger.REGISTRATION,
            note=_("Registration %(number)s cancelled: %(reason)s")
            % {"number": registration.number, "reason": reason},
        )
    return registration
