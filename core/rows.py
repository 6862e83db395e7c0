"""The one toolkit for hand-written SQL on the requests that run most, without the ORM's query
compiler.

Compiling an ORM query (or ``Model.save()``'s ``InsertQuery``) costs more CPU than running
it: about 1 ms for a row of many columns, more with ``select_related``. The statements each
app writes by hand (``accounts/statements.py``, ``connected_services/oidc/statements.py``)
are built with this module from the models' metadata once per process, run with plain
parameters, and give back ordinary model instances, as a queryset would make them.

- Reading: ``Columns`` is a model's column list (under a table alias, for joins) and turns
  its slice of a row into a model instance (each field's database converters, so encrypted
  and JSON fields come back exactly as the ORM returns them, then ``Model.from_db``).
  ``fetch_one`` runs a statement of one model's ``{columns}``; ``Statement`` keeps a
  statement built once and runs it on a ``cursor`` that binds parameters on the server.
- Writing: ``insert`` saves a new instance in one INSERT, each value prepared by its field
  exactly as ``save()`` prepares it (``pre_save``, so ``auto_now_add`` and defaults hold, then
  ``get_db_prep_save``); ``insert_parts`` gives the same row to a statement of the caller's
  own; ``InsertPlan`` decides that preparation once per field for the hottest statement;
  ``unsaved`` is a new row as plain attributes, cheaper than a model instance.

Only for models whose saving nothing else listens to: ``insert`` sends no ``pre_save`` or
``post_save`` signal and calls no ``save()`` override (``_check`` refuses such models).

PostgreSQL is the only database engine (the statements use ``RETURNING`` and data-modifying
CTEs).
"""

from collections.abc import Callable
from types import SimpleNamespace

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    Model,
    TextField,
    UUIDField,
)
from django.db.models.signals import post_save, pre_save
from psycopg.pq import Format

TIMESTAMPTZ_OID = psycopg.adapters.types["timestamptz"].oid


def cursor(connection):
    """A cursor for the hot statements that binds parameters on the server
    (``psycopg.Cursor``) instead of Django's default client-side binding, which quotes every
    parameter into the SQL text in Python (a tenth of the CPU of a refresh grant's two
    statements). Each statement is prepared on the connection once it has run a few times
    (``prepare_threshold`` in ``DATABASES``' options): PostgreSQL then plans it once per
    connection, not once per request, which halved the database's CPU per refresh grant and
    cut a userinfo's by two thirds (ADR 0064). Otherwise what ``connection.cursor()`` gives:
    the health check, Django's error wrapping, execute wrappers and query logging."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        pg_cursor = psycopg.Cursor(connection.connection)
        # As Django's create_cursor: datetimes come back in the connection's time zone.
        tzloader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != tzloader.timezone:
            register_tzloader(connection.timezone, pg_cursor)
        return connection._prepare_cursor(pg_cursor)


class Statement:
    """A hand-written statement whose SQL ``build()`` makes from the models' metadata, once
    per process (on first use: the models must be loaded)."""

    def __init__(self, build: Callable[[], str]):
        self._build = build
        self._sql: str | None = None

    @property
    def sql(self) -> str:
        if self._sql is None:
            self._sql = self._build()
        return self._sql

    def fetchone(self, params, connection=None):
        """Run the statement (parameters bound on the server) and return its first row."""
        connection = connection or connections[DEFAULT_DB_ALIAS]
        with cursor(connection) as c:
            c.execute(self.sql, params)
            return c.fetchone()


def quote(name: str) -> str:
    """A table or column name quoted for the SQL text."""
    return connections[DEFAULT_DB_ALIAS].ops.quote_name(name)


def table(model) -> str:
    """The model's table, quoted."""
    return quote(model._meta.db_table)


def column(model, field_name: str) -> str:
    """The column of the model's field ``field_name``, quoted."""
    return quote(model._meta.get_field(field_name).column)


# -- reading -------------------------------------------------------------------------------


