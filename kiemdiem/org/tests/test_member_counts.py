"""The members-per-unit summary (org.UnitMemberCount, kept by triggers, with its pending changes
on PostgreSQL) gives the live counts after every kind of membership change, before and after
the changes are merged, and across midnight without a write; membership writers do not wait
for each other on it."""

import datetime
import importlib
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.utils import timezone

from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import member_counts, selectors, services, tasks
from kiemdiem.org.models import (
    Membership,
    MembershipKind,
    Person,
    Unit,
    UnitKind,
    UnitMemberCount,
    UnitMemberCountChange,
)
from kiemdiem.org.tests.factories import PersonFactory, UnitFactory
from kiemdiem.transfer.tests.helpers import import_now
from kiemdiem.transfer.tests.test_import import (
    NEW_CELL,
    NEW_MEMBERSHIPS,
    NEW_PEOPLE,
    import_workbook,
)

OFFICIAL, TEMPORARY = MembershipKind.OFFICIAL, MembershipKind.TEMPORARY


def _live(unit: Unit, kind: str, day: datetime.date) -> int:
    return (
        Membership.objects.current(day).filter(unit__path__startswith=unit.path, kind=kind).count()
    )


def assert_exact(step: str) -> None:
    """Every unit: the counts built on the summary and its pending changes, the children's
    counts and the people equal what counting the memberships gives; then, the changes merged,
    the summary's rows equal the open memberships, and the counts are still right."""
    assert_counts(step)
    member_counts.merge_all()
    assert not UnitMemberCountChange.objects.exists(), step
    for unit in Unit.objects.all():
        open_ = Membership.objects.filter(unit__path__startswith=unit.path, valid_to__isnull=True)
        row = UnitMemberCount.objects.filter(unit=unit).first()
        stored = (row.official, row.temporary) if row else (0, 0)
        assert stored == (
            open_.filter(kind=OFFICIAL).count(),
            open_.filter(kind=TEMPORARY).count(),
        ), (step, unit.code, "summary")
    assert_counts(f"{step}, merged")


def assert_counts(step: str) -> None:
    day = timezone.localdate()
    for unit in Unit.objects.all():
        live = (_live(unit, OFFICIAL, day), _live(unit, TEMPORARY, day))
        assert selectors.subtree_member_counts([unit])[unit.pk] == live, (step, unit.code)
        assert selectors.subtree_member_count(unit) == sum(live), (step, unit.code)
        people = Person.objects.filter(
            pk__in=Membership.objects.current(day)
            .filter(unit__path__startswith=unit.path)
            .values("person_id")
        ).count()
        assert selectors.subtree_people(unit) == people, (step, unit.code, "people")
        for child in selectors.children_with_member_counts(unit, include_past=True):
            expected = _live(child, OFFICIAL, day) + _live(child, TEMPORARY, day)
            assert child.member_count == expected, (step, unit.code, child.code)


def assert_pending() -> None:
    """PostgreSQL keeps a write's change pending until the merge; SQLite adds it at once."""
    assert UnitMemberCountChange.objects.exists() == (connection.vendor == "postgresql")


