"""The commitments-per-cell-and-year summary (reviews.UnitCommitmentCount): for every cell and
year, the commitments of the people with an open-ended official membership (valid_to NULL) in
that cell, and how many of those have an item not fulfilled (`unkept`), an item fulfilled only
partly or not (`short`), an item not assessed yet (`unassessed`): exactly the flags
selectors.commitment_stats counts, per commitment (however many items carry them).

Kept exact by the database, not by the writers, like the members summary (org/member_counts.py):
triggers on reviews_commitment, reviews_commitmentitem and org_membership add and subtract every
inserted, deleted or updated row, whoever writes it (services, the admin, loaders, raw SQL,
tests' factories). PostgreSQL: one statement-level trigger per table and operation reading the
statement's transition tables; SQLite: row triggers.

- A commitment counts in the cell of each open-ended official membership of its person (one at a
  time: org.services.membership_add), with its flags from its items as they are.
- An item's change moves its commitment's flags: the flag after the statement (its items now)
  less the flag before (its items now, less what the statement added, plus what it removed).
- A membership's change moves its person's commitments of every year to or from its cell: a
  member moving cell moves their commitment's counts, as the page's figures define them.
Each trigger reads the other tables as they are, so any order of writes in a transaction (items
then their commitment, or a commitment then its items) comes out the same.

Rows are per cell, not per ancestor (the members summary's way): a subtree's figures are the sum
of its cells' rows (one range of the unit path index), and members of different cells writing at
once never wait for a shared row. A unit move changes no row. What is not in the summary (open
memberships that start after today, dated and temporary ones) is read live by commitment_stats
through the membership table's partial indexes, so midnight needs no write.

TRUNCATE fires no trigger: after a load that bypassed the triggers, `rebuild()` (command
`rebuild_commitment_counts`). The migration reviews/0006 imports these statements; a change
needs a new migration that replaces the triggers.
"""

from django.db import connection as default_connection

from kiemdiem.core import summary_triggers

TABLE = "reviews_unitcommitmentcount"
COLUMNS = ("filed", "unkept", "short", "unassessed")

# Each flag as a condition on an item `i` (Fulfilment: '' is not assessed yet).
_FLAGS = {
    "unkept": "{i}.fulfilment <> 'fulfilled'",
    "short": "{i}.fulfilment IN ('partly', 'not')",
    "unassessed": "{i}.fulfilment = ''",
}
_OPEN_OFFICIAL = "{m}.kind = 'official' AND {m}.valid_to IS NULL"


def _has(flag: str, commitment: str) -> str:
    """1 when the commitment (an id expression) has an item with the flag now, else 0."""
    condition = _FLAGS[flag].format(i="i")
    return (
        "CASE WHEN EXISTS (SELECT 1 FROM reviews_commitmentitem i "
        f"WHERE i.commitment_id = {commitment} AND {condition}) THEN 1 ELSE 0 END"
    )


def delta_sql(deltas: str) -> str:
    """Add `deltas` (a SELECT of unit_id, year, filed, unkept, short, unassessed: signed counts)
    to the cells' rows, in key order (no deadlock between two writers), then drop the rows left
    empty. A row is created only by a non-negative change: a test database's flush deletes the
    tables in any order, and deleting commitments after this table must not leave rows behind.
    `WHERE` before ON CONFLICT is SQLite's rule for an upsert from a SELECT."""
    sums = ", ".join(f"SUM(d.{c})" for c in COLUMNS)
    return f"""
        INSERT INTO {TABLE} (unit_id, year, {", ".join(COLUMNS)})
        SELECT d.unit_id, d.year, {sums}
          FROM ({deltas}) d
         WHERE 1 = 1
         GROUP BY d.unit_id, d.year
        HAVING ({" OR ".join(f"SUM(d.{c}) <> 0" for c in COLUMNS)})
           AND (({" AND ".join(f"SUM(d.{c}) >= 0" for c in COLUMNS)})
                OR EXISTS (SELECT 1 FROM {TABLE} t
                            WHERE t.unit_id = d.unit_id AND t.year = d.year))
         ORDER BY d.unit_id, d.year
        ON CONFLICT (unit_id, year) DO UPDATE
           SET {", ".join(f"{c} = {TABLE}.{c} + excluded.{c}" for c in COLUMNS)};
        DELETE FROM {TABLE} WHERE filed = 0
    """


def _by_commitment(rows: str) -> str:
    """Deltas of commitments (`rows`: id, person_id, year, s = +1 or -1), each counted in the
    cell of its person's open-ended official membership with its flags as its items are now."""
    flags = ", ".join(f"r.s * {_has(f, 'r.id')} AS {f}" for f in _FLAGS)
    return (
        f"SELECT m.unit_id AS unit_id, r.year AS year, r.s AS filed, {flags} "
        f"FROM ({rows}) r JOIN org_membership m ON m.person_id = r.person_id "
        f"WHERE {_OPEN_OFFICIAL.format(m='m')}"
    )


