from django.db import migrations

GROUP = "Identity checkers"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    """The group whose members use the ID check review workspace."""

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("verification", "0004_photo_id_checks"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
