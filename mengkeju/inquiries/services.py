"""State changes of inquiry threads: one user intent, one function, one transaction.

Every function checks permission, validates everything before writing anything (a refused upload
leaves no message and no file behind), and notifies the people concerned (kind INQUIRY).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Status as ListingStatus
from mengkeju.challenges.models import Challenge
from mengkeju.core.exceptions import DomainError
from mengkeju.deals.services import open_deal_from_match, route_to_sub_center
from mengkeju.network.models import User
from mengkeju.notifications.models import Notification
from mengkeju.notifications.services import notify

from . import permissions
from .models import DEAL_KINDS, Attachment, Message, ReadReceipt, Thread

MAX_BODY = 5000
MAX_REASON = 2000
# Accepted attachment types and the first bytes their content must start with (None: text, unchecked).
ATTACHMENT_TYPES: dict[str, bytes | None] = {
    ".pdf": b"%PDF",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".docx": b"PK",
    ".xlsx": b"PK",
    ".pptx": b"PK",
    ".zip": b"PK",
    ".txt": None,
    ".csv": None,
}


class RateLimited(DomainError):
    """Too many inquiries from one person in the last hour. The API answers 429."""

    code = "rate_limited"
    status = 429


# --- the listing ---------------------------------------------------------------------------------


def owner_of(kind: str, listing):
    """The organization on the other side of an inquiry on this listing."""
    if kind in ("achievement", "demand"):
        return listing.owner
    if kind == "challenge":
        return listing.publisher
    if kind == "service":
        return listing.provider
    return listing.organization  # platform, expert


def title_of(kind: str, listing) -> str:
    return str(getattr(listing, "title", "") if kind in ("achievement", "demand", "challenge") else listing)


def is_published(kind: str, listing) -> bool:
    """Achievements and demands once published, challenges while published (open for applications);
    platforms, services and experts are public as soon as they are listed."""
    if kind in ("achievement", "demand"):
        return listing.status == ListingStatus.PUBLISHED
    if kind == "challenge":
        return listing.status == Challenge.Status.PUBLISHED
    return True


def _route(kind: str, listing, owner):
    """The responsible sub-center, by the network's routing (the deals app's `route_to_sub_center`)."""
    if kind == "challenge":  # a challenge has no division of its own: its publisher's
        listing = SimpleNamespace(division=owner.division, chain_links=listing.chain_links)
    return route_to_sub_center(listing)


def listing_url(kind: str, listing) -> str:
    names = {
        "achievement": ("catalog:achievement-detail", [listing.pk]),
        "demand": ("catalog:demand-detail", [listing.pk]),
        "challenge": ("challenges:detail", [listing.pk]),
        "platform": ("catalog:platform-detail", [listing.pk]),
        "service": ("catalog:service-list", []),
        "expert": ("catalog:expert-list", []),
    }
    name, args = names[kind]
    return reverse(name, args=args)


# --- helpers -------------------------------------------------------------------------------------


def _clean_text(text: str, *, field: str, limit: int, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: ValidationError(message, code="required")})
    if len(text) > limit:
        raise ValidationError(
            {field: ValidationError(_("At most %(n)s characters.") % {"n": limit}, code="too_long")}
        )
    return text


def _money(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(
            {field: ValidationError(_("Enter an amount in yuan."), code="invalid")}
        ) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal(settings.MAX_AMOUNT_YUAN):
        raise ValidationError({field: ValidationError(_("Enter an amount in yuan."), code="invalid")})
    return amount.quantize(Decimal("0.01"))


def validate_uploads(uploads) -> list:
    """Type (by extension and content), size and count of a message's files, before anything is written."""
    uploads = [u for u in (uploads or []) if u]
    if len(uploads) > settings.INQUIRY_ATTACHMENTS_PER_MESSAGE:
        raise ValidationError(
            {
                "files": ValidationError(
                    _("At most %(n)s files per message.") % {"n": settings.INQUIRY_ATTACHMENTS_PER_MESSAGE},
                    code="too_many",
                )
            }
        )
    limit = settings.INQUIRY_ATTACHMENT_MAX_BYTES
    for upload in uploads:
        name = PurePath(getattr(upload, "name", "") or "").name
        suffix = PurePath(name).suffix.lower()
        if suffix not in ATTACHMENT_TYPES:
            raise ValidationError(
                {
                    "files": ValidationError(
                        _("Files of type %(ext)s are not accepted; use %(allowed)s.")
                        % {"ext": suffix or "?", "allowed": ", ".join(sorted(ATTACHMENT_TYPES))},
                        code="invalid_type",
                    )
                }
            )
        if upload.size > limit:
            raise ValidationError(
                {
                    "files": ValidationError(
                        _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": limit // 2**20},
                        code="too_large",
                    )
                }
            )
        if upload.size == 0:
            raise ValidationError({"files": ValidationError(_("The file is empty."), code="required")})
        signature = ATTACHMENT_TYPES[suffix]
        if signature is not None:
            upload.seek(0)
            head = upload.read(len(signature))
            upload.seek(0)
            if head != signature:
                raise ValidationError(
                    {
                        "files": ValidationError(
                            _("The file's content does not match its type %(type)s.") % {"type": suffix},
                            code="invalid_type",
                        )
                    }
                )
    return uploads


