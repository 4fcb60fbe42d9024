"""Records of what happened are append-only, in every app, through the one base (core.events):
no update, no delete (one row or many, directly or through a related manager), no deleting the
subject or the person behind the history; `objects.record(by=…)` stores who acted, or nobody.

The domain apps are imported inside the case builders: core itself imports none of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models, transaction

from mengkeju.core.events import AppendOnlyError, Event


@dataclass
class Case:
    model: type[Event]
    subject: models.Model
    fields: dict  # what record() needs besides `by`
    text_field: str  # a free-text field the tampering tries to change
    related_name: str = "events"


def listing_case() -> Case:
    from mengkeju.catalog.models import AchievementEvent, Action
    from mengkeju.catalog.tests.factories import AchievementFactory

    listing = AchievementFactory()
    fields = {"listing": listing, "action": Action.EDIT, "to_status": listing.status, "reason": "原文"}
    return Case(AchievementEvent, listing, fields, "reason")


def deal_case() -> Case:
    from mengkeju.deals.models import DealEvent
    from mengkeju.deals.tests.factories import DealFactory

    deal = DealFactory()
    return Case(DealEvent, deal, {"deal": deal, "kind": DealEvent.Kind.CONTACT, "note": "原文"}, "note")


def points_case() -> Case:
    from mengkeju.points.models import EnterpriseYear, PointsEvent
    from mengkeju.points.tests.factories import enterprise

    record = EnterpriseYear.objects.create(
        organization=enterprise(), year=2025, status=EnterpriseYear.Status.ENTERED
    )
    fields = {"record": record, "year": 2025, "action": PointsEvent.Action.ENTERED, "note": "原文"}
    return Case(PointsEvent, record, fields, "note")


def licence_case() -> Case:
    from mengkeju.licensing.models import LicenceAction, LicenceEvent
    from mengkeju.licensing.tests.factories import LicenceFactory

    licence = LicenceFactory()
    fields = {"licence": licence, "action": LicenceAction.GRANT, "on": date(2026, 1, 1), "note": "原文"}
    return Case(LicenceEvent, licence, fields, "note")


def challenge_case() -> Case:
    from mengkeju.challenges.models import ChallengeEvent
    from mengkeju.challenges.tests.factories import DRAFTED_AT, draft, member
    from mengkeju.network.tests.factories import OrganizationFactory

    challenge = draft(member(OrganizationFactory()))
    fields = {
        "challenge": challenge,
        "action": ChallengeEvent.Action.SUBMITTED,
        "at": DRAFTED_AT,
        "note": "原文",
    }
    return Case(ChallengeEvent, challenge, fields, "note")


CASES = {
    "catalog": listing_case,
    "deals": deal_case,
    "points": points_case,
    "licensing": licence_case,
    "challenges": challenge_case,
}


@pytest.fixture(params=list(CASES))
def case(request, db) -> Case:
    return CASES[request.param]()


@pytest.fixture
def actor(db):
    from mengkeju.network.tests.factories import UserFactory

    return UserFactory()


def recorded(case: Case, by=None):
    return case.model.objects.record(by=by, **case.fields)


def test_queryset_update_is_refused_and_changes_nothing(case, actor):
    event = recorded(case, by=actor)
    rows = case.model.objects.filter(pk=event.pk)
    with pytest.raises(AppendOnlyError) as refused:
        rows.update(**{case.text_field: "篡改"})
    assert refused.value.code == "append_only"
    assert "只能追加" in refused.value.messages[0]  # the refusal is told in the site's language
    with pytest.raises(AppendOnlyError):
        getattr(case.subject, case.related_name).update(**{case.text_field: "篡改"})
    setattr(event, case.text_field, "篡改")
    with pytest.raises(AppendOnlyError), transaction.atomic():
        case.model.objects.bulk_update([event], [case.text_field])
    event.refresh_from_db()
    assert getattr(event, case.text_field) == "原文"


def test_queryset_delete_is_refused_and_deletes_nothing(case, actor):
    recorded(case, by=actor)
    count = case.model.objects.count()
    with pytest.raises(AppendOnlyError):
        case.model.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        getattr(case.subject, case.related_name).all().delete()
    assert case.model.objects.count() == count


def test_saving_a_stored_row_is_refused_and_changes_nothing(case, actor):
    event = recorded(case, by=actor)
    event_at = event.at
    setattr(event, case.text_field, "篡改")
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.save(update_fields=[case.text_field])
    stored = case.model.objects.get(pk=event.pk)
    assert getattr(stored, case.text_field) == "原文" and stored.at == event_at and stored.actor == actor


def test_deleting_a_row_is_refused(case, actor):
    event = recorded(case, by=actor)
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert case.model.objects.filter(pk=event.pk).exists()


def test_the_refusal_is_a_validation_error_with_a_code(case):
    """Views and the API already turn a ValidationError into a clear answer (400), not a crash."""
    event = recorded(case)
    with pytest.raises(ValidationError) as refused:
        event.delete()
    assert refused.value.code == "append_only"


def test_deleting_the_subject_of_a_history_is_refused(case, actor):
    event = recorded(case, by=actor)
    with pytest.raises(models.ProtectedError):
        case.subject.delete()
    assert type(case.subject).objects.filter(pk=case.subject.pk).exists()
    assert case.model.objects.filter(pk=event.pk).exists()


def test_deleting_the_person_behind_a_history_is_refused(case, actor):
    """Deactivate people who acted; deleting them would blank (rewrite) the history."""
    event = recorded(case, by=actor)
    with pytest.raises(models.ProtectedError):
        actor.delete()
    assert case.model.objects.get(pk=event.pk).actor == actor


@pytest.mark.parametrize("nobody", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_record_stores_no_actor_for_nobody_or_an_anonymous_visitor(case, nobody):
    event = recorded(case, by=nobody)
    assert event.actor is None
    assert case.model.objects.get(pk=event.pk).actor_id is None


def test_record_stores_the_signed_in_user_as_the_actor(case, actor):
    event = recorded(case, by=actor)
    assert case.model.objects.get(pk=event.pk).actor == actor


def test_record_through_the_subjects_related_manager(case, actor):
    subject_key = next(name for name, value in case.fields.items() if value is case.subject)
    fields = {name: value for name, value in case.fields.items() if name != subject_key}
    event = getattr(case.subject, case.related_name).record(by=actor, **fields)
    assert getattr(event, f"{subject_key}_id") == case.subject.pk and event.actor == actor


def test_a_deliberate_correction_goes_through_the_named_escape_hatch(case, caplog):
    event = recorded(case)
    rows = case.model.objects.filter(pk=event.pk)
    with pytest.raises(ValueError, match="reason"):
        rows.correct({case.text_field: "更正"}, reason=" ")
    assert getattr(case.model.objects.get(pk=event.pk), case.text_field) == "原文"
    with caplog.at_level("INFO", logger="mengkeju.core.events"):
        assert rows.correct({case.text_field: "更正"}, reason="录入错误更正") == 1
    assert getattr(case.model.objects.get(pk=event.pk), case.text_field) == "更正"
    assert "录入错误更正" in caplog.text


def test_history_shown_in_the_admin_cannot_be_added_changed_or_deleted_there(rf, admin_user):
    from django.contrib import admin

    from mengkeju.core.events import AppendOnlyModel

    request = rf.get("/admin/")
    request.user = admin_user
    shown = dict(admin.site._registry)
    inlines = [
        inline(model_admin.model, admin.site)
        for model_admin in shown.values()
        for inline in model_admin.inlines
        if issubclass(inline.model, AppendOnlyModel)
    ]
    append_only = [a for m, a in shown.items() if issubclass(m, AppendOnlyModel)] + inlines
    assert {a.model.__name__ for a in append_only} >= {
        "DealEvent",
        "RegistrationEvent",
        "PointsEvent",
        "LicenceEvent",
        "RoyaltyReport",
        "PaymentReceipt",
    }
    for model_admin in append_only:
        is_inline = isinstance(model_admin, admin.options.InlineModelAdmin)
        may_add = (
            model_admin.has_add_permission(request, None)
            if is_inline
            else model_admin.has_add_permission(request)
        )
        assert not may_add, model_admin
        assert not model_admin.has_change_permission(request), model_admin
        assert not model_admin.has_delete_permission(request), model_admin
