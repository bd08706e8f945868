"""Which tables have been written, per table, for the kept pages (PostgreSQL; issue 17, part 11).

A kept page (core/page_cache.py) may be served again while none of the tables it read has
changed. This module keeps, on PostgreSQL, a count of the write statements of each table, and
tells which tables a statement's SQL names.

The counts. Every table of the schema has a statement-level trigger that adds one to the row
(table, the writing server process) of `kiemdiem_table_writes`, in the writing transaction: a
reader sees a table's count move exactly when it sees the rows the transaction wrote, never
before and never after. A table's version is the sum of its rows. A server process runs one
transaction at a time, so two writers never update the same row: no writer waits for another
(one row per table would make every writer of the audit trail wait for the previous one's
commit). The rows of server processes that have ended are folded into a row of process 0 by
`merge()` (a periodic task), which leaves every sum as it was. The table is not a model:
Django's test flush never empties it, so a version never goes back.

`auth_user`'s trigger leaves out `last_login`, which every sign-in writes and no kept page
shows (the signed-in user's own row is in the page's key, core/page_cache.py).

The names. A statement reads the tables it names and those the functions it calls read (the
access function, org/scoping.py): `relations(sql)` returns them from the schema's own lists,
read once per process; None when the statement reads from something it does not know (a new
table, a set-returning function of PostgreSQL), and the page is then not kept.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "kiemdiem_table_writes"
TRIGGER = "kiemdiem_table_written"
# Columns whose writes do not count: every sign-in writes last_login.
UNCOUNTED_COLUMNS = {"auth_user": {"last_login"}}

_SCHEMA_SQL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    table_name text NOT NULL,
    backend integer NOT NULL,
    writes bigint NOT NULL,
    PRIMARY KEY (table_name, backend)
);
CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $written$
BEGIN
    INSERT INTO {TABLE} AS w (table_name, backend, writes)
    VALUES (TG_ARGV[0], pg_backend_pid(), 1)
    ON CONFLICT (table_name, backend) DO UPDATE SET writes = w.writes + 1;
    RETURN NULL;
END
$written$;
"""

# Every table and partitioned table of the schema but the counts' own, with the name its rows
# are read under (a partition's is its partitioned table's).
_TABLES_SQL = f"""
SELECT c.relname, coalesce(root.relname, c.relname)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class root ON root.oid = pg_partition_root(c.oid)
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> '{TABLE}'
"""

_COLUMNS_SQL = """
SELECT attname FROM pg_attribute
WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum
"""


def _literal(text: str) -> str:
    """A trigger's argument is a literal: DDL takes no parameters."""
    return "'" + text.replace("'", "''") + "'"


def install(using: str = "default", **_kwargs: Any) -> None:
    """Create the counts and a trigger on every table (a post_migrate receiver: a migration may
    have added tables). On PostgreSQL only; idempotent."""
    db = connections[using]
    if db.vendor != "postgresql":
        return
    with db.cursor() as cursor:
        cursor.execute(_SCHEMA_SQL)
        cursor.execute(_TABLES_SQL)
        for name, root in cursor.fetchall():
            update = "UPDATE"
            if name in UNCOUNTED_COLUMNS:
                cursor.execute(_COLUMNS_SQL, [name])
                counted = [c for (c,) in cursor.fetchall() if c not in UNCOUNTED_COLUMNS[name]]
                update = "UPDATE OF " + ", ".join(db.ops.quote_name(c) for c in counted)
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {TRIGGER} "
                f"AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON {db.ops.quote_name(name)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}({_literal(root)})"
            )
    forget_schema()


def merge(using: str = "default") -> int:
    """Fold the rows of server processes that have ended into process 0's row of their table,
    in one statement: every table's sum stays what it was. Returns how many rows were folded."""
    db = connections[using]
    if db.vendor != "postgresql":
        return 0
    with db.cursor() as cursor:
        cursor.execute(
            f"""
            WITH gone AS (
                DELETE FROM {TABLE}
                WHERE backend <> 0 AND backend NOT IN (SELECT pid FROM pg_stat_activity)
                RETURNING table_name, writes
            ), folded AS (
                INSERT INTO {TABLE} AS w (table_name, backend, writes)
                SELECT table_name, 0, sum(writes) FROM gone GROUP BY table_name
                ON CONFLICT (table_name, backend) DO UPDATE SET writes = w.writes + EXCLUDED.writes
            )
            SELECT count(*) FROM gone
            """
        )
        return cursor.fetchone()[0]


