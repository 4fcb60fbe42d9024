"""The achievement and demand forms as a newcomer meets them: contact filled in from the account,
chain links as grouped checkboxes (no Ctrl-click multi-select), localized empty choices, money fields
marked for the 万元 hint, every error summarised at the top, a pending invention-patent application
accepted as IP, and files attached while creating."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mengkeju.catalog.models import Achievement, Attachment, CooperationMode
from mengkeju.network.models import ChainLink

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def owner(people):
    user = people["owner"]
    user.display_name, user.phone, user.email = "王工", "0472-5123456", "wang@example.cn"
    user.save()
    return user


def valid_achievement(owner, **changes) -> dict:
    links = list(ChainLink.objects.values_list("code", flat=True)[:2])
    data = {
        "owner": owner.organization.code,
        "title": "高丰度稀土永磁材料制备技术",
        "summary": "以镧铈替代部分镨钕，磁能积达到 45 MGOe，已中试。",
        "field": "新材料",
        "chain_links": links,
        "division": "150200",
        "trl": "6",
        "transfer_modes": [CooperationMode.objects.values_list("code", flat=True).first()],
        "price_yuan": "800000",
        "contact_name": "王工",
        "contact_phone": "0472-5123456",
        "contact_email": "wang@example.cn",
        "ip_text": "",
    }
    data.update(changes)
    return data


def test_new_listing_forms_prefill_contact_and_offer_chain_links_as_grouped_checkboxes(client, owner):
    client.force_login(owner)
    for url in ("/achievements/new/", "/demands/new/"):
        html = client.get(url).content.decode()
        assert 'value="王工"' in html and 'value="0472-5123456"' in html and 'value="wang@example.cn"' in html
        assert "---------" not in html
        assert "Ctrl" not in html
        assert html.count("data-picker-option") == ChainLink.objects.count()
        assert 'type="checkbox" name="chain_links"' in html
        assert '<select name="chain_links"' not in html
        assert html.count("data-picker-group") >= 2  # one heading per chain
        assert "data-yuan" in html


def test_every_error_is_summarised_above_the_form(client, owner):
    client.force_login(owner)
    html = client.post(
        "/achievements/new/", valid_achievement(owner, title="稀土", chain_links=[])
    ).content.decode()
    summary = html.index("data-error-summary")
    assert summary < html.index('name="title"')  # at the top, before the first field
    block = html[summary : html.index("</div>", html.index("<ul", summary))]
    assert 'href="#id_title"' in block and 'href="#id_chain_links"' in block
    assert not Achievement.objects.exists()


def test_pending_invention_patent_application_is_accepted_with_its_number_format(client, owner):
    client.force_login(owner)
    response = client.post(
        "/achievements/new/", valid_achievement(owner, ip_text="发明专利申请 202110345678.9")
    )
    assert response.status_code == 302, re.findall(
        r'class="errorlist"[^>]*>(.*?)</ul>', response.content.decode()
    )
    achievement = Achievement.objects.get()
    assert achievement.ip_rights == [{"kind": "invention_patent_application", "number": "202110345678.9"}]
    html = client.post(
        "/achievements/new/", valid_achievement(owner, title="另一项成果名称", ip_text="发明专利申请 12345")
    ).content.decode()
    assert "202110345678.9" in html  # the error shows the expected format
    assert Achievement.objects.count() == 1


def test_files_are_attached_while_creating_and_bad_files_write_nothing(client, owner):
    client.force_login(owner)
    files = [
        SimpleUploadedFile("检测报告.pdf", b"%PDF-1.4 test"),
        SimpleUploadedFile("说明书.docx", b"PK docx"),
    ]
    response = client.post("/achievements/new/", {**valid_achievement(owner), "attachments": files})
    assert response.status_code == 302
    achievement = Achievement.objects.get()
    assert sorted(a.title for a in achievement.attachments.all()) == ["检测报告", "说明书"]
    html = client.post(
        "/achievements/new/",
        {
            **valid_achievement(owner, title="第二项成果名称"),
            "attachments": [SimpleUploadedFile("payload.exe", b"MZ")],
        },
    ).content.decode()
    assert "data-error-summary" in html and ".exe" in html
    assert Achievement.objects.count() == 1 and Attachment.objects.count() == 2
