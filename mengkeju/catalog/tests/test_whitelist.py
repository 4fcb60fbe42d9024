"""The platform whitelist (白名单): lifecycle as a table, bad input refused in Chinese, history kept."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from mengkeju.catalog import services
from mengkeju.catalog.models import (
    WHITELIST_TRANSITIONS,
    Platform,
    WhitelistAction,
    WhitelistEvent,
    WhitelistStatus,
)
from mengkeju.network.models import ChainLink

pytestmark = pytest.mark.django_db
S, A = WhitelistStatus, WhitelistAction

# The whole table, written out: (from, action) -> to. Any pair not here is refused.
EXPECTED = {
    (S.NONE, A.APPLY): S.APPLIED,
    (S.REJECTED, A.APPLY): S.APPLIED,
    (S.REMOVED, A.APPLY): S.APPLIED,
    (S.APPLIED, A.REVIEW): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, A.LIST): S.LISTED,
    (S.UNDER_REVIEW, A.REJECT): S.REJECTED,
    (S.LISTED, A.KEEP): S.LISTED,
    (S.LISTED, A.REMOVE): S.REMOVED,
}
ALL_PAIRS = [(s, a) for s in S for a in A]


def make_platform(orgs, status=S.NONE, **fields) -> Platform:
    platform = Platform.objects.create(
        name=fields.pop("name", "稀土永磁材料中试平台"),
        kind=Platform.Kind.PILOT_PLATFORM,
        level=Platform.Level.REGIONAL,
        organization=orgs["enterprise"],
        division=orgs["enterprise"].division,
        whitelist_status=status,
        **fields,
    )
    platform.chain_links.set(ChainLink.objects.filter(code="rare-earth.magnets"))
    return platform


def test_the_table_in_the_code_is_the_table_in_this_test():
    assert {(S(s), A(a)): S(t) for (s, a), t in WHITELIST_TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("status", "action"), ALL_PAIRS)
def test_whitelist_transition(orgs, people, status, action):
    platform = make_platform(orgs, status)
    year = timezone.localdate().year
    target = EXPECTED.get((status, action))
    if target is None:
        with pytest.raises(ValidationError):
            services.whitelist_step(platform, action, by=people["hq_operator"], reason="理由", year=year)
        platform.refresh_from_db()
        assert platform.whitelist_status == status
        assert not WhitelistEvent.objects.exists()
        return
    services.whitelist_step(platform, action, by=people["hq_operator"], reason="年度评估合格", year=year)
    platform.refresh_from_db()
    assert platform.whitelist_status == target
    assert platform.whitelisted == (target == S.LISTED)
    event = WhitelistEvent.objects.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        action,
        status,
        target,
        people["hq_operator"],
    )


def test_full_lifecycle_keeps_an_append_only_history(orgs, people):
    platform = make_platform(orgs)
    hq, owner = people["hq_operator"], people["owner"]
    year = timezone.localdate().year
    services.whitelist_step(platform, A.APPLY, by=owner)
    services.whitelist_step(platform, A.REVIEW, by=hq)
    services.whitelist_step(platform, A.LIST, by=hq)
    assert platform.whitelisted and platform.listed_on == timezone.localdate()
    services.whitelist_step(platform, A.KEEP, by=hq, reason="考核优秀", year=year)
    assert platform.last_evaluated_year == year
    history = list(platform.whitelist_events.values_list("action", "to_status", "evaluation_year"))
    assert history == [
        (A.APPLY, S.APPLIED, None),
        (A.REVIEW, S.UNDER_REVIEW, None),
        (A.LIST, S.LISTED, None),
        (A.KEEP, S.LISTED, year),
    ]


def _refused_in_chinese(call, expected_text):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        call()
    text = " ".join(info.value.messages)
    assert expected_text in text, text


def test_listing_twice_is_refused_in_chinese_and_changes_nothing(orgs, people):
    platform = make_platform(orgs, S.LISTED)
    _refused_in_chinese(
        lambda: services.whitelist_step(platform, A.LIST, by=people["hq_operator"]), "已在白名单中"
    )
    platform.refresh_from_db()
    assert platform.whitelist_status == S.LISTED and not WhitelistEvent.objects.exists()


def test_evaluation_without_reason_is_refused_in_chinese_and_changes_nothing(orgs, people):
    platform = make_platform(orgs, S.LISTED)
    year = timezone.localdate().year
    _refused_in_chinese(
        lambda: services.whitelist_step(platform, A.REMOVE, by=people["hq_operator"], reason="  ", year=year),
        "请填写",
    )
    platform.refresh_from_db()
    assert platform.whitelisted and platform.last_evaluated_year is None
    assert not WhitelistEvent.objects.exists()


def test_a_year_is_evaluated_once(orgs, people):
    platform = make_platform(orgs, S.LISTED)
    year = timezone.localdate().year
    services.whitelist_step(platform, A.KEEP, by=people["hq_operator"], reason="合格", year=year)
    _refused_in_chinese(
        lambda: services.whitelist_step(
            platform, A.REMOVE, by=people["hq_operator"], reason="不合格", year=year
        ),
        "已完成",
    )
    platform.refresh_from_db()
    assert platform.whitelisted and platform.whitelist_events.count() == 1


def test_only_headquarters_decides(orgs, people):
    platform = make_platform(orgs, S.APPLIED)
    for who in ("owner", "staff_in_scope", "broker_in_scope", "expert"):
        with pytest.raises(PermissionDenied):
            services.whitelist_step(platform, A.REVIEW, by=people[who])
    platform.refresh_from_db()
    assert platform.whitelist_status == S.APPLIED


def test_records_imported_as_whitelisted_are_listed(orgs):
    platform = make_platform(orgs, whitelisted=True)
    assert platform.whitelist_status == S.LISTED