def test_summary_counts_equal_live_counts_after_each_change(org_tree, office, monkeypatch):
    t = org_tree
    today = timezone.localdate()
    assert_exact("created by the fixture")

    newcomer = PersonFactory(full_name="Đỗ Văn Tâm")
    services.membership_add(person=newcomer, unit=t.cell_b1, valid_from=today, by=SYSTEM)
    assert_pending()
    assert_exact("create")

    later = PersonFactory(full_name="Đinh Thị Lụa")
    services.membership_add(
        person=later, unit=t.cell_a1b, valid_from=today + datetime.timedelta(days=10), by=SYSTEM
    )
    assert_exact("create, starting in ten days")

    # A second, temporary cell of a member, ending in a month: counted once among the people
    # of the country, twice among the memberships.
    visitor = t.members_a1[0]
    services.membership_add(
        person=visitor,
        unit=t.cell_b1,
        kind=TEMPORARY,
        valid_from=today,
        valid_to=today + datetime.timedelta(days=30),
        by=SYSTEM,
    )
    assert_exact("temporary, ending in a month")

    leaving = Membership.objects.get(person=t.members_a1[1])
    services.membership_end(membership=leaving, valid_to=today, by=SYSTEM)
    assert_exact("end today")
    yesterday = today - datetime.timedelta(days=1)
    gone = Membership.objects.get(person=t.members_a1[2])
    gone.valid_from = yesterday - datetime.timedelta(days=400)
    gone.save()
    services.membership_end(membership=gone, valid_to=yesterday, by=SYSTEM)
    assert_exact("end yesterday")

    # A transfer: the old cell ends today, the new one starts tomorrow.
    services.membership_add(
        person=t.members_a1[1],
        unit=t.cell_b1,
        valid_from=today + datetime.timedelta(days=1),
        by=SYSTEM,
    )
    assert_exact("transfer")

    job = import_now(
        {"du-lieu.xlsx": import_workbook([NEW_CELL], NEW_PEOPLE, NEW_MEMBERSHIPS)}, user=office
    )
    assert job.counts["memberships"]["create"] == 2, job.report
    assert_exact("import")

    # A merger: the merged cell's members moved over in one statement, the cell closed.
    Membership.objects.filter(unit=t.cell_a1b).update(unit=t.cell_a1)
    services.unit_update(unit=t.cell_a1b, by=SYSTEM, merged_into=t.cell_a1)
    assert_exact("merge")

    # A move while a change below it is pending: merged later, along the new paths.
    services.membership_add(
        person=PersonFactory(full_name="Lò Văn Chuyển"), unit=t.cell_a1, valid_from=today, by=SYSTEM
    )
    assert_pending()
    services.unit_move(unit=t.grassroots_a1, new_parent=t.district_b1, by=SYSTEM, reason="Thử")
    assert_exact("move")
    extra = UnitFactory(code="X42B3", kind=UnitKind.COMMUNE, parent=t.province_b)
    services.unit_move(unit=t.grassroots_a1, new_parent=extra, by=SYSTEM, reason="Thử lần hai")
    assert_exact("move again, to a new unit")

    Membership.objects.filter(person=newcomer).delete()
    assert_exact("delete")

    # Midnights without a write: the one starting in ten days begins, the temporary one ends.
    for days in (1, 10, 31):
        monkeypatch.setattr(
            timezone, "localdate", lambda days=days: today + datetime.timedelta(days)
        )
        assert_exact(f"{days} days later")


def test_rebuild_gives_what_the_triggers_kept(org_tree):
    services.membership_add(
        person=PersonFactory(),
        unit=org_tree.cell_b1,
        kind=TEMPORARY,
        valid_from=datetime.date(2025, 8, 1),
        by=SYSTEM,
    )
    member_counts.merge_all()
    kept = set(
        UnitMemberCount.objects.filter(official__gt=0).values_list("unit", "official", "temporary")
    )
    # A change pending when the rebuild runs: its membership is counted, the change dropped.
    newcomer = PersonFactory()
    services.membership_add(
        person=newcomer, unit=org_tree.cell_b1, valid_from=datetime.date(2025, 8, 2), by=SYSTEM
    )
    assert_pending()
    UnitMemberCount.objects.update(official=99)
    member_counts.rebuild()
    assert not UnitMemberCountChange.objects.exists()
    assert_counts("rebuilt, a change pending")
    Membership.objects.filter(person=newcomer).delete()
    member_counts.rebuild()
    rebuilt = set(UnitMemberCount.objects.values_list("unit", "official", "temporary"))
    # the two cells and their six ancestors
    assert rebuilt == kept and len(kept) == 8


def test_deleting_the_summary_before_the_memberships_leaves_nothing(org_tree):
    """SQLite: a test database's flush deletes the tables in any order (PostgreSQL's truncates
    them together)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's flush is one TRUNCATE")
    UnitMemberCount.objects.all().delete()
    Membership.objects.all().delete()
    assert not UnitMemberCount.objects.exists()


def _in_thread(work, errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@contextmanager
def _a_write_in_flight(unit: Unit):
    """A thread's transaction holding a new membership in `unit`, uncommitted, until the block
    ends; then it commits, without error."""
    added, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        with transaction.atomic():
            services.membership_add(
                person=PersonFactory(), unit=unit, valid_from=timezone.localdate(), by=SYSTEM
            )
            added.set()
            release.wait(10)

    holder = _in_thread(hold, errors)
    assert added.wait(10), errors
    try:
        yield
    finally:
        release.set()
        holder.join(10)
    assert not errors, errors


def _at_once(work) -> None:
    """`work` in a transaction that may wait for a lock 2 s at most."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        work()


