"""Fixed-shape queries compiled to SQL once per process, not on every page.

Building a QuerySet and compiling it (the joins of select_related, every column, the WHERE) costs
0.7–1.2 ms of Python for each of a page's queries, as much as running it on PostgreSQL. A query
whose SQL is always the same but for a few values (the plan's id) is compiled once per database
with stand-in values; each use then only binds its values and runs the SQL. Rows become model
instances as usual (select_related, prefetch_related and a related manager's known parent too).

    recipients = Precompiled(
        lambda plan_id: PlanRecipient.objects.filter(plan_id=plan_id).select_related("unit")
    )
    rows = recipients(plan.pk, known={"plan": plan})  # a list

The values are ints (those a 64-bit column holds: a larger one, say a key typed in a URL, is
compiled by the ORM, which matches nothing for it), texts, dates, None, booleans, and tuples,
lists or frozensets of those. The SQL is compiled once for each shape of the values (their
types, None and booleans as they are, the length of each tuple or set: an `__in` list of three
ids compiles once, and again for four), up to MAX_SHAPES shapes. `build` must pass the values to
the lookups as they come (it may branch on None, a boolean or a length, not compute with them):
an int or date is compared as it is (`=`, `<=`, `__in`), a text as it is or as a `startswith`
prefix (LIKE 'value%'). Whatever is not recognised exactly among the compiled parameters (a
stand-in missing, one inside another parameter or the SQL, a value of another type, a prefix
needing LIKE escaping) is compiled on every use instead: never a wrong query.
"""

import datetime
import itertools
import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql.query import Query
from psycopg.types.numeric import Int2, Int4, Int8

T = TypeVar("T")  # a row: a model instance, or a tuple of values_list

# Shapes compiled per query and database: a length per list, so a bound.
MAX_SHAPES = 32

EMPTY = ()  # the entry of a query matching nothing

_STANDINS = itertools.count(1)
_FIRST = 1_987_650_000  # stand-in ints (and texts) count up from here
_LAST = _FIRST + 10**8
_DAY_ONE = datetime.date(1001, 1, 1)  # stand-in dates: a day no record bears
_REAL_DAYS = datetime.date(1900, 1, 1)  # stand-in dates come before
_OLD_DAY_TEXT = re.compile(r"1[0-8]\d\d-\d\d-\d\d")


# The typed ints PostgreSQL's backend passes for integer fields (an IntegerField's `year = %s`
# has Int4(2026), a BigIntegerField's Int8), each with the bound of its range.
_INT_TYPES: dict[type, int] = {Int2: 2**15, Int4: 2**31, Int8: 2**63}


def _fits(value: int, int_type: type = Int8) -> bool:
    """Whether a column of `int_type` holds `value` (by default 64 bits, a key's: a key typed in
    a URL may be larger)."""
    return -_INT_TYPES[int_type] <= value < _INT_TYPES[int_type]


def _shape(value: Any) -> Any:
    """What the compiled SQL depends on in `value` (None: it cannot be precompiled)."""
    if value is None or isinstance(value, bool):
        return ("is", value)
    if type(value) is int and not _fits(value):
        return None  # the ORM matches nothing for it; bound as it is, the database would fail
    if type(value) in (int, str, datetime.date):
        return type(value).__name__
    if type(value) in (tuple, list, frozenset):
        shapes = [_shape(v) for v in value]
        if any(s is None for s in shapes):
            return None
        if type(value) is frozenset:
            shapes.sort(key=repr)
        return (type(value).__name__, tuple(shapes))
    return None


def _standin(shape: Any, found: list, small: Callable[[], int] | None = None) -> Any:
    """A value of `shape` whose leaves no real row uses and are recognisable among the compiled
    parameters; each leaf is appended to `found`, in the order `_leaves` gives a value's. With
    `small`, its ints are small() instead (within any integer column's range)."""
    if isinstance(shape, tuple) and shape[0] == "is":
        return shape[1]
    if isinstance(shape, tuple):
        kind, shapes = shape
        items = [_standin(s, found, small) for s in shapes]
        return {"tuple": tuple, "list": list, "frozenset": frozenset}[kind](items)
    number = _FIRST + next(_STANDINS)
    leaf: Any = {
        "int": small() if small else number,
        "str": f"precompiled-{number}",
        "date": _DAY_ONE + datetime.timedelta(days=number % 300_000),
    }[shape]
    found.append(leaf)
    return leaf


def _leaves(value: Any) -> list:
    """The leaves of `value` in the order _standin numbered them (a frozenset's in the order of
    its shape: the stand-in set was built from the sorted shapes)."""
    if value is None or isinstance(value, bool):
        return []
    if type(value) in (tuple, list):
        return [leaf for v in value for leaf in _leaves(v)]
    if type(value) is frozenset:
        return [leaf for v in sorted(value, key=lambda v: repr(_shape(v))) for leaf in _leaves(v)]
    return [value]


def _slots(sql: str, params: list, leaves: list) -> list | None:
    """For each compiled parameter that is a stand-in: (its index, the leaf's number, how it
    is bound); None if a stand-in shows anywhere else, or one is missing."""
    slots = []
    used = set()
    texts = [str(leaf) for leaf in leaves if type(leaf) is not datetime.date]
    for index, param in enumerate(params):
        for n, leaf in enumerate(leaves):
            if type(param) is type(leaf) and param == leaf:
                slots.append((index, n, "as is"))
                break
            if type(leaf) is int and type(param) in _INT_TYPES and param == leaf:
                slots.append((index, n, type(param)))  # PostgreSQL's typed int (Int8(5))
                break
            if type(leaf) is datetime.date and param == leaf.isoformat():
                slots.append((index, n, "date text"))  # SQLite adapts dates to text
                break
            if type(leaf) is str and param == leaf + "%":
                slots.append((index, n, "prefix"))
                break
        else:
            if _stray(param, texts):
                return None
            continue
        used.add(slots[-1][1])
    if len(used) != len(leaves):
        return None
    if any(str(leaf) in sql for leaf in leaves):
        return None  # written into the SQL itself (a slice's bound)
    return slots


