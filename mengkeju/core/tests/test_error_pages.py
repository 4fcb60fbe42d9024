"""Error pages answer in the site's layout (navigation, language), say what to do next, and are
localized; the 500 page renders without a database or the request's context."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory, override_settings
from django.utils import translation

from mengkeju.core import views

NAV = 'id="mainnav"'


@pytest.mark.django_db
def test_a_missing_record_answers_the_styled_404_in_chinese_and_english(client):
    response = client.get("/achievements/99999/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert response.status_code == 404
    assert NAV in page and 'id="error-page"' in page and "Not Found" not in page
    assert "找不到这个页面" in page and 'href="/achievements/"' in page
    english = client.get("/achievements/99999/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert NAV in english and "We could not find this page" in english


@pytest.mark.django_db
def test_a_refused_page_answers_the_styled_403_with_the_reason(client):
    from mengkeju.network.models import User
    from mengkeju.network.tests.factories import OrganizationFactory, UserFactory

    client.force_login(UserFactory(role=User.Role.MEMBER, organization=OrganizationFactory()))
    response = client.get("/deals/board/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert response.status_code == 403
    assert NAV in page and 'id="error-reason"' in page and "403 Forbidden" not in page
    assert "您的账号不能打开这个页面" in page


def test_the_api_keeps_its_json_errors():
    request = RequestFactory().get("/api/achievements/1/")
    for response, code in (
        (views.permission_denied(request, PermissionDenied()), "permission_denied"),
        (views.not_found(request), "not_found"),
        (views.bad_request(request), "bad_request"),
    ):
        assert json.loads(response.content)["code"] == code


def test_the_500_page_needs_no_database_and_no_request_context():
    """No django_db mark: any query would fail the test."""
    request = RequestFactory().get("/achievements/")
    with translation.override("zh-hans"):
        response = views.server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert NAV in page and "服务器出了问题" in page and "蒙科聚" in page


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_a_bad_request_answers_the_styled_400(client):
    request = RequestFactory().get("/achievements/")
    request.user = AnonymousUser()
    response = views.bad_request(request)
    assert response.status_code == 400 and NAV in response.content.decode()
