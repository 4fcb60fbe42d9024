"""Attachments: editors upload allowed file types; downloads follow the record's visibility."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mengkeju.catalog.models import Attachment, Status

from .factories import AchievementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _upload(client, achievement, name="检测报告.pdf", content=b"%PDF-1.4 test"):
    return client.post(
        f"/achievements/{achievement.pk}/attachments/",
        {"title": "第三方检测报告", "file": SimpleUploadedFile(name, content)},
    )


def test_owner_uploads_and_visitors_download_once_published(client, people, orgs):
    achievement = AchievementFactory(
        status=Status.DRAFT, owner=orgs["enterprise"], created_by=people["owner"]
    )
    client.force_login(people["owner"])
    assert _upload(client, achievement).status_code == 302
    attachment = Attachment.objects.get()
    url = f"/achievements/{achievement.pk}/attachments/{attachment.pk}/"
    assert b"%PDF" in b"".join(client.get(url).streaming_content)
    client.logout()
    assert client.get(url).status_code == 404  # a draft's files are as private as the draft
    achievement.status = Status.PUBLISHED
    achievement.save()
    assert client.get(url).status_code == 200


def test_refused_file_type_writes_nothing(client, people, orgs):
    achievement = AchievementFactory(
        status=Status.DRAFT, owner=orgs["enterprise"], created_by=people["owner"]
    )
    client.force_login(people["owner"])
    response = _upload(client, achievement, name="payload.exe", content=b"MZ")
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    follow = client.get(response["Location"]).content.decode()
    assert "不接受" in follow or ".exe" in follow


def test_non_editors_cannot_upload(client, people, orgs):
    achievement = AchievementFactory(status=Status.PUBLISHED, owner=orgs["enterprise"])
    client.force_login(people["other_member"])
    assert _upload(client, achievement).status_code == 403
    assert not Attachment.objects.exists()