def _stray(param: Any, texts: list[str]) -> bool:
    """Whether a parameter that is no stand-in was made from one: its value would be wrong."""
    if type(param) is int or type(param) in _INT_TYPES:
        return _FIRST <= param < _LAST  # computed with (an id + 1?)
    if type(param) is datetime.date:
        return param < _REAL_DAYS  # a stand-in date moved (a day later?)
    if type(param) is str:
        # inside a pattern other than a prefix (contains, endswith), or a moved stand-in date
        # as SQLite's text
        return any(text in param for text in texts) or bool(_OLD_DAY_TEXT.match(param))
    return False


def padded(keys: list | tuple, size: int) -> tuple:
    """`keys` as `size` of them, the last repeated (`pk IN (1, 2, 2)` finds the rows of 1
    and 2): a read by key compiles one shape for any number of keys up to `size`, not one per
    number (a short last page or history). More than `size` stay as they are."""
    return (*keys, *keys[-1:] * (size - len(keys)))


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
    """`build(*values)` → a QuerySet of one fixed shape for each shape of the values; calling
    the instance with the values runs it (compiled once per shape and database) and returns its
    rows as a list."""

    def __init__(self, build: Callable[..., QuerySet[Any, T]]) -> None:
        self.build = build
        # shape → a QuerySet built from stand-ins (tells the database it reads)
        self._templates: dict[Any, QuerySet[Any, T]] = {}
        # (shape, database alias) → (template, compiler class, its state, SQL, params, slots),
        # EMPTY where it matches nothing whatever the values (an empty `__in` list: the ORM
        # runs no query), or None where the query cannot be precompiled
        self._compiled: dict[tuple, tuple | None] = {}

    def compiled(self, *values: Any) -> bool:
        """Whether the query runs precompiled for these values (False: compiled on each use)."""
        return self._entry(values) is not None

    def _entry(self, values: tuple) -> tuple | None:
        shape = _shape(values)
        if shape is None:
            return None
        if shape not in self._templates:
            if len(self._templates) >= MAX_SHAPES:
                return None
            self._templates[shape] = self.build(*_standin(shape, []))
        template = self._templates[shape]
        key = (shape, template.db)
        if key not in self._compiled:
            self._compiled[key] = self._compile(shape, template.db)
        return self._compiled[key]

    def _compile(self, shape: Any, using: str) -> tuple | None:
        leaves: list = []
        template = self.build(*_standin(shape, leaves))
        compiler = template.query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            # An empty `__in` list matches nothing whatever the values; but a stand-in int
            # beyond its column's range (a small int's 32767 on PostgreSQL) does too: then
            # compiled on each use
            return EMPTY if self._empty_with_small_ints(shape, using) else None
        params = list(params)
        slots = _slots(sql, params, leaves)
        if slots is None:
            return None
        state = {
            k: v for k, v in compiler.__dict__.items() if k not in ("query", "connection", "using")
        }
        return template, type(compiler), state, sql, params, slots

    def _empty_with_small_ints(self, shape: Any, using: str) -> bool:
        """Whether the query of `shape` matches nothing with ints any column holds (1, 2, …)."""
        small = itertools.count(1)
        values = _standin(shape, [], lambda: next(small))
        try:
            self.build(*values).query.get_compiler(using=using).as_sql()
        except EmptyResultSet:
            return True
        return False

    def __call__(self, *values: Any, known: dict[str, Model] | None = None) -> list[T]:
        entry = self._entry(values)
        if entry is None:
            return self._compiling(values, known)
        if entry is EMPTY:
            return []
        template, compiler_class, state, sql, params, slots = entry
        leaves = _leaves(values)
        bound = list(params)
        ops = connections[template.db].ops
        for index, n, how in slots:
            value = leaves[n]
            if how == "date text":
                value = value.isoformat()
            elif how == "prefix":
                if ops.prep_for_like_query(value) != value:
                    return self._compiling(values, known)  # its escaping is the ORM's job
                value += "%"
            elif how in _INT_TYPES:
                if not _fits(value, how):
                    return self._compiling(values, known)  # the ORM matches nothing for it
                value = how(value)
            bound[index] = value
        return list(
            self._with_known(self._bound(template, (compiler_class, state, sql, bound)), known)
        )

    @staticmethod
    def _bound(template: QuerySet, bound: tuple) -> QuerySet:
        """A copy of the template whose query runs the bound SQL. Shallow copies: that query is
        never compiled nor changed, so it may share the template's parts (cloning its WHERE
        tree and joins cost as much as the binding). Not copy.copy: a QuerySet pickles (and
        copies) by evaluating itself."""
        query = _BoundQuery.__new__(_BoundQuery)
        query.__dict__.update(template.query.__dict__)
        compiler_class, state, sql, params = bound
        query.bound = (compiler_class, state, sql, tuple(params))
        qs = template.__class__.__new__(template.__class__)
        qs.__dict__.update(template.__dict__)
        qs._query = query
        qs._result_cache, qs._prefetch_done = None, False
        return qs

    def first(self, *values: Any, known: dict[str, Model] | None = None) -> T | None:
        """The first of the rows, or None (a read by key)."""
        rows = self(*values, known=known)
        return rows[0] if rows else None

    def _compiling(self, values: tuple, known: dict[str, Model] | None) -> list[T]:
        return list(self._with_known(self.build(*values), known))

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
