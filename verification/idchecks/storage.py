"""Photos and videos encrypted at rest, under names nobody can guess or reach by URL.

The bytes are encrypted with ``core.crypto`` (Fernet; ``FIELD_ENCRYPTION_KEYS`` from the
environment, the first key encrypts, all decrypt) before they reach the storage, so a copy of
the storage bucket or disk alone reveals nothing. The default storage has no ``base_url``:
files are served only by the identity checkers' permission-checked view.
"""

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core import crypto

PREFIX = "idchecks"


def save_encrypted(data: bytes) -> str:
    """Encrypt and store ``data``; returns the storage name to keep."""
    name = f"{PREFIX}/{secrets.token_hex(20)}.fernet"
    return default_storage.save(name, ContentFile(crypto.encrypt(data)))


def read_decrypted(name: str) -> bytes:
    with default_storage.open(name, "rb") as f:
        return crypto.decrypt(f.read())


def delete(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)


def rotate(name: str) -> str:
    """Re-encrypt one file under the newest key (after a new key is put first). The new copy
    is written under a new name before the old one is deleted, so a crash in between loses
    nothing; returns the new name, which the caller keeps instead of ``name``."""
    with default_storage.open(name, "rb") as f:
        rotated = crypto.rotate(f.read())
    new_name = default_storage.save(
        f"{PREFIX}/{secrets.token_hex(20)}.fernet", ContentFile(rotated)
    )
    return new_name
