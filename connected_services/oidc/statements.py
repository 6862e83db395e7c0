"""The OpenID Connect provider's hand-written statements: the token endpoint's and userinfo's.

They are the provider's busiest requests, and compiling ORM queries for them costs more CPU
than running them. Every statement here is built with ``core.rows`` (the one toolkit) from
the models' metadata once per process, runs with plain parameters bound on the server, and
gives back ordinary model instances, with related objects already cached so no further
query is made when they are read.

- Refresh grant (ADRs 0035, 0036): the service and the refresh token in one statement
  (``service_and_refresh_token``), the Service instance kept per process while its row's
  version is unchanged; the rotation in one statement (``rotate_in_one_statement``).
- Code exchange: the grant with its patient and identity (``grant``).
- Userinfo: the access token with its service, patient and identity in one statement
  (``bearer_token``), as real model instances, so the claims are computed by
  ``connected_services.claims`` alone.
"""

from django.db import DEFAULT_DB_ALIAS, connections

from accounts.models import User
from connected_services.models import AccessToken, Grant, RefreshToken, Service
from core import rows
from core.rows import Columns, Statement, column, table
from verification.models import Identity

SERVICE = Columns(Service, "s")
# What userinfo reads of the service (its id, its client_id for the "aud" claim, and whether
# it may have GP credentials), so that its other columns, and the keys and JSON among them, are
# not loaded on every request.
SERVICE_FOR_USERINFO = Columns(Service, "s", only=("client_id", "allow_gp_integration_credentials"))
REFRESH = Columns(RefreshToken, "r")
ACCESS = Columns(AccessToken, "a")
GRANT = Columns(Grant, "g")
USER = Columns(User, "u")
IDENTITY = Columns(Identity, "i")

# What tells whether a kept Service is still current: a SHA-256 of the whole row as text (any
# column's change changes it), so one short value comes back instead of the service's 34
# columns.
SERVICE_VERSION = "sha256(convert_to(ROW(s.*)::text, 'UTF8'))"

# Column lists and table names are filled in from the models; values are query parameters.
SERVICE_SQL = "SELECT {s_version} FROM {s_table} WHERE s.client_id = %s"
SERVICE_ROW_SQL = "SELECT {s_version}, {s_columns} FROM {s_table} WHERE s.client_id = %s"
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
# Userinfo: the access token, its service, patient and identity. Expiry and the patient's
# being active are decided by the caller, on the model instances.
BEARER_TOKEN_SQL = (
    "SELECT {a_columns}, {s_userinfo_columns}, {u_columns}, {i_columns} FROM {a_table} "
    "JOIN {s_table} ON s.id = a.application_id JOIN {u_table} ON u.id = a.user_id "
    "LEFT JOIN {i_table} ON i.user_id = u.id WHERE a.token_checksum = %s LIMIT 1"
)


def _sql(template: str) -> str:
    names = {"s_version": SERVICE_VERSION, "s_userinfo_columns": SERVICE_FOR_USERINFO.select()}
    for part in (SERVICE, REFRESH, ACCESS, GRANT, USER, IDENTITY):
        names[f"{part.alias}_columns"] = part.select()
        names[f"{part.alias}_table"] = part.table()
        names[f"{part.alias}_table_bare"] = table(part.model)
    return template.format(**names)


_service_version = Statement(lambda: _sql(SERVICE_SQL))
_service_row = Statement(lambda: _sql(SERVICE_ROW_SQL))
_refresh_token = Statement(lambda: _sql(REFRESH_TOKEN_SQL))
_service_and_refresh_token = Statement(lambda: _sql(SERVICE_AND_REFRESH_TOKEN_SQL))
_grant = Statement(lambda: _sql(GRANT_SQL))
_bearer_token = Statement(lambda: _sql(BEARER_TOKEN_SQL))


def _with_identity(user: User, identity: Identity | None) -> User:
    """Cache the patient's identity (or its absence) so ``user.identity`` makes no query."""
    User.identity.related.set_cached_value(user, identity)
    return user


def _patient(values, identity_values, connection) -> User:
    return _with_identity(USER.load(values, connection), IDENTITY.load(identity_values, connection))


# client_id -> (the version of the service row it was made from, the Service).
_services: dict[str, tuple[bytes, Service]] = {}


