"""The network's own outcomes as relevance judgments (implicit qrels) — see matching/judgments.py for
the grades and what is recorded there. This module joins the recorded *shown* / *opened* events with the
inquiries, deals and registered contracts on record, and `export` writes `corpus.jsonl`,
`queries.jsonl` and `qrels.tsv` in the format `mengkeju eval-matching` reads (so the platform measures
its matching on its own users' decisions) and `judgments.xlsx` for analysis."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from mengkeju.catalog.models import Achievement, Demand, Status
from mengkeju.core import clock
from mengkeju.core.excel import add_sheet, new_workbook, to_bytes
from mengkeju.deals.models import Deal, Registration
from mengkeju.inquiries.models import Thread
from mengkeju.matching.judgments import GRADES
from mengkeju.matching.models import RecommendationEvent


@dataclass
class Judgment:
    demand_id: int
    achievement_id: int
    grade: int
    evidence: list[str]


def _pair(source_kind: str, source_id: int, target_id: int) -> tuple[int, int]:
    return (source_id, target_id) if source_kind == "demand" else (target_id, source_id)


def collect() -> list[Judgment]:
    """Every judged (demand, achievement) pair with its grade (the best evidence) and the evidence."""
    evidence: dict[tuple[int, int], set[str]] = {}

    def add(pair, what):
        evidence.setdefault(pair, set()).add(what)

    for e in RecommendationEvent.objects.values("source_kind", "source_id", "target_id", "action"):
        add(_pair(e["source_kind"], e["source_id"], e["target_id"]), e["action"])
    # An inquiry about an achievement by an organization that owns demands: judged for those demands
    # that were shown it (an inquiry alone does not say for which of the organization's demands).
    shown_to = {}
    for demand_id, achievement_id in evidence:
        shown_to.setdefault(achievement_id, set()).add(demand_id)
    owners = dict(Demand.objects.filter(pk__in={d for d, _a in evidence}).values_list("pk", "owner_id"))
    inquiries = Thread.objects.filter(kind=Thread.Kind.ACHIEVEMENT, achievement__isnull=False)
    for achievement_id, inquirer_id in inquiries.values_list("achievement_id", "inquirer_id"):
        for demand_id in shown_to.get(achievement_id, ()):
            if owners.get(demand_id) == inquirer_id:
                add((demand_id, achievement_id), "inquired")
    deals = Deal.objects.filter(demand__isnull=False, achievement__isnull=False)
    for demand_id, achievement_id in deals.values_list("demand_id", "achievement_id"):
        add((demand_id, achievement_id), "deal")
    registered = Registration.objects.filter(
        status=Registration.Status.REGISTERED, is_current=True, contract__deal__isnull=False
    ).values_list("contract__deal__demand_id", "contract__deal__achievement_id")
    for demand_id, achievement_id in registered:
        if demand_id and achievement_id:
            add((demand_id, achievement_id), "contract")
    return [
        Judgment(d, a, max(GRADES[w] for w in what), [w for w in GRADES if w in what])
        for (d, a), what in sorted(evidence.items())
    ]


def _record(listing, kind: str) -> dict:
    text = listing.summary if kind == "achievement" else f"{listing.problem}。{listing.indicators}"
    return {"id": f"{kind[0].upper()}{listing.pk}", "name": listing.title, "text": text}


def export(folder: Path) -> dict:
    """Write the judgments for `mengkeju eval-matching` and for analysis. Returns counts."""
    folder.mkdir(parents=True, exist_ok=True)
    judgments = collect()
    demands = Demand.objects.filter(pk__in={j.demand_id for j in judgments})
    with (folder / "queries.jsonl").open("w", encoding="utf-8") as fh:
        for demand in demands.order_by("pk"):
            fh.write(json.dumps(_record(demand, "demand"), ensure_ascii=False) + "\n")
    # The corpus: every published achievement (what the engine ranks), and any judged one.
    judged = {j.achievement_id for j in judgments}
    corpus = Achievement.objects.filter(status=Status.PUBLISHED) | Achievement.objects.filter(pk__in=judged)
    documents = 0
    with (folder / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for achievement in corpus.distinct().order_by("pk").iterator(chunk_size=500):
            fh.write(json.dumps(_record(achievement, "achievement"), ensure_ascii=False) + "\n")
            documents += 1
    with (folder / "qrels.tsv").open("w", encoding="utf-8") as fh:
        for j in judgments:
            fh.write(f"D{j.demand_id} 0 A{j.achievement_id} {j.grade}\n")
    titles = dict(Demand.objects.filter(pk__in={j.demand_id for j in judgments}).values_list("pk", "title"))
    titles_a = dict(Achievement.objects.filter(pk__in=judged).values_list("pk", "title"))
    book = new_workbook()
    add_sheet(
        book,
        _("Judgments"),
        _("Recommendations judged by what people did"),
        _("Exported %(when)s. Grade: 0 shown only, 1 opened or inquired, 2 deal, 3 registered contract.")
        % {"when": clock.now().strftime("%Y-%m-%d %H:%M")},
        [_("Demand"), _("Demand title"), _("Achievement"), _("Achievement title"), _("Grade"), _("Evidence")],
        [
            [
                f"D{j.demand_id}",
                titles.get(j.demand_id, ""),
                f"A{j.achievement_id}",
                titles_a.get(j.achievement_id, ""),
                j.grade,
                ", ".join(j.evidence),
            ]
            for j in judgments
        ],
        [10, 40, 10, 40, 8, 30],
    )
    (folder / "judgments.xlsx").write_bytes(to_bytes(book))
    return {
        "judgments": len(judgments),
        "positive": sum(1 for j in judgments if j.grade > 0),
        "queries": demands.count(),
        "documents": documents,
    }
