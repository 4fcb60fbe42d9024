"""Home page and the per-role workspace."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from mengkeju.accounts import selectors as accounts
from mengkeju.catalog import selectors as catalog
from mengkeju.catalog.models import Status
from mengkeju.core import charts
from mengkeju.deals import permissions as deal_permissions
from mengkeju.deals import selectors as deals
from mengkeju.network import selectors as network
from mengkeju.network.models import User
from mengkeju.notifications.selectors import notifications_of
from mengkeju.progress.permissions import has_own_listings

from . import selectors


def _chain_chart(data: dict) -> dict:
    achievements, demands = _("Achievements"), _("Demands")
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [achievements, demands]},
        # containLabel: the grid makes room for the rotated chain names ("现代煤化工/精细化工" was cut off).
        "grid": {"left": 8, "right": 8, "bottom": 8, "top": 40, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": data["chains"],
            "axisLabel": {"interval": 0, "rotate": 30, "width": 90, "overflow": "truncate"},
        },
        "yAxis": {"type": "value"},
        "series": [
            {
                "name": achievements,
                "type": "bar",
                "data": data["achievements"],
                "itemStyle": {"color": charts.BLUE},
            },
            {"name": demands, "type": "bar", "data": data["demands"], "itemStyle": {"color": "#d9a21b"}},
        ],
    }


def home(request):
    context = {
        "summary": network.network_summary(),
        "stats": selectors.catalog_stats(),
        "chains": network.chains_with_links(),
        "latest_achievements": catalog.with_related(catalog.visible_achievements(None))[:6],
        "latest_demands": catalog.with_related(catalog.visible_demands(None))[:6],
        "charts": {"chains": _chain_chart(selectors.home_chart_data())},
    }
    return render(request, "portal/home.html", context)


@login_required
def workspace(request):
    user = request.user
    own = catalog.own_listings(user)
    drafts = {
        "achievements": own["achievements"].filter(status__in=[Status.DRAFT, Status.RETURNED]),
        "demands": own["demands"].filter(status__in=[Status.DRAFT, Status.RETURNED]),
    }
    queue = catalog.review_queue(user)
    may_register = deal_permissions.can_see_registration_queue(user)
    registrations = deals.registration_queue(user) if may_register else None
    due = deals.follow_up()
    my_deals = deals.workspace_deals(user, due)
    context = {
        "role": user.get_role_display(),
        "own": own,
        "drafts": drafts,
        # One "nothing here" line per panel, shown only when every list in it is empty.
        "has_drafts": drafts["achievements"].exists() or drafts["demands"].exists(),
        "has_own": own["achievements"].exists() or own["demands"].exists(),
        "queue": queue,
        "has_queue": queue["achievements"].exists() or queue["demands"].exists(),
        "shows_registrations": may_register,
        "registrations": list(registrations[:10]) if may_register else [],
        "registration_count": registrations.count() if may_register else 0,
        "shows_deals": deal_permissions.can_see_board(user),
        "my_deals": my_deals,
        "overdue_deal_count": sum(1 for deal in my_deals if deal.is_overdue),
        "follow_up_days": due.working_days,
        "verification_queue": accounts.verification_queue(user),
        "may_join_organization": accounts.may_request_to_join(user),
        "new_demands": catalog.new_demands_in_scope(user),
        "notifications": notifications_of(user)[:20],
        "saved_searches": user.saved_searches.all(),
        "is_reviewer": user.role
        in (User.Role.HQ_OPERATOR, User.Role.SUBCENTER_STAFF, User.Role.PLATFORM_ADMIN)
        or user.is_superuser,
        "has_own_listings": has_own_listings(user),
        "is_staff_side": user.role in (User.Role.HQ_OPERATOR, User.Role.SUBCENTER_STAFF, User.Role.BROKER),
    }
    return render(request, "portal/workspace.html", context)


def search(request):
    """The home page's search box: send the query to the achievement or demand list."""
    target = "catalog:demand-list" if request.GET.get("in") == "demands" else "catalog:achievement-list"
    query = (request.GET.get("q") or "").strip()[:200]
    return redirect(f"{reverse(target)}?{urlencode({'q': query})}" if query else reverse(target))
