# Notifications no longer point at saved searches (notifications sits below matching): a saved-search
# notification keeps its "once per search and record" rule through dedupe_key "saved-search:<id>".

from django.db import migrations, models
from django.db.models import Q


def keys_from_saved_searches(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    for pk, search_id in Notification.objects.filter(saved_search__isnull=False).values_list("pk", "saved_search_id"):
        Notification.objects.filter(pk=pk).update(kind="saved_search", dedupe_key=f"saved-search:{search_id}")


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("matching", "0002_notification_moves_to_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("saved_search", "new match for a saved search"),
                    ("deal", "deal"),
                    ("licence", "licence"),
                    ("challenge", "open challenge"),
                    ("other", "other"),
                ],
                default="other",
                max_length=32,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="dedupe_key",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.RunPython(keys_from_saved_searches, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="notification", name="notification_once_per_search_and_record"),
        migrations.RemoveField(model_name="notification", name="saved_search"),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=~Q(dedupe_key=""),
                fields=("user", "dedupe_key", "url"),
                name="notification_once_per_key_and_url",
            ),
        ),
        migrations.AlterModelTable(name="notification", table=None),
    ]
