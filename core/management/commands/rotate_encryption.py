"""Re-encrypt everything encrypted at rest under the first of ``FIELD_ENCRYPTION_KEYS``.

To rotate: put a new key first in ``FIELD_ENCRYPTION_KEYS`` (keep the old one after it), deploy,
run ``manage.py rotate_encryption``, then drop the old key. Every ``EncryptedTextField`` of every
model is read (decrypted with any key) and written back (encrypted with the first), and every
ID check photo or video is re-encrypted into a new file before the old file is deleted. Safe to
run again: a second run re-encrypts under the same key. Prints counts, never values.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from core.crypto import EncryptedTextField

BATCH = 500


def encrypted_fields(model) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def rotate_model(model) -> int:
    """Re-encrypt this model's encrypted columns, row by row; returns the rows written."""
    names = encrypted_fields(model)
    if not names:
        return 0
    written = 0
    rows = model._base_manager.values_list("pk", *names).order_by("pk")
    for pk, *values in rows.iterator(chunk_size=BATCH):
        # update() prepares each value through the field: encrypted with the first key.
        model._base_manager.filter(pk=pk).update(**dict(zip(names, values, strict=True)))
        written += 1
    return written


def rotate_media() -> int:
    from verification.idchecks import storage
    from verification.models import IdCheckMedia

    rotated = 0
    for media in IdCheckMedia.objects.exclude(storage_name="").order_by("pk").iterator():
        old_name = media.storage_name
        new_name = storage.rotate(old_name)
        with transaction.atomic():
            IdCheckMedia.objects.filter(pk=media.pk).update(storage_name=new_name)
        storage.delete(old_name)
        rotated += 1
    return rotated


class Command(BaseCommand):
    help = "Re-encrypt data encrypted at rest under the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            written = rotate_model(model)
            if written:
                self.stdout.write(f"{model._meta.label}: {written} rows re-encrypted")
        self.stdout.write(f"ID check media: {rotate_media()} files re-encrypted")
