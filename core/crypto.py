"""Encryption at rest for personal data, with key rotation.

``FIELD_ENCRYPTION_KEYS`` holds Fernet keys: the first encrypts, all decrypt. To rotate, put a
new key first, run ``manage.py rotate_encryption``, then drop the old key.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    return fernet().decrypt(token)


def rotate(token: bytes) -> bytes:
    """Re-encrypt under the newest key."""
    return fernet().rotate(token)


def blind_index(value: str, purpose: str) -> str:
    """A keyed hash of a value, for finding an encrypted value without decrypting every row.

    Keyed with SECRET_KEY and a purpose, so an index of NHS numbers cannot be matched against
    a list of NHS numbers without the key, nor joined with another purpose's index.
    """
    key = hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Text encrypted with Fernet before it reaches the database.

    It cannot be filtered on; pair it with a ``blind_index`` column when lookups are needed.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        try:
            return decrypt(value.encode()).decode()
        except InvalidToken as error:  # a key was dropped before the data was rotated
            raise ValueError(f"cannot decrypt {self.model.__name__}.{self.name}") from error

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value.encode()).decode()
