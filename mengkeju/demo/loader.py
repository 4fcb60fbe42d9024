"""Load the demo set shipped in mengkeju/demo/data (written for Mengkeju; see FORMAT.md).

Idempotent: records are keyed by their `ref`; loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import yaml
from django.db import transaction
from django.utils import timezone

from mengkeju.catalog.models import Achievement, CooperationMode, Demand, Expert, Platform, Service, Status
from mengkeju.catalog.services import bulk_upsert_listings
from mengkeju.core import clock
from mengkeju.deals.models import Registration
from mengkeju.insights.synthetic import generate_registered_contracts
from mengkeju.network.models import ChainLink, Division, Organization, User

from . import DATA_DIR
from .bookings import demo_bookings
from .domains import load_domains
from .talent import load_talent

DEMO_PASSWORD = "mengkeju-demo"
SOURCE = "demo"


@dataclass
class DemoReport:
    counts: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def _records(kind: str) -> list[dict]:
    items: list[dict] = []
    for path in sorted(DATA_DIR.glob(f"{kind}_*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items.extend(data.get(kind, []))
    return items


def _contact(item: dict) -> dict:
    contact = item.get("contact") or {}
    return {
        "contact_name": contact.get("name", ""),
        "contact_phone": str(contact.get("phone", "")),
        "contact_email": contact.get("email", ""),
    }


def _amount(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.01"))


def _upsert_simple(model, ref: str, values: dict, links: list[ChainLink], counts: list[int]) -> None:
    obj = model.objects.filter(external_id=ref).first()
    if obj is None:
        obj = model.objects.create(external_id=ref, **values)
        counts[0] += 1
    elif any(getattr(obj, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(obj, k, v)
        obj.save()
        counts[1] += 1
    else:
        counts[2] += 1
    if {link.pk for link in obj.chain_links.all()} != {link.pk for link in links}:
        obj.chain_links.set(links)


@transaction.atomic
def load_demo(progress=None) -> DemoReport:
    report = DemoReport()
    divisions = {d.code: d for d in Division.objects.all()}
    links = {link.code: link for link in ChainLink.objects.all()}
    modes = {m.code: m for m in CooperationMode.objects.all()}
    if not links:
        raise ValueError("Load a region pack first: mengkeju load-region regions/inner-mongolia")

    counts = [0, 0, 0]
    orgs: dict[str, Organization] = {}
    for item in _records("organizations"):
        values = {
            "name": item["name"],
            "name_en": item.get("name_en", ""),
            "kind": item["kind"],
            "division": divisions[str(item["division"])],
            "credit_code": item.get("credit_code", ""),
            "description": item.get("description", ""),
        }
        org = Organization.objects.filter(code=item["ref"]).first()
        if org is None:
            org = Organization.objects.create(code=item["ref"], **values)
            counts[0] += 1
        elif any(getattr(org, k) != v for k, v in values.items()):
            Organization.objects.filter(pk=org.pk).update(**values)
            counts[1] += 1
        else:
            counts[2] += 1
        orgs[item["ref"]] = org
    report.counts["organizations"] = tuple(counts)

    now = timezone.now()
    today = clock.local_date()

    def listing_row(item: dict) -> dict:
        status = item.get("status", Status.PUBLISHED)
        days = int(item.get("published_days_ago", 30))
        return {
            "external_id": item["ref"],
            "title": item["title"],
            "owner": orgs[item["owner"]],
            "division": divisions[str(item["division"])],
            "chain_links": [links[c] for c in item.get("chain_links", [])],
            "status": status,
            # A fixed hour keeps reloading idempotent within a day.
            "published_at": (now - timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
            if status in (Status.PUBLISHED, Status.WITHDRAWN)
            else None,
            **_contact(item),
        }

    rows = []
    for item in _records("achievements"):
        row = listing_row(item)
        row.update(
            summary=item["summary"].strip(),
            field=item.get("field", ""),
            trl=int(item["trl"]),
            ip_rights=[
                {"kind": ip["kind"], "number": str(ip.get("number") or "")} for ip in item.get("ip") or []
            ],
            inventors="、".join(item.get("inventors") or []),
            price_yuan=_amount(item.get("price_yuan")),
            keywords="、".join(item.get("keywords") or []),
            modes=[modes[m] for m in item.get("transfer_modes") or ["other"]],
        )
        rows.append(row)
        if progress:
            progress(1)
    report.counts["achievements"] = bulk_upsert_listings(Achievement, rows, source=SOURCE)

    rows = []
    for item in _records("demands"):
        row = listing_row(item)
        row.update(
            problem=item["problem"].strip(),
            indicators=item.get("indicators", "") or "",
            budget_yuan=_amount(item.get("budget_yuan")),
            deadline=today + timedelta(days=int(item.get("deadline_days", 90))),
            modes=[modes[m] for m in item.get("cooperation_modes") or ["other"]],
        )
        rows.append(row)
        if progress:
            progress(1)
    report.counts["demands"] = bulk_upsert_listings(Demand, rows, source=SOURCE)

    for kind, model, build in (
        (
            "experts",
            Expert,
            lambda i: {
                "name": i["name"],
                "tier": i["tier"],
                "title": i.get("title", ""),
                "organization": orgs[i["organization"]],
                "division": divisions[str(i["division"])],
                "field": i.get("field", ""),
                "bio": i.get("bio", ""),
            },
        ),
        (
            "platforms",
            Platform,
            lambda i: {
                "name": i["name"],
                "kind": i["kind"],
                "level": i["level"],
                "whitelisted": bool(i.get("whitelisted")),
                "organization": orgs[i["organization"]],
                "division": divisions[str(i["division"])],
                "description": i.get("description", ""),
            },
        ),
        (
            "services",
            Service,
            lambda i: {
                "name": i["name"],
                "kind": i["kind"],
                "provider": orgs[i["provider"]],
                "division": divisions[str(i["division"])],
                "description": i.get("description", ""),
                "price_note": i.get("price_note", ""),
            },
        ),
    ):
        counts = [0, 0, 0]
        for item in _records(kind):
            _upsert_simple(
                model, item["ref"], build(item), [links[c] for c in item.get("chain_links") or []], counts
            )
            if progress:
                progress(1)
        report.counts[kind] = tuple(counts)

    report.accounts = ensure_demo_accounts(orgs)
    report.counts["registered contracts"] = (_demo_contracts(), 0, 0)

    report.counts.update(
        load_domains()
    )  # after the generated contracts: they skip once any registration exists
    report.counts.update({kind: (n, 0, 0) for kind, n in demo_bookings(clock.local_date()).items()})
    report.counts.update(load_talent())
    return report


DEMO_CONTRACTS = 2_000


def _demo_contracts() -> int:
    """Made-up registered contracts from 2021 to this year, so the statistics pages have a history."""

    if Registration.objects.exists():
        return 0
    return generate_registered_contracts(DEMO_CONTRACTS, seed=2025, last_year=clock.local_date().year)


def _account(username: str, role: str, org: Organization | None, display: str, *, superuser=False) -> None:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        user.set_password(DEMO_PASSWORD)
    user.role, user.organization, user.display_name = role, org, display
    user.is_staff = user.is_superuser = superuser
    user.save()


def ensure_demo_accounts(orgs: dict[str, Organization]) -> list[tuple[str, str, str]]:
    """One account per role, so a visitor can try each workspace."""
    hq = Organization.objects.filter(kind=Organization.Kind.HEADQUARTERS).first()
    enterprise = next((o for o in orgs.values() if o.kind == Organization.Kind.ENTERPRISE), None)
    university = next(
        (o for o in orgs.values() if o.kind in (Organization.Kind.UNIVERSITY, Organization.Kind.INSTITUTE)),
        None,
    )
    sub_center = None
    if enterprise is not None:
        sub_center = Organization.objects.filter(
            kind=Organization.Kind.SUB_CENTER, serves_divisions=enterprise.division
        ).first()
    sub_center = sub_center or Organization.objects.filter(kind=Organization.Kind.SUB_CENTER).first()
    expert = Expert.objects.order_by("id").first()
    Role = User.Role
    accounts = [
        ("admin", Role.PLATFORM_ADMIN, hq, "平台管理员", True),
        ("hq", Role.HQ_OPERATOR, hq, "总中心运营", False),
        (
            "subcenter",
            Role.SUBCENTER_STAFF,
            sub_center,
            f"{sub_center.name if sub_center else ''}工作人员",
            False,
        ),
        ("broker", Role.BROKER, sub_center, "技术经理人", False),
        ("analyst", Role.ANALYST, None, "科技厅统计分析", False),
        ("enterprise", Role.MEMBER, enterprise, f"{enterprise.name if enterprise else ''}", False),
        ("researcher", Role.MEMBER, university, f"{university.name if university else ''}科研人员", False),
        (
            "expert",
            Role.EXPERT,
            expert.organization if expert else None,
            expert.name if expert else "专家",
            False,
        ),
    ]
    out = []
    for username, role, org, display, superuser in accounts:
        _account(username, role, org, display, superuser=superuser)
        out.append((username, User.Role(role).label, org.name if org else ""))
    if expert and expert.user is None:
        expert.user = User.objects.get(username="expert")
        expert.save(update_fields=["user"])
    return out
