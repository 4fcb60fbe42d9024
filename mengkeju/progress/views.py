"""我的成果 / 我的需求: the list of the organization's listings with their figures, and one listing's progress."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Achievement, Demand

from . import permissions, selectors

MODELS = {"achievement": Achievement, "demand": Demand}


@login_required
def my_listings(request):
    user = request.user
    own = selectors.own_listings(user)
    context = {
        "has_own_listings": permissions.has_own_listings(user),
        "sections": [
            (
                "achievements",
                _("My achievements"),
                selectors.summaries("achievement", own["achievement"], user),
            ),
            ("demands", _("My demands"), selectors.summaries("demand", own["demand"], user)),
        ],
        "sent_inquiries": selectors.sent_inquiries(user),
    }
    return render(request, "progress/my_listings.html", context)


@login_required
def listing_progress(request, kind: str, pk: int):
    model = MODELS.get(kind)
    if model is None:
        raise Http404
    listing = get_object_or_404(
        model.objects.select_related("owner", "division").prefetch_related("chain_links"), pk=pk
    )
    if not permissions.can_follow(request.user, listing):
        raise PermissionDenied(
            _("Only the publishing organization and the network staff follow this record.")
        )
    progress = selectors.progress_of(listing, request.user)
    context = {
        "kind": kind,
        "listing": listing,
        "progress": progress,
        "timeline": selectors.timeline(progress, request.user),
        "recent": selectors.daily_counts(kind, listing.pk),
        "is_own": permissions.has_own_listings(request.user)
        and request.user.organization_id == listing.owner_id,
    }
    return render(request, "progress/listing_progress.html", context)
