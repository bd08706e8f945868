"""Per-table versions of the kept pages on PostgreSQL (kiemdiem/core/table_writes.py): a page is
kept across writes to tables it did not read, and built again after a write to one it read."""

import time

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from kiemdiem.core import table_writes
from kiemdiem.core.audit import audit_record
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.core.tests.test_page_cache import (
    _get,
    _through_the_cache,
    _warm,
    other_connection,
)
from kiemdiem.org.models import Unit

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="per-table versions are PostgreSQL's"
    ),
    pytest.mark.django_db(transaction=True),
]


def _version(table: str) -> int:
    found = table_writes.versions(connection, [table])
    assert found is not None
    return found[table]


def test_every_table_of_the_schema_counts_its_writes(org_tree):
    """Partitions made later (next year's, by a daily task) need none: a write through their
    partitioned table fires the partitioned table's own trigger."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, EXISTS (SELECT 1 FROM pg_trigger t "
            "    WHERE t.tgrelid = c.oid AND t.tgname = %s) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
            "AND NOT c.relispartition AND c.relname <> %s",
            [table_writes.TRIGGER, table_writes.TABLE],
        )
        watched = dict(cursor.fetchall())
    assert {"org_unit", "core_auditevent", "remediation_progressupdate"} <= watched.keys()
    assert [name for name, has in watched.items() if not has] == []
    before = _version("core_auditevent")
    audit_record(obj=org_tree.cell_a1, action=AuditAction.UPDATE, by=SYSTEM)
    assert _version("core_auditevent") == before + 1


def test_a_write_counts_once_committed_and_a_statement_that_changes_no_row_counts_too(org_tree):
    before = _version("org_unit")
    other = other_connection(autocommit=True)
    try:
        with other.transaction():
            other.execute("UPDATE org_unit SET name = name WHERE id = %s", [org_tree.cell_a1.pk])
            assert _version("org_unit") == before  # not committed yet
        assert _version("org_unit") == before + 1
        other.execute("UPDATE org_unit SET name = name WHERE false")
        assert _version("org_unit") == before + 2
    finally:
        other.close()


def test_a_sign_in_does_not_count_as_a_write_of_the_users(office):
    before = _version("auth_user")
    office.last_login = None
    office.save(update_fields=["last_login"])
    assert _version("auth_user") == before
    office.first_name = "Hà"
    office.save(update_fields=["first_name"])
    assert _version("auth_user") == before + 1


def _ended(pids: list[int]) -> None:
    """Wait (up to 10 s) until the server processes `pids` have exited: closing a connection
    only asks its process to end, and merge() folds the rows of processes already gone."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            if not cursor.fetchone()[0]:
                return
            time.sleep(0.05)


def test_merging_ended_processes_keeps_every_version(org_tree):
    ended = []
    for _ in range(2):
        other = other_connection(autocommit=True)
        other.execute("UPDATE org_unit SET name = name WHERE false")
        other.execute("UPDATE org_person SET full_name = full_name WHERE false")
        ended.append(other.info.backend_pid)
        other.close()
    _ended(ended)
    before = table_writes.versions(connection)
    assert table_writes.merge() >= 1
    assert table_writes.versions(connection) == before
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table_writes.TABLE} WHERE backend NOT IN "
            "(SELECT pid FROM pg_stat_activity) AND backend <> 0"
        )
        assert cursor.fetchone()[0] == 0


def test_the_tables_a_statement_names():
    relations = table_writes.relations
    sql = 'SELECT "org_unit"."name" FROM "org_unit" INNER JOIN "org_person" ON (true)'
    assert relations(sql) == {"org_unit", "org_person"}
    # The access function reads the grants, positions and memberships.
    assert {"org_membership", "org_unit"} <= relations("SELECT * FROM kiemdiem_access(%s, %s)")
    with_query = "WITH recent AS (SELECT id FROM org_unit) SELECT * FROM recent"
    assert relations(with_query) == {"org_unit"}
    assert relations("SELECT * FROM unnest(%s) AS u JOIN org_unit ON true") == {"org_unit"}
    assert relations("SELECT * FROM a_table_nobody_knows") is None
    assert relations("SELECT 1") == frozenset()


def _reads_units(_request) -> HttpResponse:
    return HttpResponse(f"<p>{Unit.objects.count()}</p>")


def _reads_units_while_another_process_renames_one(request) -> HttpResponse:
    response = _reads_units(request)
    other = other_connection(autocommit=True)
    other.execute(
        "UPDATE org_unit SET name = name || '!' WHERE id = (SELECT min(id) FROM org_unit)"
    )
    other.close()
    return response


def _reads_units_while_another_process_writes_elsewhere(request) -> HttpResponse:
    response = _reads_units(request)
    other = other_connection(autocommit=True)
    other.execute("UPDATE axes_accessattempt SET username = username WHERE false")
    other.close()
    return response


def test_a_write_committed_while_the_page_is_built_keeps_it_out_only_if_it_read_the_table(
    org_tree, office
):
    race = _reads_units_while_another_process_renames_one
    assert _through_the_cache(race, office, "/dang-doi-ten/") == "pass"
    assert _through_the_cache(race, office, "/dang-doi-ten/") == "pass"
    elsewhere = _reads_units_while_another_process_writes_elsewhere
    assert _through_the_cache(elsewhere, office, "/ghi-noi-khac/") == "miss"


def _reads_something_unknown(_request) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity")
    return HttpResponse("<p>trang</p>")


def test_a_page_that_read_from_a_source_not_in_the_schema_is_not_kept(office):
    assert _through_the_cache(_reads_something_unknown, office) == "pass"
    assert _through_the_cache(_reads_something_unknown, office) == "pass"


def test_a_unit_page_stays_kept_across_writes_elsewhere_and_not_across_its_own(org_tree, office):
    """The offices' pages on the deadline day: sign-ins and failed logins' records leave the
    unit page kept; renaming a unit builds it again."""
    url = reverse("org:unit-detail", args=[org_tree.province_a.pk])
    client = Client()
    _warm(client, office, url)
    other = other_connection(autocommit=True)
    try:
        other.execute("UPDATE auth_user SET last_login = now()")
        other.execute("UPDATE axes_accessattempt SET username = username WHERE false")
        assert _get(client, url)[0] == "hit"
        other.execute(
            "UPDATE org_unit SET name = %s WHERE id = %s",
            ["Đảng bộ đổi tên", org_tree.province_a.pk],
        )
    finally:
        other.close()
    state, html = _get(client, url)
    assert state != "hit"
    assert "Đảng bộ đổi tên" in html


def test_a_page_kept_before_the_database_was_restored_is_not_served_after(org_tree, office):
    """A restore brings back the backup's counts, which may climb again to the numbers a kept
    page carries: the counts' table is a new one, and its identity is among the versions."""
    url = reverse("org:unit-detail", args=[org_tree.province_a.pk])
    client = Client()
    _warm(client, office, url)
    before = table_writes.versions(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table_writes.TABLE}")
    table_writes.install()  # as the restore's own dump would: the table, function and triggers
    with connection.cursor() as cursor:  # the same counts again, as if restored
        for table, n in before.items():
            if table != table_writes.EPOCH:
                cursor.execute(f"INSERT INTO {table_writes.TABLE} VALUES (%s, 0, %s)", [table, n])
    assert {
        k: v for k, v in table_writes.versions(connection).items() if k != table_writes.EPOCH
    } == {k: v for k, v in before.items() if k != "#"}
    assert _get(client, url)[0] != "hit"
