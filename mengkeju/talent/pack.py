"""The region pack's talent data (region.yaml `parameters`): tiers with their criteria, the programmes
that feed them, and the roles of talent exchange. Nothing about a region is written here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

from mengkeju.network.selectors import region_parameter


@dataclass(frozen=True)
class Named:
    code: str
    name: str
    name_en: str

    @property
    def label(self) -> str:
        """The name in the reader's language (Chinese unless English is chosen and given)."""
        return self.name_en if self.name_en and (get_language() or "").startswith("en") else self.name


@dataclass(frozen=True)
class Tier(Named):
    rank: int  # 0: the highest tier
    criteria: tuple[Named, ...]

    def criterion(self, code: str) -> Named | None:
        return next((c for c in self.criteria if c.code == code), None)


@dataclass(frozen=True)
class Programme(Named):
    feeds_tier: str


def _named(item: dict) -> dict:
    return {"code": item["code"], "name": item["name"], "name_en": item.get("name_en", "")}


def tiers() -> list[Tier]:
    """The region's talent tiers, highest first; empty without a region pack."""
    return [
        Tier(**_named(item), rank=rank, criteria=tuple(Named(**_named(c)) for c in item.get("criteria", [])))
        for rank, item in enumerate(region_parameter("talent_tiers", None) or [])
    ]


def tier(code: str) -> Tier | None:
    return next((t for t in tiers() if t.code == code), None)


def programmes() -> list[Programme]:
    return [
        Programme(**_named(item), feeds_tier=item.get("feeds_tier", ""))
        for item in region_parameter("talent_programmes", None) or []
    ]


def programme(code: str) -> Programme | None:
    return next((p for p in programmes() if p.code == code), None)


def exchange_roles() -> list[Named]:
    return [Named(**_named(item)) for item in region_parameter("talent_exchange_roles", None) or []]


def exchange_role(code: str) -> Named | None:
    return next((r for r in exchange_roles() if r.code == code), None)


def label(items: list[Named], code: str) -> str:
    """The name of a code among `items`, or the code itself (a code a later pack dropped)."""
    return next((i.label for i in items if i.code == code), code)
