"""Demo records of the newer domains: deals, licensing, open challenges, innovation points and the
incubation ladder. Content is in data/*_e.yaml; every record is written through its app's services,
so events, numbers, schedules and statements are the real ones.

Each block is skipped when its records already exist, so loading twice changes nothing. Services
stamp some rows with the current time (a deal's opening, its events, a registration); the demo then
moves those timestamps back to the day the YAML gives, so the board and timelines look lived-in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import yaml
from django.db.models import F, Max
from django.utils import timezone

from mengkeju.catalog.models import Achievement, Demand, Expert, Platform
from mengkeju.core import clock
from mengkeju.network.models import ChainLink, IndustryChain, Organization, User

from . import DATA_DIR

# --- plumbing ----------------------------------------------------------------------------------


def _data(name: str) -> dict:
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")) or {}


def _moment(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _org(ref: str) -> Organization:
    return Organization.objects.get(code=ref)


def _member(org: Organization) -> User:
    """A member account acting for an organization: the demo account when it has one, else a
    representative without a password (the demo never signs in as them)."""
    user = User.objects.filter(organization=org, role=User.Role.MEMBER).order_by("pk").first()
    if user is None:
        user = User(
            username=f"demo-{org.code.lower()}",
            role=User.Role.MEMBER,
            organization=org,
            display_name=f"{org.name}联系人",
        )
        user.set_unusable_password()
        user.save()
    return user


def _expert_user(expert: Expert) -> User:
    if expert.user_id is None:
        user = User(
            username=f"expert-{expert.external_id.lower()}",
            role=User.Role.EXPERT,
            organization=expert.organization,
            display_name=expert.name,
        )
        user.set_unusable_password()
        user.save()
        expert.user = user
        expert.save(update_fields=["user"])
    return expert.user


def _party_code(org: Organization) -> str:
    """The organization's credit code, its check character recomputed when the demo's is off."""
    from mengkeju.deals.rules import CREDIT_CODE_CHARSET, credit_code_check_character, is_valid_credit_code

    code = (org.credit_code or "").upper()
    if is_valid_credit_code(code):
        return code
    first = "".join(ch if ch in CREDIT_CODE_CHARSET else "0" for ch in (code + "0" * 17)[:17])
    return first + credit_code_check_character(first)


# --- deals -------------------------------------------------------------------------------------


def demo_deals(today: date) -> dict[str, int]:
    from mengkeju.deals import services
    from mengkeju.deals.models import (
        SIGNED_OR_LATER,
        ContractParty,
        Deal,
        DealEvent,
        Registration,
        RegistrationEvent,
        TechnicalContract,
    )

    data = _data("deals_e.yaml")
    broker = User.objects.get(username="broker")
    registrar = User.objects.get(username="subcenter")
    refs = [d["demand"] for d in data["deals"]]
    if Deal.objects.filter(sub_center=broker.organization, demand__external_id__in=refs).exists():
        return {}
    contracts_spec = {c["ref"]: c for c in data["contracts"]}
    contracts: dict[str, TechnicalContract] = {}
    registrations: dict[str, Registration] = {}
    counts = {"deals": 0, "technical contracts": 0, "registration applications": 0}

    for spec in data["deals"]:
        demand = Demand.objects.get(external_id=spec["demand"]) if spec.get("demand") else None
        achievement = (
            Achievement.objects.get(external_id=spec["achievement"]) if spec.get("achievement") else None
        )
        deal = None
        opened_on = last_contact = last_step = None
        for step in spec["steps"]:
            day = today - timedelta(days=int(step["days_ago"]))
            mark = DealEvent.objects.aggregate(m=Max("id"))["m"] or 0
            do = step["do"]
            if do == "open":
                deal = services.open_deal_from_match(demand=demand, achievement=achievement, by=broker)
                opened_on = day
                counts["deals"] += 1
            elif do == "contact":
                services.record_contact(deal, step["note"], by=broker)
                last_contact = day
            elif do == "move":
                deal = services.transition_deal(deal, step["stage"], by=broker, note=step.get("note", ""))
            elif do == "contract":
                c = contracts_spec[step["ref"]]
                signed = day if deal.stage in SIGNED_OR_LATER else None
                seller, buyer = deal.seller or achievement.owner, deal.buyer or demand.owner
                parties = [
                    {
                        "role": role,
                        "organization": org,
                        "name": org.name,
                        "credit_code": _party_code(org),
                        "division": org.division,
                    }
                    for role, org in ((ContractParty.Role.SELLER, seller), (ContractParty.Role.BUYER, buyer))
                ]
                first_link = (demand or achievement).chain_links.select_related("chain").first()
                contracts[c["ref"]] = services.create_contract(
                    by=broker,
                    deal=deal,
                    parties=parties,
                    title=c["title"],
                    kind=c["kind"],
                    sub_kind=c.get("sub_kind", ""),
                    licence_scope=c.get("licence_scope", ""),
                    amount_yuan=Decimal(str(c["amount_yuan"])),
                    materials_yuan=Decimal(str(c.get("materials_yuan", 0))),
                    payment_terms=c.get("payment_terms", ""),
                    ip_clauses=c.get("ip_clauses", ""),
                    signed_on=signed,
                    term_start=signed or day,
                    term_end=(signed or day) + timedelta(days=int(c["term_days"])),
                    chain=first_link.chain if first_link else None,
                )
                counts["technical contracts"] += 1
            elif do == "submit":
                registrations[step["ref"]] = services.submit_contract(contracts[step["ref"]], by=broker)
                counts["registration applications"] += 1
            elif do == "register":
                if registrations[step["ref"]].needs_expert_review:
                    services.record_expert_review(
                        registrations[step["ref"]], "专家论证：同意登记", by=registrar
                    )
                registration = services.register(registrations[step["ref"]], by=registrar)
                if registration.status != Registration.Status.REGISTERED:
                    raise ValueError(f"demo contract {step['ref']} refused: {registration.refused_message}")
            if do in ("submit", "register"):
                registration = registrations[step["ref"]]
                field = "submitted_at" if do == "submit" else "decided_at"
                changes = {field: _moment(day, 11)}
                if do == "register":
                    changes["registered_on"] = day
                Registration.objects.filter(pk=registration.pk).update(**changes)
                RegistrationEvent.objects.filter(registration=registration, id__gt=0).filter(
                    action=RegistrationEvent.Action.SUBMIT
                    if do == "submit"
                    else RegistrationEvent.Action.REGISTER
                ).correct({"at": _moment(day, 11)}, reason="demo: backdate to the story's day")
            DealEvent.objects.filter(deal=deal, id__gt=mark).correct(
                {"at": _moment(day, 10 if do == "open" else 15)}, reason="demo: backdate to the story's day"
            )
            last_step = day
        Deal.objects.filter(pk=deal.pk).update(
            created_at=_moment(opened_on, 10),
            updated_at=_moment(last_step, 15),
            last_contacted_at=_moment(last_contact, 15) if last_contact else None,
        )
    return counts


# --- licensing ---------------------------------------------------------------------------------


def demo_licensing(today: date) -> dict[str, int]:
    from mengkeju.licensing import calculations, services
    from mengkeju.licensing.models import Licence, OpenLicenceDeclaration

    data = _data("licensing_e.yaml")
    policy = data["revenue_policy"]
    university = _org(policy["institution"])
    if (
        Licence.objects.filter(licensor=university).exists()
        or OpenLicenceDeclaration.objects.filter(licensor=university).exists()
    ):
        return {}
    licensor_member = User.objects.get(username="researcher")
    days = lambda n: today - timedelta(days=int(n))  # noqa: E731
    counts = {"revenue-sharing policies": 0, "open licence declarations": 0, "licences": 0}

    services.set_revenue_share_policy(
        university,
        by=licensor_member,
        valid_from=days(policy["days_ago"]),
        inventors_share=policy["inventors_share"],
        team_share=policy["team_share"],
        institution_share=policy["institution_share"],
        note=policy["note"],
    )
    counts["revenue-sharing policies"] += 1

    spec = data["open_licence"]
    declaration = services.declare_open_licence(
        Achievement.objects.get(external_id=spec["achievement"]),
        by=licensor_member,
        declared_on=days(spec["days_ago"]),
        payment_method=spec["payment_method"],
        term_months=spec["term_months"],
        patent_number=spec["patent_number"],
        description=spec.get("description", ""),
        fee_model=spec["fee_model"],
        upfront_fee_yuan=spec.get("upfront_fee_yuan"),
        royalty_rate=spec.get("royalty_rate"),
        payment_term_days=spec.get("payment_term_days", 30),
    )
    counts["open licence declarations"] += 1
    licensee = _org(spec["accepted_by"])
    services.accept_open_licence(
        declaration, licensee, by=_member(licensee), on=days(spec["accepted_days_ago"])
    )
    counts["licences"] += 1

    for spec in data["use_first_pay_later"]:
        achievement = Achievement.objects.get(external_id=spec["achievement"])
        licensee = _org(spec["licensee"])
        months = int(spec["trial_months"])
        if "trial_ends_in_days" in spec:  # a trial of `months` months whose last day is that close
            end = today + timedelta(days=int(spec["trial_ends_in_days"]))
            start = calculations.add_months(end + timedelta(days=1), -months)
        else:
            start = days(spec["trial_started_days_ago"])
        licence = services.create_licence(
            achievement,
            by=licensor_member,
            licensee=licensee,
            start_on=start,
            field_of_use=spec.get("field_of_use", ""),
            territory=spec.get("territory", ""),
            use_first_pay_later=True,
            trial_months=months,
            fee_model=spec["fee_model"],
            royalty_rate=spec.get("royalty_rate"),
            minimum_annual_royalty_yuan=spec.get("minimum_annual_royalty_yuan"),
        )
        services.start_trial(licence, by=licensor_member, on=start)
        counts["licences"] += 1
        if "converted_days_ago" not in spec:
            continue
        licensee_member = _member(licensee)
        converted = days(spec["converted_days_ago"])
        licence = services.convert_to_paid(licence, by=licensee_member, on=converted)
        report_spec = spec["royalty_report"]
        period_end = converted + timedelta(days=int(report_spec["period_days"]) - 1)
        filed = period_end + timedelta(days=int(report_spec["filed_after_days"]))
        report = services.file_royalty_report(
            licence,
            by=licensee_member,
            period_start_on=converted,
            period_end_on=period_end,
            sales_revenue_yuan=report_spec["sales_revenue_yuan"],
            units_sold=report_spec.get("units_sold", 0),
            filed_on=filed,
            note=report_spec.get("note", ""),
        )
        pay = spec["payment"]
        services.record_payment(
            licence,
            by=licensor_member,
            payment=report.payment,
            amount_yuan=report.royalty_due_yuan,
            received_on=filed + timedelta(days=int(pay["received_after_days"])),
            costs=pay.get("costs") or [],
        )  # the university's policy is in force: the revenue-sharing statement is issued with it
    services.send_trial_reminders(today)
    services.send_overdue_notices(today)
    return counts


# --- challenges --------------------------------------------------------------------------------


def _panel(challenge, size: int, at: datetime) -> list[Expert]:
    """The demo `expert` first, then other experts without a conflict of interest, in a fixed order."""
    from mengkeju.challenges import services

    chosen = []
    candidates = Expert.objects.select_related("user").order_by(F("user").asc(nulls_last=True), "pk")
    for expert in candidates:
        if not services.expert_conflicts(expert, challenge, at):
            chosen.append(expert)
        if len(chosen) == size:
            break
    return chosen


def demo_challenges(today: date) -> dict[str, int]:
    from mengkeju.challenges import services
    from mengkeju.challenges.models import Challenge

    data = _data("challenges_e.yaml")
    titles = [c["title"] for c in data["challenges"]]
    if Challenge.objects.filter(title__in=titles).exists():
        return {}
    hq = User.objects.get(username="hq")
    at = lambda n, hour=10: _moment(today + timedelta(days=int(n)), hour)  # noqa: E731
    counts = {"open challenges": 0, "challenge applications": 0, "challenge awards": 0}

    for spec in data["challenges"]:
        publisher = _org(spec["publisher"])
        author = _member(publisher)
        drafted = at(spec["published_days"], 9)
        challenge = services.draft_challenge(
            by=author,
            publisher=publisher,
            indicators=spec["indicators"],
            chain_links=list(ChainLink.objects.filter(code__in=spec.get("chain_links", []))),
            now=drafted,
            title=spec["title"],
            problem=spec["problem"],
            field=spec.get("field", ""),
            budget_yuan=spec["budget_yuan"],
            mode=spec["mode"],
            teams_to_fund=spec.get("teams_to_fund", 1),
            opens_at=at(spec["opened_days"], 9),
            closes_at=at(spec["closes_days"], 17),
            eligibility=spec.get("eligibility") or {},
            eligibility_notes=spec.get("eligibility_notes", ""),
            ip_terms=spec.get("ip_terms", ""),
        )
        services.submit_challenge(challenge, by=author, now=drafted)
        services.publish_challenge(challenge, by=hq, now=at(spec["published_days"], 16))
        counts["open challenges"] += 1
        indicators = list(challenge.indicators.order_by("position"))
        applications = []
        for item in spec["applications"]:
            lead = _org(item["lead"])
            applications.append(
                services.apply(
                    challenge,
                    by=_member(lead),
                    now=at(item["days"], 14),
                    partners=[_org(ref) for ref in item.get("partners", [])],
                    members=item["members"],
                    technical_route=item["technical_route"],
                    budget_yuan=item["budget_yuan"],
                    cofunding_yuan=item.get("cofunding_yuan", 0),
                    commitments={i.pk: v for i, v in zip(indicators, item["commitments"], strict=True)},
                    milestones=[
                        {
                            "title": m["title"],
                            "due_on": today + timedelta(days=int(m["due_days"])),
                            "share_percent": m["share_percent"],
                            "indicator_ids": [indicators[0].pk],
                        }
                        for m in item["milestones"]
                    ],
                )
            )
            counts["challenge applications"] += 1
        if "review_days" not in spec:
            continue
        services.start_review(challenge, by=hq, now=at(spec["review_days"]))
        panel = _panel(challenge, services.panel_min_experts(), at(spec["review_days"]))
        for expert in panel:
            _expert_user(expert)
        services.form_panel(challenge, panel, by=hq, now=at(spec["review_days"], 15))
        codes = [c["code"] for c in Challenge.objects.get(pk=challenge.pk).rubric]
        for offset, expert in zip((0, -3, 2), panel, strict=False):
            user = _expert_user(expert)
            for application, marks in zip(applications, spec["scores"], strict=True):
                scores = {code: max(0, min(100, m + offset)) for code, m in zip(codes, marks, strict=True)}
                services.save_scorecard(
                    application, by=user, scores=scores, submit=True, now=at(spec["scored_days"], 11)
                )
        services.decide(challenge, by=hq, now=at(spec["decided_days"]))
        services.award(challenge, by=hq, now=at(spec["awarded_days"]))
        counts["challenge awards"] += 1
    return counts


# --- innovation points -------------------------------------------------------------------------

SIZE_CLASSES = ("micro", "small", "medium", "large")
# Typical revenue (万元) of each size class, the centre of a log-normal spread.
REVENUE_CENTRE = {"micro": 600, "small": 4_000, "medium": 25_000, "large": 180_000}


def _enterprise_values(rng: np.random.Generator, size: str) -> dict[str, float]:
    revenue = float(rng.lognormal(np.log(REVENUE_CENTRE[size]), 0.45))
    intensity = float(np.clip(rng.gamma(2.2, 2.0), 0.3, 25))
    staff = int(rng.integers(8, 40) * (1 + SIZE_CLASSES.index(size)) ** 1.6)
    rd_share = float(np.clip(rng.normal(16, 6), 3, 60))
    return {
        "rd_expense": round(revenue * intensity / 100, 2),
        "rd_intensity": round(intensity, 2),
        "rd_staff": max(1, round(staff * rd_share / 100)),
        "rd_staff_share": round(rd_share, 2),
        "invention_patents": int(rng.poisson(2 + 4 * SIZE_CLASSES.index(size))),
        "other_ip": int(rng.poisson(5 + 6 * SIZE_CLASSES.index(size))),
        "contract_turnover": round(float(rng.choice([0, 0, 1]) * rng.lognormal(4.5, 1.0)), 2),
        "revenue": round(revenue, 2),
        "revenue_growth": round(float(np.clip(rng.normal(9, 14), -40, 80)), 2),
        "net_profit": round(revenue * float(rng.normal(0.07, 0.06)), 2),
        "equity_financing": round(float(rng.choice([0, 0, 0, 1]) * rng.lognormal(6.5, 0.8)), 2),
        "debt_ratio": round(float(np.clip(rng.normal(48, 14), 8, 95)), 2),
        "high_tech_enterprise": int(rng.random() < 0.55),
        "tech_sme": int(size in ("micro", "small") and rng.random() < 0.7),
        "innovation_platforms": int(rng.choice([0, 0, 0, 1, 1, 2])),
        "science_awards": int(rng.choice([0, 0, 0, 0, 1])),
    }


def demo_points(today: date, seed: int = 2025) -> dict[str, int]:
    from mengkeju.points import services
    from mengkeju.points.models import EnterpriseYear, IndicatorSystem
    from mengkeju.points.pack import SystemSpec

    latest = IndicatorSystem.objects.order_by("-year").values_list("year", flat=True).first()
    if latest is None:
        return {}  # the region has no innovation-points system
    enterprises = list(
        Organization.objects.filter(kind=Organization.Kind.ENTERPRISE, code__regex=r"^[A-Z]-ORG-").order_by(
            "code"
        )
    )
    if EnterpriseYear.objects.filter(year=latest, organization__in=enterprises).exists():
        return {}
    hq = User.objects.get(username="hq")
    items = {
        item.code for item in SystemSpec.from_definition(services.current_system(latest).definition).all_items
    }
    rng = np.random.default_rng(seed)
    chain_of: dict[int, int] = {}
    for owner_id, chain_id in (
        Demand.objects.filter(owner__in=enterprises)
        .values_list("owner_id", "chain_links__chain_id")
        .order_by("owner_id", "pk")
    ):
        chain_of.setdefault(owner_id, chain_id)
    chains = {c.pk: c for c in IndustryChain.objects.all()}
    # A second generator for what the 2026 system added (taxes, standards, year of establishment), so the
    # values drawn for the earlier items stay what they were.
    extra = np.random.default_rng(seed + 1)
    for org in enterprises:
        size = SIZE_CLASSES[int(rng.choice(4, p=[0.2, 0.4, 0.3, 0.1]))]
        drawn = _enterprise_values(rng, size)
        drawn["tax_paid"] = round(drawn["revenue"] * float(extra.uniform(0.02, 0.08)), 2)
        drawn["standards"] = int(extra.choice([0, 0, 0, 1, 2]))
        founded = latest - int(extra.integers(1, 30))
        values = {k: v for k, v in drawn.items() if k in items}
        services.enter_indicator_values(
            org,
            latest,
            values,
            by=hq,
            chain=chains.get(chain_of.get(org.pk)),
            size_class=size,
            founded_year=founded,
        )
    run = services.recompute_scores(latest, by=hq)
    return {"innovation-points data": len(enterprises), "innovation-points scores": run.enterprises}


# --- chain map: incubation ladder and whitelist -------------------------------------------------


def demo_chain_map(today: date) -> dict[str, int]:
    from mengkeju.catalog.models import WhitelistAction, WhitelistStatus
    from mengkeju.catalog.services import whitelist_step
    from mengkeju.network.models import LadderMembership
    from mengkeju.network.services import record_ladder_move

    data = _data("ladder_e.yaml")
    hq = User.objects.get(username="hq")
    counts = {"ladder moves": 0, "whitelist steps": 0}
    carriers = {m["carrier"] for item in data["ladder"] for m in item["moves"]}
    if not LadderMembership.objects.filter(carrier__code__in=carriers).exists():
        for item in data["ladder"]:
            enterprise = _org(item["enterprise"])
            for move in item["moves"]:
                record_ladder_move(
                    enterprise,
                    _org(move["carrier"]),
                    entered_on=today - timedelta(days=int(move["days_ago"])),
                    by=hq,
                    note=move.get("note", ""),
                )
                counts["ladder moves"] += 1
    whitelist = data.get("whitelist") or {}
    for ref in whitelist.get("under_review", []):
        platform = Platform.objects.get(external_id=ref)
        if platform.whitelist_status == WhitelistStatus.NONE:
            platform = whitelist_step(platform, WhitelistAction.APPLY, by=hq)
            whitelist_step(platform, WhitelistAction.REVIEW, by=hq)
            counts["whitelist steps"] += 2
    for item in whitelist.get("kept", []):
        platform = Platform.objects.get(external_id=item["platform"])
        year = today.year - 1
        if (
            platform.whitelist_status == WhitelistStatus.LISTED
            and not platform.whitelist_events.filter(evaluation_year=year).exists()
        ):
            whitelist_step(platform, WhitelistAction.KEEP, by=hq, reason=item["reason"], year=year)
            counts["whitelist steps"] += 1
    return counts


def load_domains(today: date | None = None) -> dict[str, tuple[int, int, int]]:
    """Every block, in the order their records depend on each other (points count the others)."""
    today = today or clock.local_date()
    created: dict[str, int] = {}
    for block in (demo_chain_map, demo_deals, demo_licensing, demo_challenges, demo_points):
        created.update(block(today))
    return {kind: (n, 0, 0) for kind, n in created.items()}