def _service(client_id: str, version, connection) -> Service | None:
    """The Service with this client_id, made once per process and kept while its row is
    unchanged.

    Every request reads the row's current version (``SERVICE_VERSION``) in the same
    statement as before and compares it with the version the kept instance was made from, so
    any change (a new key, ``is_live`` off, a new redirect URI, the row deleted) is seen at
    once. What is saved is loading and building the model instance (34 columns) and, through
    ``Service.public_jwk_set``, parsing its keys. Nothing on the token endpoint writes to the
    Service instance, so one instance can serve every request."""
    if version is None:
        return None
    cached = _services.get(client_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    row = _service_row.fetchone([client_id], connection)
    if row is None:
        return None  # deleted since
    service = SERVICE.load(row[1:], connection)
    _services[client_id] = (row[0], service)
    return service


def service_by_client_id(client_id: str) -> Service | None:
    """The service registered with this client_id."""
    connection = connections[DEFAULT_DB_ALIAS]
    row = _service_version.fetchone([client_id], connection)
    return _service(client_id, None if row is None else row[0], connection)


def _refresh_token_from(row, connection) -> RefreshToken | None:
    (r, _), (a, _), (u, _), (i, _) = rows.split(row, REFRESH, ACCESS, USER, IDENTITY)
    token = REFRESH.load(r, connection)
    if token is None:
        return None
    token.access_token = ACCESS.load(a, connection)
    token.user = _patient(u, i, connection)
    return token


def refresh_token(checksum: str) -> RefreshToken | None:
    """The refresh token with this checksum, with its access token, patient and identity."""
    connection = connections[DEFAULT_DB_ALIAS]
    row = _refresh_token.fetchone([checksum], connection)
    return None if row is None else _refresh_token_from(row, connection)


def service_and_refresh_token(
    client_id: str, checksum: str
) -> tuple[Service | None, RefreshToken | None]:
    """``service_by_client_id`` and ``refresh_token`` in one round trip (a refresh grant's
    client authentication reads both: the token is in the request body). Nothing is decided
    about the token here; the caller checks it only once the client is authenticated."""
    connection = connections[DEFAULT_DB_ALIAS]
    row = _service_and_refresh_token.fetchone([checksum, client_id], connection)
    if row is None:
        return None, None
    return _service(client_id, row[0], connection), _refresh_token_from(row[1:], connection)


def grant(code: str) -> Grant | None:
    """The authorization code's grant, with its patient and their identity."""
    connection = connections[DEFAULT_DB_ALIAS]
    row = _grant.fetchone([code], connection)
    if row is None:
        return None
    (g, _), (u, _), (i, _) = rows.split(row, GRANT, USER, IDENTITY)
    found = GRANT.load(g, connection)
    found.user = _patient(u, i, connection)
    return found


def bearer_token(checksum: str) -> AccessToken | None:
    """The access token with this checksum (or None), with its service
    (``token.application``: the columns in ``SERVICE_FOR_USERINFO``, any other read on first
    use), patient (``token.user``) and their identity
    (``token.user.identity``) already loaded: one statement, no further query when they are
    read."""
    connection = connections[DEFAULT_DB_ALIAS]
    row = _bearer_token.fetchone([checksum], connection)
    if row is None:
        return None
    (a, _), (s, _), (u, _), (i, _) = rows.split(row, ACCESS, SERVICE_FOR_USERINFO, USER, IDENTITY)
    token = ACCESS.load(a, connection)
    token.application = SERVICE_FOR_USERINFO.load(s, connection)
    token.user = _patient(u, i, connection)
    return token


_ROTATE_SQL = """
WITH claimed AS (
    UPDATE {r_table} SET {r_revoked} = %s, {r_updated} = %s, {r_access} = NULL
    WHERE {r_pk} = %s AND {r_revoked} IS NULL RETURNING {r_pk}
), gone AS (
    DELETE FROM {a_table} WHERE {a_pk} = %s AND EXISTS (SELECT 1 FROM claimed)
), new_access AS (
    INSERT INTO {a_table} ({a_columns}) SELECT {a_values} WHERE EXISTS (SELECT 1 FROM claimed)
    RETURNING {a_pk}
)
INSERT INTO {r_table} ({r_columns}, {r_access}) SELECT {r_values}, new_access.{a_pk}
FROM new_access RETURNING {r_pk}, {r_access}
"""
_ACCESS_FIELDS = rows.insert_fields(AccessToken)
_REFRESH_FIELDS = rows.insert_fields(RefreshToken, leave_out=("access_token",))


def _rotate_sql() -> str:
    quote = rows.quote
    return _ROTATE_SQL.format(
        r_table=table(RefreshToken),
        r_pk=quote(RefreshToken._meta.pk.column),
        r_revoked=column(RefreshToken, "revoked"),
        r_updated=column(RefreshToken, "updated"),
        r_access=column(RefreshToken, "access_token"),
        r_columns=", ".join(quote(field.column) for field in _REFRESH_FIELDS),
        r_values=rows.typed_placeholders(_REFRESH_FIELDS),
        a_table=table(AccessToken),
        a_pk=quote(AccessToken._meta.pk.column),
        a_columns=", ".join(quote(field.column) for field in _ACCESS_FIELDS),
        a_values=rows.typed_placeholders(_ACCESS_FIELDS),
    )


_rotate = Statement(_rotate_sql)
_rotate_plans: list[rows.InsertPlan] = []


def rotate_in_one_statement(previous, access_token, refresh_token, now) -> bool:
    """The whole rotation as one statement (so its own transaction, with no BEGIN/COMMIT
    round trips): claim the live refresh token ``previous`` (``revoked``, ``updated`` = now,
    no access token), delete its access token, insert ``access_token`` and ``refresh_token``
    (pointing at the new access token). Data-modifying CTEs all run, so the delete and the
    inserts are conditional on the claim: if ``previous`` was no longer live (of two requests
    racing with one refresh token only one claims it), nothing changes and this returns
    False. The new tokens may be model instances or ``rows.unsaved`` rows; their ids are
    set."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not _rotate_plans:
        _rotate_plans.extend(
            (
                rows.InsertPlan(_ACCESS_FIELDS, connection),
                rows.InsertPlan(_REFRESH_FIELDS, connection),
            )
        )
    when = RefreshToken._meta.get_field("revoked").get_db_prep_value(now, connection)
    params = [when, when, previous.pk, previous.access_token_id]
    params += _rotate_plans[0].values(access_token, connection)
    params += _rotate_plans[1].values(refresh_token, connection)
    row = _rotate.fetchone(params, connection)
    if row is None:
        return False
    access_token.id = row[1]
    refresh_token.access_token_id = row[1]
    refresh_token.id = row[0]
    return True
