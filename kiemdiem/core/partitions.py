"""PostgreSQL: the audit trail and the progress reports, partitioned by year.

`core_auditevent` (by `at`) and `remediation_progressupdate` (by `reported_at`) are declared
`PARTITION BY RANGE` on PostgreSQL (migrations core/0011, remediation/0008; SQLite keeps plain
tables). Each year is its own table, `<table>_y2026`, from 1 January 00:00 to the next 1 January in
settings.TIME_ZONE, plus a DEFAULT partition `<table>_default` that catches a row no year table
takes (a clock far off, a year nobody created yet). The primary key is (id, key) — a unique
constraint on a partitioned table must contain the partition key — and `id` comes from a sequence
owned by the column (PostgreSQL 15 does not give a partition its parent's identity column, so an
INSERT straight into a partition would have no id). Queries by id alone still work: they look into
every partition's index.

A year is closed once its end has passed: its partition then refuses UPDATE, DELETE and TRUNCATE
(trigger `<partition>_closed`, `_closed_truncate`, calling `kiemdiem_partition_closed` with the
partition's upper bound; a test database's flush is let through as for the audit tables, see
core/management/commands/flush.py). The audit trail refuses them in every year already
(core/0002, 0004; its TRUNCATE trigger is put on each partition too, because TRUNCATE of one
partition fires only that partition's statement triggers). Rows of a closed year waiting in
DEFAULT are refused the same way (`kiemdiem_default_closed`, which reads each row's key).

`partitions_ensure()` — the daily schedule `partitions-ensure` — creates the partitions of this year
and the next ones, and of any year whose rows fell into DEFAULT (moving them out). It calls the SQL
function `kiemdiem_partition_add(parent, year, tz)`: SECURITY DEFINER, so the application's role
(which owns nothing, see grant_app_role) can have a year created by the tables' owner; it accepts
only the two tables above. A new partition gets its parent's grants.

Archiving a year: `ALTER TABLE core_auditevent DETACH PARTITION core_auditevent_y2024`, then
pg_dump -t the detached table and drop it (README, "Partitions by year").
"""

import datetime

from django.conf import settings
from django.db import connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

# parent table -> partition key column
TABLES = {
    "core_auditevent": "at",
    "remediation_progressupdate": "reported_at",
}

# Created by core/0011, which imports this text (not a frozen copy): the functions are
# CREATE OR REPLACE, so a change here reaches a database only through a new migration
# that runs FUNCTIONS again.
FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION kiemdiem_partition_closed() RETURNS trigger AS $$
BEGIN
    IF now() < TG_ARGV[0]::timestamptz THEN
        IF TG_LEVEL = 'STATEMENT' THEN
            RETURN NULL;
        ELSIF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'TRUNCATE' AND current_setting('kiemdiem.audit_truncate', true) = 'allow'
       AND current_database() LIKE 'test\_%' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% holds a closed year (until %): % refused', TG_TABLE_NAME, TG_ARGV[0], TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION kiemdiem_default_closed() RETURNS trigger AS $$
DECLARE
    year_start timestamptz :=
        date_trunc('year', now() AT TIME ZONE TG_ARGV[1]) AT TIME ZONE TG_ARGV[1];
    closed_rows boolean;
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        IF (to_jsonb(OLD) ->> TG_ARGV[0])::timestamptz >= year_start THEN
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END IF;
    ELSE
        IF current_setting('kiemdiem.audit_truncate', true) = 'allow'
           AND current_database() LIKE 'test\_%' THEN
            RETURN NULL;
        END IF;
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I < $1)', TG_TABLE_NAME, TG_ARGV[0])
            INTO closed_rows USING year_start;
        IF NOT closed_rows THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION '% holds rows of a closed year: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION kiemdiem_partition_add(parent text, year int, tz text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    key text;
    part text := parent || '_y' || year;
    dflt text := parent || '_default';
    lo timestamptz := make_timestamptz(year, 1, 1, 0, 0, 0, tz);
    hi timestamptz := make_timestamptz(year + 1, 1, 1, 0, 0, 0, tz);
    moved bigint;
    grant_row record;
