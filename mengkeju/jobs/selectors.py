"""Reading job runs: the recent ones, and one a person may watch."""

from __future__ import annotations


def recent_runs(limit: int = 50):
    from .models import JobRun

    return list(
        JobRun.objects.select_related("started_by", "organization").order_by("-created_at", "-pk")[:limit]
    )


def run_for(user, pk: int):
    """The JobRun `pk` if `user` may watch it (who started it, headquarters operators and platform
    admins); PermissionDenied otherwise, Http404 when there is none."""
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import get_object_or_404

    from mengkeju.core.roles import Role, role_of

    from .models import JobRun

    run = get_object_or_404(JobRun.objects.select_related("started_by"), pk=pk)
    if role_of(user) in (Role.PLATFORM_ADMIN, Role.HQ_OPERATOR):
        return run
    if run.started_by_id is not None and run.started_by_id == user.pk:
        return run
    raise PermissionDenied
