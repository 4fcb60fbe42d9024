from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from mengkeju.core.roles import Role, role_of

from . import selectors

OPERATORS = {Role.PLATFORM_ADMIN, Role.HQ_OPERATOR}


def _run_context(request, pk: int) -> dict:
    run = selectors.run_for(request.user, pk)
    return {"run": run, "sees_detail": role_of(request.user) in OPERATORS}


@login_required
@never_cache
def run_page(request, pk: int):
    """A job's progress page: who may watch it, a bar that refreshes itself, then the outcome."""
    return render(request, "jobs/run.html", _run_context(request, pk))


@login_required
@never_cache
def run_progress(request, pk: int):
    """The fragment the page polls (HTMX) until the job has finished."""
    return render(request, "jobs/_run_progress.html", _run_context(request, pk))