BEGIN
    IF parent = 'core_auditevent' THEN
        key := 'at';
    ELSIF parent = 'remediation_progressupdate' THEN
        key := 'reported_at';
    ELSE
        RAISE EXCEPTION 'kiemdiem_partition_add: % is not partitioned by year', parent;
    END IF;
    IF year < 2000 OR year > 2200 THEN
        RAISE EXCEPTION 'kiemdiem_partition_add: year % out of range', year;
    END IF;
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    -- Rows of that year in DEFAULT would make the new partition's bounds overlap: move them.
    moved := 0;
    IF to_regclass(dflt) IS NOT NULL THEN
        EXECUTE format(
            'CREATE TEMP TABLE kiemdiem_moving ON COMMIT DROP AS '
            'SELECT * FROM %I WHERE %I >= %L AND %I < %L', dflt, key, lo, key, hi);
        GET DIAGNOSTICS moved = ROW_COUNT;
        IF moved > 0 THEN
            -- the append-only triggers would refuse; the rows are put back just below
            EXECUTE format('ALTER TABLE %I DISABLE TRIGGER USER', dflt);
            EXECUTE format('DELETE FROM %I WHERE %I >= %L AND %I < %L', dflt, key, lo, key, hi);
            EXECUTE format('ALTER TABLE %I ENABLE TRIGGER USER', dflt);
        END IF;
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                   part, parent, lo, hi);
    IF to_regclass('pg_temp.kiemdiem_moving') IS NOT NULL THEN
        IF moved > 0 THEN
            EXECUTE format('INSERT INTO %I SELECT * FROM pg_temp.kiemdiem_moving', part);
        END IF;
        DROP TABLE pg_temp.kiemdiem_moving;
    END IF;
    EXECUTE format(
        'CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW '
        'EXECUTE FUNCTION kiemdiem_partition_closed(%L)', part || '_closed', part, hi);
    EXECUTE format(
        'CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT '
        'EXECUTE FUNCTION kiemdiem_partition_closed(%L)', part || '_closed_truncate', part, hi);
    IF parent = 'core_auditevent' THEN
        EXECUTE format(
            'CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT '
            'EXECUTE FUNCTION core_auditevent_no_truncate()', part || '_no_truncate', part);
    END IF;
    -- the parent's grants, nothing more (default privileges may have given more)
    FOR grant_row IN
        SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = part::regclass AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('REVOKE ALL ON %I FROM %s', part, CASE grant_row.grantee WHEN 0
            THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(grant_row.grantee)) END);
    END LOOP;
    FOR grant_row IN
        SELECT a.grantee, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = parent::regclass AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('GRANT %s ON %I TO %s', grant_row.privilege_type, part,
            CASE grant_row.grantee WHEN 0
            THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(grant_row.grantee)) END);
    END LOOP;
    RETURN true;
