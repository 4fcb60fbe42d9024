"""What the matching engine adds to catalog pages, and what a page does when the engine cannot.

The catalog does not import this app: `MatchingConfig.ready()` installs `CatalogMatchmaker` as the
catalog's matchmaker (`catalog.hooks`).

- Matching off (`MATCHING_ENABLED` false): lists keep their usual order, detail pages show no
  recommendations, resources or duplicate check.
- A keyword search the engine refuses (`EngineError`: e.g. an over-long query) lists the filtered
  records in their usual order; when the engine cannot be reached (`BackendUnavailable`: a Milvus
  outage) the page also says that relevance ranking is unavailable.
- A detail page's recommendations, resources or duplicate check that fail are left out and the
  failure logged: they are an aid, the page still renders.
"""

from __future__ import annotations

import logging

from django.conf import settings

from mengkeju.catalog.hooks import Matchmaker
from mengkeju.catalog.models import Demand, Status
from mengkeju.catalog.selectors import ListingFilters
from mengkeju.retrieval.errors import BackendUnavailable, EngineError

from . import adapter

log = logging.getLogger(__name__)
RANKED_SEARCH_LIMIT = 200  # records a keyword search ranks; the rest of the filtered records drop out


def ranked_search(kind: str, filterset) -> list | None:
    """Keyword search through the hybrid engine, ranked by relevance, within the filtered records.

    Returns None (the list's usual order) when there is no query, a status is asked for, matching is
    off or the engine refuses the query."""
    text = (filterset.form.cleaned_data.get("q") or "").strip()
    if not text or not settings.MATCHING_ENABLED or filterset.form.cleaned_data.get("status"):
        return None
    try:
        results = adapter.store.search(kind, text, k=RANKED_SEARCH_LIMIT, strict=True)
    except BackendUnavailable:
        filterset.engine_unavailable = True  # the page says so; the database's keyword filter answers
        return None
    except EngineError:
        return None
    # The engine ranks; the database decides visibility and the structured filters.
    unfiltered = filterset.queryset.filter(pk__in=[int(r.id) for r in results])
    filtered = ListingFilters(**{**filterset.listing_filters().__dict__, "q": ""}).apply(unfiltered)
    allowed = {obj.pk: obj for obj in filtered.filter(status=Status.PUBLISHED)}
    if not any(_names_a_query_term(result) for result in results):
        return []  # nothing shares a word with the query: a near-best dense score alone is no match
    ranked = []
    for result in results:
        obj = allowed.get(int(result.id))
        if obj is not None:
            obj.match = result
            ranked.append(obj)
    return filterset.listing_filters().order_list(ranked)


def _names_a_query_term(result) -> bool:
    """The record shares a term with the query (or the engine ranks by meaning alone: no lexical part)."""
    return result.parts.get("bm25", 1.0) > 0


def ranked_resources(kind: str, text: str, queryset) -> list | None:
    """Keyword search of a directory (experts, platforms or services) through the resource index,
    ranked by relevance, within `queryset` (the visible, filtered entries). None when matching is off
    or the engine refuses the query."""
    if not text or not settings.MATCHING_ENABLED:
        return None
    try:
        results = adapter.store.search(adapter.RESOURCE, text, k=RANKED_SEARCH_LIMIT, strict=True)
    except EngineError:
        return None
    prefix = f"{kind}:"
    # A directory's search box keeps the entries that share a term with the query (ranked by the fused
    # score): the dense model's nearest neighbour of a word nobody wrote is not a search result.
    wanted = [
        (int(r.id[len(prefix) :]), r)
        for r in results
        if r.id.startswith(prefix) and r.parts.get("bm25", 0) > 0
    ]
    allowed = queryset.in_bulk([pk for pk, _r in wanted])
    ranked = []
    for pk, result in wanted:
        obj = allowed.get(pk)
        if obj is not None:
            obj.match = result
            ranked.append(obj)
    return ranked


def _aid(fetch, empty, failure: str, *args):
    """What the engine adds to a detail page: `empty` when matching is off, and `empty` (the failure
    logged) when the engine fails — the page still renders."""
    if not settings.MATCHING_ENABLED:
        return empty
    try:
        return fetch()
    except BackendUnavailable:
        return empty  # the backend said once that it is unreachable; not a log line per page
    except Exception:
        log.exception(failure, *args)
        return empty


def recommendations(listing) -> list:
    """Recommended counterparts for a published record, with the reasons: achievements for a demand,
    enterprises' demands for an achievement."""
    if listing.status != Status.PUBLISHED:
        return []
    if isinstance(listing, Demand):
        return _aid(
            lambda: adapter.achievements_for_demand(listing, k=5),
            [],
            "matching failed for demand %s",
            listing.pk,
        )
    return _aid(
        lambda: adapter.demands_for_achievement(listing, k=5),
        [],
        "matching failed for achievement %s",
        listing.pk,
    )


def resources(demand) -> dict:
    """Experts, platforms and services that could help with a published demand, with the reasons."""
    if demand.status != Status.PUBLISHED:
        return {}
    return _aid(
        lambda: adapter.resources_for_demand(demand), {}, "matching failed for resource %s", demand.pk
    )


def possible_duplicates(listing) -> list:
    """Published near-copies of a record (whoever may see them is the catalog's decision)."""
    return _aid(lambda: adapter.possible_duplicates(listing), [], "duplicate check failed for %s", listing.pk)


class CatalogMatchmaker(Matchmaker):
    """The catalog's matchmaker (installed by `MatchingConfig.ready`)."""

    def ranked(self, kind: str, filterset) -> list | None:
        return ranked_search(kind, filterset)

    def ranked_resources(self, kind: str, text: str, queryset) -> list | None:
        return ranked_resources(kind, text, queryset)

    def recommendations(self, listing) -> list:
        return recommendations(listing)

    def resources(self, demand) -> dict:
        return resources(demand)

    def possible_duplicates(self, listing) -> list:
        return possible_duplicates(listing)
