"""One-row INSERTs for the page requests that run most, without the ORM's query compiler.

``Model.save()`` on a new row builds an ``InsertQuery`` and compiles it to SQL every time; for
a row of ten columns that costs several times the CPU of running the statement on our
machines. ``insert`` writes the same row with SQL built once per model and database vendor,
and each value prepared by its field exactly as ``save()`` prepares it (``pre_save``, so
``auto_now_add`` and defaults hold, then ``get_db_prep_save``, so encrypted and JSON fields
are stored as the ORM stores them). ``connected_services/oidc/rows.py`` does the same for the
token endpoint.

Only for models whose saving nothing else listens to: ``insert`` sends no ``pre_save`` or
``post_save`` signal and calls no ``save()`` override (``_check`` refuses such models).

``fetch_one`` is the other half: a hand-written SELECT (or UPDATE ... RETURNING) whose row
becomes a model instance through each field's converters and ``from_db``, as a queryset would
make it, without ``QuerySet.raw()``'s per-query column mapping.
"""

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

_statements: dict[tuple, tuple[str, list, bool]] = {}


def _check(model) -> None:
    if model.save is not Model.save:
        raise TypeError(f"{model.__name__} overrides save(): use save()")
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"something listens to {model.__name__}'s save signals: use save()")


def _statement(model, connection) -> tuple[str, list, bool]:
    key = (model, connection.vendor)
    found = _statements.get(key)
    if found is None:
        _check(model)
        meta = model._meta
        returning = meta.pk.db_returning  # an id the database makes
        fields = [f for f in meta.concrete_fields if not (f.primary_key and returning)]
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - names from the model
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        if returning:
            sql += f" RETURNING {quote(meta.pk.column)}"
        found = _statements[key] = (sql, fields, returning)
    return found


def insert(instance, using: str | None = None):
    """Save a new ``instance`` in one INSERT, as ``instance.save(force_insert=True)`` would
    (less the signals, see above). Returns the instance, its id set."""
    model = type(instance)
    using = using or router.db_for_write(model, instance=instance)
    connection = connections[using]
    sql, fields, returning = _statement(model, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, _values(instance, fields, connection))
        if returning:
            instance.pk = cursor.fetchone()[0]
    return inserted(instance, using)


def _values(instance, fields, connection) -> list:
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


def insert_parts(instance, using: str | None = None) -> tuple[str, str, list]:
    """``insert``'s table with its column list, the placeholders and the parameters, for a
    caller that writes the row in a statement of its own (``INSERT INTO <table (columns)>
    SELECT <placeholders> FROM ...``); call ``inserted`` once the statement has run. An id the
    database makes is not read back: the instance keeps none."""
    model = type(instance)
    connection = connections[using or router.db_for_write(model, instance=instance)]
    _sql, fields, _returning = _statement(model, connection)
    quote = connection.ops.quote_name
    table = f"{quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    return table, ", ".join(["%s"] * len(fields)), _values(instance, fields, connection)


def inserted(instance, using: str | None = None):
    """Mark ``instance`` as saved (its row written by ``insert`` or with ``insert_parts``)."""
    instance._state.adding = False
    instance._state.db = using or router.db_for_write(type(instance), instance=instance)
    return instance


class Columns:
    """Every concrete column of a model, in field order (under a table ``alias`` for a join),
    and how to turn a row of them into a model instance as the ORM would (each field's
    database converters, then ``from_db``). ``connected_services/oidc/rows.py`` joins several
    of them in one statement."""

    def __init__(self, model, alias: str | None = None):
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list] = {}
        self._sql: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def select(self, connection=None) -> str:
        """The quoted column list (each under the alias, if any), for a SELECT or a
        RETURNING."""
        connection = connection or connections[DEFAULT_DB_ALIAS]
        found = self._sql.get(connection.vendor)
        if found is None:
            quote = connection.ops.quote_name
            prefix = f"{self.alias}." if self.alias else ""
            found = self._sql[connection.vendor] = ", ".join(
                f"{prefix}{quote(field.column)}" for field in self.fields
            )
        return found

    def table(self, connection=None) -> str:
        """The table, under the alias."""
        connection = connection or connections[DEFAULT_DB_ALIAS]
        return f"{connection.ops.quote_name(self.model._meta.db_table)} {self.alias}"

    def _converters_for(self, connection) -> list:
        """(position, converters, column) for the columns that have converters at all."""
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for position, field in enumerate(self.fields):
                column = field.get_col(self.alias or self.model._meta.db_table)
                converters = connection.ops.get_db_converters(column) + field.get_db_converters(
                    connection
                )
                if converters:
                    found.append((position, converters, column))
            self._converters[connection.vendor] = found
        return found

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
    found = _columns.get(model)
    if found is None:
        found = _columns[model] = Columns(model)
    return found


def fetch_one(model, sql: str, params, using: str | None = None):
    """Run ``sql`` (a SELECT, or an UPDATE ... RETURNING, of ``{columns}``: every column of
    ``model`` in field order) and return its first row as a model instance, or None."""
    using = using or router.db_for_write(model)
    connection = connections[using]
    found = columns(model)
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{columns}", found.select(connection)), params)
        row = cursor.fetchone()
    return None if row is None else found.load(row, connection)
