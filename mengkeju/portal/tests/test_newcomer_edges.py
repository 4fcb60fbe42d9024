"""Rough edges a newcomer hit on the demo (issue 15), each as seen on the demo data: the words on the
pages, the codes behind them, and the figures beside each other."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from mengkeju.demo.loader import load_demo
from mengkeju.network.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    from mengkeju.points.services import load_points_system

    load_points_system(Path(settings.PROJECT_DIR) / "regions" / "inner-mongolia" / "points.yaml")
    load_demo()


def as_user(username: str | None, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def test_the_words_on_the_demo_pages(demo):
    from mengkeju.catalog.models import Achievement, Status
    from mengkeju.challenges.models import Scorecard
    from mengkeju.points.models import Score

    # The points certificate is a points certificate; the ranking's column is the enterprise.
    enterprise = User.objects.get(username="enterprise")
    assert Score.objects.filter(organization=enterprise.organization).exists()
    page = as_user("enterprise").get(reverse("points:enterprise")).content.decode()
    assert "积分证明（PDF）" in page and "登记证明" not in page
    ranking = as_user("hq").get(reverse("points:ranking")).content.decode()
    assert "<th>企业</th>" in ranking and "需求企业" not in ranking

    # An expert's own submitted scorecard says 已提交, not 已申请.
    card = Scorecard.objects.filter(expert__user__username="expert", submitted_at__isnull=False).first()
    page = (
        as_user("expert").get(reverse("challenges:application", args=[card.application_id])).content.decode()
    )
    row = re.search(r'<tr class="scorecard-row">.*?</tr>', page, re.S).group(0)
    assert "已提交" in row and "已申请" not in row

    # A reviewer takes a published record down (下架); the owner withdraws it (撤回).
    researcher = User.objects.get(username="researcher")
    listing = Achievement.objects.filter(status=Status.PUBLISHED, owner=researcher.organization).first()
    reviewer = as_user("hq").get(f"/achievements/{listing.pk}/").content.decode()
    owner = as_user("researcher").get(f"/achievements/{listing.pk}/").content.decode()
    assert 'data-action="withdraw">下架<' in reviewer and ">撤回<" not in reviewer
    assert 'data-action="withdraw">撤回<' in owner


def test_opening_a_deal_that_exists_says_so_and_links_it(demo):
    from mengkeju.deals.models import Deal

    deal = Deal.objects.filter(
        demand__isnull=False, achievement__isnull=False, stage=Deal.Stage.INTENT
    ).first()
    client = as_user("hq")
    response = client.post(
        reverse("deals:deal-open"),
        {"demand": deal.demand_id, "achievement": deal.achievement_id},
        follow=True,
    )
    page = response.content.decode()
    assert "该对接已有撮合，已打开现有撮合" in page and "已发起撮合" not in page
    assert f'href="/deals/{deal.pk}/"' in page


def test_the_demo_account_list_has_no_dangling_separator(demo):
    out = io.StringIO()
    call_command("load_demo", "--no-progress", stdout=out)
    accounts = [line for line in out.getvalue().splitlines() if line.startswith("  ")]
    assert accounts and not [line for line in accounts if line.rstrip().endswith("·")]
    assert any(line.split()[0] == "analyst" for line in accounts)


def test_the_points_certificate_prints_the_cohort_label_and_the_pages_decimals(demo, monkeypatch):
    from reportlab.pdfgen.canvas import Canvas

    from mengkeju.points.certificate import render_certificate
    from mengkeju.points.models import Score

    drawn = []
    original = Canvas.drawString
    monkeypatch.setattr(
        Canvas,
        "drawString",
        lambda self, x, y, text, *a, **k: drawn.append(text) or original(self, x, y, text, *a, **k),
    )
    score = Score.objects.select_related("run").first()
    render_certificate(score)
    assert "|*|" not in " ".join(drawn) and score.run.cohort_label in drawn
    assert f"{score.total:.2f}" in drawn and not [t for t in drawn if re.fullmatch(r"\d+\.\d{3,}", t)]


def test_hq_sees_why_the_review_cannot_start_before_the_deadline(demo):
    from django.utils import timezone

    from mengkeju.challenges.models import Challenge

    open_one = Challenge.objects.filter(
        status=Challenge.Status.PUBLISHED, closes_at__gt=timezone.now()
    ).first()
    page = as_user("hq").get(reverse("challenges:detail", args=[open_one.pk])).content.decode()
    button = re.search(r'<button[^>]*id="start-review"[^>]*>', page).group(0)
    assert "disabled" in button and 'id="start-review-why"' in page and "申报截止" in page


def test_challenge_history_shows_state_labels_not_codes(demo):
    from mengkeju.challenges.models import Challenge

    challenge = Challenge.objects.get(status=Challenge.Status.AWARDED)
    page = as_user("hq").get(reverse("challenges:detail", args=[challenge.pk])).content.decode()
    history = page.split('id="events"', 1)[-1] if 'id="events"' in page else page
    assert not re.search(r"→ (draft|in_review|published|reviewing|notice|awarded|submitted)\b", history)
    assert re.search(r"→ [\u4e00-\u9fff]", history)  # a label in Chinese follows the arrow


def test_money_reads_the_same_everywhere(demo):
    from mengkeju.deals.models import TechnicalContract

    contract = TechnicalContract.objects.filter(deal__isnull=False).order_by("pk").first()
    page = as_user("hq").get(reverse("deals:contract-detail", args=[contract.pk])).content.decode()
    assert re.search(r"\d+(\.\d+)?万元", page)
    assert not re.search(r"\d{4,}\.\d\d ?元", page) and " 元<" not in page


def test_the_home_search_placeholder_follows_the_chosen_list(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    select = page.split('id="search-in"', 1)[1].split("</select>", 1)[0]
    assert 'value="achievements" data-placeholder="搜索科技成果' in select
    assert 'value="demands" data-placeholder="搜索技术需求' in select
    assert 'getElementById("search-in")' in page and "dataset.placeholder" in page
