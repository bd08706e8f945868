"""Every arrow of every lifecycle table, taken through core.lifecycle: its audit row, the campaign
summaries equal to a rebuild afterwards, and the refusals (a user without the right, a missing
reason, a move the table does not have) that change and audit nothing.

The objects are put in the arrow's starting state directly (this tests the tables, not the
services' own rules); the summaries are rebuilt from the base rows before the move, so what
follows shows only what the arrow's counters and flags did.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conftest import CYCLE_DATES, PARTICIPATING
from kiemdiem.core.errors import DomainError
from kiemdiem.core.lifecycle import BORN, GONE, TransitionNotAllowed, begin
from kiemdiem.core.models import AuditAction, AuditEvent, SummaryDelta
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.dashboard.summaries import merge_all, rebuild
from kiemdiem.dashboard.tests.helpers import assert_summaries_match
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.states import ACTION, ITEM_OPEN, PLAN
from kiemdiem.reports.models import PeriodicReport, ReportPeriod
from kiemdiem.reports.states import REPORT
from kiemdiem.reviews.models import Finding, Review, ReviewCycle, ReviewMeeting
from kiemdiem.reviews.states import CYCLE, FINDING, MEETING, REVIEW

LIFECYCLES = [CYCLE, REVIEW, FINDING, MEETING, PLAN, ACTION, REPORT]
ARROWS = [(lc, old, new) for lc in LIFECYCLES for (old, new) in lc.arrows]
# Fields the services set in the same UPDATE as the move, which the recomputation reads.
ALSO = {("plan", "draft", "submitted"): lambda: {"first_submitted_on": timezone.localdate()}}


def _id(arrow) -> str:
    lifecycle, old, new = arrow
    return f"{lifecycle.name}:{old or 'born'}->{new or 'gone'}"


def _collective(cycle, unit) -> Review:
    return Review.objects.get(cycle=cycle, unit=unit, person__isnull=True)


def _subject(lifecycle, state, cycle, org_tree, office):
    """An object of `lifecycle` in `state` (unsaved when it is about to be born)."""
    review = _collective(cycle, org_tree.cell_a1)
    if lifecycle is CYCLE:
        values = {
            "title": "Kiểm điểm chuyên đề",
            "kind": "thematic",
            "year": 2026,
            "directive_number": "12-CV/TU",
            "directive_date": datetime.date(2025, 12, 1),
            "directive_issuer": "Ban Thường vụ Tỉnh ủy",
            "scope_unit": org_tree.district_a1,
            "participating_kinds": PARTICIPATING,
            **CYCLE_DATES,
        }
        if state is BORN:
            return ReviewCycle(**values)
        return ReviewCycle.objects.create(status=state, **values)
    if lifecycle is REVIEW:
        Review.objects.filter(pk=review.pk).update(status=state)
        return Review.objects.get(pk=review.pk)
    if lifecycle is FINDING:
        values = {"review": review, "unit": review.unit, "text": "Chưa gương mẫu", "area": "other"}
        return (
            Finding(**values) if state is BORN else Finding.objects.create(status=state, **values)
        )
    if lifecycle is MEETING:
        return ReviewMeeting(
            cycle=cycle,
            unit=org_tree.cell_a1,
            held_on=timezone.localdate(),
            chair=org_tree.members_a1[0],
        )
    plan = RemediationPlan.objects.get(review=review)
    if lifecycle is PLAN:
        # A draft plan past its due date was flagged by the sweep: leaving draft clears it.
        missing = state == "draft"
        RemediationPlan.objects.filter(pk=plan.pk).update(status=state, missing_flagged=missing)
        return RemediationPlan.objects.get(pk=plan.pk)
    if lifecycle is ACTION:
        values = {"plan": plan, "content": "Sinh hoạt đúng kỳ", "due_date": cycle.starts_on}
        if state is BORN:
            return PlanAction(**values)
        # An open item past its deadline was flagged by the sweep: leaving the open states
        # clears it.
        return PlanAction.objects.create(status=state, overdue_flagged=state in ITEM_OPEN, **values)
    period = ReportPeriod.objects.filter(cycle=cycle).order_by("ends_on").first()
    values = {"period": period, "unit": org_tree.cell_a1}
    return (
        PeriodicReport(**values)
        if state is BORN
        else PeriodicReport.objects.create(status=state, **values)
    )


def _take(lifecycle, old, new, obj, by, reason="Lý do ghi nhận") -> None:
    move = begin(obj=obj, to=new, lifecycle=lifecycle, by=by, reason=reason)
    if old is BORN:
        obj.save()
        move.born(changes={})
    elif new is GONE:
        move.gone(changes={})
        if lifecycle is ACTION:
            obj.findings.clear()
        obj.delete()
    else:
        move.apply(**ALSO.get((lifecycle.name, old, new), dict)())


@pytest.mark.parametrize("arrow", ARROWS, ids=_id)
def test_every_arrow_is_audited_and_keeps_the_summaries_equal_to_a_rebuild(
    arrow, open_cycle, org_tree, office
):
    lifecycle, old, new = arrow
    obj = _subject(lifecycle, old, open_cycle, org_tree, office)
    rebuild(open_cycle)
    assert not SummaryDelta.objects.exists()
    before = AuditEvent.objects.count()

    _take(lifecycle, old, new, obj, SYSTEM)

    row = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert row.object_type == obj._meta.label_lower
    if new is not GONE:
        assert row.object_id == str(obj.pk)
    assert row.reason == "Lý do ghi nhận" and row.effective_on is None
    assert row.unit_ref == int(lifecycle.place(obj).unit_path[-7:-1], 36)
    if old is BORN:
        assert row.action == AuditAction.CREATE
    elif new is GONE:
        assert row.action == AuditAction.DELETE
    else:
        assert row.action == AuditAction.TRANSITION
        assert row.changes == {"status": [old, new]}  # codes, not labels
        assert type(obj).objects.get(pk=obj.pk).status == new
    merge_all()
    assert_summaries_match(open_cycle)


@pytest.mark.parametrize("arrow", [a for a in ARROWS if a[0].arrows[a[1:]].can], ids=_id)
def test_a_user_without_the_right_is_refused_and_nothing_changes(
    arrow, open_cycle, org_tree, office, outsider
):
    lifecycle, old, new = arrow
    obj = _subject(lifecycle, old, open_cycle, org_tree, office)
    counts = (AuditEvent.objects.count(), SummaryDelta.objects.count())
    with pytest.raises(PermissionDenied) as refused:
        _take(lifecycle, old, new, obj, outsider)
    assert str(refused.value)  # the Vietnamese reason a page or the API shows
    assert (AuditEvent.objects.count(), SummaryDelta.objects.count()) == counts
    if old is not BORN:
        assert type(obj).objects.get(pk=obj.pk).status == old


@pytest.mark.parametrize("arrow", [a for a in ARROWS if a[0].arrows[a[1:]].reason], ids=_id)
def test_a_missing_reason_is_refused_and_nothing_changes(arrow, open_cycle, org_tree, office):
    lifecycle, old, new = arrow
    obj = _subject(lifecycle, old, open_cycle, org_tree, office)
    counts = (AuditEvent.objects.count(), SummaryDelta.objects.count())
    with pytest.raises(DomainError, match="Phải nêu lý do"):
        _take(lifecycle, old, new, obj, SYSTEM, reason="   ")
    assert (AuditEvent.objects.count(), SummaryDelta.objects.count()) == counts
    assert type(obj).objects.filter(pk=obj.pk, status=old).exists()


@pytest.mark.parametrize("lifecycle", [lc for lc in LIFECYCLES if lc is not MEETING])
def test_a_move_the_table_does_not_have_is_refused(lifecycle, open_cycle, org_tree, office):
    states = list(lifecycle.labels)
    old, new = next(
        (a, b) for a in states for b in states if (a, b) not in lifecycle.arrows and a != b
    )
    obj = _subject(lifecycle, old, open_cycle, org_tree, office)
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed, match="Không thể chuyển"):
        _take(lifecycle, old, new, obj, SYSTEM)
    assert AuditEvent.objects.count() == before
    assert type(obj).objects.get(pk=obj.pk).status == old
