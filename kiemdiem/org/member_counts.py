"""The members-per-unit summary (org.UnitMemberCount): for every unit, how many open-ended
memberships (valid_to NULL) its whole subtree holds, official and temporary apart.

Kept exact by the database, not by the writers: triggers on org_membership count every
inserted, deleted or updated row, whoever writes it (the org services, imports, the demo and
bench loaders, the admin, tests' factories, raw SQL). A change reaches the unit of the membership
and every ancestor of it (found by their paths: the prefixes of the unit's path).

PostgreSQL (since org/0007): one statement-level trigger per operation reads the statement's
transition tables (a bulk load of millions of rows costs one grouped pass) and appends the
statement's net change per unit to UnitMemberCountChange, in the writer's transaction.
`merge_pending` (the task workers, every minute) adds the changes to the unit's and its
ancestors' rows and deletes them, in one statement. Org/0006's triggers added to the ancestors
in the writer's transaction: every membership writer of the country then waited on the root's
row for the one before it to commit, and an import held it for its whole length. The counts
(selectors.subtree_member_counts) read the summary and the pending changes in one statement.
SQLite: row triggers add to the ancestors at once. Its writers wait for each other anyway (one
write transaction at a time), so nothing is ever pending there.

What is not in the summary is read live through two small partial indexes (selectors.
subtree_member_counts): open memberships that start after today (subtracted) and dated ones
still running today (added). So midnight needs no rebuild: a membership whose end date has
passed, or whose start date arrives, is counted right on the first load of the day.

Unit moves change ancestors: org.services.unit_move calls `lock_for_move`, then moves the
subtree's totals in its transaction. On PostgreSQL only the merges add to ancestors: the move
waits for those in flight and holds the next back (an advisory lock they share), and changes
still pending, kept by unit id, are merged later along the new paths; membership writers, an
import among them, neither wait for a move nor make it wait. TRUNCATE of org_membership fires
nothing: truncate the summary and its changes with it (the demo writer's TRUNCATE does).

core/0011's way: the migrations org/0006 and 0007 import these statements; a change needs a new
migration that replaces the triggers.
"""

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db import connection as default_connection

from kiemdiem.core import summary_triggers
from kiemdiem.core.summaries import merge_until_done, rebuild_in_snapshot

TABLE = "org_unitmembercount"
CHANGES = "org_unitmembercountchange"
# PostgreSQL advisory lock (to the transaction's end): merges hold it shared, a unit move alone.
MERGE_LOCK = 0x6B64_6D63  # "kdmc"; no other advisory lock of the schema uses it

# Path prefix lengths of a unit's ancestors: 6 digits and a dot per level (models.PATH_STEP),
# up to the path column's 255 characters.
_LENGTHS = ", ".join(f"({n})" for n in range(7, 256, 7))


def delta_sql(deltas: str) -> str:
    """Add `deltas` (a SELECT of unit_id, official, temporary: signed counts of open
    memberships per unit) to the unit and each of its ancestors. Portable (PostgreSQL and
    SQLite both name a VALUES list's column column1); `WHERE` before ON CONFLICT is SQLite's
    rule for an upsert from a SELECT."""
    return f"""
        INSERT INTO {TABLE} (unit_id, official, temporary)
        SELECT a.id, SUM(d.official), SUM(d.temporary)
          FROM ({deltas}) d
          JOIN org_unit u ON u.id = d.unit_id
          JOIN (VALUES {_LENGTHS}) k ON k.column1 <= LENGTH(u.path)
          JOIN org_unit a ON a.path = SUBSTR(u.path, 1, k.column1)
         WHERE d.official <> 0 OR d.temporary <> 0
         GROUP BY a.id
        HAVING SUM(d.official) <> 0 OR SUM(d.temporary) <> 0
         ORDER BY a.id
        ON CONFLICT (unit_id) DO UPDATE
           SET official = {TABLE}.official + excluded.official,
               temporary = {TABLE}.temporary + excluded.temporary
    """


def _grouped(source: str, sign: str = "") -> str:
    return (
        f"SELECT unit_id, {sign}COUNT(*) FILTER (WHERE kind = 'official') AS official, "
        f"{sign}COUNT(*) FILTER (WHERE kind <> 'official') AS temporary "
        f"FROM {source} WHERE valid_to IS NULL GROUP BY unit_id"
    )


def _row(ref: str) -> str:
    """SQLite: one row's delta (NEW), zero when it is not open-ended."""
    return (
        f"SELECT {ref}.unit_id AS unit_id, "
        f"({ref}.kind = 'official' AND {ref}.valid_to IS NULL) AS official, "
        f"({ref}.kind <> 'official' AND {ref}.valid_to IS NULL) AS temporary"
    )


def _subtract(ref: str) -> str:
    """SQLite: take one row (OLD) off its unit's and ancestors' rows, updating only rows that
    exist. A test database's flush deletes the tables in any order: deleting the memberships
    after this table must not leave rows behind."""
    return f"""
        UPDATE {TABLE}
           SET official = official - ({ref}.kind = 'official'),
               temporary = temporary - ({ref}.kind <> 'official')
         WHERE {ref}.valid_to IS NULL AND unit_id IN (
               SELECT a.id FROM org_unit u
                 JOIN (VALUES {_LENGTHS}) k ON k.column1 <= LENGTH(u.path)
                 JOIN org_unit a ON a.path = SUBSTR(u.path, 1, k.column1)
                WHERE u.id = {ref}.unit_id)
    """


