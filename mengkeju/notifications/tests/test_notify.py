"""notify() reaches each person once; notify_once() keeps a key and a page to one notification; a person
opens only their own notifications."""

import pytest

from mengkeju.network.tests.factories import UserFactory
from mengkeju.notifications import selectors, services
from mengkeju.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_notify_skips_missing_and_repeated_recipients_and_cuts_long_messages():
    alice, bob = UserFactory(), UserFactory()
    created = services.notify([alice, None, bob, alice], "x" * 400, "/deals/1/", kind=Notification.Kind.DEAL)
    assert [n.user for n in created] == [alice, bob]
    stored = Notification.objects.get(user=alice)
    assert len(stored.message) == 300 and stored.kind == "deal" and stored.url == "/deals/1/"
    assert selectors.unread_count(alice) == 1 and selectors.unread_count(bob) == 1


def test_notify_once_is_once_per_key_and_page():
    alice = UserFactory()
    kind = Notification.Kind.SAVED_SEARCH
    assert services.notify_once(alice, "first", "/achievements/7/", kind=kind, key="saved-search:1")
    assert not services.notify_once(alice, "again", "/achievements/7/", kind=kind, key="saved-search:1")
    assert services.notify_once(alice, "other search", "/achievements/7/", kind=kind, key="saved-search:2")
    assert services.notify_once(alice, "other record", "/achievements/8/", kind=kind, key="saved-search:1")
    assert list(Notification.objects.filter(user=alice).order_by("pk").values_list("message", flat=True)) == [
        "first",
        "other search",
        "other record",
    ]


def test_opening_marks_read_and_nobody_opens_another_persons_notification(client):
    alice, bob = UserFactory(), UserFactory()
    (note,) = services.notify([alice], "Deal opened", "/deals/3/", kind=Notification.Kind.DEAL)
    client.force_login(bob)
    assert client.get(f"/notifications/{note.pk}/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
    client.force_login(alice)
    response = client.get(f"/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == "/deals/3/"
    assert selectors.unread_count(alice) == 0


def test_anonymous_visitors_are_sent_to_log_in(client):
    (note,) = services.notify([UserFactory()], "m", "/deals/3/", kind=Notification.Kind.DEAL)
    response = client.get(f"/notifications/{note.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
