"""Storing a demo Plan with explicit ids: plain bulk INSERTs, no model instances, no signals.

- SQLite: executemany in chunks.  PostgreSQL: COPY.
- Members at national scale on PostgreSQL: INSERT … SELECT over generate_series (people.py has
  the SELECT), so 5.6 million people never pass through Python.
"""

import datetime
import time
from collections.abc import Iterable

from django.core.management.color import no_style
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from kiemdiem.core.bulk import CHUNK, Table, analyze, insert_rows
from kiemdiem.org.demo.people import (
    NEW_START,
    Salts,
    all_name_combos,
    person_data,
    person_select_sql,
)
from kiemdiem.org.demo.tree import Plan
from kiemdiem.org.models import (
    AccessGrant,
    Membership,
    MembershipKind,
    Person,
    Position,
    Unit,
    UnitMemberCount,
    UnitMemberCountChange,
    UnitSuccession,
)
from kiemdiem.org.services import unit_search_text

# created_at / updated_at of every demo row: fixed, so a seed always gives identical rows.
STAMP = datetime.datetime(2026, 11, 1, 1, 0, tzinfo=datetime.UTC)
# UnitMemberCount and its pending changes: the triggers on memberships keep them; a TRUNCATE of
# memberships (which fires none) must empty them too. After Membership: deleted in this order,
# the memberships' triggers find the summary's rows still there, and their changes go with them.
ORG_MODELS = [
    AccessGrant,
    Position,
    Membership,
    UnitMemberCount,
    UnitMemberCountChange,
    UnitSuccession,
    Person,
    Unit,
]