def pending_sql(deltas: str) -> str:
    """Append `deltas` (as delta_sql's) to the changes waiting for the merge, one row a unit."""
    return f"""
        INSERT INTO {CHANGES} (unit_id, official, temporary)
        SELECT unit_id, SUM(official), SUM(temporary)
          FROM ({deltas}) d
         GROUP BY unit_id
        HAVING SUM(official) <> 0 OR SUM(temporary) <> 0
    """


def _postgres(keep: Callable[[str], str]) -> str:
    return summary_triggers.create_sql(
        "org_membership_counted",
        "org_membership",
        inserted=keep(_grouped("new_rows")),
        deleted=keep(_grouped("old_rows", "-")),
        updated=keep(_grouped("new_rows") + " UNION ALL " + _grouped("old_rows", "-")),
    )


# Org/0006 to 0007: each statement added its change to every ancestor's row at once.
POSTGRES_ADDING = _postgres(delta_sql)
# Since org/0007: each statement appends its change per unit; merge_pending adds them up.
POSTGRES = _postgres(pending_sql)
DROP_POSTGRES = summary_triggers.drop_sql("org_membership_counted", "org_membership")

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS org_membership_counted_insert
    AFTER INSERT ON org_membership WHEN NEW.valid_to IS NULL
    BEGIN {delta_sql(_row("NEW"))}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS org_membership_counted_delete
    AFTER DELETE ON org_membership WHEN OLD.valid_to IS NULL
    BEGIN {_subtract("OLD")}; END""",
    f"""CREATE TRIGGER IF NOT EXISTS org_membership_counted_update
    AFTER UPDATE OF unit_id, kind, valid_to ON org_membership
    WHEN OLD.valid_to IS NULL OR NEW.valid_to IS NULL
    BEGIN {_subtract("OLD")}; {delta_sql(_row("NEW"))}; END""",
]

DROP_SQLITE = [
    f"DROP TRIGGER IF EXISTS org_membership_counted_{op}" for op in ("insert", "delete", "update")
]


def create_triggers(schema_editor, postgres: str = POSTGRES) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(postgres, params=None)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)


def drop_triggers(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_POSTGRES, params=None)
    else:
        for statement in DROP_SQLITE:
            schema_editor.execute(statement, params=None)


# The claimed changes summed per unit, for delta_sql.
_CLAIMED = (
    "SELECT unit_id, SUM(official) AS official, SUM(temporary) AS temporary "
    "FROM claimed GROUP BY unit_id"
)


def merge_pending(*, batch: int = 10_000, connection=None) -> int:
    """Add up to `batch` pending changes, oldest first, to their units' and ancestors' rows and
    delete them, in one statement; returns how many. Workers may merge at once: each claims
    rows the others have not locked (SKIP LOCKED), and they add to the ancestors' rows in one
    order (delta_sql), so they wait for each other there but never deadlock. SQLite keeps
    nothing pending."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [MERGE_LOCK])
        cursor.execute(
            f"""
            WITH claimed AS (
                DELETE FROM {CHANGES} WHERE id IN (
                    SELECT id FROM {CHANGES} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
                RETURNING unit_id, official, temporary
            ), added AS ({delta_sql(_CLAIMED)} RETURNING 1)
            SELECT COUNT(*) FROM claimed
            """,
            [batch],
        )
        return cursor.fetchone()[0]


def merge_all(*, batch: int = 10_000, connection=None) -> int:
    """Merge batches until nothing is pending; returns the count."""
    return merge_until_done(lambda n: merge_pending(batch=n, connection=connection), batch=batch)


def lock_for_move(connection=None) -> None:
    """PostgreSQL, in a unit move's transaction, before it moves the subtree's totals: a merge
    adds changes to the ancestors the units' paths name. Waits for the merges in flight (whose
    totals then move too) and holds the next back until the move commits. Membership writers
    are not waited for: their changes are pending by unit id."""
    connection = connection or default_connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MERGE_LOCK])


def rebuild(connection=None, *, changes: bool = True) -> None:
    """The whole summary again from org_membership, set-based (one grouped pass), the pending
    changes dropped (`changes=False`: org/0006, before their table existed): after a load that
    bypassed the triggers (TRUNCATE, or triggers disabled), and in the migration. On its own it
    runs in one snapshot (core.summaries), so a membership written meanwhile is counted once:
    in the recount or by its pending change."""
    connection = connection or default_connection
    postgres = connection.vendor == "postgresql"
    if postgres:
        deltas = _grouped("org_membership")
    else:  # SQLite has no FILTER before 3.30; SUM of a comparison counts the same
        deltas = (
            "SELECT unit_id, SUM(kind = 'official') AS official, "
            "SUM(kind <> 'official') AS temporary "
            "FROM org_membership WHERE valid_to IS NULL GROUP BY unit_id"
        )

    def once() -> None:
        with connection.cursor() as cursor:
            if postgres and changes:
                cursor.execute(f"DELETE FROM {CHANGES}")
            cursor.execute(f"DELETE FROM {TABLE}")
            cursor.execute(delta_sql(deltas))

    if connection.alias == DEFAULT_DB_ALIAS:
        rebuild_in_snapshot(once, what="dựng lại số đảng viên theo đơn vị")
    else:
        with transaction.atomic(using=connection.alias):
            once()
