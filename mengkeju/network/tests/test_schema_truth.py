"""The OpenAPI schema tells the truth about what the network API answers (issue 13, finding 12)."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_a_top_level_division_has_no_parent_and_the_schema_says_it_may_be_null():
    schema = APIClient().get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Division"]["properties"]["parent"].get("nullable") is True
    top = [d for d in APIClient().get("/api/divisions/").json()["results"] if d["parent"] is None]
    assert top, "the region's own division has no parent"