# One row, even when nothing was ever written: whether this connection's transaction has written
# (then it sees rows nobody else does: no versions), the counts' table's own identity, and the
# versions, {table: sum}.
_VERSIONS_SQL = f"""
SELECT pg_current_xact_id_if_assigned() IS NULL, '{TABLE}'::regclass::oid,
       coalesce((SELECT json_object_agg(table_name, n) FROM (
           SELECT table_name, sum(writes) AS n FROM {TABLE} {{where}} GROUP BY table_name
       ) AS counts), '{{{{}}}}')
"""
_ALL_VERSIONS_SQL = _VERSIONS_SQL.format(where="")
_SOME_VERSIONS_SQL = _VERSIONS_SQL.format(where="WHERE table_name = ANY(%s)")
# Among the versions, the counts' table's identity: a database restored from a backup has new
# tables, so counts that start again from the backup's never match a page kept before it.
EPOCH = "#"


def versions(db: BaseDatabaseWrapper, tables: list[str] | None = None) -> dict[str, int] | None:
    """{table: version} of `tables` (all written tables when None; one never written is 0) and
    EPOCH, or None inside a transaction that has written."""
    with db.cursor() as cursor:
        if tables is None:
            cursor.execute(_ALL_VERSIONS_SQL)
        else:
            cursor.execute(_SOME_VERSIONS_SQL, [tables])
        committed, epoch, counts = cursor.fetchone()
    if not committed:
        return None
    found = {name: int(n) for name, n in counts.items()}
    if tables is not None:
        for name in tables:
            found.setdefault(name, 0)
    found[EPOCH] = int(epoch)
    return found


# --- the tables a statement reads -----------------------------------------------------------

_WORD = re.compile(r"[a-z_][a-z0-9_$]*")
# What a FROM or JOIN reads from (a subquery's parenthesis is not a name), and the names a WITH
# gives its queries.
_SOURCE = re.compile(r'\b(?:from|join)\s+(?:only\s+)?"?([a-z_][a-z0-9_$.]*)')
_WITH_NAME = re.compile(r'"?([a-z_][a-z0-9_$]*)"?\s+as\s+(?:not\s+)?(?:materialized\s+)?\(')
# Sources that read no table: JOIN LATERAL (…), and PostgreSQL's own set-returning functions.
_NO_TABLE = frozenset(
    {
        "lateral",
        "unnest",
        "generate_series",
        "json_each",
        "jsonb_each",
        "json_array_elements",
        "jsonb_array_elements",
        "regexp_split_to_table",
        "string_to_table",
    }
)


@lru_cache(maxsize=4)
def _known(alias: str) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """The schema's tables (a partition under its partitioned table's name) and, for each of its
    functions that returns rows, the tables its body names (following the functions it calls)."""
    db = connections[alias]
    db.ensure_connection()
    # The driver's own cursor: these queries must not pass through the page's execute wrapper,
    # which asks this function about them.
    with db.connection.cursor() as cursor:
        cursor.execute(_TABLES_SQL)
        tables = frozenset(root for _name, root in cursor.fetchall())
        cursor.execute(
            "SELECT p.proname, p.prosrc FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.prorettype <> 'trigger'::regtype"
        )
        bodies = {name: set(_WORD.findall(source.lower())) for name, source in cursor.fetchall()}
    reads = {name: words & tables for name, words in bodies.items()}
    changed = True
    while changed:  # a function that calls another reads what that one reads
        changed = False
        for name, words in bodies.items():
            for called in words & reads.keys() - {name}:
                if not reads[called] <= reads[name]:
                    reads[name] |= reads[called]
                    changed = True
    return tables, {name: frozenset(found) for name, found in reads.items()}


@lru_cache(maxsize=8192)
def relations(sql: str, alias: str = "default") -> frozenset[str] | None:
    """The tables `sql` reads or writes (every name of a table in it: a column named like a table
    only adds a table), or None when it reads from a source this module does not know."""
    tables, functions = _known(alias)
    text = sql.lower()
    known = tables | functions.keys() | _NO_TABLE | set(_WITH_NAME.findall(text))
    for source in _SOURCE.findall(text):
        if source.rsplit(".", 1)[-1] not in known:
            return None
    words = set(_WORD.findall(text))
    found = set(words & tables)
    for name in words & functions.keys():
        found |= functions[name]
    return frozenset(found)


def forget_schema() -> None:
    """Read the schema's names again (after tests create or drop tables)."""
    _known.cache_clear()
    relations.cache_clear()
