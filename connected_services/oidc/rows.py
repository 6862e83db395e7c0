"""Hand-written look-ups for the token endpoint's hot path.

Compiling an ORM query costs more CPU than running it (about 1 ms for a service row with its
many columns, more with ``select_related``), and the token endpoint makes several per grant.
These queries are written once from the models' metadata, run with plain parameters, and give
back ordinary model instances (through each field's own database converters, so encrypted and
JSON fields come back exactly as the ORM returns them), with related objects already cached
so no further query is made when they are read.

For the refresh grant (ADR 0036) the service and the refresh token come back in one
statement, the Service instance is kept per process while its row's version is unchanged,
statements bind their parameters on the server, and the rotation's parameters are prepared
by a per-field plan decided once.
"""

from types import SimpleNamespace

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    TextField,
    UUIDField,
)
from psycopg.pq import Format

from accounts.models import User
from connected_services.models import AccessToken, Grant, RefreshToken, Service
from core.rows import Columns
from verification.models import Identity


def cursor(conn):
    """A cursor for the hot statements. On PostgreSQL it binds parameters on the server
    (``psycopg.Cursor``) instead of Django's default client-side binding, which quotes every
    parameter into the SQL text in Python (a tenth of the CPU of a refresh grant's two
    statements). Statements are not prepared (Django's default, which keeps connection
    poolers working; preparing saved no client CPU). Otherwise what ``conn.cursor()`` gives:
    the health check, Django's error wrapping, execute wrappers and query logging."""
    if conn.vendor != "postgresql":
        return conn.cursor()
    conn.close_if_health_check_failed()
    conn.ensure_connection()
    with conn.wrap_database_errors:
        pg_cursor = psycopg.Cursor(conn.connection)
        # As Django's create_cursor: datetimes come back in the connection's time zone.
        tzloader = conn.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if conn.timezone != tzloader.timezone:
            register_tzloader(conn.timezone, pg_cursor)
        return conn._prepare_cursor(pg_cursor)


TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid


class Query:
    """SQL built from the models once per process (per database vendor)."""

    def __init__(self, build):
        self._build = build
        self._sql: dict[str, str] = {}

    def fetchone(self, params, conn=None):
        conn = conn or connections[DEFAULT_DB_ALIAS]
        sql = self._sql.get(conn.vendor)
        if sql is None:
            sql = self._sql[conn.vendor] = self._build()
        with cursor(conn) as c:
            c.execute(sql, params)
            return c.fetchone()


SERVICE = Columns(Service, "s")
REFRESH = Columns(RefreshToken, "r")
ACCESS = Columns(AccessToken, "a")
GRANT = Columns(Grant, "g")
USER = Columns(User, "u")
IDENTITY = Columns(Identity, "i")


# Column lists and table names are filled in from the models; values are query parameters.
SERVICE_SQL = "SELECT {s_version} FROM {s_table} WHERE s.client_id = %s"
SERVICE_ROW_SQL = "SELECT {s_version_and_columns} FROM {s_table} WHERE s.client_id = %s"
# Several refresh-token rows may share a checksum (unique together with ``revoked``): the
# live one first, otherwise the most recently revoked one (as django-oauth-toolkit does).
REFRESH_TOKEN_SQL = (
    "SELECT {r_columns}, {a_columns}, {u_columns}, {i_columns} FROM {r_table} "
    "LEFT JOIN {a_table} ON a.id = r.access_token_id JOIN {u_table} ON u.id = r.user_id "
    "LEFT JOIN {i_table} ON i.user_id = u.id "
    "WHERE r.token_checksum = %s ORDER BY r.revoked DESC NULLS FIRST LIMIT 1"
)
# A refresh grant: the service and the refresh token (as REFRESH_TOKEN_SQL) in one round trip.
# The refresh-token columns are all NULL if the checksum matches nothing.
SERVICE_AND_REFRESH_TOKEN_SQL = (
    "SELECT {s_version}, {r_columns}, {a_columns}, {u_columns}, {i_columns} FROM {s_table} "
    "LEFT JOIN {r_table} ON r.id = (SELECT r2.id FROM {r_table_bare} r2 "
    "WHERE r2.token_checksum = %s ORDER BY r2.revoked DESC NULLS FIRST LIMIT 1) "
    "LEFT JOIN {a_table} ON a.id = r.access_token_id LEFT JOIN {u_table} ON u.id = r.user_id "
    "LEFT JOIN {i_table} ON i.user_id = u.id "
    "WHERE s.client_id = %s"
)
GRANT_SQL = (
    "SELECT {g_columns}, {u_columns}, {i_columns} FROM {g_table} "
    "JOIN {u_table} ON u.id = g.user_id LEFT JOIN {i_table} ON i.user_id = u.id "
    "WHERE g.code = %s LIMIT 1"
)


