"""Model instances from fixed SQL, for reads whose ORM compile costs more than the database.

The home page's lines are a dozen small reads of fixed shape (a few rows each, the user's own
units and person as parameters). Building each through the ORM compiled the same SQL again on
every request: about half of the page's Python time (compiler.as_sql, build_filter, add_q). Here
a read names its tables (the ORM's table names), the fields it loads of each and how the rows
hang together (`Part`); the SQL is written once, and each row becomes the model instances the
ORM would have built (deferred fields left out, related instances cached on their parent), with
the backend's converters applied (SQLite hands dates back as text).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model


@dataclass(frozen=True)
class Part:
    """One model of a read: its table alias in the SQL, the fields loaded (attnames) and, for a
    related row, the part it hangs from (index) and the foreign key on that part."""

    model: type[Model]
    alias: str
    fields: tuple[str, ...]
    parent: int | None = None
    relation: str = ""


class Rows:
    """The select list of a read of `parts` (then `extra` columns, each set as an attribute of
    the first part's instance) and the builder of its rows' instances."""

    def __init__(self, *parts: Part, extra: Sequence[str] = ()) -> None:
        self.parts = parts
        self.extra = tuple(extra)
        self.names: list[list[str]] = []
        self.columns: list[Any] = []  # the fields, in select order (converters)
        select = []
        for part in parts:
            wanted = set(part.fields)
            fields = [f for f in part.model._meta.concrete_fields if f.attname in wanted]
            missing = wanted - {f.attname for f in fields}
            assert not missing, f"{part.model.__name__} has no fields {missing}"
            assert part.model._meta.pk.attname in wanted, "each part reads its primary key"
            self.names.append([f.attname for f in fields])  # from_db wants the model's order
            self.columns += fields
            select += [f"{part.alias}.{f.column}" for f in fields]
        self.select = ", ".join(select)
        self._converters: dict[str, list] = {}

    def converters(self, connection: BaseDatabaseWrapper) -> list:
        """For each column, the backend's and the field's converters (as the compiler does)."""
        found = self._converters.get(connection.alias)
        if found is None:
            found = []
            for field in self.columns:
                col = field.get_col(field.model._meta.db_table)
                found.append(
                    (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
                )
            self._converters[connection.alias] = found
        return found

    def fetch(self, connection: BaseDatabaseWrapper, sql: str, params: Sequence) -> list:
        """Run `sql` (which selects `self.select`, then the extra columns) and build its rows:
        the first part's instance of each."""
        return [instances[0] for instances in self.fetch_all(connection, sql, params)]

    def fetch_all(self, connection: BaseDatabaseWrapper, sql: str, params: Sequence) -> list:
        """As fetch, each row as the instances of every part (None for a row not joined)."""
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [self.build(connection, row) for row in rows]

    def build(self, connection: BaseDatabaseWrapper, row: Sequence) -> list[Model | None]:
        values = list(row)
        for i, (col, converters) in enumerate(self.converters(connection)):
            for converter in converters:
                values[i] = converter(values[i], col, connection)
        instances: list[Model | None] = []
        start = 0
        for part, names in zip(self.parts, self.names, strict=True):
            chunk = values[start : start + len(names)]
            start += len(names)
            pk = chunk[names.index(part.model._meta.pk.attname)]
            instance = None if pk is None else part.model.from_db(connection.alias, names, chunk)
            instances.append(instance)
            if part.parent is not None:
                parent = instances[part.parent]
                if parent is not None:
                    field = parent._meta.get_field(part.relation)
                    field.set_cached_value(parent, instance)  # type: ignore[union-attr]
        first = instances[0]
        assert first is not None
        for name, value in zip(self.extra, values[start:], strict=True):
            setattr(first, name, value)
        return instances


def placeholders(values: Sequence) -> str:
    """`%s, %s, …` for an IN list (callers make sure it is not empty)."""
    return ", ".join(["%s"] * len(values))


def like_any(column: str, paths: Sequence[str]) -> str:
    """`org.scoping.paths_q` as SQL: `column` starts with any of `paths` (one `%s` each, the
    caller passes `path + "%"`; paths hold only [0-9a-z.]: nothing to escape for LIKE)."""
    return "(" + " OR ".join([f"{column} LIKE %s"] * len(paths)) + ")"
