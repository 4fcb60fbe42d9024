"""The network's own outcomes as relevance judgments (implicit qrels).

What people did with a recommendation says how good it was. Graded, for a (demand, achievement) pair:

    0  shown to the listing's owner, nothing done (the recommendation was passed over)
    1  opened from the recommendation, or an inquiry about the other listing by the owner's organization
    2  a deal was opened between the two
    3  a contract from that deal was registered (认定登记)

Recorded here: *shown* and *opened* (`RecommendationEvent`, nothing else knows them). Inquiries, deals
and registrations are already on record in their apps and are joined when collecting. `export` writes
`corpus.jsonl`, `queries.jsonl` and `qrels.tsv` in the format `mengkeju eval-matching` reads, so the
platform measures its matching on its own users' decisions, and `judgments.xlsx` for analysis.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from mengkeju.catalog.models import Achievement, Demand, Status
from mengkeju.catalog.permissions import is_owner
from mengkeju.core import clock
from mengkeju.core.excel import add_sheet, new_workbook, to_bytes

from .models import RecommendationEvent

ORIGIN = re.compile(r"^(achievement|demand):(\d{1,12})$")
MAX_RANK = 50
GRADES = {"shown": 0, "opened": 1, "inquired": 1, "deal": 2, "contract": 3}  # in the order of a journey


def parse_origin(rec: str | None, rank: str | None) -> tuple[str, int, int | None] | None:
    """`?rec=demand:12&rank=3` on a link from a recommendation; anything else is no origin."""
    match = ORIGIN.match(rec or "")
    if not match:
        return None
    position = int(rank) if (rank or "").isdigit() and 1 <= int(rank) <= MAX_RANK else None
    return match.group(1), int(match.group(2)), position


def _kind(listing) -> str:
    return "achievement" if isinstance(listing, Achievement) else "demand"


@transaction.atomic
def record_shown(listing, *, viewer, recommended=(), origin=None) -> int:
    """A listing's page was shown to `viewer` with `recommended` (best first). Records what the owner's
    organization was shown and, when the page was opened from a recommendation on one of the viewer's
    own listings (`origin`), that it was opened. Returns the number of events written."""
    if not (viewer and viewer.is_authenticated):
        return 0
    events = []
    if is_owner(viewer, listing):
        kind = _kind(listing)
        events += [
            RecommendationEvent(
                source_kind=kind,
                source_id=listing.pk,
                target_kind=_kind(other),
                target_id=other.pk,
                action=RecommendationEvent.Action.SHOWN,
                rank=rank,
                user=viewer,
            )
            for rank, other in enumerate(recommended, start=1)
        ]
    if origin is not None:
        source_kind, source_id, rank = origin
        model = Achievement if source_kind == "achievement" else Demand
        source = model.objects.filter(pk=source_id).only("pk", "owner_id").first()
        if source is not None and source_kind != _kind(listing) and is_owner(viewer, source):
            events.append(
                RecommendationEvent(
                    source_kind=source_kind,
                    source_id=source_id,
                    target_kind=_kind(listing),
                    target_id=listing.pk,
                    action=RecommendationEvent.Action.OPENED,
                    rank=rank,
                    user=viewer,
                )
            )
    RecommendationEvent.objects.bulk_create(events)
    return len(events)


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
    from mengkeju.deals.models import Deal, Registration
    from mengkeju.inquiries.models import Thread

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
