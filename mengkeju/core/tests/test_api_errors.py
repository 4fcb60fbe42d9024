"""API errors carry machine-readable codes, and the schema documents the error bodies."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.generators import SchemaGenerator
from rest_framework import exceptions

from mengkeju.core.api import exception_handler
from mengkeju.core.exceptions import ConflictError, DomainError


def test_service_validation_error_keeps_each_message_and_its_code():
    error = ValidationError(
        {
            "title": ValidationError("The title is too short.", code="title_too_short"),
            "__all__": [ValidationError("Deadline passed.", code="deadline_passed"), "Plain message."],
        }
    )
    response = exception_handler(error, {})
    assert response.status_code == 400
    assert response.data["title"] == ["The title is too short."]
    assert response.data["non_field_errors"] == ["Deadline passed.", "Plain message."]
    assert response.data["codes"] == {
        "title": ["title_too_short"],
        "non_field_errors": ["deadline_passed", "invalid"],
    }


def test_a_list_validation_error_is_a_non_field_error_with_codes():
    response = exception_handler(ValidationError("No.", code="refused"), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["No."], "codes": {"non_field_errors": ["refused"]}}


def test_serializer_validation_errors_get_codes_too():
    response = exception_handler(exceptions.ValidationError({"year": ["A valid integer is required."]}), {})
    assert response.data["codes"] == {"year": ["invalid"]}


def test_conflict_permission_and_not_found_answer_detail_and_code():
    conflict = exception_handler(ConflictError("Someone else published it first."), {})
    assert (conflict.status_code, conflict.data) == (
        409,
        {"detail": "Someone else published it first.", "code": "conflict"},
    )
    denied = exception_handler(PermissionDenied("Only the seller applies."), {})
    assert denied.status_code == 403 and denied.data["code"] == "permission_denied"
    assert denied.data["detail"] == "Only the seller applies."
    missing = exception_handler(exceptions.NotFound(), {})
    assert missing.status_code == 404 and missing.data["code"] == "not_found"
    other = exception_handler(DomainError("Index not ready.", code="index_not_ready"), {})
    assert (other.status_code, other.data["code"]) == (400, "index_not_ready")


@pytest.mark.django_db
def test_schema_documents_error_responses_on_every_operation():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) > 50
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"400", "401", "403"} <= set(responses), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if method in ("post", "put", "patch", "delete"):
            assert "409" in responses, (method, path)
    bad_input = schema["paths"]["/api/demands/"]["post"]["responses"]["400"]
    assert bad_input["content"]["application/json"]["schema"]["$ref"].endswith("/ValidationErrorResponse")


@pytest.mark.django_db
def test_a_missing_record_answers_the_same_404_through_the_api(client):
    response = client.get("/api/achievements/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "Achievement" not in response.json()["detail"]  # no model name, one localized message


@pytest.mark.django_db
def test_an_anonymous_write_answers_401_with_its_code(client):
    response = client.post("/api/demands/", {}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
