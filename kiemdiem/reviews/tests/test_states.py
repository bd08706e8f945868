import itertools

import pytest

from kiemdiem.remediation.states import ACTION_ALLOWED, PLAN_ALLOWED, ActionStatus, PlanStatus
from kiemdiem.reports.models import REPORT_ALLOWED, ReportStatus
from kiemdiem.reviews.states import CYCLE_ALLOWED, REVIEW_ALLOWED, CycleStatus, ReviewStatus

TABLES = [
    (CYCLE_ALLOWED, CycleStatus),
    (REVIEW_ALLOWED, ReviewStatus),
    (PLAN_ALLOWED, PlanStatus),
    (ACTION_ALLOWED, ActionStatus),
    (REPORT_ALLOWED, ReportStatus),
]


@pytest.mark.parametrize(("table", "states"), TABLES)
def test_every_state_has_a_row_and_every_target_is_a_state(table, states):
    assert set(table) == set(states.values)
    for targets in table.values():
        assert targets <= set(states.values)


EXPECTED_PLAN = {
    ("draft", "submitted"),
    ("submitted", "returned"),
    ("submitted", "accepted"),
    ("returned", "submitted"),
    ("accepted", "adopted"),
}


@pytest.mark.parametrize(("old", "new"), list(itertools.product(PlanStatus.values, repeat=2)))
def test_plan_transition_table_exactly(old, new):
    assert (new in PLAN_ALLOWED[old]) == ((old, new) in EXPECTED_PLAN)


@pytest.mark.parametrize(("old", "new"), list(itertools.product(ReviewStatus.values, repeat=2)))
def test_review_transition_table_exactly(old, new):
    expected = {
        ("draft", "submitted"),
        ("submitted", "draft"),
        ("submitted", "discussed"),
        ("discussed", "finalized"),
    }
    assert (new in REVIEW_ALLOWED[old]) == ((old, new) in expected)


@pytest.mark.parametrize("closed", ["verified", "cancelled", "replaced"])
def test_closed_items_never_move_again(closed):
    assert ACTION_ALLOWED[closed] == set()


def test_items_are_cancelled_or_replaced_only_before_verification():
    for state in ("open", "in_progress"):
        assert {"cancelled", "replaced"} <= ACTION_ALLOWED[state]
    assert "cancelled" not in ACTION_ALLOWED["done"]
