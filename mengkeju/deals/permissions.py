"""Who may see and change deals, technical contracts and registrations. One place for the rules;
selectors mirror the `can_view_*` functions. See docs/deals.md for the table.

- platform admin: everything (and still subject to the four-eyes rule on registration);
- headquarters operator: sees every deal, contract and registration; registers, refuses and cancels;
- sub-center staff: sees and works on the deals and contracts of its own node; registers the
  contracts of its own node (the node is the registration point for its divisions), never others';
- technology broker: like its node's staff and also any deal they broker, but does not register;
- organization member: sees the deals and contracts their organization is a party to, edits those
  contracts while they are drafts (or refused); only the party the kind names applies for registration
  (the seller side; the domestic buyer of an imported technology; the intermediary of a 技术中介 contract);
- government analyst: reads registered contracts (current versions, what the statistics count);
  changes nothing;
- expert, unrelated member, anonymous: nothing.

Nobody edits a registered contract: a change is an amendment (a new version, registered again).
The person who submitted an application may not decide it (four-eyes rule).
"""

from __future__ import annotations

from mengkeju.core.roles import role_of
from mengkeju.network.models import User

from .models import CONTRACT_EDITABLE_STATES, Registration, applicant_roles

Role = User.Role
NODE_ROLES = frozenset({Role.SUBCENTER_STAFF, Role.BROKER, Role.HQ_OPERATOR})
DEAL_OPENER_ROLES = frozenset({Role.SUBCENTER_STAFF, Role.BROKER, Role.HQ_OPERATOR, Role.PLATFORM_ADMIN})


def is_node_staff(user, node_id: int | None) -> bool:
    """Staff, broker or operator working for the given network node."""
    return bool(
        node_id and role_of(user) in NODE_ROLES and user.organization_id and user.organization_id == node_id
    )


def _is_member_of(user, organization_ids) -> bool:
    return bool(
        role_of(user) == Role.MEMBER
        and user.organization_id
        and user.organization_id in set(organization_ids)
    )


# --- deals -------------------------------------------------------------------------------------


def can_open_deal(user) -> bool:
    return role_of(user) in DEAL_OPENER_ROLES


def can_view_deal(user, deal) -> bool:
    role = role_of(user)
    if role is None:
        return False
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return True
    if deal.broker_id == user.pk or is_node_staff(user, deal.sub_center_id):
        return True
    return _is_member_of(user, [deal.buyer_id, deal.seller_id])


def can_change_deal(user, deal) -> bool:
    """Move the deal along, record contacts, draft its contract."""
    role = role_of(user)
    if role is None:
        return False
    if role == Role.PLATFORM_ADMIN:
        return True
    return deal.broker_id == user.pk or is_node_staff(user, deal.sub_center_id)


def can_see_board(user) -> bool:
    return role_of(user) in DEAL_OPENER_ROLES


# --- contracts ---------------------------------------------------------------------------------


def _party_org_ids(contract, role: str | tuple[str, ...] | None = None) -> set[int]:
    roles = (role,) if isinstance(role, str) else role
    return {
        p.organization_id
        for p in contract.parties.all()
        if p.organization_id and (roles is None or p.role in roles)
    }


def can_view_contract(user, contract) -> bool:
    role = role_of(user)
    if role is None:
        return False
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return True
    if role == Role.ANALYST:  # read-only, and only what the statistics count
        return contract.registrations.filter(status=Registration.Status.REGISTERED, is_current=True).exists()
    if is_node_staff(user, contract.sub_center_id) or contract.created_by_id == user.pk:
        return True
    if contract.deal_id and contract.deal.broker_id == user.pk:
        return True
    return _is_member_of(user, _party_org_ids(contract))


def may_draft_contracts(user) -> bool:
    """Whether the "new technical contract" button is offered: people who draft contracts (a member
    for their own organization), not government analysts or experts."""
    return role_of(user) in (
        Role.PLATFORM_ADMIN,
        Role.HQ_OPERATOR,
        Role.SUBCENTER_STAFF,
        Role.BROKER,
        Role.MEMBER,
    )


def can_create_contract(user, *, deal=None, party_organization_ids=()) -> bool:
    role = role_of(user)
    if role is None:
        return False
    if deal is not None:
        return can_change_deal(user, deal)
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR, Role.SUBCENTER_STAFF, Role.BROKER):
        return True
    # A member drafts contracts their own organization is a party to.
    return _is_member_of(user, party_organization_ids)


def _works_on_contract(user, contract) -> bool:
    role = role_of(user)
    if role == Role.PLATFORM_ADMIN:
        return True
    if role in (Role.SUBCENTER_STAFF, Role.BROKER) and is_node_staff(user, contract.sub_center_id):
        return True
    return bool(contract.deal_id and contract.deal.broker_id == user.pk)


def works_on_contract(user, contract) -> bool:
    """The contract's broker, its node's staff and brokers, or an admin."""
    return role_of(user) is not None and _works_on_contract(user, contract)


def can_edit_contract(user, contract) -> bool:
    """Drafts (and refused applications) only: registered records are never edited."""
    if role_of(user) is None or contract.status not in CONTRACT_EDITABLE_STATES:
        return False
    if _works_on_contract(user, contract) or contract.created_by_id == user.pk:
        return True
    return _is_member_of(user, _party_org_ids(contract))


def can_change_parties(user, contract) -> bool:
    """Who may change which platform organizations are parties, and in which role: the staff working
    on the contract (its sub-center, its broker, administrators). A party's member may edit the terms
    and the offline parties, but may not remove, replace or re-cast an organization that is on the
    platform (itself included): that would change the contract behind the other side's back."""
    return _works_on_contract(user, contract)


def can_submit_contract(user, contract) -> bool:
    """The party the kind names applies (models.applicant_roles), or its broker / sub-center staff."""
    if role_of(user) is None or contract.status not in CONTRACT_EDITABLE_STATES:
        return False
    return _works_on_contract(user, contract) or _is_member_of(
        user, _party_org_ids(contract, applicant_roles(contract))
    )


# --- registrations -----------------------------------------------------------------------------


def is_registrar_for(user, contract) -> bool:
    """Headquarters operators and admins register everything; sub-center staff their own node's contracts."""
    role = role_of(user)
    if role in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return True
    return role == Role.SUBCENTER_STAFF and is_node_staff(user, contract.sub_center_id)


def can_register(user, registration) -> bool:
    """Decide (register or refuse) a pending application; never one's own (four eyes)."""
    return (
        registration.status == Registration.Status.SUBMITTED
        and is_registrar_for(user, registration.contract)
        and registration.submitted_by_id != user.pk
    )


def can_amend(user, registration) -> bool:
    if registration.status != Registration.Status.REGISTERED or not registration.is_current:
        return False
    contract = registration.contract
    if role_of(user) is None:
        return False
    return _works_on_contract(user, contract) or _is_member_of(
        user, _party_org_ids(contract, applicant_roles(contract))
    )


def can_cancel(user, registration) -> bool:
    """A pending application is withdrawn by its applicant side or a registrar; a registration is
    cancelled by a registrar."""
    contract = registration.contract
    if registration.status == Registration.Status.SUBMITTED:
        return is_registrar_for(user, contract) or (
            role_of(user) is not None
            and (
                _works_on_contract(user, contract)
                or _is_member_of(user, _party_org_ids(contract, applicant_roles(contract)))
            )
        )
    if registration.status == Registration.Status.REGISTERED and registration.is_current:
        return is_registrar_for(user, contract)
    return False


def can_see_registration_queue(user) -> bool:
    return role_of(user) in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR, Role.SUBCENTER_STAFF)