def _by_membership(rows: str) -> str:
    """Deltas of memberships (`rows`: person_id, unit_id, kind, valid_to, s): the open-ended
    official ones bring or take every commitment of their person, each with its flags."""
    flags = ", ".join(f"m.s * {_has(f, 'c.id')} AS {f}" for f in _FLAGS)
    return (
        f"SELECT m.unit_id AS unit_id, c.year AS year, m.s AS filed, {flags} "
        f"FROM ({rows}) m JOIN reviews_commitment c ON c.person_id = m.person_id "
        f"WHERE {_OPEN_OFFICIAL.format(m='m')}"
    )


def _by_item(rows: str) -> str:
    """Deltas of items (`rows`: commitment_id, fulfilment, s): per commitment, each flag now
    (its items' count with the flag > 0) less the flag before (that count less what the
    statement added and plus what it removed > 0), in the cells of its person's open-ended
    official membership. A commitment already deleted counts nowhere any more."""
    changed = ", ".join(
        f"SUM(x.s * CASE WHEN {cond.format(i='x')} THEN 1 ELSE 0 END) AS {f}"
        for f, cond in _FLAGS.items()
    )
    now = {
        f: "(SELECT COUNT(*) FROM reviews_commitmentitem i "
        f"WHERE i.commitment_id = d.commitment_id AND {cond.format(i='i')})"
        for f, cond in _FLAGS.items()
    }
    flags = ", ".join(
        f"CASE WHEN {now[f]} > 0 THEN 1 ELSE 0 END "
        f"- CASE WHEN {now[f]} - d.{f} > 0 THEN 1 ELSE 0 END AS {f}"
        for f in _FLAGS
    )
    return (
        f"SELECT m.unit_id AS unit_id, c.year AS year, 0 AS filed, {flags} "
        f"FROM (SELECT x.commitment_id, {changed} FROM ({rows}) x GROUP BY x.commitment_id) d "
        "JOIN reviews_commitment c ON c.id = d.commitment_id "
        "JOIN org_membership m ON m.person_id = c.person_id "
        f"WHERE {_OPEN_OFFICIAL.format(m='m')}"
    )


_SOURCES = {
    "reviews_commitment": (_by_commitment, "id, person_id, year"),
    "reviews_commitmentitem": (_by_item, "commitment_id, fulfilment"),
    "org_membership": (_by_membership, "person_id, unit_id, kind, valid_to"),
}


def _statement_rows(columns: str, table: str, s: int) -> str:
    return f"SELECT {columns}, {s} AS s FROM {table}"


def _postgres(table: str) -> str:
    deltas, columns = _SOURCES[table]
    new, old = _statement_rows(columns, "new_rows", 1), _statement_rows(columns, "old_rows", -1)
    return summary_triggers.create_sql(
        f"{table}_commitment_counted",
        table,
        inserted=delta_sql(deltas(new)),
        deleted=delta_sql(deltas(old)),
        updated=delta_sql(deltas(new + " UNION ALL " + old)),
    )


def _row(columns: str, ref: str, s: int) -> str:
    """SQLite: one row (NEW or OLD) as the statement-level form's rows."""
    return "SELECT " + ", ".join(f"{ref}.{c} AS {c}" for c in columns.split(", ")) + f", {s} AS s"


def _sqlite(table: str) -> list[str]:
    deltas, columns = _SOURCES[table]
    new, old = _row(columns, "NEW", 1), _row(columns, "OLD", -1)
    name = f"{table}_commitment_counted"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT ON {table} "
        f"BEGIN {delta_sql(deltas(new))}; END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE ON {table} "
        f"BEGIN {delta_sql(deltas(old))}; END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_update AFTER UPDATE OF {columns} ON {table} "
        f"BEGIN {delta_sql(deltas(new + ' UNION ALL ' + old))}; END",
    ]


def create_triggers(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for table in _SOURCES:
            schema_editor.execute(_postgres(table), params=None)
    else:
        for table in _SOURCES:
            for statement in _sqlite(table):
                schema_editor.execute(statement, params=None)


def drop_triggers(schema_editor) -> None:
    for table in _SOURCES:
        name = f"{table}_commitment_counted"
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(summary_triggers.drop_sql(name, table), params=None)
        else:
            for op in summary_triggers.OPERATIONS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{op}", params=None)


def rebuild(connection=None) -> None:
    """The whole summary again from the memberships, commitments and items, set-based (one
    grouped pass): after a load that bypassed the triggers (TRUNCATE, triggers disabled), and
    in the migration."""
    connection = connection or default_connection
    every = "SELECT id, person_id, year, 1 AS s FROM reviews_commitment"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        for statement in delta_sql(_by_commitment(every)).split(";"):
            cursor.execute(statement)
