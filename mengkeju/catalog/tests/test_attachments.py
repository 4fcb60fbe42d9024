"""Attachments: editors upload allowed file types; downloads follow the record's visibility."""

import importlib
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import clear_url_caches

from mengkeju.catalog.models import Attachment, Status, attachment_path

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


# --- private files: who may download, for every role ------------------------------------------------

ROLES = [
    "anonymous",
    "expert",
    "owner",
    "other_member",
    "staff_in_scope",
    "staff_out_of_scope",
    "broker_in_scope",
    "hq_operator",
    "platform_admin",
]
# Who may see a submitted achievement (permissions.can_view), hence download its attachments.
MAY_DOWNLOAD_SUBMITTED = {"owner", "staff_in_scope", "broker_in_scope", "hq_operator", "platform_admin"}
BYTES = b"%PDF-1.4 private test report"


@contextmanager
def urls_built_with_debug():
    """The URLconf as `DEBUG=1` builds it (static() adds routes only then), restored afterwards."""
    import mengkeju.urls

    try:
        with override_settings(DEBUG=True):
            importlib.reload(mengkeju.urls)
            clear_url_caches()
            yield
    finally:
        importlib.reload(mengkeju.urls)
        clear_url_caches()


def _stored(achievement, name="检测报告.pdf"):
    from mengkeju.catalog import services

    return services.add_attachment(
        achievement,
        upload=SimpleUploadedFile(name, BYTES),
        title="第三方检测报告",
        by=achievement.created_by,
    )


@pytest.fixture
def submitted_with_file(people, orgs):
    achievement = AchievementFactory(
        status=Status.DRAFT, owner=orgs["enterprise"], created_by=people["owner"]
    )
    attachment = _stored(achievement)
    achievement.status = Status.SUBMITTED
    achievement.save()
    return achievement, attachment


@pytest.mark.parametrize("role", ROLES)
def test_attachments_of_a_submitted_record_download_only_for_those_who_see_it(
    role, client, people, submitted_with_file
):
    achievement, attachment = submitted_with_file
    if people[role] is not None:
        client.force_login(people[role])
    response = client.get(f"/achievements/{achievement.pk}/attachments/{attachment.pk}/")
    if role in MAY_DOWNLOAD_SUBMITTED:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "filename*=utf-8''%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A.pdf" in response["Content-Disposition"]
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_attachments_of_a_published_record_download_for_everyone(role, client, people, orgs):
    achievement = AchievementFactory(
        status=Status.DRAFT, owner=orgs["enterprise"], created_by=people["owner"]
    )
    attachment = _stored(achievement)
    achievement.status = Status.PUBLISHED
    achievement.save()
    if people[role] is not None:
        client.force_login(people[role])
    response = client.get(f"/achievements/{achievement.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == BYTES


def test_an_attachment_is_found_only_under_its_own_record(client, people, orgs, submitted_with_file):
    _, attachment = submitted_with_file
    published = AchievementFactory(status=Status.PUBLISHED, owner=orgs["other_enterprise"])
    client.force_login(people["other_member"])
    assert client.get(f"/achievements/{published.pk}/attachments/{attachment.pk}/").status_code == 404


def test_new_uploads_have_unguessable_names_and_no_public_media_url(client, people, submitted_with_file):
    achievement, attachment = submitted_with_file
    parts = attachment.file.name.split("/")
    assert parts[0] == "attachments" and len(parts) == 5 and parts[-1] == "检测报告.pdf"
    assert len(parts[3]) == 32 and int(parts[3], 16) >= 0
    assert attachment_path(None, "检测报告.pdf").split("/")[3] != parts[3]
    # Nobody, not even the platform administrator, gets the file at its old public address, even with
    # DEBUG on (the demo), where django.conf.urls.static used to serve MEDIA_ROOT to anyone.
    client.force_login(people["platform_admin"])
    with urls_built_with_debug():
        assert client.get(f"/media/{attachment.file.name}").status_code == 404
    # The detail page links to the checked view, not to /media/.
    page = client.get(f"/achievements/{achievement.pk}/").content.decode()
    assert f"/achievements/{achievement.pk}/attachments/{attachment.pk}/" in page
    assert "/media/" not in page


def test_files_stored_under_the_old_paths_stay_readable(client, people, settings, submitted_with_file):
    achievement, attachment = submitted_with_file
    old = "attachments/2026/01/旧报告.pdf"
    (settings.MEDIA_ROOT / "attachments/2026/01").mkdir(parents=True)
    (settings.MEDIA_ROOT / old).write_bytes(b"old bytes")
    Attachment.objects.filter(pk=attachment.pk).update(file=old)
    client.force_login(people["owner"])
    response = client.get(f"/achievements/{achievement.pk}/attachments/{attachment.pk}/")
    assert b"".join(response.streaming_content) == b"old bytes"


def test_with_nginx_sendfile_the_view_answers_an_internal_redirect(
    client, people, settings, submitted_with_file
):
    settings.MENGKEJU_SENDFILE = "nginx"
    achievement, attachment = submitted_with_file
    url = f"/achievements/{achievement.pk}/attachments/{attachment.pk}/"
    client.force_login(people["staff_out_of_scope"])
    refused = client.get(url)
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused
    client.force_login(people["staff_in_scope"])
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == b""
    folder = attachment.file.name.rsplit("/", 1)[0]
    assert response["X-Accel-Redirect"] == (f"/protected/{folder}/%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
