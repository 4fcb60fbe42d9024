"""The licence lifecycle as a table: every (status, action) pair is allowed exactly when listed."""

import pytest
from django.core.exceptions import ValidationError

from mengkeju.licensing.models import LICENCE_TRANSITIONS, Licence, LicenceAction
from mengkeju.licensing.services._common import _check_transition

S, A = Licence.Status, LicenceAction
EXPECTED = {
    (S.DRAFT, A.GRANT): S.ACTIVE,
    (S.DRAFT, A.START_TRIAL): S.TRIAL,
    (S.TRIAL, A.CONVERT): S.CONVERTED,
    (S.TRIAL, A.EXIT): S.EXITED,
    (S.TRIAL, A.EXPIRE): S.EXPIRED,
    (S.ACTIVE, A.EXPIRE): S.EXPIRED,
    (S.CONVERTED, A.EXPIRE): S.EXPIRED,
    (S.TRIAL, A.TERMINATE): S.TERMINATED,
    (S.ACTIVE, A.TERMINATE): S.TERMINATED,
    (S.CONVERTED, A.TERMINATE): S.TERMINATED,
}
MOVES = [A.GRANT, A.START_TRIAL, A.CONVERT, A.EXIT, A.EXPIRE, A.TERMINATE]


def test_the_table_is_the_one_in_the_code():
    assert EXPECTED == LICENCE_TRANSITIONS


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", MOVES)
def test_each_pair_is_allowed_exactly_when_listed(status, action):
    licence = Licence(status=status)
    if (status, action) in EXPECTED:
        assert _check_transition(licence, action) == EXPECTED[(status, action)]
    else:
        with pytest.raises(ValidationError):
            _check_transition(licence, action)


def test_exited_terminated_and_expired_are_final():
    final = {S.EXITED, S.TERMINATED, S.EXPIRED}
    assert not [pair for pair in EXPECTED if pair[0] in final]
