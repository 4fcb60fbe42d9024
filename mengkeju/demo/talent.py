"""Demo talent pool and talent exchange (data/talent_f.yaml), written through the talent services so the
tier decisions and exchange events are the real ones. Skipped when the demo people exist already."""

from __future__ import annotations

from datetime import date

from mengkeju.network.models import ChainLink, Organization, User
from mengkeju.talent import services
from mengkeju.talent.models import Exchange, Person

from .domains import _data, _member


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def load_talent() -> dict[str, tuple[int, int, int]]:
    data = _data("talent_f.yaml")
    if Person.objects.filter(external_id__startswith="F-TAL-").exists():
        return {"talent": (0, 0, len(data["people"]))}
    hq = User.objects.filter(role=User.Role.HQ_OPERATOR).order_by("pk").first()
    links = {link.code: link for link in ChainLink.objects.all()}
    people: dict[str, Person] = {}
    for item in data["people"]:
        org = Organization.objects.get(code=item["organization"])
        person = services.add_person(
            by=hq,
            name=item["name"],
            kind=item["kind"],
            organization=org,
            title=item.get("title", ""),
            field=item.get("field", ""),
            chain_links=[links[c] for c in item.get("chain_links", [])],
            external_id=item["ref"],
        )
        for tier, criterion, day in item.get("tiers", []):
            services.decide_tier(person, tier=tier, criterion=criterion, decided_on=_day(day), by=hq)
        for programme, year in item.get("programmes", []):
            services.enrol(person, programme=programme, year=year, by=hq)
        people[item["ref"]] = person
    for item in data["exchanges"]:
        person = people[item["person"]]
        exchange = services.propose_exchange(
            by=hq,
            person=person,
            home=person.organization,
            host=Organization.objects.get(code=item["host"]),
            role=item["role"],
            kind=item["kind"],
            starts_on=_day(item["starts_on"]),
            ends_on=_day(item["ends_on"]),
            purpose=item["purpose"],
        )
        Exchange.objects.filter(pk=exchange.pk).update(external_id=item["ref"])
        if item["steps"] == "proposed":
            continue
        services.confirm_exchange(exchange, side="home", by=_member(exchange.home))
        services.confirm_exchange(exchange, side="host", by=_member(exchange.host))
        exchange = services.confirm_exchange(exchange, side="sub_center", by=hq)
        if item["steps"] in ("active", "ended"):
            exchange = services.start_exchange(exchange, by=hq)
        if item["steps"] == "ended":
            services.end_exchange(exchange, by=hq)
    return {"talent": (len(people), 0, 0), "talent exchanges": (len(data["exchanges"]), 0, 0)}
