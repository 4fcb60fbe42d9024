"""Accounts pages: thin, every change goes through accounts.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mengkeju.network.models import Organization

from . import rules, selectors, services
from .forms import InviteForm, PersonForm, ReasonForm, ResubmitForm, SignUpForm
from .models import JoinRequest

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _apply(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form (field errors where the form has the field)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def signup(request):
    """An organization signs itself up; its first user becomes its administrator."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up(**form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            login(request, user, backend=BACKEND)
            messages.success(
                request,
                _(
                    "Signed up. We sent a confirmation link to your e-mail; the sub-center will verify your organization."
                ),
            )
            return redirect("accounts:organization")
    return render(request, "accounts/signup.html", {"form": form})


def register(request):
    """A person signs up without an organization, then asks to join one."""
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_person(**form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        else:
            login(request, user, backend=BACKEND)
            return redirect("accounts:join")
    return render(request, "accounts/register.html", {"form": form})


@login_required
def join(request):
    query = (request.GET.get("q") or "").strip()[:200]
    if request.method == "POST":
        organization = get_object_or_404(Organization, code=request.POST.get("organization", ""))
        try:
            services.request_to_join(organization, by=request.user, message=request.POST.get("message", ""))
        except ValidationError as exc:
            _flash(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your request was sent to the organization's administrator."))
        return redirect("accounts:join")
    context = {
        "query": query,
        "found": selectors.joinable_organizations(query),
        "requests": request.user.join_requests.select_related("organization")[:10],
    }
    return render(request, "accounts/join.html", context)


@login_required
def organization(request):
    """My organization: verification state, members, invitations and join requests."""
    org = request.user.organization
    if org is None:
        return redirect("accounts:join")
    is_admin = rules.is_org_admin(request.user, org)
    resubmit = None
    if is_admin and org.verification == Organization.Verification.RETURNED:
        resubmit = ResubmitForm(request.POST or None, initial={"name": org.name, "division": org.division})
        if request.method == "POST" and resubmit.is_valid():
            try:
                services.resubmit_organization(org, by=request.user, **resubmit.cleaned_data)
            except ValidationError as exc:
                _apply(resubmit, exc)
            else:
                messages.success(request, _("Sent for verification again."))
                return redirect("accounts:organization")
    context = {
        "org": org,
        "is_admin": is_admin,
        "members": selectors.members_of(org),
        "join_requests": selectors.pending_join_requests(org) if is_admin else [],
        "invitations": selectors.open_invitations(org) if is_admin else [],
        "invite_form": InviteForm(),
        "resubmit": resubmit,
        "return_reason": selectors.last_return_reason(org),
        "is_returned": org.verification == Organization.Verification.RETURNED,
        "email_verified": selectors.email_is_verified(request.user),
    }
    return render(request, "accounts/organization.html", context)


@login_required
@require_POST
def invite(request):
    org = request.user.organization
    if org is None:
        raise PermissionDenied
    form = InviteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["email"])
        invitation = services.invite(org, form.cleaned_data["email"], by=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("accounts:organization")


@login_required
@require_POST
def decide_join_request(request, pk: int, decision: str):
    join_request = get_object_or_404(JoinRequest, pk=pk, organization=request.user.organization_id)
    try:
        services.decide_join_request(join_request, approve=decision == "approve", by=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("accounts:organization")


@login_required
@require_POST
def remove_member(request, pk: int):
    org = request.user.organization
    member = get_object_or_404(org.people if org else Organization.objects.none(), pk=pk)
    try:
        services.remove_member(org, member, by=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("accounts:organization")


def invitation(request, token: str):
    try:
        invite = services.open_invitation(token)
    except ValidationError as exc:
        return render(
            request, "accounts/message.html", {"title": _("Invitation"), "errors": exc.messages}, status=410
        )
    form = (
        None
        if request.user.is_authenticated
        else PersonForm(request.POST or None, initial={"email": invite.email})
    )
    if form is not None:
        form.fields["email"].disabled = True
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        try:
            user = services.accept_invitation(
                token,
                user=request.user,
                username=data.get("username", ""),
                password=data.get("password", ""),
                display_name=data.get("display_name", ""),
            )
        except ValidationError as exc:
            if form is None:
                _flash(request, exc)
            else:
                _apply(form, exc)
        else:
            if not request.user.is_authenticated:
                login(request, user, backend=BACKEND)
            return redirect("accounts:organization")
    return render(request, "accounts/invitation.html", {"invite": invite, "form": form})


def verify_email(request, token: str):
    try:
        services.confirm_email(token)
    except ValidationError as exc:
        return render(
            request,
            "accounts/message.html",
            {"title": _("E-mail confirmation"), "errors": exc.messages},
            status=400,
        )
    return render(
        request,
        "accounts/message.html",
        {"title": _("E-mail confirmation"), "text": _("Your e-mail address is confirmed.")},
    )


@login_required
@require_POST
def resend_email(request):
    try:
        services.send_email_confirmation(request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("We sent a new confirmation link."))
    return redirect("accounts:organization")


@login_required
def verifications(request):
    queue = selectors.verification_queue(request.user)
    return render(request, "accounts/verifications.html", {"queue": queue})


@login_required
def verification(request, code: str):
    org = get_object_or_404(Organization.objects.select_related("division"), code=code)
    if not rules.can_verify(request.user, org):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "approve":
                services.verify_organization(org, by=request.user)
                messages.success(request, _("%(org)s is verified.") % {"org": org.name})
            else:
                services.return_organization(org, request.POST.get("reason", ""), by=request.user)
                messages.success(request, _("%(org)s was returned.") % {"org": org.name})
        except ValidationError as exc:
            _apply(form, exc)
        else:
            return redirect("accounts:verifications")
    context = {
        "org": org,
        "sign_up": getattr(org, "sign_up", None),
        "history": selectors.verification_history(org),
        "is_pending": org.verification == Organization.Verification.PENDING,
        "form": form,
    }
    return render(request, "accounts/verification.html", context)
