"""The commitments-per-cell-and-year summary (reviews.UnitCommitmentCount, kept by triggers):
commitment_stats built on it gives exactly what counting the commitments of the subtree's
current members gives, after every kind of write and across midnight without a write."""

import datetime

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import Membership, MembershipKind, Person, Unit, UnitKind
from kiemdiem.org.tests.factories import PersonFactory, UnitFactory
from kiemdiem.reviews import commitment_counts, commitments, selectors
from kiemdiem.reviews.models import Commitment, CommitmentItem, Fulfilment, UnitCommitmentCount

FULFILLED, PARTLY, NOT = Fulfilment.FULFILLED, Fulfilment.PARTLY, Fulfilment.NOT


def reference(unit: Unit, year: int) -> dict[str, int]:
    """The figures as the page defines them, counted from the rows (the one pass over the
    subtree's commitments that commitment_stats ran before the summary)."""
    people = (
        Membership.objects.current().filter(unit__path__startswith=unit.path).values("person_id")
    )
    filed = Commitment.objects.filter(year=year, person_id__in=people)
    items = CommitmentItem.objects.filter(commitment=OuterRef("pk"))
    members = Person.objects.filter(pk__in=people).count()
    n = filed.count()
    return {
        "members": members,
        "missing": members - n,
        "filed": n,
        "kept": n - filed.filter(Exists(items.exclude(fulfilment=FULFILLED))).count(),
        "short": filed.filter(Exists(items.filter(fulfilment__in=[PARTLY, NOT]))).count(),
        "unassessed": filed.filter(Exists(items.filter(fulfilment=""))).count(),
    }


def stored() -> set[tuple]:
    return set(
        UnitCommitmentCount.objects.values_list(
            "unit_id", "year", "filed", "unkept", "short", "unassessed"
        )
    )


def assert_exact(step: str, years=(2025, 2026)) -> None:
    """Every unit and year: commitment_stats equals the figures counted from the rows, and the
    summary's rows equal a rebuild from scratch."""
    for unit in Unit.objects.all():
        for year in years:
            assert selectors.commitment_stats(unit, year) == reference(unit, year), (
                step,
                unit.code,
                year,
            )
    kept = stored()
    commitment_counts.rebuild()
    assert stored() == kept, step
    assert not UnitCommitmentCount.objects.filter(filed=0).exists(), step


def file(person: Person, year: int, marks: list[str]) -> Commitment:
    """A commitment through the service, its items then assessed as `marks` ("" left open)."""
    made = commitments.commitment_file(
        person=person, year=year, items=[f"Việc {n}" for n in range(len(marks))], by=SYSTEM
    )
    for item, mark in zip(made.items.order_by("position"), marks, strict=True):
        if mark:
            note = "" if mark == FULFILLED else "Chưa xong"
            commitments.commitment_assess(item=item, fulfilment=mark, note=note, by=SYSTEM)
    return made


