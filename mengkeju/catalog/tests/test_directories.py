"""The directories' lists (keyword search, filters, empty results), detail pages and the file import."""

import io

import pytest
from openpyxl import Workbook

from mengkeju.catalog import services
from mengkeju.catalog.directory_importing import import_upload
from mengkeju.catalog.models import DirectoryEvent, Expert, Platform, Service
from mengkeju.core.tabular import ImportRejected
from mengkeju.network.models import ChainLink, IndustryChain, User
from mengkeju.network.tests.factories import UserFactory, division

pytestmark = pytest.mark.django_db


@pytest.fixture
def hq(orgs):
    return UserFactory(role=User.Role.HQ_OPERATOR, organization=orgs["hq"])


@pytest.fixture
def experts(orgs, hq):
    magnets = ChainLink.objects.filter(code="rare-earth.magnets")
    a = services.create_resource(
        "expert",
        by=hq,
        name="赵磁材",
        tier="strategic",
        organization=orgs["enterprise"],
        division=division("150200"),
        field="稀土永磁",
        bio="烧结钕铁硼晶界扩散工艺。",
        chain_links=magnets,
    )
    b = services.create_resource(
        "expert",
        by=hq,
        name="钱乳业",
        tier="reserve",
        organization=orgs["other_enterprise"],
        division=division("150400"),
        field="乳制品加工",
        bio="发酵乳工艺。",
    )
    return a, b


def test_keyword_and_filters_find_an_expert_and_an_empty_result_says_so(client, experts):
    a, _b = experts
    page = client.get("/experts/", {"q": "钕铁硼"}).content.decode()
    assert "赵磁材" in page and "钱乳业" not in page
    assert "bg-primary-subtle" in page  # ranked through the matching engine's resource index
    page = client.get("/experts/", {"tier": "reserve"}).content.decode()
    assert "钱乳业" in page and "赵磁材" not in page
    page = client.get("/experts/", {"division": "150200"}).content.decode()
    assert "赵磁材" in page and "钱乳业" not in page
    page = client.get("/experts/", {"chain": "rare-earth"}).content.decode()
    assert "赵磁材" in page and "钱乳业" not in page
    empty = client.get("/experts/", {"q": "量子引力"}).content.decode()
    assert 'id="directory-empty"' in empty and "赵磁材" not in empty and "钱乳业" not in empty
    assert client.get(f"/experts/{a.pk}/").status_code == 200


def test_a_retired_expert_leaves_the_public_directory_and_comes_back(client, experts, hq):
    a, _b = experts
    services.retire_resource(a, by=hq, reason="退休")
    assert "赵磁材" not in client.get("/experts/").content.decode()
    assert client.get(f"/experts/{a.pk}/").status_code == 404
    services.restore_resource(a, by=hq)
    assert client.get(f"/experts/{a.pk}/").status_code == 200
    actions = list(
        DirectoryEvent.objects.filter(resource_kind="expert", resource_id=a.pk).values_list(
            "action", flat=True
        )
    )
    assert actions == ["create", "retire", "restore"]


def test_service_detail_and_form_labels(client, orgs, hq):
    service = services.create_resource(
        "service",
        by=hq,
        name="磁性能检测服务",
        kind="testing",
        provider=orgs["enterprise"],
        division=division("150200"),
        description="第三方检测。",
    )
    assert "磁性能检测服务" in client.get(f"/services/{service.pk}/").content.decode()
    client.force_login(hq)
    form = client.get("/platforms/new/").content.decode()
    assert "---------" not in form
    assert "mk-picker" in form  # chain links as checkboxes grouped by chain
    assert form.count("data-picker-group") == IndustryChain.objects.count()
    assert '<legend class="mk-picker-legend">稀土' in form


def _csv(text: str) -> bytes:
    return text.encode("utf-8-sig")


