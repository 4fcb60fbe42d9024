"""After the award: the deals contract, milestones with evidence, acceptance (验收), tranches, down-select."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from mengkeju.challenges import services
from mengkeju.challenges.models import Application, Milestone, Tranche
from mengkeju.deals.models import ContractKind, ContractParty, SubKind, TechnicalContract

from .factories import AFTER_CLOSE
from .helpers import world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
LATER = AFTER_CLOSE + timedelta(days=60)


def pdf(name="report.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 test report", content_type="application/pdf")


@pytest.fixture
def awarded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return world("awarded")


def test_the_award_drafts_a_commissioned_development_contract_publisher_buys_lead_sells(awarded):
    w = awarded
    awards = list(w.challenge.awards.select_related("contract", "application__lead"))
    assert len(awards) == 2
    for item in awards:
        contract = item.contract
        assert (contract.kind, contract.sub_kind) == (
            ContractKind.DEVELOPMENT,
            SubKind.COMMISSIONED_DEVELOPMENT,
        )
        assert contract.amount_yuan == item.amount_yuan == Decimal("1200000.00")
        assert contract.status == TechnicalContract.Status.DRAFT
        parties = {p.role: p.organization for p in contract.parties.all()}
        assert parties == {
            ContractParty.Role.SELLER: item.application.lead,
            ContractParty.Role.BUYER: w.challenge.publisher,
        }
        amounts = [m.amount_yuan for m in item.application.milestones.all()]
        assert amounts == [Decimal("480000.00"), Decimal("720000.00")]
    assert Application.objects.get(pk=w.teams[2].pk).status == Application.Status.NOT_AWARDED


def verdict(w, milestone, expert, met, note=""):
    """One expert's verdict: `met` is a bool for every indicator or a {position: bool} per indicator."""
    results = {
        i.pk: {"met": met if isinstance(met, bool) else met[i.position], "note": "检测报告"}
        for i in milestone.indicators.all()
    }
    return services.accept_milestone(milestone, by=expert.user, results=results, note=note, now=LATER)


def status_of(milestone):
    return Milestone.objects.get(pk=milestone.pk).status


def test_a_tranche_is_never_released_without_acceptance(awarded):
    w = awarded
    milestone = w.teams[0].milestones.first()
    for status in ("planned", "evidence"):
        if status == "evidence":
            services.upload_evidence(milestone, pdf(), by=w.team_members[0], now=LATER)
        with pytest.raises(ValidationError, match="released only on an accepted milestone"):
            services.release_tranche(milestone, by=w.hq, now=LATER)
    verdict(w, milestone, w.experts[0], False, note="温度未达标")
    verdict(w, milestone, w.experts[1], False, note="温度未达标")
    verdict(w, milestone, w.experts[2], True)
    assert status_of(milestone) == Milestone.Status.REFUSED
    with pytest.raises(ValidationError, match="released only on an accepted milestone"):
        services.release_tranche(milestone, by=w.hq, now=LATER)
    assert not Tranche.objects.exists()
    assert not w.challenge.events.filter(action="released").exists()


def test_an_accepted_milestone_is_paid_once(awarded):
    w = awarded
    milestone = w.teams[0].milestones.first()
    services.upload_evidence(milestone, pdf(), by=w.team_members[0], description="检测报告", now=LATER)
    for expert in w.experts[:3]:
        acceptance = verdict(w, milestone, expert, True)
        assert acceptance.accepted
    assert status_of(milestone) == Milestone.Status.ACCEPTED
    services.report_cofunding(w.teams[0], Decimal("960000"), by=w.team_members[0], now=LATER)
    tranche = services.release_tranche(milestone, by=w.publisher_member, now=LATER)
    assert tranche.amount_yuan == Decimal("480000.00")
    with pytest.raises(ValidationError, match="already released"):
        services.release_tranche(milestone, by=w.hq, now=LATER)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("virus.exe", b"MZ...."), "Upload a PDF"),
        (SimpleUploadedFile("fake.pdf", b"not a pdf"), "does not match its type"),
        (SimpleUploadedFile("empty.txt", b""), "empty"),
    ],
)
def test_evidence_files_are_checked_for_type_and_size(awarded, upload, message):
    w = awarded
    milestone = w.teams[0].milestones.first()
    with pytest.raises(ValidationError, match=message):
        services.upload_evidence(milestone, upload, by=w.team_members[0], now=LATER)
    assert not milestone.evidence.exists()


def test_evidence_larger_than_the_limit_is_refused(awarded, monkeypatch):
    # patched where it is read: the milestones module of the services package
    monkeypatch.setattr("mengkeju.challenges.services.milestones.MAX_EVIDENCE_BYTES", 10)
    w = awarded
    with pytest.raises(ValidationError, match="larger than"):
        services.upload_evidence(w.teams[0].milestones.first(), pdf(), by=w.team_members[0], now=LATER)


def test_horse_race_down_select_drops_a_team_with_the_reason_and_keeps_the_last(awarded):
    w = awarded
    first, second = w.challenge.awards.order_by("rank")
    milestone = second.application.milestones.first()
    with pytest.raises(ValidationError, match="reason"):
        services.drop_team(second, milestone=milestone, reason=" ", by=w.hq, now=LATER)
    dropped = services.drop_team(
        second, milestone=milestone, reason="小试样品未达标，止步", by=w.hq, now=LATER
    )
    assert dropped.dropped_at == LATER and dropped.dropped_at_milestone == milestone
    assert set(second.application.milestones.values_list("status", flat=True)) == {Milestone.Status.CANCELLED}
    assert Application.objects.get(pk=second.application_id).status == Application.Status.DROPPED
    with pytest.raises(ValidationError, match="last team"):
        services.drop_team(
            first, milestone=first.application.milestones.first(), reason="x", by=w.hq, now=LATER
        )
    with pytest.raises(ValidationError, match="dropped at the down-select"):
        services.upload_evidence(milestone, pdf(), by=w.team_members[1], now=LATER)
