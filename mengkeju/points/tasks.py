"""Innovation-points work that takes minutes, as background jobs a person watches on /jobs/<id>/."""

from __future__ import annotations

from urllib.parse import urlencode

from mengkeju.jobs import progress as jobs
from mengkeju.jobs.models import JobRun
from mengkeju.network.models import IndustryChain

from . import services


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
