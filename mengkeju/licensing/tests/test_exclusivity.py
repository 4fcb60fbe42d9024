"""An exclusive (独占) or sole (排他) licence excludes other licensees where it overlaps in time,
territory and field of use; licences that do not overlap coexist."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from mengkeju.licensing import services
from mengkeju.licensing.models import Licence, LicenceAction, Scope

pytestmark = pytest.mark.django_db


def granted(parties, licensee, *, scope, start, end=None, territory="", field_of_use=""):
    licence = services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=licensee,
        scope=scope,
        start_on=start,
        end_on=end,
        territory=territory,
        field_of_use=field_of_use,
        fee_model="lump_sum",
        lump_sum_yuan="500000",
    )
    return services.grant_licence(licence, by=parties["licensor_member"], on=start)


CASES = [
    # existing scope, new scope, new start, new end, existing territory, new territory, refused?
    ("exclusive", "exclusive", date(2027, 1, 1), None, "", "", True),
    ("exclusive", "ordinary", date(2027, 1, 1), None, "", "", True),
    ("sole", "exclusive", date(2027, 1, 1), None, "", "", True),
    ("ordinary", "exclusive", date(2027, 1, 1), None, "", "", True),
    ("ordinary", "ordinary", date(2027, 1, 1), None, "", "", False),
    ("exclusive", "exclusive", date(2031, 1, 1), None, "", "", False),  # after the first ends
    ("exclusive", "exclusive", date(2024, 1, 1), date(2025, 12, 31), "", "", False),  # before it starts
    ("exclusive", "exclusive", date(2027, 1, 1), None, "内蒙古", "广东省", False),  # other territory
    ("exclusive", "exclusive", date(2027, 1, 1), None, "内蒙古", "", True),  # unlimited covers it
    ("exclusive", "exclusive", date(2027, 1, 1), None, "内蒙古", " 内蒙古 ", True),
]


@pytest.mark.parametrize(("existing", "new", "start", "end", "territory", "new_territory", "refused"), CASES)
def test_overlap_rule(parties, existing, new, start, end, territory, new_territory, refused):
    granted(
        parties,
        parties["licensee"],
        scope=existing,
        start=date(2026, 1, 1),
        end=date(2030, 12, 31),
        territory=territory,
    )
    candidate = services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["unrelated"],
        scope=new,
        start_on=start,
        end_on=end,
        territory=new_territory,
        fee_model="lump_sum",
        lump_sum_yuan="500000",
    )
    if refused:
        with pytest.raises(ValidationError) as error:
            services.grant_licence(candidate, by=parties["licensor_member"], on=start)
        assert "scope" in error.value.message_dict
        candidate.refresh_from_db()
        assert candidate.status == Licence.Status.DRAFT
        assert not candidate.payments.exists()
        assert not candidate.events.filter(action=LicenceAction.GRANT).exists()
    else:
        services.grant_licence(candidate, by=parties["licensor_member"], on=start)
        assert candidate.status == Licence.Status.ACTIVE


def test_different_fields_of_use_do_not_overlap(parties):
    granted(
        parties,
        parties["licensee"],
        scope=Scope.EXCLUSIVE,
        start=date(2026, 1, 1),
        field_of_use="新能源汽车电机",
    )
    other = granted(
        parties,
        parties["unrelated"],
        scope=Scope.EXCLUSIVE,
        start=date(2026, 1, 1),
        field_of_use="风力发电机",
    )
    assert other.status == Licence.Status.ACTIVE


def test_ended_licences_no_longer_exclude(parties):
    first = granted(parties, parties["licensee"], scope=Scope.EXCLUSIVE, start=date(2026, 1, 1))
    services.terminate_licence(
        first, by=parties["licensor_member"], on=date(2026, 6, 30), reason="被许可方违约"
    )
    second = granted(parties, parties["unrelated"], scope=Scope.EXCLUSIVE, start=date(2026, 7, 1))
    assert second.status == Licence.Status.ACTIVE


def test_a_trial_counts_as_running(parties):
    trial = services.create_licence(
        parties["achievement"],
        by=parties["licensor_member"],
        licensee=parties["licensee"],
        scope=Scope.SOLE,
        start_on=date(2026, 1, 1),
        use_first_pay_later=True,
        fee_model="royalty",
        royalty_rate="0.04",
    )
    services.start_trial(trial, by=parties["licensor_member"], on=date(2026, 1, 1))
    with pytest.raises(ValidationError):
        granted(parties, parties["unrelated"], scope=Scope.ORDINARY, start=date(2026, 2, 1))
