"""``manage.py rotate_encryption``: with a new key put first, everything encrypted at rest is
re-encrypted under it, so the old key can then be dropped."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from core import crypto
from tests.verification.idchecks.conftest import make_p5_patient
from verification.idchecks import storage
from verification.models import IdCheck, IdCheckMedia, Identity

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "id" = %s', [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_everything_encrypted_reads_with_only_the_new_key_after_rotation(settings):
    patient = make_p5_patient()
    identity = Identity.objects.get(user=patient)
    check = IdCheck.objects.create(user=patient, digits="1234")
    old_name = storage.save_encrypted(b"a face")
    media = IdCheckMedia.objects.create(
        id_check=check, kind="face", storage_name=old_name, content_type="image/jpeg", size=6
    )
    before = _raw(Identity._meta.db_table, "nhs_number", identity.pk)

    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    try:
        settings.FIELD_ENCRYPTION_KEYS = [new_key, *old_keys]
        out = io.StringIO()
        call_command("rotate_encryption", stdout=out)
        assert "verification.Identity: 1 rows re-encrypted" in out.getvalue()
        assert "ID check media: 1 files re-encrypted" in out.getvalue()
        assert identity.nhs_number not in out.getvalue()

        settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key dropped
        crypto._fernet.cache_clear()
        after = _raw(Identity._meta.db_table, "nhs_number", identity.pk)
        assert after != before
        assert Identity.objects.get(pk=identity.pk).nhs_number == identity.nhs_number
        media.refresh_from_db()
        assert media.storage_name != old_name
        assert storage.read_decrypted(media.storage_name) == b"a face"
        from django.core.files.storage import default_storage

        assert not default_storage.exists(old_name)
    finally:
        settings.FIELD_ENCRYPTION_KEYS = old_keys
        crypto._fernet.cache_clear()
        storage.delete(old_name)
        storage.delete(IdCheckMedia.objects.get(pk=media.pk).storage_name)


def test_without_rotation_the_old_data_cannot_be_read_with_the_new_key_alone(settings):
    """What the command is for: dropping the old key first would lose the data."""
    patient = make_p5_patient()
    identity = Identity.objects.get(user=patient)
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    try:
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        crypto._fernet.cache_clear()
        with pytest.raises(ValueError, match="cannot decrypt"):
            Identity.objects.get(pk=identity.pk)
    finally:
        settings.FIELD_ENCRYPTION_KEYS = old_keys
        crypto._fernet.cache_clear()