def _sql(template: str) -> str:
    names = {}
    for columns in (SERVICE, REFRESH, ACCESS, GRANT, USER, IDENTITY):
        names[f"{columns.alias}_columns"] = columns.select()
        names[f"{columns.alias}_table"] = columns.table()
        table = connection.ops.quote_name(columns.model._meta.db_table)
        names[f"{columns.alias}_table_bare"] = table
    if connection.vendor == "postgresql":
        names["s_version"] = SERVICE_VERSION_POSTGRESQL
        names["s_version_and_columns"] = f"{SERVICE_VERSION_POSTGRESQL}, {SERVICE.select()}"
    else:
        names["s_version"] = names["s_version_and_columns"] = SERVICE.select()
    return template.format(**names)


# What tells whether a kept Service is still current: on PostgreSQL a SHA-256 of the whole
# row as text (any column's change changes it), so one short value comes back instead of
# the service's 34 columns; elsewhere (SQLite) the whole row itself.
SERVICE_VERSION_POSTGRESQL = "sha256(convert_to(ROW(s.*)::text, 'UTF8'))"


def _version_width(conn) -> int:
    return 1 if conn.vendor == "postgresql" else len(SERVICE)


_service_by_client_id = Query(lambda: _sql(SERVICE_SQL))
_refresh_token = Query(lambda: _sql(REFRESH_TOKEN_SQL))
_grant = Query(lambda: _sql(GRANT_SQL))
_service_and_refresh_token = Query(lambda: _sql(SERVICE_AND_REFRESH_TOKEN_SQL))
_service_row = Query(lambda: _sql(SERVICE_ROW_SQL))


def _split(row, *parts: Columns):
    start = 0
    for columns in parts:
        yield row[start : start + len(columns)], columns
        start += len(columns)


def _with_identity(user: User, identity: Identity | None) -> User:
    """Cache the patient's identity (or its absence) so ``user.identity`` makes no query."""
    User.identity.related.set_cached_value(user, identity)
    return user


# client_id -> (the version of the service row it was made from, the Service).
_services: dict[str, tuple[tuple, Service]] = {}


