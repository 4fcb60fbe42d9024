"""Who may read and act on an inquiry thread. Nobody outside the thread reads it:

- members of the inquiring organization and of the listing's owner organization (and the expert
  themselves, for an inquiry on an expert);
- the staff, brokers and operators of the sub-center the thread was routed to — not other
  sub-centers, and not headquarters unless the thread was routed to it;
- the platform administrator.

The sub-center's staff and brokers broker the thread: they turn it into a deal or close it.
Only members of a verified organization send inquiries.
"""

from __future__ import annotations

from mengkeju.core.roles import role_of
from mengkeju.deals.permissions import is_node_staff
from mengkeju.network.models import User

Role = User.Role


def can_send_inquiry(user) -> bool:
    role = role_of(user)
    if role not in (Role.MEMBER, Role.EXPERT) or not user.organization_id:
        return False
    return user.organization.is_verified


def is_party(user, thread) -> bool:
    """A member of the inquiring or the owning organization, or the expert inquired about."""
    if role_of(user) in (Role.MEMBER, Role.EXPERT) and user.organization_id in (
        thread.inquirer_id,
        thread.owner_id,
    ):
        return True
    return bool(thread.kind == "expert" and user.pk and thread.expert.user_id == user.pk)


def can_broker(user, thread) -> bool:
    """Turn the thread into a deal, close it."""
    return role_of(user) == Role.PLATFORM_ADMIN or is_node_staff(user, thread.sub_center_id)


def can_view_thread(user, thread) -> bool:
    if role_of(user) is None:
        return False
    return can_broker(user, thread) or is_party(user, thread)


def can_write(user, thread) -> bool:
    return thread.is_open and can_view_thread(user, thread)