def _check_rate(user) -> None:
    since = timezone.now() - timedelta(hours=1)
    sent = Message.objects.filter(author=user, is_inquiry=True, created_at__gte=since).count()
    if sent >= settings.INQUIRIES_PER_HOUR:
        raise RateLimited(
            _("You have sent %(n)s inquiries in the last hour, the most allowed; please try again later.")
            % {"n": settings.INQUIRIES_PER_HOUR}
        )


def thread_url(thread: Thread) -> str:
    return reverse("inquiries:thread", args=[thread.pk])


def participants(thread: Thread):
    """Everyone the thread concerns: both organizations' members, the expert, the sub-center's people."""
    people = list(
        User.objects.filter(
            organization_id__in=[thread.inquirer_id, thread.owner_id],
            role__in=[User.Role.MEMBER, User.Role.EXPERT],
            is_active=True,
        )
    )
    if thread.kind == "expert" and thread.expert.user_id:
        people.append(thread.expert.user)
    people += list(
        User.objects.filter(
            organization_id=thread.sub_center_id,
            role__in=[User.Role.SUBCENTER_STAFF, User.Role.BROKER],
            is_active=True,
        )
    )
    return people


def _notify(thread: Thread, message: str, *, by) -> None:
    recipients = [p for p in participants(thread) if p.pk != getattr(by, "pk", None)]
    notify(recipients, message, thread_url(thread), kind=Notification.Kind.INQUIRY)


def _post(thread: Thread, *, by, body: str, uploads, is_inquiry: bool) -> Message:
    now = timezone.now()
    message = Message.objects.create(
        thread=thread, author=by, body=body, is_inquiry=is_inquiry, created_at=now
    )
    for upload in uploads:
        Attachment.objects.create(
            message=message, file=upload, name=PurePath(upload.name).name[:200], size=upload.size
        )
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    thread.last_message_at = now
    ReadReceipt.objects.update_or_create(thread=thread, user=by, defaults={"read_at": now})
    return message


# --- services ------------------------------------------------------------------------------------


@transaction.atomic
def send_inquiry(
    kind: str,
    listing,
    *,
    by,
    body: str,
    budget_min=None,
    budget_max=None,
    preferred_contact: str = Thread.Contact.PLATFORM,
    uploads=(),
) -> Thread:
    """我要对接: a verified member's inquiry on a published listing. A second inquiry by the same
    organization on the same listing joins the thread still open."""
    if kind not in Thread.Kind.values:
        raise ValidationError({"kind": ValidationError(_("Unknown kind of listing."), code="invalid")})
    if not permissions.can_send_inquiry(by):
        if getattr(by, "organization", None) is not None and not by.organization.is_verified:
            raise PermissionDenied(
                _(
                    "Your organization is not verified yet; it may send inquiries once the sub-center verifies it."
                )
            )
        raise PermissionDenied(_("Only members of a verified organization send inquiries."))
    if not is_published(kind, listing):
        # No title in the message: it must not tell an outsider what an unpublished record is about.
        raise ValidationError(
            {
                "listing": ValidationError(
                    _("This listing is not published; it takes no inquiries."), code="not_published"
                )
            }
        )
    owner = owner_of(kind, listing)
    if owner.pk == by.organization_id:
        raise ValidationError(_("This listing is your own organization's."), code="own_listing")
    body = _clean_text(body, field="body", limit=MAX_BODY, message=_("Please say what you are looking for."))
    low, high = _money(budget_min, "budget_min_yuan"), _money(budget_max, "budget_max_yuan")
    if low is not None and high is not None and low > high:
        raise ValidationError(
            {
                "budget_max_yuan": ValidationError(
                    _("The upper budget is below the lower one."), code="invalid"
                )
            }
        )
    if preferred_contact not in Thread.Contact.values:
        raise ValidationError(
            {"preferred_contact": ValidationError(_("Choose a way to be contacted."), code="invalid")}
        )
    uploads = validate_uploads(uploads)
    _check_rate(by)

    key = f"{kind}:{listing.pk}"
    thread = (
        Thread.objects.select_for_update()
        .filter(subject_key=key, inquirer_id=by.organization_id, status=Thread.Status.OPEN)
        .first()
    )
    joined = thread is not None
    if thread is None:
        try:
            with transaction.atomic():
                thread = Thread.objects.create(
                    kind=kind,
                    subject_key=key,
                    **{kind: listing},
                    title=title_of(kind, listing)[:200],
                    inquirer_id=by.organization_id,
                    owner=owner,
                    sub_center=_route(kind, listing, owner),
                    started_by=by,
                    budget_min_yuan=low,
                    budget_max_yuan=high,
                    preferred_contact=preferred_contact,
                )
        except IntegrityError:  # another inquiry of the same organization opened it just now
            thread = Thread.objects.select_for_update().get(
                subject_key=key, inquirer_id=by.organization_id, status=Thread.Status.OPEN
            )
            joined = True
    if joined and (low is not None or high is not None):
        thread.budget_min_yuan, thread.budget_max_yuan = low, high
        thread.save(update_fields=["budget_min_yuan", "budget_max_yuan"])
    _post(thread, by=by, body=body, uploads=uploads, is_inquiry=True)
    _notify(
        thread,
        _("New inquiry from %(org)s on “%(title)s”") % {"org": by.organization.name, "title": thread.title},
        by=by,
    )
    return thread


