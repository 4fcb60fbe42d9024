from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .models import SavedSearch


def _back(request, fallback="portal:workspace"):
    target = request.POST.get("next") or request.META.get("HTTP_REFERER")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@require_POST
@login_required
def subscribe(request):
    try:
        services.save_search(
            request.user,
            kind=request.POST.get("kind", ""),
            query=request.POST.get("q", ""),
            chain=request.POST.get("chain", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Subscribed: you will be notified in your workspace when a new record matches.")
        )
    return _back(request)


@require_POST
@login_required
def unsubscribe(request, pk: int):
    get_object_or_404(SavedSearch, pk=pk, user=request.user).delete()
    messages.success(request, _("Subscription removed."))
    return _back(request)
