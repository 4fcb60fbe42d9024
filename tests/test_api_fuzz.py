"""The API against its own schema: schemathesis generates requests for every operation of
`/api/schema/` — valid ones (random ids and the demo's real ids) and invalid ones — as an anonymous
visitor and as three roles (enterprise member, sub-center staff, HQ operator) on the full demo data.

Every answer must be a documented status code with a body that matches the schema, and no answer may
be a server error. Runs on PostgreSQL only (marker `slow`; NUL bytes and integer overflow matter there),
bounded to a few minutes by `FUZZ_EXAMPLES` (examples per operation, role and mode).
"""

import os
import re
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings as django_settings
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from werkzeug.test import Client  # the WSGI test client schemathesis itself calls the app with

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROLES = {"anonymous": None, "enterprise": "enterprise", "sub-center staff": "subcenter", "HQ": "hq"}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
PATH_PARAMETER = re.compile(r"\{(\w+)\}")


@pytest.fixture
def demo():
    from mengkeju.demo.loader import load_demo
    from mengkeju.points.services import load_points_system

    load_points_system(Path(django_settings.PROJECT_DIR) / "regions" / "inner-mongolia" / "points.yaml")
    load_demo()


@pytest.fixture
def api(settings, monkeypatch):
    """The WSGI application called in-process, inside the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    from mengkeju.wsgi import application

    # As Django's test client does: a request must not close the connection holding the test transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    settings.ALLOWED_HOSTS = ["localhost"]
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def token_headers(username: str | None) -> dict[str, str]:
    from rest_framework.authtoken.models import Token

    from mengkeju.network.models import User

    if username is None:
        return {}
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    return {"Authorization": f"Token {token.key}"}


def real_values(api, headers: dict, path: str) -> dict[str, list]:
    """Values of the path's first parameter taken from the list it belongs to (as HQ sees it), e.g. the
    ids of `/api/deals/contracts/` for `/api/deals/contracts/{id}/submit/`."""
    match = PATH_PARAMETER.search(path)
    if not match:
        return {}
    response = Client(api.app).get(path[: match.start()], headers={**headers, "Host": "localhost"})
    if response.status_code != 200:
        return {}
    payload = response.json
    rows = payload.get("results", []) if isinstance(payload, dict) else payload
    name = match.group(1)
    key = "id" if name in ("id", "pk") else name
    values = sorted({row[key] for row in rows if isinstance(row, dict) and row.get(key) is not None}, key=str)
    return {name: values} if values else {}


def fuzz(operation, headers, strategy) -> str | None:
    """The first failure schemathesis finds for one operation (None when every example passes)."""

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        run()
    except Unsatisfiable:  # nothing invalid to send: an operation without parameters or body
        return None
    except (Exception, BaseExceptionGroup) as failure:  # collected, reported for all operations at the end
        return str(failure)
    return None


def test_every_api_answer_is_documented_and_no_input_is_a_server_error(demo, api):
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) > 100  # the whole API, not a corner of it
    hq = token_headers("hq")
    known = {op.label: real_values(api, hq, op.path) for op in operations}
    failures, calls = {}, 0
    for role, username in ROLES.items():
        headers = token_headers(username)
        for operation in operations:
            strategies = [
                operation.as_strategy(),
                operation.as_strategy(GenerationMode.NEGATIVE),
            ]
            if known[operation.label]:
                values = known[operation.label]
                parameters = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in values.items()})
                strategies.append(
                    parameters.flatmap(lambda p, op=operation: op.as_strategy(path_parameters=p))
                )
            for strategy in strategies:
                calls += EXAMPLES
                failure = fuzz(operation, headers, strategy)
                if failure:
                    failures.setdefault(f"{role} · {operation.label}", failure)
                    break
    report = "\n\n".join(f"== {where}\n{failure[:3000]}" for where, failure in failures.items())
    assert not failures, (
        f"{len(failures)} of {len(operations) * len(ROLES)} operation × role failed:\n{report}"
    )