class Columns:
    """Every concrete column of a model (or ``only`` some), in field order (under a table
    ``alias`` for a join),
    and how to turn a row of them into a model instance as the ORM would (each field's
    database converters, then ``from_db``). ``connected_services/oidc/statements.py`` joins
    several of them in one statement."""

    def __init__(self, model, alias: str | None = None, only: tuple[str, ...] = ()):
        self.model = model
        self.alias = alias
        # ``only``: these fields and the primary key (first), the rest deferred in the
        # instance, as ``QuerySet.only`` leaves them (read on first use, with a query).
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if not only or field.primary_key or field.name in only
        ]
        if only and not self.fields[0].primary_key:
            raise ValueError(f"{model.__name__}: the primary key must be the first column")
        self.attnames = [field.attname for field in self.fields]
        self._converters: list | None = None
        self._sql: str | None = None

    def __len__(self) -> int:
        return len(self.fields)

    def select(self) -> str:
        """The quoted column list (each under the alias, if any), for a SELECT or a
        RETURNING."""
        if self._sql is None:
            prefix = f"{self.alias}." if self.alias else ""
            self._sql = ", ".join(f"{prefix}{quote(field.column)}" for field in self.fields)
        return self._sql

    def table(self) -> str:
        """The table, under the alias."""
        return f"{table(self.model)} {self.alias}"

    def _converters_for(self, connection) -> list:
        """(position, converters, column) for the columns that have converters at all."""
        if self._converters is None:
            found = []
            for position, field in enumerate(self.fields):
                column = field.get_col(self.alias or self.model._meta.db_table)
                converters = connection.ops.get_db_converters(column) + field.get_db_converters(
                    connection
                )
                if converters:
                    found.append((position, converters, column))
            self._converters = found
        return self._converters

    def load(self, values, connection=None):
        """A model instance from this model's slice of a row (None for a LEFT JOIN that found
        nothing)."""
        if values[0] is None:
            return None
        if len(values) != len(self.fields):
            raise ValueError(f"{len(values)} values for {len(self.fields)} columns")
        connection = connection or connections[DEFAULT_DB_ALIAS]
        values = list(values)
        for position, converters, column in self._converters_for(connection):
            value = values[position]
            for convert in converters:
                value = convert(value, column, connection)
            values[position] = value
        return self.model.from_db(connection.alias, self.attnames, values)


_columns: dict[type, Columns] = {}


def columns(model) -> Columns:
    """The model's ``Columns`` without an alias (one per process)."""
    found = _columns.get(model)
    if found is None:
        found = _columns[model] = Columns(model)
    return found


def split(row, *parts: Columns):
    """A joined row cut into each model's slice: ``(values, columns)`` per part, in order."""
    start = 0
    for part in parts:
        yield row[start : start + len(part)], part
        start += len(part)


def fetch_one(model, sql: str, params, using: str | None = None):
    """Run ``sql`` (a SELECT, or an UPDATE ... RETURNING, of ``{columns}``: every column of
    ``model`` in field order) and return its first row as a model instance, or None."""
    using = using or router.db_for_write(model)
    connection = connections[using]
    found = columns(model)
    with connection.cursor() as c:
        c.execute(sql.replace("{columns}", found.select()), params)
        row = c.fetchone()
    return None if row is None else found.load(row, connection)


# -- writing -------------------------------------------------------------------------------

_inserts: dict[type, tuple[str, list, bool]] = {}


def _check(model) -> None:
    if model.save is not Model.save:
        raise TypeError(f"{model.__name__} overrides save(): use save()")
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"something listens to {model.__name__}'s save signals: use save()")


def insert_fields(model, leave_out=()) -> list:
    """The fields an INSERT of ``model`` writes: every concrete field but an id the database
    makes and those named in ``leave_out``."""
    returning = model._meta.pk.db_returning
    return [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and returning) and field.name not in leave_out
    ]


def prepared_values(instance, fields, connection) -> list:
    """Each field's ``pre_save`` and database preparation, as ``Model.save()`` does."""
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


