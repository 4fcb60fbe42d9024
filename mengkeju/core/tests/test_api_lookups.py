"""A key that is not a number in an API URL is a JSON 404, never a 500 (the fuzzing found 85 such
500s: `/api/achievements/abc/`, `/api/deals/contracts/false/`, `POST /api/demands/None/publish/` …)."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from mengkeju.network.models import User
from mengkeju.network.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INTEGER_PARAMETER = re.compile(r"\{(id|pk|year)\}")


def integer_key_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        if INTEGER_PARAMETER.search(path):
            for method in item:
                yield path, method


def test_every_integer_key_rejects_words_with_a_json_404():
    api = APIClient()
    api.force_authenticate(UserFactory(role=User.Role.HQ_OPERATOR))
    operations = list(integer_key_operations())
    assert len(operations) > 40
    for path, method in operations:
        for word in ("abc", "false", "None", "1e3"):
            url = INTEGER_PARAMETER.sub(word, path)
            response = getattr(api, method)(url, {}, format="json")
            assert response.status_code == 404, (method, url, response.status_code)
            assert response.json() == {"detail": "未找到。", "code": "not_found"}, (method, url)


def test_pages_outside_the_api_keep_the_html_404(client):
    response = client.get("/achievements/abc/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
