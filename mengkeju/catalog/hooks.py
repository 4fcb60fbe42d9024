"""Extension points: what another app adds to catalog pages without the catalog importing it.

The matching app installs its matchmaker when Django starts (`MatchingConfig.ready`); until one is
installed (or where the app is left out) the catalog gets the do-nothing `Matchmaker` below. Changes
travel the other way as signals (`signals.py`).
"""

from __future__ import annotations


class Matchmaker:
    """What catalog pages ask of a matching service. This one finds nothing: a keyword search lists
    the filtered records in their usual order and detail pages show no recommendations."""

    def ranked(self, kind: str, filterset) -> list | None:
        """The records of a bound, valid `filterset` of `kind` that match its keywords, best first,
        each with its `match` (the engine's result, for the excerpt); None: no ranking, list the
        filtered records in their usual order."""
        return None

    def ranked_resources(self, kind: str, text: str, queryset) -> list | None:
        """The entries of `queryset` (experts, platforms or services: `kind`) that match `text`, best
        first, each with its `match`; None: no ranking (the database's keyword search alone)."""
        return None

    def recommendations(self, listing) -> list:
        """(counterpart, result) pairs for a record's page: achievements for a demand, demands for
        an achievement."""
        return []

    def resources(self, demand) -> dict:
        """{"expert" | "platform" | "service": [(object, result), ...]} that could help with a demand."""
        return {}

    def possible_duplicates(self, listing) -> list:
        """(published record, duplicate) pairs for the records `listing` nearly copies; a duplicate
        has `resemblance` (0–1) and `same_title`."""
        return []


_installed = Matchmaker()


def install_matchmaker(matchmaker: Matchmaker) -> None:
    global _installed
    _installed = matchmaker


def matchmaker() -> Matchmaker:
    return _installed