class Writer:
    """Bulk inserts on one connection, inside the caller's transaction."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.stamp = connection.ops.adapt_datetimefield_value(STAMP)

    def table(self, model: type[models.Model], attnames: list[str]) -> Table:
        return Table(self.connection, model, attnames)

    def insert(self, table: Table, rows: Iterable[tuple]) -> int:
        return insert_rows(self.connection, table, rows)

    def execute(self, sql: str, params: dict | None = None) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    # --- the plan, table by table -------------------------------------------------------------

    def write_units(self, plan: Plan) -> int:
        table = self.table(
            Unit,
            "id created_at updated_at version code name kind parent_id path depth valid_from "
            "valid_to merged_into_id admin_code search_text".split(),
        )
        s = self.stamp
        return self.insert(
            table,
            (
                (u.id, s, s, 1, u.code, u.name, u.kind, u.parent_id, u.path, u.depth)
                + (u.valid_from, u.valid_to, u.merged_into_id, u.admin_code)
                + (unit_search_text(u.code, u.name),)
                for u in plan.units
            ),
        )

    def write_successions(self, plan: Plan) -> int:
        table = self.table(
            UnitSuccession,
            "id created_at updated_at version predecessor_id successor_id effective_on "
            "note".split(),
        )
        s = self.stamp
        return self.insert(
            table,
            (
                (i, s, s, 1, old, new, NEW_START, note)
                for i, (old, new, note) in enumerate(plan.successions, start=1)
            ),
        )

    def write_positions(self, plan: Plan) -> int:
        table = self.table(
            Position,
            "id created_at updated_at version person_id unit_id role valid_from valid_to "
            "is_concurrent".split(),
        )
        s = self.stamp
        return self.insert(
            table,
            (
                (i, s, s, 1, person, unit, role, NEW_START, None, False)
                for i, (person, unit, role) in enumerate(plan.positions(), start=1)
            ),
        )

    def _person_table(self) -> Table:
        return self.table(
            Person,
            "id created_at updated_at version full_name birth_date gender party_card_number "
            "admission_date official_date user_id search_text sort_key".split(),
        )

    def _membership_table(self) -> Table:
        return self.table(
            Membership,
            "id created_at updated_at version person_id unit_id kind valid_from valid_to".split(),
        )

    def write_people_python(self, plan: Plan, salts: Salts) -> tuple[int, int]:
        """People and their memberships from Python tuples (membership id = person id)."""
        s = self.stamp
        official = MembershipKind.OFFICIAL.value
        person_table, membership_table = self._person_table(), self._membership_table()
        n_people = n_members = 0
        people: list[tuple] = []
        memberships: list[tuple] = []
        for cell in plan.cells:
            for k in range(cell.n):
                d = person_data(salts, cell.first_id + k, k < cell.lead_n)
                people.append(
                    (d.id, s, s, 1, d.full_name, d.birth_date, d.gender, d.party_card_number)
                    + (d.admission_date, d.official_date, None, d.search_text, d.sort_key)
                )
                since = max(d.admission_date, NEW_START)
                memberships.append((d.id, s, s, 1, d.id, cell.unit.id, official, since, None))
            if len(people) >= CHUNK:
                n_people += self.insert(person_table, people)
                n_members += self.insert(membership_table, memberships)
                people, memberships = [], []
        n_people += self.insert(person_table, people)
        n_members += self.insert(membership_table, memberships)
        return n_people, n_members

    def write_people_sql(self, plan: Plan, salts: Salts, log=None) -> tuple[int, int]:
        """PostgreSQL: people and memberships by INSERT … SELECT over generate_series."""
        self.execute(
            "CREATE TEMP TABLE kd_cells (seq integer, cell_id bigint, first_id bigint, "
            "n integer, lead_n integer) ON COMMIT DROP"
        )
        self.execute(
            "CREATE TEMP TABLE kd_names (combo integer PRIMARY KEY, full_name text, folded text, "
            "sort_key text, gender text) ON COMMIT DROP"
        )
        self.insert(
            Table.columns_only("kd_cells", ["seq", "cell_id", "first_id", "n", "lead_n"]),
            ((i, c.unit.id, c.first_id, c.n, c.lead_n) for i, c in enumerate(plan.cells)),
        )
        self.insert(
            Table.columns_only("kd_names", ["combo", "full_name", "folded", "sort_key", "gender"]),
            all_name_combos(),
        )
        self.execute("ANALYZE kd_cells")
        self.execute("ANALYZE kd_names")
        select, params = person_select_sql("kd_cells", "kd_names", salts)
        person_table, membership_table = self._person_table(), self._membership_table()
        person_values = (
            "q.id, %(stamp)s, %(stamp)s, 1, q.full_name, q.birth_date, q.gender, "
            "q.party_card_number, q.admission_date, q.official_date, NULL, q.search_text, "
            "q.sort_key"
        )
        membership_values = (
            "p.id, %(stamp)s, %(stamp)s, 1, p.id, c.cell_id, %(official)s, "
            "GREATEST(p.admission_date, %(start)s::date), NULL"
        )
        extras = {f"extra{i}": v for i, v in enumerate(person_table.extra)}
        person_sql = (
            f"INSERT INTO {person_table.name} ({person_table.column_sql(self.connection)}) "
            f"SELECT {person_values}{_extra_marks(person_table)} FROM ({select}) q"
        )
        membership_sql = (
            f"INSERT INTO {membership_table.name} "
            f"({membership_table.column_sql(self.connection)}) "
            f"SELECT {membership_values}{_extra_marks(membership_table)} "
            f"FROM kd_cells c JOIN {person_table.name} p "
            "ON p.id BETWEEN c.first_id AND c.first_id + c.n - 1 "
            "WHERE c.seq BETWEEN %(lo)s AND %(hi)s"
        )
        n_people = n_members = 0
        step = 20_000  # cells per statement (~half a million people at national scale)
        for lo in range(0, len(plan.cells), step):
            hi = lo + step - 1
            common = {"stamp": self.stamp, "lo": lo, "hi": hi}
            n_people += self.execute(person_sql, {**params, **common, **extras})
            n_members += self.execute(
                membership_sql,
                {
                    **common,
                    "official": MembershipKind.OFFICIAL.value,
                    "start": NEW_START,
                    **{f"extra{i}": v for i, v in enumerate(membership_table.extra)},
                },
            )
            if log:
                log(f"    … {n_people:,} đảng viên".replace(",", "."))
        return n_people, n_members

    def drop_constraints_and_indexes(self, bulk_models: list[type[models.Model]]) -> list[str]:
        """PostgreSQL bulk load (what pg_restore does): drop the foreign-key and unique
        constraints and the secondary indexes of `bulk_models`; return the SQL that restores them.

        Maintaining five random-order indexes and queueing ~11 million deferred foreign-key
        checks costs far more than building the indexes and checking the keys once at the end.
        Primary keys stay (the membership insert joins on person ids). All of this runs inside
        the load's transaction, so a failure rolls the schema back too.
        """
        q = self.connection.ops.quote_name
        uniques: list[str] = []
        indexes: list[str] = []
        foreign: list[str] = []
        self.run_deferred_checks()
        with self.connection.cursor() as cursor:
            for model in bulk_models:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
                    [table],
                )
                for name, definition, kind in cursor.fetchall():
                    cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
                    restore = f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}"
                    (foreign if kind == "f" else uniques).append(restore)
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x "
                    "JOIN pg_class c ON c.oid = x.indexrelid "
                    "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid "
                    "AND k.conrelid = x.indrelid) ORDER BY c.relname",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {q(name)}")
                    indexes.append(definition)
        return uniques + indexes + foreign

    def restore_constraints_and_indexes(self, statements: list[str], log=None) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for sql in statements:
                start = time.perf_counter()
                cursor.execute(sql)
                seconds = time.perf_counter() - start
                if log and seconds >= 5:
                    log(f"    … {sql.split(' (')[0][:90]}: {seconds:.0f} s")

    def reset_sequences(self) -> None:
        """After explicit ids, point PostgreSQL sequences past them (ORM inserts keep working)."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), ORG_MODELS)
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def analyze(self) -> None:
        if self.postgres:
            analyze(*ORG_MODELS, on=self.connection)
        else:
            with self.connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def delete_org_data(self) -> None:
        """Delete every unit, person, membership, position, succession and access grant."""
        q = self.connection.ops.quote_name
        tables = [model._meta.db_table for model in ORG_MODELS]
        self.run_deferred_checks()
        with self.connection.cursor() as cursor:
            if self.postgres:
                # DELETE would fire a foreign-key check per row into every table that references
                # units or people (minutes at national scale); TRUNCATE fires none, but must
                # name all those tables too. The caller has checked they hold nothing.
                closure = self._referencing_closure(cursor, tables)
                if closure is not None:
                    cursor.execute(f"TRUNCATE {', '.join(q(t) for t in closure)}")
                    return
            for table in tables:
                cursor.execute(f"DELETE FROM {q(table)}")
        self.run_deferred_checks()

    def run_deferred_checks(self) -> None:
        """PostgreSQL: run the foreign-key checks queued so far in this transaction, because a
        table with pending trigger events can be neither altered nor truncated. Nothing is
        queued in a fresh command; tests and --force after DELETE do queue some."""
        if self.postgres:
            with self.connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    @staticmethod
    def _referencing_closure(cursor, tables: list[str]) -> list[str] | None:
        """`tables` and every table referencing them (transitively), if those others are all
        empty; None otherwise."""
        closure, frontier = list(tables), list(tables)
        while frontier:
            cursor.execute(
                "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
                "WHERE contype = 'f' AND confrelid::regclass::text = ANY(%s)",
                [frontier],
            )
            frontier = [name for (name,) in cursor.fetchall() if name not in closure]
            closure += frontier
        for name in closure[len(tables) :]:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")  # regclass text is quoted
            if cursor.fetchone()[0]:
                return None
        return closure


def _extra_marks(table: Table) -> str:
    return "".join(f", %(extra{i})s" for i in range(len(table.extra)))
