"""Pages of 我要对接: the inquiry form, the thread (HTMX replies), 我的对接 and the sub-center's list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mengkeju.core import files
from mengkeju.core.exceptions import DomainError
from mengkeju.core.roles import role_of
from mengkeju.deals.permissions import NODE_ROLES

from . import permissions, selectors, services
from .forms import InquiryForm, ReplyForm
from .models import SUBJECT_MODELS, Attachment, Thread

PAGE_SIZE = 30


def _listing(kind: str, pk: int):
    model = SUBJECT_MODELS.get(kind)
    if model is None:
        raise Http404
    listing = get_object_or_404(model, pk=pk)
    if not services.is_published(kind, listing):
        raise Http404  # an unpublished listing is not shown to inquirers at all
    return listing


def _thread(request, pk: int) -> Thread:
    thread = get_object_or_404(
        Thread.objects.select_related("inquirer", "owner", "sub_center", "deal"), pk=pk
    )
    if not permissions.can_view_thread(request.user, thread):
        raise Http404
    return thread


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def inquire(request, kind: str, pk: int):
    listing = _listing(kind, pk)
    form = InquiryForm(request.POST or None, request.FILES or None)
    error, status = None, 200
    if request.method == "POST" and not form.is_valid():
        status = 400
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            thread = services.send_inquiry(
                kind,
                listing,
                by=request.user,
                body=data["body"],
                budget_min=data["budget_min_yuan"],
                budget_max=data["budget_max_yuan"],
                preferred_contact=data["preferred_contact"],
                uploads=data["files"],
            )
        except ValidationError as exc:
            error, status = _errors(exc), 400
        except PermissionDenied as exc:
            error, status = str(exc), 403
        except DomainError as exc:
            error, status = str(exc), exc.status
        else:
            messages.success(request, _("Your inquiry was sent."))
            return redirect(services.thread_url(thread))
    return render(
        request,
        "inquiries/inquire.html",
        {
            "form": form,
            "kind": kind,
            "listing": listing,
            "listing_title": services.title_of(kind, listing),
            "listing_url": services.listing_url(kind, listing),
            "error": error,
            "may_send": permissions.can_send_inquiry(request.user),
        },
        status=status,
    )


def _thread_context(request, thread: Thread, form=None) -> dict:
    receipts = selectors.readers(thread)
    rows = [(m, selectors.read_by(m, receipts)) for m in selectors.messages_of(thread)]
    return {
        "thread": thread,
        "rows": rows,
        "receipts": receipts,
        "form": form or ReplyForm(),
        "can_write": permissions.can_write(request.user, thread),
        "can_broker": permissions.can_broker(request.user, thread) and thread.is_open,
        "convertible": thread.kind in ("achievement", "demand"),
        "listing_url": services.listing_url(thread.kind, thread.subject),
    }


@login_required
def thread_detail(request, pk: int):
    thread = _thread(request, pk)
    services.mark_read(thread, by=request.user)
    return render(request, "inquiries/thread.html", _thread_context(request, thread))


@require_POST
@login_required
def thread_reply(request, pk: int):
    thread = _thread(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    error = None
    if form.is_valid():
        try:
            services.reply(
                thread, by=request.user, body=form.cleaned_data["body"], uploads=form.cleaned_data["files"]
            )
        except ValidationError as exc:
            error = _errors(exc)
        except PermissionDenied as exc:
            error = str(exc)
        else:
            form = None
    else:
        error = " ".join(e for errs in form.errors.values() for e in errs)
    thread.refresh_from_db()
    if request.headers.get("HX-Request"):
        context = {**_thread_context(request, thread, form), "error": error}
        return render(request, "inquiries/_messages.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect(services.thread_url(thread))


@require_POST
@login_required
def thread_convert(request, pk: int):
    thread = _thread(request, pk)
    try:
        deal = services.convert_to_deal(thread, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("The inquiry became the deal “%(title)s”.") % {"title": deal.title})
    return redirect(services.thread_url(thread))


@require_POST
@login_required
def thread_close(request, pk: int):
    thread = _thread(request, pk)
    try:
        services.close_thread(thread, by=request.user, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("The inquiry was closed."))
    return redirect(services.thread_url(thread))


@login_required
def attachment_download(request, pk: int, attachment_id: int):
    """Files of a thread are served only to the people who may read the thread, never as public media."""
    thread = _thread(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, message__thread=thread)
    return files.serve(attachment.file, filename=attachment.name)


@login_required
def inbox(request):
    """我的对接: the threads of the person's organization, newest first."""
    page = Paginator(selectors.my_threads(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "node": False,
        "title": _("My inquiries"),
        "is_node": role_of(request.user) in NODE_ROLES,
    }
    return render(request, "inquiries/inbox.html", context)


@login_required
def node_inbox(request):
    """The broker's list: the threads routed to their sub-center."""
    if role_of(request.user) not in NODE_ROLES:
        raise Http404
    status = request.GET.get("status") or None
    page = Paginator(selectors.node_threads(request.user, status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "inquiries/inbox.html",
        {
            "page": page,
            "node": True,
            "status": status,
            "statuses": Thread.Status.choices,
            "title": _("Inquiries of my sub-center"),
            "inbox_url": reverse("inquiries:node"),
        },
    )
