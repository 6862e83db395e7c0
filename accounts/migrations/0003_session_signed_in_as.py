"""Sessions move to ``accounts_session``, which also records the login each is signed in as
(indexed). Live sessions are copied over with the login read from their data, so nobody is
signed out by the deployment; the old rows are then removed from ``django_session``."""

from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations, models
from django.utils import timezone


def copy_live_sessions(apps, schema_editor):
    Old = apps.get_model("sessions", "Session")
    New = apps.get_model("accounts", "Session")
    # Session data is signed with a salt from the store's class name (``SessionStore``, as
    # accounts.sessions' store is named), so this decodes what the service wrote.
    decoder = SessionStore()
    live = Old.objects.using(schema_editor.connection.alias).filter(expire_date__gt=timezone.now())
    batch = []
    for old in live.iterator(chunk_size=1000):
        signed_in_as = str(decoder.decode(old.session_data).get("_auth_user_id") or "")
        batch.append(
            New(
                session_key=old.session_key,
                session_data=old.session_data,
                expire_date=old.expire_date,
                user_id=int(signed_in_as) if signed_in_as.isdigit() else None,
            )
        )
        if len(batch) == 1000:
            New.objects.using(schema_editor.connection.alias).bulk_create(batch)
            batch = []
    New.objects.using(schema_editor.connection.alias).bulk_create(batch)
    Old.objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_security_codes_devices_and_remembered_browsers"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("user_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "db_table": "accounts_session",
                "abstract": False,
            },
        ),
        migrations.RunPython(copy_live_sessions, migrations.RunPython.noop),
    ]
