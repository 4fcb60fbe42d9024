"""Innovation-points work that takes minutes, as background jobs a person watches on /jobs/<id>/."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from mengkeju.jobs import progress as jobs
from mengkeju.jobs.models import JobRun
from mengkeju.network.models import IndustryChain

from . import permissions, services


def _user(run_id: int):
    run = JobRun.objects.select_related("started_by").get(pk=run_id)
    return run, run.started_by


@jobs.tracked_job(atomic=False)  # the service checks the file first and writes in one transaction
def import_data(progress, run_id: int) -> dict:
    run, by = _user(run_id)
    name, content = jobs.upload_of(run_id)
    report = services.import_indicator_values(
        content, name, year=run.options["year"], by=by, progress=progress.update
    )
    return {"report": jobs.report_dict(report), "year": run.options["year"]}


@jobs.tracked_job()
def recompute(progress, run_id: int) -> dict:
    run, by = _user(run_id)
    options = run.options
    chain = IndustryChain.objects.get(code=options["chain"]) if options.get("chain") else None
    score_run = services.recompute_scores(
        options["year"],
        chain=chain,
        size_class=options.get("size_class", ""),
        by=by,
        progress=progress.update,
    )
    query = {"year": options["year"]}
    if chain:
        query["chain"] = chain.code
    if options.get("size_class"):
        query["size_class"] = options["size_class"]
    return {
        "cohort": score_run.cohort_key,
        "enterprises": score_run.enterprises,
        "excluded": len(score_run.statistics.get("excluded", [])),
        "ranking_query": urlencode(query),
    }


# --- as background jobs ----------------------------------------------------------------------------


def start_import(upload, *, year: int, by):
    """Keep the uploaded file privately and import it in the background (import_data)."""
    if not permissions.can_import(by):
        raise PermissionDenied(_("You may not import innovation-points data."))
    return jobs.enqueue(
        import_data,
        kind=JobRun.Kind.POINTS_IMPORT,
        label=f"{upload.name} · {year}",
        by=by,
        organization=by.organization if by.organization_id else None,
        options={"year": year},
        upload=(upload.name, upload.read()),
    )


def start_recompute(year: int, *, chain: IndustryChain | None = None, size_class: str = "", by):
    """Recompute a cohort in the background (recompute)."""
    if not permissions.can_recompute(by):
        raise PermissionDenied(_("Only headquarters recomputes innovation points."))
    return jobs.enqueue(
        recompute,
        kind=JobRun.Kind.POINTS_RECOMPUTE,
        label=" · ".join(str(x) for x in (year, chain.name if chain else "", size_class) if x),
        by=by,
        options={"year": year, "chain": chain.code if chain else "", "size_class": size_class},
    )