def _service(client_id: str, version, conn) -> Service | None:
    """The Service with this client_id, made once per process and kept while its row is
    unchanged.

    Every request reads the row's current version (``SERVICE_VERSION_POSTGRESQL``, or the
    whole row on SQLite) in the same statement as before and compares it with the version
    the kept instance was made from, so any change (a new key, ``is_live`` off, a new
    redirect URI, the row deleted) is seen at once. What is saved is loading and building
    the model instance (34 columns) and, through ``Service.public_jwk_set``, parsing its
    keys. Nothing on the token endpoint writes to the Service instance, so one instance can
    serve every request."""
    if version is None or version[0] is None:
        return None
    version = tuple(version)
    cached = _services.get(client_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    width = _version_width(conn)
    if width == len(SERVICE):
        values = version  # the version is the row
    else:
        row = _service_row.fetchone([client_id], conn)
        if row is None:
            return None  # deleted since
        version, values = tuple(row[:width]), row[width:]
    service = SERVICE.load(values, conn)
    _services[client_id] = (version, service)
    return service


def service_by_client_id(client_id: str) -> Service | None:
    """The service registered with this client_id."""
    conn = connections[DEFAULT_DB_ALIAS]
    return _service(client_id, _service_by_client_id.fetchone([client_id], conn), conn)


def _refresh_token_from(row, conn) -> RefreshToken | None:
    (r, _), (a, _), (u, _), (i, _) = _split(row, REFRESH, ACCESS, USER, IDENTITY)
    token = REFRESH.load(r, conn)
    if token is None:
        return None
    token.access_token = ACCESS.load(a, conn)
    token.user = _with_identity(USER.load(u, conn), IDENTITY.load(i, conn))
    return token


def refresh_token(checksum: str) -> RefreshToken | None:
    """The refresh token with this checksum, with its access token, patient and identity."""
    conn = connections[DEFAULT_DB_ALIAS]
    row = _refresh_token.fetchone([checksum], conn)
    return None if row is None else _refresh_token_from(row, conn)


def service_and_refresh_token(
    client_id: str, checksum: str
) -> tuple[Service | None, RefreshToken | None]:
    """``service_by_client_id`` and ``refresh_token`` in one round trip (a refresh grant's
    client authentication reads both: the token is in the request body). Nothing is decided
    about the token here; the caller checks it only once the client is authenticated."""
    conn = connections[DEFAULT_DB_ALIAS]
    row = _service_and_refresh_token.fetchone([checksum, client_id], conn)
    if row is None:
        return None, None
    width = _version_width(conn)
    return _service(client_id, row[:width], conn), _refresh_token_from(row[width:], conn)


def grant(code: str) -> Grant | None:
    """The authorization code's grant, with its patient and their identity."""
    conn = connections[DEFAULT_DB_ALIAS]
    row = _grant.fetchone([code], conn)
    if row is None:
        return None
    (g, _), (u, _), (i, _) = _split(row, GRANT, USER, IDENTITY)
    found = GRANT.load(g, conn)
    found.user = _with_identity(USER.load(u, conn), IDENTITY.load(i, conn))
    return found


_insert_sql: dict[tuple, str] = {}


def _insert_fields(model, leave_out=()) -> list:
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in leave_out
    ]


def _insert_values(instance, fields) -> list:
    """Each field's ``pre_save`` and database preparation, as ``Model.save()`` does."""
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


# Django field classes whose database preparation gives back the value unchanged on
# PostgreSQL for what Python code puts on a model (str, aware datetime, UUID, bool, None):
# psycopg adapts those itself. A field qualifies only if it uses these classes' own
# preparation methods, so a subclass that changes them (an encrypted field, say) does not.
_PLAIN_CLASSES = (BooleanField, CharField, DateTimeField, TextField, UUIDField)
_PLAIN_METHODS = {
    name: {getattr(cls, name) for cls in _PLAIN_CLASSES}
    for name in ("to_python", "get_prep_value", "get_db_prep_value", "get_db_prep_save")
}
VALUE, WRAP, PRE_SAVE, FULL = range(4)


def _plain_preparation(field) -> bool:
    return isinstance(field, _PLAIN_CLASSES) and all(
        getattr(type(field), name) in methods for name, methods in _PLAIN_METHODS.items()
    )


def _base_pre_save(field) -> bool:
    """Does ``pre_save`` just return the attribute? (``Field.pre_save``, or a date's
    without ``auto_now``/``auto_now_add``.)"""
    pre_save = type(field).pre_save
    if pre_save in (DateField.pre_save, DateTimeField.pre_save):
        return not (field.auto_now or field.auto_now_add)
    return pre_save is Field.pre_save


