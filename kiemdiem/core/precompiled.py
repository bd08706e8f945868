"""Fixed-shape queries compiled to SQL once per process, not on every page.

Building a QuerySet and compiling it (the joins of select_related, every column, the WHERE) costs
0.7–1.2 ms of Python for each of a page's queries, as much as running it on PostgreSQL. A query
whose SQL is always the same but for a few values (the plan's id) is compiled once per database
with stand-in values; each use then only binds its values and runs the SQL. Rows become model
instances as usual (select_related, prefetch_related and a related manager's known parent too).

    recipients = Precompiled(
        lambda plan_id: PlanRecipient.objects.filter(plan_id=plan_id).select_related("unit"),
        int,
    )
    rows = recipients(plan.pk, known={"plan": plan})  # a list

Only for queries whose values are compared as they are (`=`, not `__in` lists, LIKE patterns or
dates of the day); a query whose stand-ins are not found exactly once among the compiled
parameters is compiled on every use instead (`compiled` is False): never a wrong query.
"""

import itertools
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql.query import Query

T = TypeVar("T")  # a row: a model instance, or a tuple of values_list

_STANDINS = itertools.count(1)


def _standin(kind: type) -> Any:
    """A value no real row uses, recognisable among the compiled parameters."""
    number = 1_987_650_000 + next(_STANDINS)
    return str(f"precompiled-{number}") if kind is str else number


class _BoundQuery(Query):
    """A Query whose compiler is the cached one, with this use's values bound (never chained:
    Precompiled evaluates it at once)."""

    bound: tuple[type, dict[str, Any], str, tuple[Any, ...]]

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler_class, state, sql, params = self.bound
        compiler = compiler_class.__new__(compiler_class)
        compiler.__dict__.update(state)
        compiler.query = self
        compiler.connection = connection or connections[using]
        compiler.using = using
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return compiler

    def clone(self):
        raise TypeError("A precompiled query runs as it is: build another QuerySet to change it.")


class Precompiled(Generic[T]):
    """`build(*values)` → a QuerySet of one fixed shape; calling the instance with the values runs
    it (compiled once per database) and returns its rows as a list."""

    def __init__(self, build: Callable[..., QuerySet[Any, T]], *kinds: type) -> None:
        self.build = build
        self.kinds = kinds
        self._template: QuerySet[Any, T] | None = None  # tells the database it reads
        # database alias → (template QuerySet, compiler class, its state, SQL, params, slots),
        # or None where the query cannot be precompiled
        self._compiled: dict[str, tuple | None] = {}

    def compiled(self) -> bool:
        """Whether the query runs precompiled (False: compiled on every use)."""
        return self._entry() is not None

    def _entry(self) -> tuple | None:
        if self._template is None:
            self._template = self.build(*[_standin(kind) for kind in self.kinds])
        using = self._template.db
        if using not in self._compiled:
            self._compiled[using] = self._compile(using)
        return self._compiled[using]

    def _compile(self, using: str) -> tuple | None:
        standins = [_standin(kind) for kind in self.kinds]
        template = self.build(*standins)
        compiler = template.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []
        for position, standin in enumerate(standins):
            found = [i for i, p in enumerate(params) if type(p) is type(standin) and p == standin]
            if len(found) != 1:
                return None
            slots.append((found[0], position))
        state = {
            k: v for k, v in compiler.__dict__.items() if k not in ("query", "connection", "using")
        }
        return template, type(compiler), state, sql, params, slots

    def __call__(self, *values: Any, known: dict[str, Model] | None = None) -> list[T]:
        entry = self._entry()
        if entry is None:
            return list(self._with_known(self.build(*values), known))
        template, compiler_class, state, sql, params, slots = entry
        bound = list(params)
        for index, position in slots:
            bound[index] = values[position]
        qs = template._chain()
        qs.query.__class__ = _BoundQuery
        qs.query.bound = (compiler_class, state, sql, tuple(bound))
        return list(self._with_known(qs, known))

    @staticmethod
    def _with_known(qs: QuerySet, known: dict[str, Model] | None) -> QuerySet:
        """The parent a related manager would have given its rows (row.plan without a query)."""
        for name, obj in (known or {}).items():
            field = qs.model._meta.get_field(name)
            qs._known_related_objects = {
                **qs._known_related_objects,
                field: {obj.pk: obj},
            }
        return qs