def _insert(model) -> tuple[str, list, bool]:
    found = _inserts.get(model)
    if found is None:
        _check(model)
        meta = model._meta
        returning = meta.pk.db_returning  # an id the database makes
        fields = insert_fields(model)
        sql = (
            f"INSERT INTO {table(model)} "  # noqa: S608 - names from the model
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        if returning:
            sql += f" RETURNING {quote(meta.pk.column)}"
        found = _inserts[model] = (sql, fields, returning)
    return found


def insert(instance, using: str | None = None):
    """Save a new ``instance`` in one INSERT, as ``instance.save(force_insert=True)`` would
    (less the signals, see above). Returns the instance, its id set."""
    model = type(instance)
    using = using or router.db_for_write(model, instance=instance)
    connection = connections[using]
    sql, fields, returning = _insert(model)
    with connection.cursor() as c:
        c.execute(sql, prepared_values(instance, fields, connection))
        if returning:
            instance.pk = c.fetchone()[0]
    return inserted(instance, using)


def insert_parts(instance, using: str | None = None) -> tuple[str, str, list]:
    """``insert``'s table with its column list, the placeholders and the parameters, for a
    caller that writes the row in a statement of its own (``INSERT INTO <table (columns)>
    SELECT <placeholders> FROM ...``); call ``inserted`` once the statement has run. An id the
    database makes is not read back: the instance keeps none."""
    model = type(instance)
    connection = connections[using or router.db_for_write(model, instance=instance)]
    _sql, fields, _returning = _insert(model)
    into = f"{table(model)} ({', '.join(quote(f.column) for f in fields)})"
    return into, ", ".join(["%s"] * len(fields)), prepared_values(instance, fields, connection)


def inserted(instance, using: str | None = None):
    """Mark ``instance`` as saved (its row written by ``insert`` or with ``insert_parts``)."""
    instance._state.adding = False
    instance._state.db = using or router.db_for_write(type(instance), instance=instance)
    return instance


def typed_placeholders(fields, connection=None) -> str:
    """One placeholder per field, cast to its column type: in ``INSERT ... SELECT`` a bare
    parameter has no type (in ``VALUES`` the column gives it one)."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    return ", ".join(f"%s::{field.db_type(connection)}" for field in fields)


# Django field classes whose database preparation gives back the value unchanged on
# PostgreSQL for what Python code puts on a model (str, aware datetime, UUID, bool, None):
# psycopg adapts those itself. A field qualifies only if it uses these classes' own
# preparation methods, so a subclass that changes them (an encrypted field, say) does not.
_PLAIN_CLASSES = (BooleanField, CharField, DateTimeField, TextField, UUIDField)
_PREPARATION = ("to_python", "get_prep_value", "get_db_prep_value", "get_db_prep_save")
_PLAIN_METHODS = {name: {getattr(cls, name) for cls in _PLAIN_CLASSES} for name in _PREPARATION}
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


def prepare_step(field, connection) -> tuple:
    """How to get ``field.get_db_prep_save(field.pre_save(obj, True), connection)`` cheaply,
    as ``(mode, attname, how)``: VALUE (the attribute as it is), WRAP (``how(value)`` unless
    None: Django's Int2/Int4/Int8 for integer fields), PRE_SAVE (``field.pre_save`` only,
    e.g. an ``auto_now`` date or the token checksum) or FULL (the field's own methods)."""
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
    wrap = connection.ops.integerfield_type_map.get(field.get_internal_type())
    prepares_as_integer = all(
        getattr(type(field), name) is getattr(IntegerField, name) for name in _PREPARATION
    )
    if wrap is not None and prepares_as_integer and _base_pre_save(field):
        return WRAP, field.attname, wrap
    return FULL, field.attname, field


class InsertPlan:
    """``prepared_values`` with the per-field work decided once (``prepare_step``): most
    fields' values are read straight off the instance; ``auto_now`` dates and the token
    checksum go through ``pre_save`` only; JSON through both methods as before."""

    def __init__(self, fields, connection):
        self.steps = [prepare_step(field, connection) for field in fields]

    def values(self, instance, connection) -> list:
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
                values.append(how.get_db_prep_save(how.pre_save(instance, True), connection))
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