END;
$$;
REVOKE ALL ON FUNCTION kiemdiem_partition_add(text, int, text) FROM PUBLIC;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS kiemdiem_partition_add(text, int, text);
DROP FUNCTION IF EXISTS kiemdiem_partition_closed();
DROP FUNCTION IF EXISTS kiemdiem_default_closed();
"""


def is_partitioned(cursor: CursorWrapper, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    found = cursor.fetchone()
    return found is not None and found[0] == "p"


def partitions_of(cursor: CursorWrapper, table: str) -> list[str]:
    cursor.execute(
        "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = to_regclass(%s) "
        "ORDER BY 1",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _years_in_default(cursor: CursorWrapper, table: str, key: str, tz: str) -> set[int]:
    cursor.execute(
        f'SELECT DISTINCT extract(year FROM "{key}" AT TIME ZONE %s)::int FROM "{table}_default"',
        [tz],
    )
    return {row[0] for row in cursor.fetchall()}


def add_year(cursor: CursorWrapper, table: str, year: int) -> bool:
    """Create `table`'s partition of `year` (moving that year's rows out of DEFAULT); False
    when it exists already."""
    cursor.execute("SELECT kiemdiem_partition_add(%s, %s, %s)", [table, year, settings.TIME_ZONE])
    return bool(cursor.fetchone()[0])


def partitions_ensure(years_ahead: int = 1) -> list[str]:
    """Partitions of this year and `years_ahead` more, and of every year found in DEFAULT;
    returns the names of those created (nothing on SQLite)."""
    if connection.vendor != "postgresql":
        return []
    this = timezone.localdate().year
    created = []
    with connection.cursor() as cursor:
        for table, key in TABLES.items():
            if not is_partitioned(cursor, table):
                continue
            years = set(range(this, this + years_ahead + 1))
            years |= _years_in_default(cursor, table, key, settings.TIME_ZONE)
            for year in sorted(years):
                if add_year(cursor, table, year):
                    created.append(f"{table}_y{year}")
    return created


# --- conversion of a plain table (migrations core/0011, remediation/0008) -------------------


def _fetch(cursor: CursorWrapper, sql: str, params: list) -> list:
    cursor.execute(sql, params)
    return cursor.fetchall()


def _definitions(cursor: CursorWrapper, table: str) -> dict[str, list[str]]:
    """What Django (and the earlier migrations) built on `table` beyond its columns, as SQL that
    rebuilds it under the same names: indexes, constraints (not the primary key), triggers."""
    indexes = [
        row[0].replace(" ON ONLY ", " ON ")
        for row in _fetch(
            cursor,
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND c.oid IS NULL "
            "ORDER BY 1",
            [table],
        )
    ]
    constraints = [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
        for name, definition in _fetch(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype <> 'p' AND coninhcount = 0 ORDER BY 1",
            [table],
        )
    ]
    triggers = [
        row[0]
        for row in _fetch(
            cursor,
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
            "AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname",
            [table],
        )
    ]
    referenced = _fetch(
        cursor, "SELECT conname FROM pg_constraint WHERE confrelid = %s::regclass", [table]
    )
    if referenced:
        raise RuntimeError(f"{table} is referenced by {referenced}: drop those constraints first")
    return {"indexes": indexes, "constraints": constraints, "triggers": triggers}


def _pkey(cursor: CursorWrapper, table: str) -> str:
    return _fetch(
        cursor,
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
        [table],
    )[0][0]


def _copy_grants(cursor: CursorWrapper, source: str, target: str) -> None:
    for grantee, privilege in _fetch(
        cursor,
        "SELECT CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) "
        "END, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = %s::regclass AND a.grantee <> c.relowner",
        [source],
    ):
        cursor.execute(f'GRANT {privilege} ON "{target}" TO {grantee}')


def _rebuild(cursor: CursorWrapper, definitions: dict[str, list[str]]) -> None:
    for group in ("indexes", "constraints", "triggers"):
        for statement in definitions[group]:
            cursor.execute(statement)


def partition_table(schema_editor: BaseDatabaseSchemaEditor, table: str, key: str) -> None:
    """Turn plain `table` into one partitioned by year on `key`, in place (same columns,
    defaults, index, constraint and trigger names, grants, ids)."""
    with schema_editor.connection.cursor() as cursor:
        if is_partitioned(cursor, table):
            return
        definitions = _definitions(cursor, table)
        pkey = _pkey(cursor, table)
        old = f"{table}_unpartitioned"
        tz = settings.TIME_ZONE
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        cursor.execute(f'ALTER TABLE "{old}" RENAME CONSTRAINT "{pkey}" TO "{old}_pkey"')
        cursor.execute(
            f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS) PARTITION BY RANGE ("{key}")'
        )
        _copy_grants(cursor, old, table)
        cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN id DROP DEFAULT')
        sequence = f'"{table}_id_partitioned"'
        cursor.execute(f'CREATE SEQUENCE {sequence} AS bigint OWNED BY "{table}".id')
        cursor.execute(f"ALTER TABLE \"{table}\" ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
        cursor.execute(
            f'SELECT GREATEST((SELECT MAX(id) FROM "{old}"), '
            f"(SELECT last_value FROM pg_sequences WHERE schemaname = 'public' "
            f"AND sequencename = %s AND last_value IS NOT NULL))",
            [f"{table}_id_seq"],
        )
        last = cursor.fetchone()[0]
        if last:
            cursor.execute(f"SELECT setval('{sequence}', %s)", [last])
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{pkey}" PRIMARY KEY (id, "{key}")')
        cursor.execute(
            f'SELECT extract(year FROM MIN("{key}") AT TIME ZONE %s)::int FROM "{old}"', [tz]
        )
        this = timezone.localdate().year
        first = min(cursor.fetchone()[0] or this, this)
        for year in range(first, this + 2):
            add_year(cursor, table, year)
        cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
        _copy_grants(cursor, table, f"{table}_default")
        # rows of a closed year waiting in DEFAULT (until the upkeep moves them) are closed too
        args = f"'{key}', '{tz.replace(chr(39), '')}'"  # trigger arguments are literals
        default = f'"{table}_default"'
        cursor.execute(
            f'CREATE TRIGGER "{table}_default_closed" BEFORE UPDATE OR DELETE ON {default} '
            f"FOR EACH ROW EXECUTE FUNCTION kiemdiem_default_closed({args})"
        )
        cursor.execute(
            f'CREATE TRIGGER "{table}_default_closed_truncate" BEFORE TRUNCATE ON {default} '
            f"FOR EACH STATEMENT EXECUTE FUNCTION kiemdiem_default_closed({args})"
        )
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
        cursor.execute(f'DROP TABLE "{old}"')
        cursor.execute(f'ALTER SEQUENCE "{table}_id_partitioned" RENAME TO "{table}_id_seq"')
        _rebuild(cursor, definitions)
        if table == "core_auditevent":
            cursor.execute(
                "CREATE TRIGGER core_auditevent_default_no_truncate BEFORE TRUNCATE ON "
                '"core_auditevent_default" FOR EACH STATEMENT '
                "EXECUTE FUNCTION core_auditevent_no_truncate()"
            )
        cursor.execute(f'ANALYZE "{table}"')


def unpartition_table(schema_editor: BaseDatabaseSchemaEditor, table: str, key: str) -> None:
    """The reverse of partition_table: one plain table again, every year's rows in it."""
    with schema_editor.connection.cursor() as cursor:
        if not is_partitioned(cursor, table):
            return
        definitions = _definitions(cursor, table)
        pkey = _pkey(cursor, table)
        old = f"{table}_partitioned"
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        cursor.execute(f'ALTER TABLE "{old}" RENAME CONSTRAINT "{pkey}" TO "{old}_pkey"')
        cursor.execute(f'ALTER SEQUENCE "{table}_id_seq" OWNED BY NONE')
        cursor.execute(f'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS)')
        _copy_grants(cursor, old, table)
        cursor.execute(f'ALTER SEQUENCE "{table}_id_seq" OWNED BY "{table}".id')
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{pkey}" PRIMARY KEY (id)')
        cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
        cursor.execute(f'DROP TABLE "{old}" CASCADE')
        _rebuild(cursor, definitions)
        cursor.execute(f'ANALYZE "{table}"')


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of `year` and of the next one, in settings.TIME_ZONE."""
    tz = timezone.get_default_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=tz),
        datetime.datetime(year + 1, 1, 1, tzinfo=tz),
    )
