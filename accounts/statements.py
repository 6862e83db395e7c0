"""The sign-in path's hand-written statements: the password step's look-up, sending a new
security code, and signing in with a right code (ADRs 0013, 0016).

Each runs on every sign-in, and each is one statement where the ORM would make two or three
(an ``UPDATE ... RETURNING`` instead of a SELECT then an UPDATE; data-modifying CTEs that
write the code, the login and the audit event or text message together). They are built with
``core.rows`` (the one toolkit) and give back ordinary model instances.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django_otp.util import random_number_token

from accounts.models import (
    CODE_LENGTH,
    CODE_LIFETIME,
    AuthenticatorApp,
    PhoneDevice,
    User,
    hash_security_code,
)
from core import rows


def login_with_its_app(email: str) -> User | None:
    """The login with this email address, with ``authenticator_app_id``: the id of its
    confirmed authenticator app or None (ADR 0016), read by the same statement, so that the
    password step costs no more statements than before there were apps."""
    found = rows.columns(User)
    users, apps = rows.table(User), rows.table(AuthenticatorApp)
    sql = (
        f"SELECT {found.select()}, "  # noqa: S608 - table and column names only
        f'(SELECT MAX(app."id") FROM {apps} app WHERE app."user_id" = {users}."id" '
        f'AND app."confirmed") FROM {users} WHERE "email" = %s'
    )
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(sql, [email])
        row = cursor.fetchone()
    if row is None:
        return None
    user = found.load(row[:-1], connection)
    user.authenticator_app_id = row[-1]
    return user


def new_code_for(user: User) -> tuple[PhoneDevice, str] | None:
    """``PhoneDevice.new_code`` on the patient's confirmed device (the first, as ``.first()``
    picks), found and changed in one statement (``UPDATE ... RETURNING``). Returns the device
    and the code to send, or None when the patient has no confirmed device."""
    code = random_number_token(CODE_LENGTH)
    devices = rows.table(PhoneDevice)
    device = rows.fetch_one(
        PhoneDevice,
        f'UPDATE {devices} SET "code_hash" = %s, "valid_until" = %s, '  # noqa: S608
        '"wrong_tries" = 0 WHERE "id" = ('
        f'SELECT "id" FROM {devices} WHERE "user_id" = %s AND "confirmed" '
        'ORDER BY "id" LIMIT 1) RETURNING {columns}',
        [hash_security_code(code), timezone.now() + CODE_LIFETIME, user.pk],
    )
    if device is None:
        return None
    device.user = user  # the code message names its user: no second query for it
    return device, code


def new_code_sent(user: User, notification_for) -> PhoneDevice | None:
    """``new_code_for`` and the INSERT of the message that sends the code, in one statement:
    ``notification_for(code)`` makes the (unsaved) message for the number and kind of phone
    the login records, and the code is changed and the message written only if the patient's
    confirmed device (as ``new_code_for`` picks it) has that number and kind. Returns the
    device, its message as ``device.notification``; None when nothing was changed (no such
    device, or the login records no phone): use ``new_code_for``."""
    if not user.phone_number:
        return None
    code = random_number_token(CODE_LENGTH)
    notification = notification_for(code)
    into, placeholders, values = rows.insert_parts(notification)
    devices = rows.table(PhoneDevice)
    device = rows.fetch_one(
        PhoneDevice,
        f'WITH device AS (UPDATE {devices} SET "code_hash" = %s, "valid_until" = %s, '  # noqa: S608
        f'"wrong_tries" = 0 WHERE "id" = (SELECT "id" FROM {devices} WHERE "user_id" = %s '
        'AND "confirmed" ORDER BY "id" LIMIT 1) AND "number" = %s AND "kind" = %s '
        "RETURNING {columns}), "
        f"sent AS (INSERT INTO {into} SELECT {placeholders} FROM device) "
        "SELECT {columns} FROM device",
        [
            hash_security_code(code),
            timezone.now() + CODE_LIFETIME,
            user.pk,
            user.phone_number,
            user.phone_kind,
            *values,
        ],
    )
    if device is None:
        return None
    device.user = user
    device.notification = rows.inserted(notification)
    return device


def sign_in_with_code(device_id: int, user_id: int, code: str, event=None) -> User | None:
    """When ``code`` is the right, live code of the confirmed phone device ``device_id`` and
    login ``user_id`` is active: use the code up, set the login's ``last_login`` to now,
    write ``event`` (an unsaved audit event recording the sign-in) and return the login, in
    one statement: the code's UPDATE feeds the login's, which feeds the event's INSERT, so a
    sign-in is never without its event. The UPDATEs re-check their conditions on the locked
    rows, so a code is used once. None tells nothing (the caller then says why under a row
    lock, and counts a wrong try); a right code for a deactivated login is used up all the
    same; no event is written then."""
    now = timezone.now()
    audit_sql, audit_params = "", []
    if event is not None:
        into, placeholders, audit_params = rows.insert_parts(event)
        audit_sql = f", audit AS (INSERT INTO {into} SELECT {placeholders} FROM signed)"  # noqa: S608
    user = rows.fetch_one(
        User,
        "WITH used AS ("  # noqa: S608 - table and column names only
        f'UPDATE {rows.table(PhoneDevice)} SET "code_hash" = \'\', "valid_until" = NULL '
        'WHERE "id" = %s AND "user_id" = %s AND "confirmed" AND "code_hash" = %s '
        'AND "valid_until" >= %s RETURNING "user_id"), '
        f'signed AS (UPDATE {rows.table(User)} SET "last_login" = %s '
        'WHERE "id" = (SELECT "user_id" FROM used) AND "is_active" RETURNING {columns})'
        f"{audit_sql} SELECT {{columns}} FROM signed",
        [device_id, user_id, hash_security_code((code or "").strip()), now, now, *audit_params],
    )
    if user is not None and event is not None:
        rows.inserted(event)
    return user
