# Notification now belongs to the notifications app (its 0001 takes the model over; the table is kept).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="notification", name="notification_once_per_search_and_record"),
                migrations.DeleteModel(name="Notification"),
            ],
            database_operations=[],
        ),
    ]
