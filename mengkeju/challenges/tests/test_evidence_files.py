"""Milestone evidence is as private as its application: it downloads through a view that checks
permissions.can_view_application, never at a public /media/ address."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from mengkeju.catalog.tests.test_attachments import urls_built_with_debug
from mengkeju.challenges import services
from mengkeju.challenges.models import Application, Evidence

from .factories import AFTER_CLOSE
from .helpers import world

pytestmark = pytest.mark.django_db
LATER = AFTER_CLOSE + timedelta(days=60)
BYTES = b"%PDF-1.4 milestone test report"

# The conftest people, plus the challenge's own parties.
ROLES = [
    "anonymous",
    "expert",  # an expert, not on this challenge's panel
    "owner",  # member of the awarded lead organization
    "other_member",
    "staff_in_scope",
    "staff_out_of_scope",
    "broker_in_scope",
    "hq_operator",
    "platform_admin",
    "publisher_member",
    "panel_expert",
]
MAY_DOWNLOAD = {"owner", "hq_operator", "platform_admin", "publisher_member", "panel_expert"}


@pytest.fixture
def evidence(settings, tmp_path, people, orgs):
    """Team A (awarded), led by the conftest owner's enterprise, uploads a test report."""
    settings.MEDIA_ROOT = tmp_path
    w = world("awarded")
    Application.objects.filter(pk=w.teams[0].pk).update(lead=orgs["enterprise"])
    milestone = w.teams[0].milestones.get(position=1)
    upload = SimpleUploadedFile("检测报告.pdf", BYTES, content_type="application/pdf")
    item = services.upload_evidence(milestone, upload, by=people["owner"], now=LATER)
    everyone = {**people, "publisher_member": w.publisher_member, "panel_expert": w.experts[0].user}
    return item, everyone


@pytest.mark.parametrize("role", ROLES)
def test_evidence_downloads_only_for_those_who_see_the_application(role, client, evidence):
    item, people = evidence
    if people[role] is not None:
        client.force_login(people[role])
    response = client.get(f"/challenges/evidence/{item.pk}/")
    if role in MAY_DOWNLOAD:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
    else:
        assert response.status_code == 404


def test_evidence_has_an_unguessable_name_and_no_public_media_url(client, evidence):
    item, people = evidence
    milestone = item.milestone
    parts = item.file.name.split("/")
    assert parts[:4] == ["challenges", "evidence", str(milestone.application_id), str(milestone.pk)]
    assert len(parts[4]) == 32 and int(parts[4], 16) >= 0 and parts[5] == "检测报告.pdf"
    client.force_login(people["hq_operator"])
    with urls_built_with_debug():
        assert client.get(f"/media/{item.file.name}").status_code == 404


def test_the_application_page_and_the_api_link_to_the_checked_view(client, evidence):
    item, people = evidence
    client.force_login(people["owner"])
    page = client.get(f"/challenges/applications/{item.milestone.application_id}/").content.decode()
    assert f"/challenges/evidence/{item.pk}/" in page
    assert "/media/" not in page and "检测报告.pdf" in page
    api = APIClient()
    api.force_authenticate(people["owner"])
    data = api.get(f"/api/challenges/applications/{item.milestone.application_id}/").json()
    links = [link for m in data["milestone_list"] for link in m["evidence"]]
    assert links == [f"/challenges/evidence/{item.pk}/"]


def test_evidence_stored_under_the_old_path_stays_readable(client, settings, evidence):
    item, people = evidence
    milestone = item.milestone
    old = f"challenges/evidence/{milestone.application_id}/{milestone.pk}/old.pdf"
    (settings.MEDIA_ROOT / old).parent.mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / old).write_bytes(b"old bytes")
    Evidence.objects.filter(pk=item.pk).update(file=old)
    client.force_login(people["publisher_member"])
    assert b"".join(client.get(f"/challenges/evidence/{item.pk}/").streaming_content) == b"old bytes"


def test_with_nginx_sendfile_the_view_answers_an_internal_redirect(client, settings, evidence):
    settings.MENGKEJU_SENDFILE = "nginx"
    item, people = evidence
    client.force_login(people["other_member"])
    refused = client.get(f"/challenges/evidence/{item.pk}/")
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused
    client.force_login(people["panel_expert"])
    response = client.get(f"/challenges/evidence/{item.pk}/")
    assert response.status_code == 200 and response.content == b""
    folder = item.file.name.rsplit("/", 1)[0]
    assert response["X-Accel-Redirect"] == f"/protected/{folder}/%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A.pdf"
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
