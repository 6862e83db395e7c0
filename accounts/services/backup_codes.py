"""Staff backup codes for the admin's second factor, kept only as keyed hashes (ADR 0060)."""

import secrets
from base64 import b32encode

from django.db import transaction

from accounts import events
from accounts.models import BackupCode, BackupCodes, User
from core import audit

DEVICE_NAME = "Backup codes"


def _new_code() -> str:
    """10 random characters, a to z and 2 to 7 (50 bits): django-otp's static tokens have 40."""
    return b32encode(secrets.token_bytes(10))[:10].decode().lower()


@transaction.atomic
def issue_backup_codes(user: User, *, count: int = 10, actor: User | None = None) -> list[str]:
    """Give a staff member ``count`` new backup codes in place of any they had. Returns the
    codes, which are shown once and never kept: only their hashes are. Audited."""
    device, _ = BackupCodes.objects.get_or_create(user=user, defaults={"name": DEVICE_NAME})
    device.codes.all().delete()
    codes = [_new_code() for _ in range(count)]
    BackupCode.objects.bulk_create(
        BackupCode(device=device, code_hash=BackupCode.hash_code(code)) for code in codes
    )
    audit.record(events.BACKUP_CODES_ISSUED, user=user, actor=actor, count=count)
    return codes


@transaction.atomic
def add_backup_code(user: User, code: str, *, name: str = DEVICE_NAME) -> BackupCodes:
    """Make sure ``code`` is one of the backup codes of ``user``'s device called ``name``:
    for the demo data, whose printed codes are put back each time it is loaded."""
    device, _ = BackupCodes.objects.get_or_create(user=user, name=name)
    BackupCode.objects.get_or_create(device=device, code_hash=BackupCode.hash_code(code))
    return device