def test_a_csv_of_experts_is_imported_and_importing_again_changes_nothing(orgs, hq):
    content = _csv(
        "编号,姓名,人才层级,单位,地区,领域,产业链环节\n"
        f"E1,孙导师,领军,{orgs['enterprise'].code},150200,稀土,rare-earth.magnets\n"
        f"E2,李研究员,后备,{orgs['enterprise'].name},包头市,材料,\n"
    )
    report = import_upload(content, "experts.csv", "expert", by=hq)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert Expert.objects.get(external_id="E1").tier == "leading"
    again = import_upload(content, "experts.csv", "expert", by=hq)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_one_bad_row_writes_nothing_and_names_row_and_column(orgs, hq):
    content = _csv(
        "id,name,tier,organization,division\n"
        f"E1,好专家,strategic,{orgs['enterprise'].code},150200\n"
        f"E2,坏专家,院士,{orgs['enterprise'].code},150200\n"
        f"E3,,reserve,{orgs['enterprise'].code},999999\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_upload(content, "experts.csv", "expert", by=hq)
    problems = {(p.row, p.column) for p in caught.value.report.problems}
    assert {(3, "tier"), (4, "name"), (4, "division")} <= problems
    assert not Expert.objects.filter(external_id__in=["E1", "E2", "E3"]).exists()


def test_an_xlsx_of_platforms_is_imported_and_a_sub_center_only_in_its_divisions(orgs):
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "名称", "类型", "级别", "依托单位", "地区"])
    sheet.append(["P1", "稀土中试平台", "pilot_platform", "自治区级", orgs["enterprise"].code, "150200"])
    buffer = io.BytesIO()
    book.save(buffer)
    chifeng = UserFactory(role=User.Role.SUBCENTER_STAFF, organization=orgs["chifeng_sub"])
    with pytest.raises(ImportRejected) as caught:
        import_upload(buffer.getvalue(), "platforms.xlsx", "platform", by=chifeng)
    assert [(p.row, p.column) for p in caught.value.report.problems] == [(2, "地区")]
    baotou = UserFactory(role=User.Role.SUBCENTER_STAFF, organization=orgs["baotou_sub"])
    report = import_upload(buffer.getvalue(), "platforms.xlsx", "platform", by=baotou)
    assert report.created == 1 and Platform.objects.get(external_id="P1").level == "regional"


def test_the_upload_page_reports_rows_in_chinese(client, orgs, hq):
    client.force_login(hq)
    upload = io.BytesIO(_csv("id,name,kind,provider,division\nS1,检测,unknown,nobody,150200\n"))
    upload.name = "services.csv"
    answer = client.post(
        "/directories/import/", {"kind": "service", "file": upload}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "第 2 行" in text or "row 2" in text
    assert not Service.objects.filter(external_id="S1").exists()


def test_the_command_line_imports_a_file_all_or_nothing(tmp_path, orgs):
    from django.core.management import CommandError, call_command

    good = tmp_path / "services.csv"
    good.write_bytes(
        _csv(f"id,name,kind,provider,division\nS9,稀土检测,testing,{orgs['enterprise'].code},150200\n")
    )
    call_command("import_directory", str(good), kind="services")
    assert Service.objects.get(external_id="S9").kind == "testing"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        _csv(
            f"id,name,kind,provider,division\nS10,好,testing,{orgs['enterprise'].code},150200\nS11,坏,x,y,z\n"
        )
    )
    with pytest.raises(CommandError):
        call_command("import_directory", str(bad), kind="services")
    assert not Service.objects.filter(external_id="S10").exists()


def test_an_expert_edits_only_the_open_fields_of_their_own_profile(client, orgs, hq):
    own = UserFactory(role=User.Role.EXPERT)
    expert = services.create_resource(
        "expert",
        by=hq,
        name="吴专家",
        tier="leading",
        organization=orgs["enterprise"],
        division=division("150200"),
        user=own,
    )
    client.force_login(own)
    page = client.get(f"/experts/{expert.pk}/").content.decode()
    assert 'id="directory-edit"' in page and 'id="directory-retire"' not in page
    form = client.get(f"/experts/{expert.pk}/edit/").content.decode()
    assert 'name="bio"' in form and 'name="tier"' not in form and 'name="organization"' not in form
    event = DirectoryEvent.objects.filter(resource_kind="expert", resource_id=expert.pk).last()
    client.post(
        f"/experts/{expert.pk}/edit/", {"title": "教授", "field": "稀土", "bio": "新简介", "chain_links": []}
    )
    expert.refresh_from_db()
    assert (expert.title, expert.bio, expert.tier) == ("教授", "新简介", "leading")
    latest = DirectoryEvent.objects.filter(resource_kind="expert", resource_id=expert.pk).last()
    assert latest.pk != event.pk and latest.actor == own and set(latest.fields) == {"title", "field", "bio"}