def test_figures_equal_the_rows_after_each_kind_of_write(org_tree, monkeypatch):
    t = org_tree
    today = timezone.localdate()
    a1 = list(t.members_a1)
    assert_exact("nothing filed")

    file(a1[0], 2025, [FULFILLED, FULFILLED])
    file(a1[1], 2025, [FULFILLED, PARTLY])
    file(a1[2], 2025, [NOT, ""])
    file(a1[0], 2026, ["", "", ""])
    file(t.member_b1, 2025, [PARTLY])
    assert_exact("filed and assessed through the services")

    open_item = CommitmentItem.objects.filter(commitment__person=a1[2], fulfilment="").get()
    commitments.commitment_assess(item=open_item, fulfilment=FULFILLED, by=SYSTEM)
    assert_exact("an item assessed")
    # one statement over several commitments' items, back and forth
    CommitmentItem.objects.filter(commitment__year=2025).update(fulfilment="")
    assert_exact("every item of the year reopened in one UPDATE")
    CommitmentItem.objects.filter(commitment__year=2025, position=1).update(fulfilment=NOT)
    assert_exact("one item each marked not done")

    revised = Commitment.objects.get(person=a1[0], year=2026)
    commitments.commitment_revise(commitment=revised, items=["Một", "Hai"], by=SYSTEM)
    assert_exact("revised: items deleted and written again")
    item = CommitmentItem.objects.create(
        commitment=revised, position=3, text="Ba", fulfilment=PARTLY
    )
    assert_exact("an item added")
    item.commitment = Commitment.objects.get(person=a1[1], year=2025)
    item.save()
    assert_exact("an item moved to another commitment")
    item.delete()
    assert_exact("an item deleted")

    gone = Commitment.objects.get(person=t.member_b1, year=2025)
    gone.items.all().delete()
    gone.delete()
    assert_exact("a commitment deleted with its items")
    Commitment.objects.filter(person=a1[0], year=2026).update(year=2025, person=t.member_b1)
    assert_exact("a commitment given another person and year in one UPDATE")

    # Memberships: a temporary second cell, a transfer, an end, a start in ten days
    services.membership_add(
        person=a1[1],
        unit=t.cell_b1,
        kind=MembershipKind.TEMPORARY,
        valid_from=today,
        valid_to=today + datetime.timedelta(days=30),
        by=SYSTEM,
    )
    assert_exact("temporary, ending in a month")
    services.membership_add(
        person=PersonFactory(full_name="Đỗ Văn Tâm"),
        unit=t.cell_a1b,
        kind=MembershipKind.TEMPORARY,
        valid_from=today,
        by=SYSTEM,
    )
    assert_exact("temporary, open-ended, no commitment")
    moving = Membership.objects.get(person=a1[0], valid_to__isnull=True)
    services.membership_end(membership=moving, valid_to=today, by=SYSTEM)
    assert_exact("end today")
    services.membership_add(
        person=a1[0], unit=t.cell_b1, valid_from=today + datetime.timedelta(days=1), by=SYSTEM
    )
    assert_exact("transfer: the new cell starts tomorrow")
    leaving = Membership.objects.get(person=a1[2], valid_to__isnull=True)
    leaving.valid_from = today - datetime.timedelta(days=400)
    leaving.save()
    services.membership_end(
        membership=leaving, valid_to=today - datetime.timedelta(days=1), by=SYSTEM
    )
    assert_exact("end yesterday")
    services.membership_add(
        person=a1[2], unit=t.cell_a1b, valid_from=today + datetime.timedelta(days=10), by=SYSTEM
    )
    assert_exact("back in ten days, in another cell")

    # A merger moves a cell's memberships in one statement; unit moves change no row.
    Membership.objects.filter(unit=t.cell_a1b).update(unit=t.cell_a1)
    assert_exact("merge")
    services.unit_move(unit=t.grassroots_a1, new_parent=t.district_b1, by=SYSTEM, reason="Thử")
    assert_exact("move")
    extra = UnitFactory(code="X42B3", kind=UnitKind.COMMUNE, parent=t.province_b)
    services.unit_move(unit=t.grassroots_a1, new_parent=extra, by=SYSTEM, reason="Thử lần hai")
    assert_exact("move again, to a new unit")
    Membership.objects.filter(person=a1[1], kind=MembershipKind.OFFICIAL).delete()
    assert_exact("a membership deleted")

    # Midnights without a write: the transfer and the return begin, the temporary cell ends.
    for days in (1, 10, 31):
        monkeypatch.setattr(
            timezone, "localdate", lambda days=days: today + datetime.timedelta(days)
        )
        assert_exact(f"{days} days later")


def test_rebuild_gives_what_the_triggers_kept(org_tree):
    file(org_tree.members_a1[0], 2025, [FULFILLED, PARTLY])
    file(org_tree.members_a1[1], 2025, ["", FULFILLED])
    file(org_tree.member_b1, 2026, [NOT])
    kept = stored()
    UnitCommitmentCount.objects.update(filed=99)
    commitment_counts.rebuild()
    assert stored() == kept
    cell_a1, cell_b1 = org_tree.cell_a1.pk, org_tree.cell_b1.pk
    assert kept == {(cell_a1, 2025, 2, 2, 1, 1), (cell_b1, 2026, 1, 1, 1, 0)}


def test_deleting_the_summary_before_the_commitments_leaves_nothing(org_tree):
    """SQLite: a test database's flush deletes the tables in any order (PostgreSQL's truncates
    them together)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's flush is one TRUNCATE")
    file(org_tree.members_a1[0], 2025, [PARTLY])
    UnitCommitmentCount.objects.all().delete()
    CommitmentItem.objects.all().delete()
    Commitment.objects.all().delete()
    Membership.objects.all().delete()
    assert not UnitCommitmentCount.objects.exists()