def _prepare_step(field, conn) -> tuple:
    """How to get ``field.get_db_prep_save(field.pre_save(obj, True), conn)`` cheaply, as
    ``(mode, attname, how)``: VALUE (the attribute as it is), WRAP (``how(value)`` unless
    None: Django's Int2/Int4/Int8 for integer fields), PRE_SAVE (``field.pre_save`` only,
    e.g. an ``auto_now`` date or the token checksum) or FULL (the field's own methods)."""
    if conn.vendor != "postgresql":
        return FULL, field.attname, field
    if field.is_relation:
        target = field.target_field
        if (
            _base_pre_save(field)
            and type(field).get_db_prep_save is ForeignKey.get_db_prep_save
            and target.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")
        ):
            return VALUE, field.attname, None  # validate_autopk_value: unchanged
        return FULL, field.attname, field
    if _plain_preparation(field):
        return (VALUE if _base_pre_save(field) else PRE_SAVE), field.attname, field
    wrap = getattr(conn.ops, "integerfield_type_map", {}).get(field.get_internal_type())
    prepares_as_integer = all(
        getattr(type(field), name) is getattr(IntegerField, name)
        for name in ("to_python", "get_prep_value", "get_db_prep_value", "get_db_prep_save")
    )
    if wrap is not None and prepares_as_integer and _base_pre_save(field):
        return WRAP, field.attname, wrap
    return FULL, field.attname, field


class InsertPlan:
    """``_insert_values`` with the per-field work decided once (``_prepare_step``): most
    fields' values are read straight off the instance; ``auto_now`` dates and the token
    checksum go through ``pre_save`` only; JSON through both methods as before."""

    def __init__(self, fields, conn):
        self.steps = [_prepare_step(field, conn) for field in fields]

    def values(self, instance, conn) -> list:
        values = []
        for mode, attname, how in self.steps:
            if mode == VALUE:
                values.append(getattr(instance, attname))
            elif mode == PRE_SAVE:
                values.append(how.pre_save(instance, True))
            elif mode == WRAP:
                value = getattr(instance, attname)
                values.append(value if value is None else how(value))
            else:
                values.append(how.get_db_prep_save(how.pre_save(instance, True), conn))
        return values


_field_defaults: dict = {}


def unsaved(model, values: dict) -> SimpleNamespace:
    """A new row as plain attributes: ``values`` (by attname), every other concrete field at
    its default. What ``InsertPlan`` and the fields' ``pre_save`` read and set, for a row
    written by hand and never used as a model instance (cheaper than ``Model.__init__``)."""
    defaults = _field_defaults.get(model)
    if defaults is None:
        defaults = _field_defaults[model] = [
            (field.attname, field) for field in model._meta.concrete_fields
        ]
    row = SimpleNamespace(**values)
    for attname, field in defaults:
        if attname not in values:
            setattr(row, attname, field.get_default())
    return row


def _saved(instance, pk) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


