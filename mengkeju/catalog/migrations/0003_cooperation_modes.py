"""Seed the transfer / cooperation modes."""

from django.db import migrations

from mengkeju.catalog.modes import seed_modes


def seed(apps, schema_editor):
    seed_modes(apps.get_model("catalog", "CooperationMode"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
