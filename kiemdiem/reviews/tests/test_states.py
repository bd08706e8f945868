"""The lifecycle tables themselves: every arrow joins two states of its choices, and the tables
hold exactly the moves the domain allows (no DB needed)."""

import itertools

import pytest

from kiemdiem.core.lifecycle import BORN, GONE
from kiemdiem.remediation.states import ACTION, PLAN, ActionStatus, PlanStatus
from kiemdiem.reports.states import REPORT, ReportStatus
from kiemdiem.reviews.states import CYCLE, FINDING, MEETING, REVIEW, CycleStatus, ReviewStatus

LIFECYCLES = [CYCLE, REVIEW, FINDING, MEETING, PLAN, ACTION, REPORT]


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lc: lc.name)
def test_every_arrow_joins_known_states_and_counts_known_metrics(lifecycle):
    from kiemdiem.dashboard.metrics import METRIC_NAMES

    states = set(lifecycle.labels) | {BORN, GONE}
    for (old, new), arrow in lifecycle.arrows.items():
        assert old in states and new in states, (old, new)
        assert (old, new) != (BORN, GONE)
        if not callable(arrow.counts):
            assert set(arrow.counts) <= set(METRIC_NAMES)
    for flag in lifecycle.flags:
        assert flag.metric in METRIC_NAMES
        assert flag.states <= set(lifecycle.labels)


EXPECTED_PLAN = {
    ("draft", "submitted"),
    ("submitted", "returned"),
    ("submitted", "accepted"),
    ("returned", "submitted"),
    ("accepted", "adopted"),
}


@pytest.mark.parametrize(("old", "new"), list(itertools.product(PlanStatus.values, repeat=2)))
def test_plan_transition_table_exactly(old, new):
    assert ((old, new) in PLAN.arrows) == ((old, new) in EXPECTED_PLAN)


@pytest.mark.parametrize(("old", "new"), list(itertools.product(ReviewStatus.values, repeat=2)))
def test_review_transition_table_exactly(old, new):
    expected = {
        ("draft", "submitted"),
        ("submitted", "draft"),
        ("submitted", "discussed"),
        ("discussed", "finalized"),
    }
    assert ((old, new) in REVIEW.arrows) == ((old, new) in expected)


@pytest.mark.parametrize(("old", "new"), list(itertools.product(CycleStatus.values, repeat=2)))
def test_cycles_only_open_then_close(old, new):
    assert ((old, new) in CYCLE.arrows) == ((old, new) in {("draft", "open"), ("open", "closed")})


@pytest.mark.parametrize("closed", ["verified", "cancelled", "replaced"])
def test_closed_items_never_move_again(closed):
    assert ACTION.targets(closed) == set()


def test_items_are_cancelled_or_replaced_only_before_verification():
    for state in ("open", "in_progress"):
        assert {"cancelled", "replaced"} <= ACTION.targets(state)
    assert "cancelled" not in ACTION.targets("done")


def test_only_open_items_are_removed_and_only_findings_recorded_by_mistake():
    assert [old for (old, new) in ACTION.arrows if new is GONE] == [ActionStatus.OPEN]
    assert [old for (old, new) in FINDING.arrows if new is GONE] == ["open"]


def test_reports_once_sent_stay_sent():
    assert REPORT.targets(ReportStatus.SUBMITTED) == set()


@pytest.mark.parametrize(
    ("lifecycle", "old", "new"),
    [
        (PLAN, "submitted", "returned"),
        (ACTION, "open", "cancelled"),
        (ACTION, "in_progress", "replaced"),
        (ACTION, "done", "in_progress"),
        (FINDING, "open", GONE),
    ],
)
def test_arrows_that_need_a_reason(lifecycle, old, new):
    assert lifecycle.arrows[(old, new)].reason


def test_system_arrows_are_only_the_consequences_on_findings():
    system = {(lc.name, old, new) for lc in LIFECYCLES for (old, new), a in lc.arrows.items()}
    system = {key for key in system if _arrow(key).can is None}
    assert {name for name, _old, _new in system} == {"finding"}


def _arrow(key):
    name, old, new = key
    return next(lc for lc in LIFECYCLES if lc.name == name).arrows[(old, new)]
