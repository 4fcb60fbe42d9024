"""Operators' views: /healthz for load balancers and monitoring, /jobs/ for headquarters."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from mengkeju.core.roles import role_of
from mengkeju.jobs import schedule
from mengkeju.jobs import selectors as runs
from mengkeju.jobs.views import OPERATORS

from . import health as selectors


@never_cache
def healthz(request):
    """For load balancers and monitoring: 200 when ok or degraded (details say why), 503 when down."""
    status, report = selectors.health()
    return JsonResponse({"status": status, **report}, status=503 if status == "down" else 200)


@login_required
def jobs_page(request):
    if role_of(request.user) not in OPERATORS:
        raise PermissionDenied
    status, report = selectors.health()
    context = {
        "status": status,
        "report": report,
        "results": selectors.recent_results(),
        "runs": runs.recent_runs(),
        "schedule": schedule.entries(),
    }
    return render(request, "ops/jobs.html", context)
