"""The services of 我要对接: routing, joining, refusals that write nothing, rate limit, deal, closing, receipts."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from mengkeju.catalog.models import Status
from mengkeju.catalog.tests.factories import AchievementFactory, DemandFactory
from mengkeju.deals.models import Deal
from mengkeju.inquiries import selectors, services
from mengkeju.inquiries.models import Attachment, Message, ReadReceipt, Thread
from mengkeju.network.models import Organization
from mengkeju.notifications.models import Notification

from .conftest import PDF, pdf

pytestmark = pytest.mark.django_db


def files_under(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def nothing_written(private_media):
    assert Thread.objects.count() == 0
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert files_under(private_media) == []


def test_an_inquiry_reaches_the_owner_and_the_routed_sub_center_only(cast, orgs, thread):
    assert thread.sub_center == orgs["baotou_sub"]
    assert thread.owner == cast["university"] and thread.inquirer == orgs["enterprise"]
    assert thread.budget_min_yuan == Decimal("100000.00") and thread.budget_max_yuan == Decimal("500000.00")
    assert thread.messages.get().attachments.get().name == "spec.pdf"
    told = set(Notification.objects.filter(kind=Notification.Kind.INQUIRY).values_list("user", flat=True))
    assert told == {
        cast["researcher"].pk,
        cast["buyer_colleague"].pk,  # the inquiring organization follows its own thread
        cast["staff_in_scope"].pk,
        cast["broker_in_scope"].pk,
    }
    assert Notification.objects.filter(user=cast["researcher"]).get().url == f"/inquiries/{thread.pk}/"


def test_a_second_inquiry_of_the_same_organization_joins_the_open_thread(cast, achievement, thread):
    again = services.send_inquiry(
        "achievement", achievement, by=cast["buyer_colleague"], body="补充：我们也关注售后。"
    )
    assert again.pk == thread.pk
    assert list(thread.messages.values_list("is_inquiry", flat=True)) == [True, True]
    other = services.send_inquiry(
        "achievement", achievement, by=cast["other_member"], body="另一家企业的询问"
    )
    assert other.pk != thread.pk
    services.close_thread(thread, by=cast["broker_in_scope"], reason="双方未达成一致")
    after = services.send_inquiry("achievement", achievement, by=cast["buyer"], body="重新询问")
    assert after.pk not in (thread.pk, other.pk)
    assert Thread.objects.filter(subject_key=f"achievement:{achievement.pk}").count() == 3


@pytest.mark.parametrize(
    "verification", [Organization.Verification.PENDING, Organization.Verification.RETURNED]
)
def test_an_unverified_organization_may_not_send(cast, orgs, achievement, private_media, verification):
    orgs["enterprise"].verification = verification
    orgs["enterprise"].save()
    cast["buyer"].refresh_from_db()
    with pytest.raises(PermissionDenied, match="认证"):
        services.send_inquiry("achievement", achievement, by=cast["buyer"], body="你好", uploads=[pdf()])
    nothing_written(private_media)
    assert not Notification.objects.exists()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.WITHDRAWN])
def test_an_unpublished_listing_takes_no_inquiry(cast, private_media, status):
    achievement = AchievementFactory(owner=cast["university"], status=status)
    with pytest.raises(ValidationError, match="未发布") as caught:
        services.send_inquiry("achievement", achievement, by=cast["buyer"], body="你好", uploads=[pdf()])
    assert caught.value.error_dict["listing"][0].code == "not_published"
    assert achievement.title not in str(caught.value)  # nothing of an unpublished record is told
    nothing_written(private_media)


@pytest.mark.parametrize(
    "upload, code",
    [
        (SimpleUploadedFile("big.pdf", PDF + b"x" * 2000), "too_large"),
        (SimpleUploadedFile("tool.exe", b"MZ\x90\x00" * 10), "invalid_type"),
        (SimpleUploadedFile("fake.pdf", b"<html>not a pdf</html>"), "invalid_type"),
        (SimpleUploadedFile("empty.txt", b""), "required"),
    ],
    ids=["oversized", "wrong-type", "content-mismatch", "empty"],
)
def test_a_bad_attachment_refuses_the_whole_message_and_writes_nothing(
    cast, achievement, private_media, settings, upload, code
):
    settings.INQUIRY_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as caught:
        services.send_inquiry(
            "achievement", achievement, by=cast["buyer"], body="你好", uploads=[pdf(), upload]
        )
    assert caught.value.error_dict["files"][0].code == code
    nothing_written(private_media)


def test_a_bad_reply_attachment_writes_nothing(cast, thread, private_media, settings):
    settings.INQUIRY_ATTACHMENT_MAX_BYTES = 1024
    before = files_under(private_media)
    with pytest.raises(ValidationError, match="MB"):
        services.reply(
            thread, by=cast["researcher"], body="附件", uploads=[SimpleUploadedFile("a.pdf", PDF * 10)]
        )
    assert thread.messages.count() == 1 and files_under(private_media) == before


def test_flooding_is_refused_with_a_rate_limit_error(cast, settings):
    settings.INQUIRIES_PER_HOUR = 3
    listings = [AchievementFactory(owner=cast["university"]) for _ in range(4)]
    for listing in listings[:3]:
        services.send_inquiry("achievement", listing, by=cast["buyer"], body="批量询问")
    with pytest.raises(services.RateLimited, match="一小时") as caught:
        services.send_inquiry("achievement", listings[3], by=cast["buyer"], body="第四次")
    assert caught.value.status == 429 and caught.value.code == "rate_limited"
    assert Thread.objects.count() == 3
    # The limit is per person: a colleague still may.
    services.send_inquiry("achievement", listings[3], by=cast["buyer_colleague"], body="同事询问")


def test_the_broker_turns_the_thread_into_a_deal(cast, orgs, achievement, thread):
    deal = services.convert_to_deal(thread, by=cast["broker_in_scope"])
    thread.refresh_from_db()
    assert thread.deal == deal and thread.status == Thread.Status.CONVERTED
    assert deal.achievement == achievement and deal.stage == Deal.Stage.INTENT
    assert deal.buyer == orgs["enterprise"] and deal.seller == cast["university"]
    assert deal.sub_center == orgs["baotou_sub"] and deal.broker == cast["broker_in_scope"]
    assert list(deal.inquiry_threads.all()) == [thread]
    with pytest.raises(ValidationError):
        services.reply(thread, by=cast["buyer"], body="还能发吗？")


def test_a_demand_inquiry_names_the_inquirer_as_seller(cast, orgs):
    demand = DemandFactory(owner=orgs["enterprise"])
    thread = services.send_inquiry("demand", demand, by=cast["researcher"], body="我们有相关成果。")
    deal = services.convert_to_deal(thread, by=cast["staff_in_scope"])
    assert (deal.demand, deal.buyer, deal.seller) == (demand, orgs["enterprise"], cast["university"])


def test_two_organizations_on_one_achievement_make_two_deals(cast, achievement, thread):
    other = services.send_inquiry("achievement", achievement, by=cast["other_member"], body="我们也想谈")
    first = services.convert_to_deal(thread, by=cast["broker_in_scope"])
    second = services.convert_to_deal(other, by=cast["broker_in_scope"])
    assert first.pk != second.pk and second.buyer == cast["other_member"].organization


@pytest.mark.parametrize("who", ["buyer", "researcher", "staff_out_of_scope", "hq_operator"])
def test_only_the_routed_sub_center_converts_or_closes(cast, thread, who):
    with pytest.raises(PermissionDenied):
        services.convert_to_deal(thread, by=cast[who])
    with pytest.raises(PermissionDenied):
        services.close_thread(thread, by=cast[who], reason="无")
    thread.refresh_from_db()
    assert thread.is_open and thread.deal is None and not Deal.objects.exists()


def test_closing_needs_a_reason_and_stops_the_thread(cast, thread):
    with pytest.raises(ValidationError, match="理由"):
        services.close_thread(thread, by=cast["broker_in_scope"], reason="  ")
    thread.refresh_from_db()
    assert thread.is_open
    services.close_thread(thread, by=cast["broker_in_scope"], reason="企业预算不足")
    thread.refresh_from_db()
    assert thread.status == Thread.Status.CLOSED and thread.close_reason == "企业预算不足"
    assert Notification.objects.filter(user=cast["buyer"], message__contains="企业预算不足").exists()
    with pytest.raises(ValidationError):
        services.reply(thread, by=cast["researcher"], body="晚了")
    with pytest.raises(ValidationError):
        services.convert_to_deal(thread, by=cast["broker_in_scope"])


def test_a_platform_inquiry_is_closed_not_converted(cast, orgs):
    from mengkeju.catalog.models import Platform

    platform = Platform.objects.create(
        name="稀土中试平台",
        kind="pilot_platform",
        level="regional",
        organization=cast["university"],
        division=orgs["enterprise"].division,
    )
    thread = services.send_inquiry("platform", platform, by=cast["buyer"], body="想预约中试")
    assert thread.owner == cast["university"]
    with pytest.raises(ValidationError):
        services.convert_to_deal(thread, by=cast["broker_in_scope"])


def test_read_receipts(cast, thread):
    buyer, researcher = cast["buyer"], cast["researcher"]
    assert selectors.my_threads(researcher).get().unread is True
    assert selectors.my_threads(buyer).get().unread is False  # one's own message is read
    message = thread.messages.get()
    assert selectors.read_by(message, selectors.readers(thread)) == []
    services.mark_read(thread, by=researcher)
    assert selectors.my_threads(researcher).get().unread is False
    assert selectors.read_by(message, selectors.readers(thread)) == [researcher]
    services.reply(thread, by=researcher, body="可以，请提供应用场景。")
    assert selectors.my_threads(buyer).get().unread is True
    reply = thread.messages.last()
    assert selectors.read_by(reply, selectors.readers(thread)) == []
    services.mark_read(thread, by=buyer)
    assert selectors.read_by(reply, selectors.readers(thread)) == [buyer]
    assert ReadReceipt.objects.filter(thread=thread).count() == 2
    with pytest.raises(PermissionDenied):
        services.mark_read(thread, by=cast["other_member"])


def test_a_challenge_routes_by_its_publishers_division_and_a_draft_one_is_refused(cast, orgs):
    from mengkeju.challenges.tests.factories import draft, member, published_challenge

    challenge = published_challenge(member(cast["university"]))
    thread = services.send_inquiry("challenge", challenge, by=cast["buyer"], body="我们想揭榜，先了解指标")
    assert (thread.owner, thread.sub_center) == (cast["university"], orgs["baotou_sub"])
    unpublished = draft(member(cast["university"]))
    with pytest.raises(ValidationError, match="未发布"):
        services.send_inquiry("challenge", unpublished, by=cast["buyer"], body="草稿也能问吗")


def test_an_expert_inquiry_reaches_the_expert_who_may_read_it(cast):
    from mengkeju.challenges.tests.factories import expert_with_user
    from mengkeju.inquiries import permissions

    expert = expert_with_user()
    thread = services.send_inquiry("expert", expert, by=cast["buyer"], body="请教稀土永磁工艺")
    assert Notification.objects.filter(user=expert.user, kind=Notification.Kind.INQUIRY).count() == 1
    assert permissions.can_view_thread(expert.user, thread)
    assert list(selectors.my_threads(expert.user)) == [thread]
    assert not permissions.can_view_thread(cast["expert"], thread)  # another expert


def test_the_database_keeps_one_open_thread_per_organization_and_listing(cast, thread):
    from django.db import IntegrityError, transaction

    duplicate = {
        f.name: getattr(thread, f.name) for f in Thread._meta.concrete_fields if f.name not in ("id",)
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Thread.objects.create(**duplicate)


def test_an_organization_does_not_inquire_on_its_own_listing(cast, achievement):
    with pytest.raises(ValidationError):
        services.send_inquiry("achievement", achievement, by=cast["researcher"], body="自己问自己")
    assert not Thread.objects.exists()


def test_inquiry_counts_for_the_progress_page(cast, achievement, thread):
    services.send_inquiry("achievement", achievement, by=cast["other_member"], body="我们也问")
    services.close_thread(thread, by=cast["broker_in_scope"], reason="重复")
    other = AchievementFactory(owner=cast["university"])
    assert selectors.inquiry_counts("achievement", [achievement.pk, other.pk]) == {
        achievement.pk: {"total": 2, "open": 1, "closed": 1}
    }
