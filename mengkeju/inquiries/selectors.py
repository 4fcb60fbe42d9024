"""Read queries of inquiry threads; they mirror permissions.can_view_thread."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from mengkeju.core.roles import role_of
from mengkeju.deals.permissions import NODE_ROLES
from mengkeju.network.models import User

from .models import Message, ReadReceipt, Thread

Role = User.Role


def _party_filter(user) -> Q:
    q = Q(expert__user_id=user.pk)
    if role_of(user) in (Role.MEMBER, Role.EXPERT) and user.organization_id:
        q |= Q(inquirer_id=user.organization_id) | Q(owner_id=user.organization_id)
    return q


def visible_threads(user) -> QuerySet[Thread]:
    role = role_of(user)
    if role is None:
        return Thread.objects.none()
    if role == Role.PLATFORM_ADMIN:
        return Thread.objects.all()
    q = _party_filter(user)
    if role in NODE_ROLES and user.organization_id:
        q |= Q(sub_center_id=user.organization_id)
    return Thread.objects.filter(q)


def with_related(qs: QuerySet[Thread]) -> QuerySet[Thread]:
    return qs.select_related("inquirer", "owner", "sub_center", "deal", "started_by")


def with_unread(qs: QuerySet[Thread], user) -> QuerySet[Thread]:
    """Annotate `unread`: a message by someone else after this person's read receipt (or with none)."""
    receipt = ReadReceipt.objects.filter(thread=OuterRef("thread"), user=user)
    later = Message.objects.filter(thread=OuterRef("pk")).exclude(author=user)
    later = later.filter(~Exists(receipt.filter(read_at__gte=OuterRef("created_at"))))
    return qs.annotate(unread=Exists(later))


def my_threads(user) -> QuerySet[Thread]:
    """我的对接: the threads where the person's organization (or the expert themselves) is a party."""
    if role_of(user) is None:
        return Thread.objects.none()
    return with_unread(with_related(Thread.objects.filter(_party_filter(user))), user)


def node_threads(user, status: str | None = None) -> QuerySet[Thread]:
    """The broker's list: the threads routed to their sub-center."""
    if role_of(user) not in NODE_ROLES or not user.organization_id:
        return Thread.objects.none()
    qs = Thread.objects.filter(sub_center_id=user.organization_id)
    if status in Thread.Status.values:
        qs = qs.filter(status=status)
    return with_unread(with_related(qs), user)


def messages_of(thread: Thread) -> QuerySet[Message]:
    return thread.messages.select_related("author", "author__organization").prefetch_related("attachments")


def readers(thread: Thread) -> list[ReadReceipt]:
    return list(thread.receipts.select_related("user").order_by("read_at"))


def read_by(message: Message, receipts: list[ReadReceipt]) -> list:
    """Who (other than the author) has read this message."""
    return [r.user for r in receipts if r.user_id != message.author_id and r.read_at >= message.created_at]


def inquiry_counts(kind: str, listing_ids) -> dict[int, dict[str, int]]:
    """For the publishers' progress pages: per listing id, its threads by status and in total."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Thread.objects.filter(kind=kind, **{f"{kind}_id__in": list(listing_ids)})
        .values_list(f"{kind}_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for listing_id, status, n in rows:
        entry = counts.setdefault(listing_id, {"total": 0})
        entry[status] = n
        entry["total"] += n
    return counts
