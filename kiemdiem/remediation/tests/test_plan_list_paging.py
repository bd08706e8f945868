"""The plan list reads its pages year by year (core.paging.GroupedKeysPaginator, issue 17): the
pages, put together, are the plans in the list's order, and the queries do not grow with the
number of plans."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiemdiem.dashboard import summaries
from kiemdiem.dashboard.tests.test_query_ceilings import grow_campaign
from kiemdiem.remediation import selectors, views
from kiemdiem.reviews.models import ReviewCycle

D = datetime.date


@pytest.mark.django_db
@pytest.mark.parametrize("merged", [False, True])
def test_plan_list_pages_follow_the_list_order_across_years(
    client, org_tree, office, travel_to, monkeypatch, merged
):
    travel_to(D(2026, 1, 10))
    old, _ = grow_campaign(org_tree, office, members=1, items=0, number=1)
    grow_campaign(org_tree, office, members=1, items=0, number=2)
    ReviewCycle.objects.filter(pk=old.pk).update(year=2024)  # two years: the older one last
    if merged:  # the counts per cycle then come from the summaries (none pending: exact)
        summaries.merge_all()
    per_cycle = selectors.plans_per_cycle_summarized(office)
    assert (per_cycle is not None) == merged
    monkeypatch.setattr("kiemdiem.remediation.views.ROWS_PER_PAGE", 3)
    client.force_login(office)
    expected = list(selectors.plans_filtered(office, None))
    assert len({p.cycle_id for p in expected}) == 2 and len(expected) > 6
    assert len(expected) % 3  # a short last page
    shown = []
    for number in range(1, len(expected) // 3 + 2):
        page = client.get(reverse("remediation:plan-list"), {"page": number}).context["page"]
        assert page.paginator.count == len(expected)
        shown += page.object_list  # the rows are tuples (plans_list), read by key (_PLAN_ROWS)
    assert [row.pk for row in shown] == [p.pk for p in expected]
    # each row as the list's own query gives it, every column
    assert shown == list(selectors.plans_list(selectors.plans_filtered(office, None)))
    assert views._PLAN_ROWS.compiled(tuple(range(1, 4)))


@pytest.mark.django_db
@pytest.mark.usefixtures("built_pages")
def test_plan_list_queries_do_not_grow(client, org_tree, office, travel_to):
    travel_to(D(2026, 1, 10))
    client.force_login(office)
    url = reverse("remediation:plan-list")

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    grow_campaign(org_tree, office, members=2, items=1, number=1)
    small = queries()
    grow_campaign(org_tree, office, members=6, items=3, number=2)
    assert queries() == small


def test_plan_rows_escape_texts_and_mark_late_plans(travel_to):
    """The rows (jinja2/remediation/plan_rows.html) escape every text and show the late badges
    as RemediationPlan.is_late decides (views.late_plans)."""
    from collections import namedtuple

    from django.template import engines

    from kiemdiem.remediation.states import PlanStatus
    from kiemdiem.remediation.views import late_plans

    travel_to(D(2026, 3, 1))
    Row = namedtuple("Row", selectors.PLAN_ROW_FIELDS)
    common = dict(cycle__title="Đợt <1>", n_actions=2, review__unit__name="Chi bộ <A>")
    plans = [
        Row(
            1,
            "draft",
            D(2026, 2, 15),
            None,
            None,
            None,
            "Chi bộ <A>",
            review__person_id=None,
            review__person__full_name=None,
            **common,
        ),
        Row(
            2,
            "submitted",
            D(2026, 2, 15),
            datetime.datetime(2026, 2, 20, 8, 0, tzinfo=datetime.UTC),
            D(2026, 2, 20),
            7,
            "Chi bộ <A>",
            review__person_id=7,
            review__person__full_name="Lê <Văn> A",
            **common,
        ),
        Row(
            3,
            "accepted",
            D(2026, 2, 15),
            None,
            D(2026, 2, 1),
            8,
            "Chi bộ <A>",
            review__person_id=8,
            review__person__full_name="B",
            **common,
        ),
    ]
    html = (
        engines["jinja2"]
        .get_template("remediation/plan_rows.html")
        .render({"rows": plans, "late": late_plans(plans), "statuses": dict(PlanStatus.choices)})
    )
    assert "<A>" not in html and "<1>" not in html and "<Văn>" not in html
    assert 'href="/ke-hoach/1/">Chi bộ &lt;A&gt;</a></td>' in html
    assert 'Lê &lt;Văn&gt; A</a> <span class="text-muted small">(Chi bộ &lt;A&gt;)</span>' in html
    rows = html.split("<tr>")[1:]
    assert "quá hạn nộp" in rows[0] and "text-bg-secondary" in rows[0]
    assert "nộp muộn" in rows[1] and "text-bg-info" in rows[1]
    assert "badge text-bg-danger" not in rows[2] and "text-bg-success" in rows[2]
    assert "15/02/2026" in rows[2] and rows[2].endswith('class="text-end">2</td></tr>')


@pytest.mark.django_db
def test_started_cycles_read_precompiled_agrees_with_cycles_for(
    org_tree, office, unit_head, outsider, member, admin, travel_to
):
    """The plan list's figures read the cycles each user may open but drafts (`cycles_for`),
    compiled once per shape of their subtrees."""
    from kiemdiem.org.scoping import access_for, visible_subtrees
    from kiemdiem.reviews.selectors import covering_paths, cycles_for
    from kiemdiem.reviews.states import CycleStatus

    travel_to(D(2026, 1, 10))
    grow_campaign(org_tree, office, members=1, items=0, number=1)
    draft, _ = grow_campaign(org_tree, office, members=1, items=0, number=2)
    ReviewCycle.objects.filter(pk=draft.pk).update(status=CycleStatus.DRAFT)
    seen = 0
    for user in [office, unit_head, outsider, member, admin]:
        paths = visible_subtrees(access_for(user))
        assert selectors._CYCLES_STARTED.compiled(paths, covering_paths(paths))
        rows = selectors._CYCLES_STARTED(paths, covering_paths(paths))
        orm = cycles_for(user).exclude(status=CycleStatus.DRAFT)
        assert rows == list(orm) and draft not in rows, user.username
        seen += len(rows)
    assert seen
