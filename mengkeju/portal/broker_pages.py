"""A technology broker's public profile (技术经理人): level and filing number from the region pack's
`broker_levels`, the node they work for, and their record — deals credited to them and the registered
turnover of those deals' contracts, as counts and sums only (no parties, no personal phone or e-mail:
docs/brokers.md). network sits below deals, so the shell serves the page (mengkeju/urls.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mengkeju.deals import selectors as deals
from mengkeju.network import permissions, selectors, services
from mengkeju.network.models import User


def _broker(pk: int) -> User:
    return get_object_or_404(
        User.objects.select_related("organization"), pk=pk, role=User.Role.BROKER, is_active=True
    )


def broker_detail(request, pk: int):
    broker = _broker(pk)
    level = selectors.broker_level(broker.broker_level) if broker.broker_level else None
    context = {
        "broker": broker,
        "level": level,
        "record": deals.broker_record(broker),
        "may_set_level": permissions.can_set_broker_level(request.user, broker),
        "levels": selectors.broker_levels(),
    }
    return render(request, "network/broker_detail.html", context)


@require_POST
@login_required
def broker_level_set(request, pk: int):
    broker = _broker(pk)
    try:
        services.set_broker_level(
            broker,
            level=request.POST.get("level", ""),
            filing_number=request.POST.get("filing_number", ""),
            by=request.user,
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The broker's level was recorded."))
    return redirect("network:broker", pk=broker.pk)
