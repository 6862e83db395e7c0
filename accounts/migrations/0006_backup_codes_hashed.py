# Staff backup codes kept as keyed hashes (ADR 0060). The codes django-otp's StaticToken holds
# in plain text are moved here, hashed, and deleted from otp_static's table; each static device
# becomes a BackupCodes device of the same user and name.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.crypto import blind_index


def _hash(code):
    # BackupCode.normalise and BackupCode.hash_code, as they are at this migration.
    code = str(code or "").strip().lower().replace(" ", "").replace("-", "")
    return blind_index(code, "staff-backup-code")


def hash_static_tokens(apps, schema_editor):
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    BackupCodes = apps.get_model("accounts", "BackupCodes")
    BackupCode = apps.get_model("accounts", "BackupCode")
    for static in StaticDevice.objects.all():
        device = BackupCodes.objects.create(
            user_id=static.user_id,
            name=static.name,
            confirmed=static.confirmed,
            throttling_failure_timestamp=static.throttling_failure_timestamp,
            throttling_failure_count=static.throttling_failure_count,
            last_used_at=static.last_used_at,
        )
        hashes = {_hash(token) for token in static.token_set.values_list("token", flat=True)}
        BackupCode.objects.bulk_create(BackupCode(device=device, code_hash=h) for h in hashes)
        static.delete()  # and its plain tokens


def keep_codes_hashed(apps, schema_editor):
    """Going back cannot give the codes back: staff are issued new ones
    (manage.py issue_backup_codes, or django-otp's addstatictoken on the older code)."""


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_proofing_notice_and_support_case'),
        ('otp_static', '0003_add_timestamps'),
    ]

    operations = [
        migrations.CreateModel(
            name='BackupCodes',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'backup codes',
                'verbose_name_plural': 'backup codes',
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='BackupCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code_hash', models.CharField(max_length=64)),
                ('device', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='codes', to='accounts.backupcodes')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('device', 'code_hash'), name='backup_code_once')],
            },
        ),
        migrations.RunPython(hash_static_tokens, keep_codes_hashed),
    ]
