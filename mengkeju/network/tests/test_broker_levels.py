"""Issue 18, item 4: technology-broker levels as region-pack data (docs/brokers.md).

Inner Mongolia's pack names 初级技术经纪人, 中级技术经纪人 and 高级技术经理人; 中级 and 高级 need a filing
number (备案编号). Each rule: one passing and one refused case with its message; a refusal writes nothing.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mengkeju.network import selectors, services
from mengkeju.network.models import Organization, User
from mengkeju.network.region_pack import RegionPackError
from mengkeju.network.services import load_region_pack

from .factories import UserFactory
from .test_region_pack_guards import _pack

pytestmark = pytest.mark.django_db


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def broker(node="baotou", **fields) -> User:
    return UserFactory(role=User.Role.BROKER, organization=Organization.objects.get(code=node), **fields)


def hq() -> User:
    return UserFactory(role=User.Role.HQ_OPERATOR, organization=Organization.objects.get(code="hq"))


def test_the_pack_names_three_levels_and_which_need_a_filing_number():
    levels = selectors.broker_levels()
    assert [(lv.code, lv.name, lv.filing_required) for lv in levels] == [
        ("junior", "初级技术经纪人", False),
        ("intermediate", "中级技术经纪人", True),
        ("senior", "高级技术经理人", True),
    ]


def test_a_junior_broker_needs_no_filing_number():
    person = broker()
    services.set_broker_level(person, level="junior", by=hq())
    assert (person.broker_level, person.broker_filing_number) == ("junior", "")


@pytest.mark.parametrize("level", ["intermediate", "senior"])
def test_intermediate_and_senior_need_a_filing_number(level, english):
    person = broker()
    with pytest.raises(ValidationError) as exc:
        services.set_broker_level(person, level=level, filing_number="  ", by=hq())
    name = selectors.broker_level(level).name_en
    assert exc.value.message_dict["filing_number"] == [
        f"The level “{name}” needs a filing number (备案编号)."
    ]
    assert exc.value.error_dict["filing_number"][0].code == "required"
    person.refresh_from_db()
    assert person.broker_level == ""
    services.set_broker_level(person, level=level, filing_number="NMG-JS-2026-0012", by=hq())
    person.refresh_from_db()
    assert (person.broker_level, person.broker_filing_number) == (level, "NMG-JS-2026-0012")


def test_a_level_the_region_does_not_name_is_refused(english):
    person = broker()
    with pytest.raises(ValidationError) as exc:
        services.set_broker_level(person, level="master", filing_number="X-1", by=hq())
    assert "Choose one of the region's broker levels" in exc.value.message_dict["level"][0]
    assert "Senior technology manager" in exc.value.message_dict["level"][0]


def test_the_level_message_is_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.set_broker_level(broker(), level="senior", by=hq())
    assert exc.value.message_dict["filing_number"] == ["“高级技术经理人”须填写备案编号。"]


def test_only_brokers_have_a_level():
    member = UserFactory(role=User.Role.MEMBER)
    with pytest.raises(ValidationError, match="Only technology brokers"), translation.override("en"):
        services.set_broker_level(member, level="junior", by=hq())


@pytest.mark.parametrize(
    ("role", "node", "allowed"),
    [
        (User.Role.PLATFORM_ADMIN, None, True),
        (User.Role.HQ_OPERATOR, "hq", True),
        (User.Role.SUBCENTER_STAFF, "baotou", True),  # the broker's own node
        (User.Role.SUBCENTER_STAFF, "chifeng", False),
        (User.Role.BROKER, "baotou", False),
        (User.Role.MEMBER, None, False),
        (User.Role.EXPERT, None, False),
        (User.Role.ANALYST, None, False),
    ],
)
def test_who_records_a_broker_level(role, node, allowed):
    person = broker("baotou")
    actor = UserFactory(role=role, organization=Organization.objects.get(code=node) if node else None)
    if allowed:
        services.set_broker_level(person, level="junior", by=actor)
        assert User.objects.get(pk=person.pk).broker_level == "junior"
    else:
        with pytest.raises(PermissionDenied):
            services.set_broker_level(person, level="junior", by=actor)
        assert User.objects.get(pk=person.pk).broker_level == ""


def test_the_pack_refuses_a_level_without_its_filing_rule_or_a_duplicate_code(tmp_path):
    def without_filing_rule(data):
        data["parameters"]["broker_levels"][1].pop("filing_required")

    with pytest.raises(RegionPackError) as exc:
        load_region_pack(_pack(tmp_path / "a", "region.yaml", without_filing_rule))
    assert any(
        p.file == "region.yaml" and p.path.startswith("parameters.broker_levels[1]")
        for p in exc.value.problems
    ), exc.value.problems

    def duplicate(data):
        data["parameters"]["broker_levels"].append(dict(data["parameters"]["broker_levels"][0]))

    with pytest.raises(RegionPackError) as exc:
        load_region_pack(_pack(tmp_path / "b", "region.yaml", duplicate))
    assert any(p.path == "parameters.broker_levels[3].code" for p in exc.value.problems), exc.value.problems
