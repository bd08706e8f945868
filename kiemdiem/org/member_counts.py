"""The members-per-unit summary (org.UnitMemberCount): for every unit, how many open-ended
memberships (valid_to NULL) its whole subtree holds, official and temporary apart.

Kept exact by the database, not by the writers: triggers on org_membership add and subtract
every inserted, deleted or updated row, whoever writes it (the org services, imports, the demo
and bench loaders, the admin, tests' factories, raw SQL). PostgreSQL: one statement-level trigger
per operation reading the statement's transition tables, so a bulk load of millions of rows
costs one grouped pass; SQLite: row triggers. Each change reaches the unit of the membership and
every ancestor of it (found by their paths: the prefixes of the unit's path).

What is not in the summary is read live through two small partial indexes (selectors.
subtree_member_counts): open memberships that start after today (subtracted) and dated ones
still running today (added). So midnight needs no rebuild: a membership whose end date has
passed, or whose start date arrives, is counted right on the first load of the day.

Unit moves change ancestors: org.services.unit_move calls `move_subtree` in its transaction
(PostgreSQL: after locking org_membership against concurrent writes, so no trigger adds to
the old ancestors after the totals were moved). TRUNCATE of org_membership fires nothing:
truncate this table with it (the demo writer's TRUNCATE does: it references org_unit).

core/0011's way: the migration org/0006 imports these statements; a change needs a new
migration that replaces the triggers.
"""

from django.db import connection as default_connection

from kiemdiem.core import summary_triggers

TABLE = "org_unitmembercount"

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


POSTGRES = summary_triggers.create_sql(
    "org_membership_counted",
    "org_membership",
    inserted=delta_sql(_grouped("new_rows")),
    deleted=delta_sql(_grouped("old_rows", "-")),
    updated=delta_sql(_grouped("new_rows") + " UNION ALL " + _grouped("old_rows", "-")),
)
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


def create_triggers(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES, params=None)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)


def drop_triggers(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_POSTGRES, params=None)
    else:
        for statement in DROP_SQLITE:
            schema_editor.execute(statement, params=None)


def rebuild(connection=None) -> None:
    """The whole summary again from org_membership, set-based (one grouped pass): after a load
    that bypassed the triggers (TRUNCATE, or triggers disabled), and in the migration."""
    connection = connection or default_connection
    if connection.vendor == "postgresql":
        deltas = _grouped("org_membership")
    else:  # SQLite has no FILTER before 3.30; SUM of a comparison counts the same
        deltas = (
            "SELECT unit_id, SUM(kind = 'official') AS official, "
            "SUM(kind <> 'official') AS temporary "
            "FROM org_membership WHERE valid_to IS NULL GROUP BY unit_id"
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(delta_sql(deltas))