@transaction.atomic
def reply(thread: Thread, *, by, body: str, uploads=()) -> Message:
    if not permissions.can_view_thread(by, thread):
        raise PermissionDenied(_("You are not part of this inquiry."))
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if not thread.is_open:
        raise ValidationError(_("This inquiry is closed; it takes no more messages."), code="invalid_state")
    body = _clean_text(body, field="body", limit=MAX_BODY, message=_("Please write a message."))
    uploads = validate_uploads(uploads)
    message = _post(thread, by=by, body=body, uploads=uploads, is_inquiry=False)
    _notify(thread, _("New message on the inquiry “%(title)s”") % {"title": thread.title}, by=by)
    return message


def mark_read(thread: Thread, *, by) -> ReadReceipt:
    """Everything sent in the thread up to now counts as read by this person."""
    if not permissions.can_view_thread(by, thread):
        raise PermissionDenied(_("You are not part of this inquiry."))
    receipt, _created = ReadReceipt.objects.update_or_create(
        thread=thread, user=by, defaults={"read_at": timezone.now()}
    )
    return receipt


@transaction.atomic
def convert_to_deal(thread: Thread, *, by):
    """The broker turns the thread into a deal (the deals app's `open_deal_from_match`), linked both ways."""
    if not permissions.can_broker(by, thread):
        raise PermissionDenied(
            _("Only the responsible sub-center's staff and brokers turn an inquiry into a deal.")
        )
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if not thread.is_open:
        raise ValidationError(_("This inquiry is closed; it takes no more messages."), code="invalid_state")
    if thread.kind not in DEAL_KINDS:
        raise ValidationError(
            _("Only an inquiry on an achievement or a demand becomes a deal; close this one with a reason."),
            code="invalid",
        )
    if thread.kind == "achievement":
        deal = open_deal_from_match(achievement=thread.achievement, buyer=thread.inquirer, by=by)
    else:
        deal = open_deal_from_match(demand=thread.demand, seller=thread.inquirer, by=by)
    thread.deal = deal
    thread.status = Thread.Status.CONVERTED
    thread.closed_by = by
    thread.save(update_fields=["deal", "status", "closed_by"])
    _notify(thread, _("The inquiry “%(title)s” became a deal.") % {"title": thread.title}, by=by)
    return deal


@transaction.atomic
def close_thread(thread: Thread, *, by, reason: str) -> Thread:
    if not permissions.can_broker(by, thread):
        raise PermissionDenied(_("Only the responsible sub-center's staff and brokers close an inquiry."))
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if not thread.is_open:
        raise ValidationError(_("This inquiry is closed; it takes no more messages."), code="invalid_state")
    thread.close_reason = _clean_text(
        reason, field="reason", limit=MAX_REASON, message=_("Please give a reason.")
    )
    thread.status = Thread.Status.CLOSED
    thread.closed_by = by
    thread.save(update_fields=["close_reason", "status", "closed_by"])
    _notify(
        thread,
        _("The inquiry “%(title)s” was closed: %(reason)s")
        % {"title": thread.title, "reason": thread.close_reason},
        by=by,
    )
    return thread
