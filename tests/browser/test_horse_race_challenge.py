"""The whole life of a horse-race open challenge (揭榜挂帅·赛马制), in the browser.

An enterprise publishes a challenge; HQ reviews and publishes it; three teams apply; HQ forms a panel
of five from the expert pool while an expert of an applicant organization is excluded automatically;
the experts score blind; the ranking (trimmed mean) selects two teams; after the public notice HQ
awards them, which drafts their technical contracts; three experts record blind acceptance verdicts,
each indicator decided by majority: one milestone is accepted and paid, another is not accepted and
its payment is refused.

People, organizations and experts are set up through the ORM; "time passes" (the window closes, the
notice ends) by moving those two dates in the database. Every step of the journey is a click.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mengkeju.challenges.models import Application, Challenge, Milestone, Tranche
from mengkeju.challenges.tests.factories import expert_with_user
from mengkeju.deals.models import ContractParty
from mengkeju.network.models import Division, Organization, User

pytestmark = [pytest.mark.browser]
PASSWORD = "pass-word-123"
# Every criterion of one expert's scorecard gets the same score: rows are experts, columns teams A, B, C.
SCORES = [(90, 80, 60), (88, 82, 65), (92, 78, 62), (85, 84, 70), (20, 95, 99)]


def _login(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/workspace/")


def _user(username, role, org):
    user = User(username=username, role=role, organization=org)
    user.set_password(PASSWORD)
    user.save()
    return user


def _org(code, name, kind=Organization.Kind.ENTERPRISE, division="150200"):
    return Organization.objects.create(
        code=code, name=name, kind=kind, division=Division.objects.get(code=division)
    )


def _local_input(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _assert_message(page, text):
    assert text in page.inner_text("main"), page.inner_text("main")[:500]


def test_horse_race_challenge_from_publication_to_the_first_payments(
    base_data, page_factory, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    publisher = _org("fabang", "包头稀土电机有限公司")
    _user("fabang", User.Role.MEMBER, publisher)
    _user("zongzhongxin", User.Role.HQ_OPERATOR, Organization.objects.get(code="hq"))
    teams = [
        # Consortium leads are enterprises registered in the region (region pack `challenge_lead_kinds`).
        _org("team-a", "甲稀土科技公司"),
        _org("team-b", "乙永磁科技公司", division="150100"),
        _org("team-c", "丙磁材公司"),
    ]
    for n, org in enumerate(teams):
        _user(f"team{n}", User.Role.MEMBER, org)
    experts = [expert_with_user(name=f"评审专家{n}") for n in range(5)]
    conflicted = expert_with_user(name="乙大学专家", organization=teams[1])

    # 1. The enterprise drafts the challenge and submits it for review.
    page = page_factory()
    _login(page, "fabang")
    page.goto("/challenges/")
    page.click("#new-challenge")
    page.fill("#id_title", "180℃高温永磁电机退磁攻关（赛马）")
    page.fill("#id_problem", "永磁同步电机在180℃工况下出现不可逆退磁，需要耐高温磁体与散热方案。")
    page.fill("#id_field", "稀土永磁")
    page.check('input[name=chain_links][value="rare-earth.magnets"]')
    # The indicators are typed one row each; the "add" button (static JS) appends a row, and a row
    # left blank is skipped.
    for n, (name, direction, target, unit) in enumerate(
        [("工作温度", "at_least", "180", "℃"), ("不可逆磁通损失", "at_most", "3", "%")]
    ):
        page.fill(f"#id_indicators-{n}-name", name)
        page.select_option(f"#id_indicators-{n}-direction", direction)
        page.fill(f"#id_indicators-{n}-target_value", target)
        page.fill(f"#id_indicators-{n}-unit", unit)
        page.fill(f"#id_indicators-{n}-verification", "第三方检测报告")
    page.click("#add-indicator")
    assert page.locator("#id_indicators-2-name").is_visible()
    assert page.input_value("input[name=indicators-TOTAL_FORMS]") == "3"
    # On a phone (390 px) the fields of a row stack and nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen
    name_box = page.locator("#id_indicators-0-name").bounding_box()
    direction_box = page.locator("#id_indicators-0-direction").bounding_box()
    assert direction_box["y"] >= name_box["y"] + name_box["height"]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.fill("#id_budget_yuan", "3000000")
    page.select_option("#id_mode", "horse_race")
    page.fill("#id_teams_to_fund", "2")
    now = timezone.now()
    page.fill("#id_opens_at", _local_input(now - timedelta(hours=1)))
    page.fill("#id_closes_at", _local_input(now + timedelta(days=10)))
    page.click("#challenge-form button[type=submit]")
    page.wait_for_url("**/challenges/*/")
    challenge = Challenge.objects.get()
    assert challenge.indicators.count() == 2 and challenge.mode == "horse_race"
    page.click("#submit-challenge")
    page.wait_for_selector("#challenge-status[data-status=in_review]")

    # 2. HQ reviews and publishes it; it appears in the public list.
    hq = page_factory()
    _login(hq, "zongzhongxin")
    hq.goto(f"/challenges/{challenge.pk}/")
    hq.click("#publish-challenge")
    hq.wait_for_selector("#challenge-status[data-status=published]")
    hq.goto("/challenges/?chain=rare-earth&mode=horse_race")
    assert "180℃高温永磁电机退磁攻关" in hq.inner_text("#challenge-results")

    # 3. Three teams apply (揭榜).
    indicators = list(challenge.indicators.all())
    team_pages = []
    for n, org in enumerate(teams):
        team_page = page_factory()
        _login(team_page, f"team{n}")
        team_page.goto(f"/challenges/{challenge.pk}/")
        team_page.click("#apply-link")
        team_page.fill("#id_members", "张工 | 负责人\n李工 | 工艺")
        team_page.fill("#id_technical_route", f"{org.name}：晶界扩散 + 转子冷却，小试、中试、装机验证。")
        team_page.fill("#id_budget_yuan", "1200000")
        team_page.fill("#id_cofunding_yuan", "2400000")
        team_page.fill(f"#id_commit_{indicators[0].pk}", "185")
        team_page.fill(f"#id_commit_{indicators[1].pk}", "2.5")
        team_page.fill(
            "#id_milestones", "小试样品达标 | 2026-12-31 | 40 | 1\n装机验证 | 2027-06-30 | 60 | 1,2"
        )
        team_page.click("#application-form button[type=submit]")
        team_page.wait_for_selector("#application-status[data-status=submitted]")
        team_pages.append(team_page)
    applications = [Application.objects.get(lead=org) for org in teams]

    # 4. The window closes; HQ starts the review and forms the panel: the conflicted expert is excluded.
    Challenge.objects.filter(pk=challenge.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    hq.goto(f"/challenges/{challenge.pk}/")
    hq.click("#start-review")
    hq.wait_for_selector("#challenge-status[data-status=reviewing]")
    hq.click("#panel-link")
    row = f"tr.candidate[data-expert='{conflicted.pk}']"
    assert "conflicted" in hq.get_attribute(row, "class")
    assert "applicant organization" in hq.inner_text(f"{row} .conflict-reasons") or "揭榜" in hq.inner_text(
        f"{row} .conflict-reasons"
    )
    assert hq.is_disabled(f"{row} input[type=checkbox]")
    for expert in experts:
        hq.check(f"tr.candidate[data-expert='{expert.pk}'] input[type=checkbox]")
    hq.click("#form-panel")
    hq.wait_for_url(f"**/challenges/{challenge.pk}/")
    assert sorted(challenge.panel.values_list("expert_id", flat=True)) == sorted(e.pk for e in experts)

    # 5. Blind scoring: each expert sees only their own scores until the ranking opens to them.
    for expert, row_scores in zip(experts, SCORES, strict=True):
        expert_page = page_factory()
        _login(expert_page, expert.user.username)
        for application, score in zip(applications, row_scores, strict=True):
            expert_page.goto(f"/challenges/applications/{application.pk}/score/")
            for criterion in challenge.rubric:
                expert_page.fill(f"#id_score_{criterion['code']}", str(score))
            expert_page.click("#submit-scores")
            expert_page.wait_for_url(f"**/challenges/{challenge.pk}/")
            if application is applications[0] and expert is experts[1]:
                # The second expert has submitted one of three scorecards: no ranking, no other expert's score.
                assert expert_page.query_selector("#ranking") is None
                assert "90.00" not in expert_page.content()
        expert_page.context.close()

    # 6. HQ sees the ranking (the outlier expert trimmed) and decides: the top two go into public notice.
    hq.goto(f"/challenges/{challenge.pk}/")
    ranked = hq.eval_on_selector_all(
        "#ranking .rank-row", "rows => rows.map(r => Number(r.dataset.application))"
    )
    assert ranked == [a.pk for a in applications]
    assert "87.67" in hq.inner_text("#ranking")  # the trimmed mean 87.667, shown to two decimals
    hq.click("#decide")
    hq.wait_for_selector("#challenge-status[data-status=notice]")
    assert hq.locator("#awards .award-row").count() == 2

    # 7. The notice period ends without objection; HQ awards, which drafts the two contracts.
    Challenge.objects.filter(pk=challenge.pk).update(notice_ends_at=timezone.now() - timedelta(minutes=1))
    hq.goto(f"/challenges/{challenge.pk}/")
    hq.click("#award")
    hq.wait_for_selector("#challenge-status[data-status=awarded]")
    awarded = {
        a.lead_id: a.award for a in Application.objects.filter(status="awarded").select_related("award")
    }
    assert set(awarded) == {teams[0].pk, teams[1].pk}
    for lead_id, award in awarded.items():
        roles = {p.role: p.organization_id for p in award.contract.parties.all()}
        assert roles == {ContractParty.Role.SELLER: lead_id, ContractParty.Role.BUYER: publisher.pk}
        assert award.contract.amount_yuan == Decimal("1200000.00")
    assert Application.objects.get(lead=teams[2]).status == "not_awarded"

    # 8. Teams A and B upload evidence for their first milestone.
    evidence = tmp_path / "检测报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% test report\n")
    first = {n: applications[n].milestones.get(position=1) for n in (0, 1)}
    for n in (0, 1):
        team_page = team_pages[n]
        team_page.goto(f"/challenges/applications/{applications[n].pk}/")
        row = f".milestone[data-milestone='{first[n].pk}']"
        team_page.set_input_files(f"{row} input[type=file]", str(evidence))
        team_page.click(f"{row} .evidence-form button")
        team_page.wait_for_selector(f"{row}[data-status=evidence]")

    # 9. Three panel experts record their verdicts (验收), blind: team A's milestone is met by two of
    #    three on every indicator (accepted); team B's by one of three (not accepted).
    verdicts = {0: ("yes", "yes", "no"), 1: ("no", "no", "yes")}
    for e in range(3):
        expert_page = page_factory()
        _login(expert_page, experts[e].user.username)
        for n in (0, 1):
            milestone, met = first[n], verdicts[n][e]
            expert_page.goto(f"/challenges/applications/{applications[n].pk}/")
            row = f".milestone[data-milestone='{milestone.pk}']"
            if e > 0:  # another expert has recorded: not shown before this expert's own verdict
                assert expert_page.locator(f"{row} .verdict").count() == 0
                assert f"专家{e - 1}的意见" not in expert_page.inner_text("main")
            for indicator in milestone.indicators.all():
                expert_page.select_option(f"#id_m{milestone.pk}-met_{indicator.pk}", met)
                expert_page.fill(f"#id_m{milestone.pk}-note_{indicator.pk}", f"专家{e}的意见")
            if met == "no":
                expert_page.fill(f"#id_m{milestone.pk}-note", "工作温度未达到承诺值")
            expert_page.click(f"{row} .acceptance-form button")
            expert_page.wait_for_selector(f"{row} .verdict[data-expert='{experts[e].pk}']")
            # Once recorded, the expert sees the others' verdicts of this round.
            assert expert_page.locator(f"{row} .verdict").count() == e + 1
            expected = "evidence" if e < 2 else ("accepted" if n == 0 else "refused")
            expert_page.wait_for_selector(f"{row}[data-status={expected}]")
        expert_page.context.close()

    # 10. HQ's first try at team A's tranche is refused by the co-funding ratio (nothing reported yet);
    #     team A reports its co-funding, then HQ releases the tranche; team B's is refused: not accepted.
    hq.goto(f"/challenges/applications/{applications[0].pk}/")
    hq.click(f".milestone[data-milestone='{first[0].pk}'] .release-form button")
    hq.wait_for_load_state()
    assert "2 : 1" in hq.inner_text(".alert-danger")
    assert not Tranche.objects.exists()
    team_pages[0].goto(f"/challenges/applications/{applications[0].pk}/")
    team_pages[0].fill("#cofunding-form input[name=amount_yuan]", "960000")
    team_pages[0].click("#cofunding-form button")
    team_pages[0].wait_for_load_state()
    assert Application.objects.get(pk=applications[0].pk).cofunding_paid_yuan == Decimal("960000")
    hq.goto(f"/challenges/applications/{applications[0].pk}/")
    hq.click(f".milestone[data-milestone='{first[0].pk}'] .release-form button")
    hq.wait_for_selector(f".milestone[data-milestone='{first[0].pk}'] .tranche")
    hq.goto(f"/challenges/applications/{applications[1].pk}/")
    hq.click(f".milestone[data-milestone='{first[1].pk}'] .release-form button")
    hq.wait_for_load_state()
    assert hq.locator(".alert-danger").count() == 1
    assert [t.milestone_id for t in Tranche.objects.all()] == [first[0].pk]
    assert Tranche.objects.get().amount_yuan == Decimal("480000.00")
    assert Milestone.objects.get(pk=first[1].pk).status == Milestone.Status.REFUSED

    # The overview counts the money committed and released.
    hq.goto("/challenges/overview/")
    assert hq.inner_text("[data-figure=released]").startswith("48")
    assert hq.inner_text("[data-figure=committed]").startswith("240")
