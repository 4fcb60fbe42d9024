# The Notification model moves here from `matching` (which keeps saved searches). The table stays as it
# is: this migration only takes the model into this app's state; 0002 renames and reshapes it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("matching", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("message", models.CharField(max_length=300, verbose_name="message")),
                        ("url", models.CharField(max_length=300)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to=settings.AUTH_USER_MODEL)),
                        ("saved_search", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="matching.savedsearch")),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "ordering": ["-created_at"],
                        "db_table": "matching_notification",
                        "constraints": [
                            models.UniqueConstraint(fields=("saved_search", "url"), name="notification_once_per_search_and_record"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