def insert(instance) -> None:
    """Save a new row as ``Model.save()`` would (each field's ``pre_save`` and database
    preparation), without compiling an ORM insert. For models with no save() override and
    no save signals: the token models here."""
    model = type(instance)
    fields = _insert_fields(model)
    key = (model, connection.vendor)
    sql = _insert_sql.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        pk = quote(model._meta.pk.column)
        sql = _insert_sql[key] = (
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 (metadata)
            f"VALUES ({placeholders}) RETURNING {pk}"
        )
    values = _insert_values(instance, fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        pk = cursor.fetchone()[0]
    _saved(instance, pk)


_rotation_sql: dict[str, tuple[str, str]] = {}


def _rotation_statements() -> tuple[str, str]:
    sql = _rotation_sql.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        meta = RefreshToken._meta
        column = {name: quote(meta.get_field(name).column) for name in ("revoked", "updated")}
        claim = (
            f"UPDATE {quote(meta.db_table)} SET {column['revoked']} = %s, "  # noqa: S608
            f"{column['updated']} = %s, "
            f"{quote(meta.get_field('access_token').column)} = NULL "
            f"WHERE {quote(meta.pk.column)} = %s AND {column['revoked']} IS NULL"
        )
        access = AccessToken._meta
        delete = f"DELETE FROM {quote(access.db_table)} WHERE {quote(access.pk.column)} = %s"  # noqa: S608
        sql = _rotation_sql[connection.vendor] = (claim, delete)
    return sql


def claim_refresh_token(refresh_token_id: int, access_token_id: int | None, now) -> bool:
    """Revoke a live refresh token (``revoked``, ``updated`` = now, no access token) and delete
    its access token. False, and nothing changed, if it was no longer live: of two requests
    racing with one refresh token only one claims it. Two plain statements instead of the
    ORM's ``update()`` and ``_raw_delete()`` (their query building cost more than running
    them). Call inside a transaction."""
    claim, delete = _rotation_statements()
    when = RefreshToken._meta.get_field("revoked").get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(claim, [when, when, refresh_token_id])
        if cursor.rowcount != 1:
            return False
        if access_token_id is not None:
            # Nothing else points at the old access token now: delete it without the collector.
            cursor.execute(delete, [access_token_id])
    return True


_ROTATE_SQL = """
WITH claimed AS (
    {claim} RETURNING {r_pk}
), gone AS (
    DELETE FROM {a_table} WHERE {a_pk} = %s AND EXISTS (SELECT 1 FROM claimed)
), new_access AS (
    INSERT INTO {a_table} ({a_columns}) SELECT {a_values} WHERE EXISTS (SELECT 1 FROM claimed)
    RETURNING {a_pk}
)
INSERT INTO {r_table} ({r_columns}, {r_access}) SELECT {r_values}, new_access.{a_pk}
FROM new_access RETURNING {r_pk}, {r_access}
"""
_rotate_sql: list[str] = []
_rotate_plans: list[InsertPlan] = []


def rotate_in_one_statement(previous, access_token, refresh_token, now) -> bool:
    """PostgreSQL: the whole rotation as one statement (so its own transaction, with no
    BEGIN/COMMIT round trips): claim the live refresh token ``previous`` (as
    ``claim_refresh_token``), delete its access token, insert ``access_token`` and
    ``refresh_token`` (pointing at the new access token). Data-modifying CTEs all run, so
    the delete and the inserts are conditional on the claim: if ``previous`` was no longer
    live, nothing changes and this returns False. The new tokens may be model instances or
    ``unsaved`` rows; their ids are set."""
    access_fields = _insert_fields(AccessToken)
    refresh_fields = _insert_fields(RefreshToken, leave_out=("access_token",))
    conn = connections[DEFAULT_DB_ALIAS]
    if not _rotate_sql:
        quote = connection.ops.quote_name
        claim, _delete = _rotation_statements()

        def placeholders(fields):
            # Typed, as in VALUES a bare parameter would be; in SELECT it must be cast.
            return ", ".join(f"%s::{field.db_type(connection)}" for field in fields)

        _rotate_sql.append(
            _ROTATE_SQL.format(
                claim=claim,
                r_pk=quote(RefreshToken._meta.pk.column),
                r_table=quote(RefreshToken._meta.db_table),
                r_columns=", ".join(quote(field.column) for field in refresh_fields),
                r_values=placeholders(refresh_fields),
                r_access=quote(RefreshToken._meta.get_field("access_token").column),
                a_pk=quote(AccessToken._meta.pk.column),
                a_table=quote(AccessToken._meta.db_table),
                a_columns=", ".join(quote(field.column) for field in access_fields),
                a_values=placeholders(access_fields),
            )
        )
        _rotate_plans.extend((InsertPlan(access_fields, conn), InsertPlan(refresh_fields, conn)))
    when = RefreshToken._meta.get_field("revoked").get_db_prep_value(now, conn)
    params = [when, when, previous.pk, previous.access_token_id]
    params += _rotate_plans[0].values(access_token, conn)
    params += _rotate_plans[1].values(refresh_token, conn)
    with cursor(conn) as c:
        c.execute(_rotate_sql[0], params)
        row = c.fetchone()
    if row is None:
        return False
    access_token.id = row[1]
    refresh_token.access_token_id = row[1]
    refresh_token.id = row[0]
    return True
