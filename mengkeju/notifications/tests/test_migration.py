"""Moving Notification out of matching loses nothing: a saved search's notifications keep their
once-per-search-and-record rule as a dedupe key."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0002_kind_and_dedupe_key")]


@pytest.mark.django_db(transaction=True)
def test_saved_search_notifications_survive_the_move(base_data):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("network", "User")
    SavedSearch = old.get_model("matching", "SavedSearch")
    Notification = old.get_model("notifications", "Notification")
    assert Notification._meta.db_table == "matching_notification"
    user = User.objects.create(username="watcher")
    search = SavedSearch.objects.create(user=user, kind="achievement", query="乳清蛋白")
    Notification.objects.create(user=user, saved_search=search, message="新匹配", url="/achievements/7/")
    Notification.objects.create(user=user, message="新撮合", url="/deals/3/")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("notifications", "Notification")
    rows = {n.url: n for n in new.objects.filter(user_id=user.pk)}
    assert set(rows) == {"/achievements/7/", "/deals/3/"}
    assert (rows["/achievements/7/"].kind, rows["/achievements/7/"].dedupe_key) == (
        "saved_search",
        f"saved-search:{search.pk}",
    )
    assert rows["/achievements/7/"].message == "新匹配"
    assert (rows["/deals/3/"].kind, rows["/deals/3/"].dedupe_key) == ("other", "")
    assert new._meta.db_table == "notifications_notification"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the schema as the other tests expect it
