import pytest

from kiemdiem.core.models import SummaryDelta
from kiemdiem.core.summaries import deltas_append
from kiemdiem.dashboard import summaries
from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.dashboard.selectors import METRIC_FAMILY
from kiemdiem.dashboard.views import COLUMNS
from kiemdiem.org.models import PATH_STEP, ancestor_paths
from kiemdiem.reviews import services as review_services

from .helpers import assert_summaries_match, stored


def test_every_metric_has_a_column_a_definition_and_a_place_on_the_page():
    columns = [
        f.name
        for f in CycleSummary._meta.get_fields()
        if f.get_internal_type() == "BigIntegerField"
    ]
    assert columns == list(METRIC_NAMES)
    assert set(METRIC_FAMILY) == set(METRIC_NAMES)
    assert sorted(COLUMNS) == sorted(METRIC_NAMES)


def test_ancestor_paths_stop_at_the_floor():
    path = "000001.000002.000003."
    assert ancestor_paths(path) == ["000001.", "000001.000002.", path]
    assert ancestor_paths(path, "000001.000002.") == ["000001.000002.", path]
    assert all(len(p) % PATH_STEP == 0 for p in ancestor_paths(path))


def test_opening_a_cycle_only_appends_change_records(open_cycle):
    assert SummaryDelta.objects.filter(cycle_id_ref=open_cycle.pk).exists()
    assert not CycleSummary.objects.filter(cycle=open_cycle).exists()


def test_merge_adds_a_cell_change_to_the_cell_and_every_ancestor_in_scope(open_cycle, org_tree):
    summaries.merge_all()
    before = stored(open_cycle)
    deltas_append(
        cycle_id=open_cycle.pk,
        unit_path=org_tree.cell_a1.path,
        changes={"findings_total": 3, "items_overdue": 2},
    )
    deltas_append(
        cycle_id=open_cycle.pk, unit_path=org_tree.cell_a1.path, changes={"findings_total": -1}
    )
    assert summaries.merge_pending() == 2
    after = stored(open_cycle)
    lineage = [org_tree.province_a, org_tree.district_a1, org_tree.grassroots_a1, org_tree.cell_a1]
    for unit in lineage:
        assert after[unit.path]["findings_total"] == before[unit.path]["findings_total"] + 2
        assert after[unit.path]["items_overdue"] == before[unit.path]["items_overdue"] + 2
    for unit in (org_tree.district_a2, org_tree.cell_a1b):
        assert after[unit.path] == before[unit.path]
    # Rows stop at the cycle's scope: nothing for the country above the province.
    assert org_tree.root.path not in after
    assert not SummaryDelta.objects.exists()
    row = CycleSummary.objects.get(cycle=open_cycle, unit=org_tree.grassroots_a1)
    assert row.unit_path == org_tree.grassroots_a1.path


def test_merge_in_small_batches_gives_the_same_figures(open_cycle):
    pending = SummaryDelta.objects.count()
    assert pending > 3
    merged = 0
    while batch := summaries.merge_pending(batch=2):
        merged += batch
    assert merged == pending
    assert_summaries_match(open_cycle)


def test_opening_figures_count_reviews_plans_and_collectives(open_cycle, org_tree):
    summaries.merge_all()
    province = stored(open_cycle)[org_tree.province_a.path]
    # 5 participating collectives (2 communes, 1 grassroots committee, 2 cells), 3 members.
    assert province["units_expected"] == 5
    assert province["reviews_expected"] == 8
    assert province["plans_expected"] == 8
    assert province["reviews_submitted"] == 0


def test_rebuild_equals_recompute_and_drops_pending_changes(open_cycle, org_tree, office):
    summaries.merge_all()
    review = open_cycle.reviews.get(unit=org_tree.cell_a1, person__isnull=True)
    review_services.finding_add(review=review, by=office, text="Chậm đổi mới", area="leadership")
    # Corrupt a stored figure: rebuild must restore it from the base tables.
    CycleSummary.objects.filter(cycle=open_cycle).update(reviews_expected=999)
    rows = summaries.rebuild(open_cycle)
    assert rows == CycleSummary.objects.filter(cycle=open_cycle).count()
    assert not SummaryDelta.objects.filter(cycle_id_ref=open_cycle.pk).exists()
    assert stored(open_cycle) == summaries.recompute(open_cycle)
    assert stored(open_cycle)[org_tree.cell_a1.path]["findings_total"] == 1


def test_recompute_includes_every_participating_unit_and_its_ancestors(open_cycle, org_tree):
    figures = summaries.recompute(open_cycle)
    expected = {
        u.path
        for u in (
            org_tree.province_a,
            org_tree.district_a1,
            org_tree.district_a2,
            org_tree.grassroots_a1,
            org_tree.cell_a1,
            org_tree.cell_a1b,
        )
    }
    assert set(figures) == expected


@pytest.mark.parametrize("batch", [1, 1000])
def test_merge_and_rebuild_agree_after_findings_come_and_go(open_cycle, org_tree, office, batch):
    review = open_cycle.reviews.get(unit=org_tree.cell_a1b, person__isnull=True)
    first = review_services.finding_add(review=review, by=office, text="Một", area="unity")
    review_services.finding_add(review=review, by=office, text="Hai", area="unity")
    review_services.finding_delete(finding=first, by=office, reason="Ghi nhầm")
    while summaries.merge_pending(batch=batch):
        pass
    assert_summaries_match(open_cycle)
    assert stored(open_cycle)[org_tree.district_a1.path]["findings_total"] == 1


def test_summary_rows_carry_the_unit_depth(open_cycle):
    summaries.merge_all()
    merged = list(CycleSummary.objects.filter(cycle=open_cycle).values_list("depth", "unit__depth"))
    summaries.rebuild(open_cycle)
    rebuilt = list(
        CycleSummary.objects.filter(cycle=open_cycle).values_list("depth", "unit__depth")
    )
    assert merged and rebuilt
    assert all(depth == unit_depth for depth, unit_depth in merged + rebuilt)


def test_cycle_page_counts_read_the_summaries_and_equal_the_exact_ones(
    open_cycle, org_tree, office, overseer
):
    from kiemdiem.reviews import selectors as review_selectors
    from kiemdiem.reviews.models import ReviewStatus

    review = open_cycle.reviews.get(unit=org_tree.cell_a1b, person__isnull=True)
    review_services.review_transition(review=review, to=ReviewStatus.SUBMITTED, by=office)
    review_services.finding_add(review=review, by=office, text="Một", area="unity")
    # Nothing merged yet: no summary row, so the page counts the base rows.
    assert review_selectors.cycle_counts(open_cycle, office)["as_of"] is None
    summaries.merge_all()
    for user in (office, overseer):  # the whole scope, and one commune's subtree inside it
        counts = review_selectors.cycle_counts(open_cycle, user)
        exact = review_selectors.cycle_counts_exact(open_cycle, user)
        assert counts.pop("as_of") is not None and exact.pop("as_of") is None
        assert counts == exact
        assert dict((s, n) for s, _label, n in counts["by_status"])[ReviewStatus.SUBMITTED] == 1