def _move(t) -> None:
    unit = Unit.objects.get(pk=t.grassroots_a1.pk)
    target = Unit.objects.get(pk=t.district_b1.pk)
    services.unit_move(unit=unit, new_parent=target, by=SYSTEM, reason="Thử")


@pytest.mark.django_db(transaction=True)
def test_membership_writers_do_not_wait_for_each_other(org_tree):
    """PostgreSQL: while one transaction holds a new membership in one province, another
    commits one in the other province at once. Org/0006's triggers added both to the root's
    row, so the second waited for the first one's commit (an import's whole length)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time")
    t = org_tree
    with _a_write_in_flight(t.cell_a1):
        _at_once(
            lambda: services.membership_add(
                person=PersonFactory(), unit=t.cell_b1, valid_from=timezone.localdate(), by=SYSTEM
            )
        )
    assert_exact("two writers at once")


@pytest.mark.django_db(transaction=True)
def test_a_move_beside_a_membership_write_in_flight(org_tree):
    """PostgreSQL: a unit is moved at once while a membership under it is added and not yet
    committed, and the membership ends up in the new ancestors' totals: its change is pending
    by unit id and merged along the new path. (Org/0006's triggers added it to the old
    ancestors, so the move had to wait for the write: LOCK TABLE org_membership.)"""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time")
    t = org_tree
    with _a_write_in_flight(t.cell_a1):
        _at_once(lambda: _move(t))
    assert Unit.objects.get(pk=t.grassroots_a1.pk).parent_id == t.district_b1.pk
    assert_exact("move beside a write in flight")


@pytest.mark.django_db(transaction=True)
def test_a_move_waits_for_a_merge_in_flight(org_tree):
    """PostgreSQL: a merge that has added a change below a unit to its old ancestors, not yet
    committed, when the unit is moved: the move waits for it (lock_for_move), then moves the
    totals with the change in them. Without the wait the move subtracted the totals it read
    before the merge, and the old ancestors kept the change."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps nothing pending")
    t = org_tree
    member_counts.merge_all()  # the fixture's
    services.membership_add(
        person=PersonFactory(), unit=t.cell_a1, valid_from=timezone.localdate(), by=SYSTEM
    )
    assert_pending()
    merged, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def merge() -> None:
        with transaction.atomic():
            assert member_counts.merge_pending() == 1
            merged.set()
            release.wait(10)

    merger = _in_thread(merge, errors)
    assert merged.wait(10), errors
    mover = _in_thread(lambda: _move(t), errors)
    time.sleep(0.5)  # the move reaches its lock (or, without it, reads the totals)
    release.set()
    merger.join(10)
    mover.join(10)
    assert not errors, errors
    assert Unit.objects.get(pk=t.grassroots_a1.pk).parent_id == t.district_b1.pk
    assert_exact("move beside a merge in flight")


def test_the_worker_merges_the_pending_changes(org_tree):
    member_counts.merge_all()  # the fixture's
    for cell in (org_tree.cell_a1, org_tree.cell_b1):
        services.membership_add(
            person=PersonFactory(), unit=cell, valid_from=timezone.localdate(), by=SYSTEM
        )
    merged = 2 if connection.vendor == "postgresql" else 0
    assert tasks.member_counts_merge() == f"cộng {merged} thay đổi số đảng viên"
    assert not UnitMemberCountChange.objects.exists()
    assert_exact("merged by the worker")


def test_the_migration_replaces_the_triggers_both_ways(org_tree):
    """PostgreSQL: backwards, org/0006's triggers add at once and nothing stays pending;
    forwards again, a write's change waits for the merge."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's triggers are the same on both sides")
    migration = importlib.import_module("kiemdiem.org.migrations.0007_membership_count_changes")
    cell, day = org_tree.cell_a1, timezone.localdate()
    services.membership_add(person=PersonFactory(), unit=cell, valid_from=day, by=SYSTEM)
    with connection.schema_editor() as editor:
        migration.backwards(None, editor)
    assert not UnitMemberCountChange.objects.exists()
    services.membership_add(person=PersonFactory(), unit=cell, valid_from=day, by=SYSTEM)
    assert not UnitMemberCountChange.objects.exists()
    assert_exact("back at org/0006")
    with connection.schema_editor() as editor:
        migration.forwards(None, editor)
    services.membership_add(person=PersonFactory(), unit=cell, valid_from=day, by=SYSTEM)
    assert_pending()
    assert_exact("forwards again")
