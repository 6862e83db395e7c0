"""Patients' authenticator apps get a model of their own, ``AuthenticatorApp``, with the
secret encrypted at rest (ADR 0016, addendum). The apps patients set up so far are
django-otp ``TOTPDevice`` rows named "Authenticator app" on logins that are not staff: they
move here, secret, drift, last step used, throttling and times kept, and are deleted from
``TOTPDevice``. Staff devices (the admin's second factor) stay where they are."""

import accounts.models
import core.crypto
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The name ``accounts.services.authenticator_app`` gave every app it set up (its ``NAME``).
APP_NAME = "Authenticator app"


def move_patients_apps(apps, schema_editor):
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    AuthenticatorApp = apps.get_model("accounts", "AuthenticatorApp")
    db = schema_editor.connection.alias
    patients = TOTPDevice.objects.using(db).filter(name=APP_NAME, user__is_staff=False)
    for device in patients.iterator(chunk_size=500):
        app = AuthenticatorApp.objects.using(db).create(
            user_id=device.user_id,
            name=device.name,
            confirmed=device.confirmed,
            secret=device.key,  # encrypted by the field on the way in
            drift=device.drift,
            last_t=device.last_t,
            throttling_failure_timestamp=device.throttling_failure_timestamp,
            throttling_failure_count=device.throttling_failure_count,
            last_used_at=device.last_used_at,
        )
        # created_at is auto_now_add: set afterwards, as unconfirmed apps expire by it.
        AuthenticatorApp.objects.using(db).filter(pk=app.pk).update(created_at=device.created_at)
        device.delete()


def move_them_back(apps, schema_editor):
    """Undoing the migration puts the apps back in ``TOTPDevice``, rather than losing them."""
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    AuthenticatorApp = apps.get_model("accounts", "AuthenticatorApp")
    db = schema_editor.connection.alias
    for app in AuthenticatorApp.objects.using(db).iterator(chunk_size=500):
        device = TOTPDevice.objects.using(db).create(
            user_id=app.user_id,
            name=app.name,
            confirmed=app.confirmed,
            key=app.secret,
            drift=app.drift,
            last_t=app.last_t,
            throttling_failure_timestamp=app.throttling_failure_timestamp,
            throttling_failure_count=app.throttling_failure_count,
            last_used_at=app.last_used_at,
        )
        TOTPDevice.objects.using(db).filter(pk=device.pk).update(created_at=app.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_session_signed_in_as"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthenticatorApp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Number of successive failed attempts."
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The most recent date and time this device was used.",
                        null=True,
                    ),
                ),
                (
                    "secret",
                    core.crypto.EncryptedTextField(
                        default=accounts.models.new_app_secret, help_text="The shared key, in hex."
                    ),
                ),
                ("drift", models.SmallIntegerField(default=0)),
                ("last_t", models.BigIntegerField(default=-1)),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "authenticator app",
                "abstract": False,
            },
        ),
        migrations.RunPython(move_patients_apps, move_them_back),
    ]
