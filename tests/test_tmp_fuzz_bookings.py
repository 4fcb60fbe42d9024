import pytest
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.test_api_fuzz import ROLES, api, demo, fuzz, real_values, token_headers  # noqa: F401

pytestmark = [pytest.mark.django_db]


def test_bookings_fuzz(demo, api):  # noqa: F811
    operations = [r.ok() for r in api.get_all_operations()]
    operations = [op for op in operations if op.path.startswith("/api/bookings/")]
    assert len(operations) >= 8
    hq = token_headers("hq")
    known = {op.label: real_values(api, hq, op.path) for op in operations}
    failures = {}
    for role, username in ROLES.items():
        headers = token_headers(username)
        for operation in operations:
            strategies = [operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE)]
            if known[operation.label]:
                values = known[operation.label]
                parameters = st.fixed_dictionaries({n: st.sampled_from(v) for n, v in values.items()})
                strategies.append(parameters.flatmap(lambda p, op=operation: op.as_strategy(path_parameters=p)))
            for strategy in strategies:
                failure = fuzz(operation, headers, strategy)
                if failure:
                    failures.setdefault(f"{role} · {operation.label}", failure)
                    break
    assert not failures, "\n\n".join(f"== {w}\n{f[:3000]}" for w, f in failures.items())
