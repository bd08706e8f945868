"""The home page; the campaign dashboard: a cycle's figures for a unit's subtree, its children,
the rows behind.

The figures come only from CycleSummary (kept by the background merge), never from the base
tables: one query on its indexes gives the unit, its ancestors and its children (plus one for
their names). Every fetch goes through the scoping layer, so a cycle or unit outside the user's
scope answers 404.
"""

import functools
import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kiemdiem.core.db_router import replica_view
from kiemdiem.core.paging import CappedCountPaginator, rows_by_key
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.core.templatetags.kd import jinja  # a Jinja2 row template, rendered
from kiemdiem.dashboard import progress, selectors
from kiemdiem.dashboard.forms import MetricFilterForm
from kiemdiem.dashboard.metrics import METRIC_NAMES, METRICS
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for, top_units_within, visible_subtrees
from kiemdiem.oversight.selectors import (
    assessments_visible_to,
    overseer_assessments,
    overseer_named,
    overseers_dashboard,
)
from kiemdiem.reports.services import FIGURE_LABELS
from kiemdiem.reviews.models import ReviewCycle

ROWS_PER_PAGE = 50
# The order of the figures on the page and of the columns of the children table.
METRIC_GROUPS: list[tuple[str, list[str]]] = [
    (
        gettext_lazy("Tự kiểm điểm và hội nghị"),
        [
            "units_expected",
            "reviews_expected",
            "reviews_submitted",
            "reviews_discussed",
            "reviews_finalized",
            "conferences_held",
        ],
    ),
    (
        gettext_lazy("Kế hoạch khắc phục"),
        [
            "plans_expected",
            "plans_on_time",
            "plans_late",
            "plans_missing",
            "plans_returned",
            "plans_accepted",
        ],
    ),
    (gettext_lazy("Thực hiện khắc phục"), ["items_total", "items_done", "items_overdue"]),
    (
        gettext_lazy("Hạn chế, khuyết điểm"),
        ["findings_total", "findings_resolved", "findings_carried"],
    ),
]
COLUMNS: list[str] = [m for _label, group in METRIC_GROUPS for m in group]
# A figure shown with its share of another (e.g. reviews submitted out of reviews expected).
SHARE_OF: dict[str, str] = {
    "reviews_submitted": "reviews_expected",
    "reviews_discussed": "reviews_expected",
    "reviews_finalized": "reviews_expected",
    "conferences_held": "units_expected",
    "plans_on_time": "plans_expected",
    "plans_late": "plans_expected",
    "plans_missing": "plans_expected",
    "plans_accepted": "plans_expected",
    "items_done": "items_total",
    "items_overdue": "items_total",
    "findings_resolved": "findings_total",
}
UNIT_SENTINEL = 987654321


class Links:
    """URLs of one cycle's dashboard pages, built by string from one reverse() per page view.

    A province page links ~200 children × 16 figures; reversing each would cost more than the
    queries of the page.
    """

    def __init__(self, cycle_id: int) -> None:
        self.unit_template = reverse("dashboard:cycle-unit", args=[cycle_id, UNIT_SENTINEL])

    def unit(self, unit_id: int) -> str:
        return self.unit_template.replace(str(UNIT_SENTINEL), str(unit_id))

    def metric(self, unit_id: int, metric: str) -> str:
        return f"{self.unit(unit_id)}{metric}/"


def _cycle(request: HttpRequest, cycle_id: int) -> ReviewCycle:
    cycle = selectors.cycle_visible_to(request.user, cycle_id)
    if cycle is None:
        raise Http404(_("Không có đợt kiểm điểm này trong phạm vi của bạn."))
    return cycle


def _cycle_and_unit(request: HttpRequest, cycle_id: int, unit_id: int) -> tuple[ReviewCycle, Unit]:
    cycle = _cycle(request, cycle_id)
    if unit_id == cycle.scope_unit_id and access_for(request.user).covers(cycle.scope_unit.path):
        return cycle, cycle.scope_unit  # the landing page: the unit came with the cycle
    unit = get_object_or_404(selectors.units_in_cycle_visible_to(request.user, cycle), pk=unit_id)
    return cycle, unit


@functools.lru_cache(maxsize=8)
def _labels(language: str) -> dict[str, str]:
    """Metric and group labels translated once per language (lazy labels cost on every use)."""
    labels = {metric: str(METRICS[metric][0]) for metric in METRIC_NAMES}
    labels.update({str(i): str(label) for i, (label, _metrics) in enumerate(METRIC_GROUPS)})
    return labels


def _figures(row: dict | None, labels: dict[str, str]) -> list[dict]:
    """The groups of figures of one summary row, each figure with its share when it has one."""
    values = {m: (row[m] if row else 0) for m in METRIC_NAMES}
    groups = []
    for i, (_label, metrics) in enumerate(METRIC_GROUPS):
        items = []
        for metric in metrics:
            base = SHARE_OF.get(metric)
            share = round(100 * values[metric] / values[base]) if base and values[base] else None
            items.append(
                {"metric": metric, "label": labels[metric], "value": values[metric], "share": share}
            )
        groups.append({"label": labels[str(i)], "items": items})
    return groups


# The home page's side box: the tops of the user's scope, the fields it shows (a unit row has
# ~16 columns), compiled once (core.precompiled).
_ROOTS = Precompiled(
    lambda paths: top_units_within(paths).only("id", "name", "kind").order_by("name")[:20]
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The first page after signing in, "Việc cần làm": the person's next actions, each line
    linking to where it is taken, with their roles and where they can go."""
    access = access_for(request.user)
    ctx = {
        "access": access,
        "todo": selectors.todo_for(request.user),
        "roots": _ROOTS(visible_subtrees(access)),
        "soon_days": selectors.SOON_DAYS,
    }
    return render(request, "dashboard/home.html", ctx)


@login_required
@replica_view
def cycle_list(request: HttpRequest) -> HttpResponse:
    """The cycles whose scope overlaps the user's subtrees."""
    cycles = _cycle_rows(selectors.cycles_visible_to(request.user))
    paginator = CappedCountPaginator(
        cycles.order_by("-starts_on", "-pk"), ROWS_PER_PAGE, rows=_CYCLE_ROWS, exact=True
    )
    return render(
        request, "dashboard/cycle_list.html", {"page": paginator.get_page(request.GET.get("page"))}
    )


def _cycle_rows(cycles: QuerySet[ReviewCycle]) -> QuerySet[ReviewCycle]:
    """The cycle list's rows: each with the unit that runs it."""
    return cycles.select_related("scope_unit")


# the cycle list's rows by key, compiled once: the scoped query compiled in 0.8–1.1 ms (issue 17)
_CYCLE_ROWS = rows_by_key(ReviewCycle, _cycle_rows)


@login_required
@replica_view
def cycle_home(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Open a cycle's dashboard at the user's top visible unit within its scope."""
    cycle = _cycle(request, cycle_id)
    unit = selectors.default_unit(request.user, cycle)
    if unit is None:
        raise Http404(_("Không có đơn vị nào của đợt này trong phạm vi của bạn."))
    return redirect("dashboard:cycle-unit", cycle_id=cycle.pk, unit_id=unit.pk)


def _branch(request: HttpRequest, cycle: ReviewCycle, unit: Unit, links: Links) -> dict:
    """What the dashboard and its all-figures table share: the summary rows along the branch
    (`along`, root first), the unit's own row (`own`), its children's (`children`), the order
    asked for (?sap_xep=, ?chieu=) and the children's rendered tables (children_parts)."""
    along, children = selectors.summaries_of_branch(cycle, unit)
    own = next((row for row in along if row["unit_path"] == unit.path), None)
    sort = request.GET.get("sap_xep", "")
    descending = request.GET.get("chieu") == "giam"
    return {
        "along": along,
        "own": own,
        "children": children,
        "sort": sort,
        "descending": descending,
        **children_parts(cycle.pk, own, children, sort, descending, links),
    }


@login_required
@replica_view
def unit_summary(request: HttpRequest, cycle_id: int, unit_id: int) -> HttpResponse:
    """The cycle's figures for the unit's subtree, and each child's progress."""
    cycle, unit = _cycle_and_unit(request, cycle_id, unit_id)
    access = access_for(request.user)
    links = Links(cycle.pk)
    branch = _branch(request, cycle, unit, links)
    own, sort, descending = branch["own"], branch["sort"], branch["descending"]
    breadcrumb = [
        (row["name"], links.unit(row["unit_id"]))
        for row in branch["along"]
        if row["unit_path"] != unit.path and access.covers(row["unit_path"])
    ]
    figures_url = reverse("dashboard:children-figures", args=[cycle.pk, unit.pk])
    if sort in progress.MEASURE_KEYS or descending:
        figures_url += "?" + request.GET.urlencode()  # the table keeps the order shown here
    ctx = {
        **branch,
        "cycle": cycle,
        "unit": unit,
        "groups": _figures(own, _labels(get_language())),
        "breadcrumb": breadcrumb,
        "progress_columns": _progress_columns(sort, descending),
        "name_sort": _sort_link("", sort, descending),
        "links": links,
        "unit_url": links.unit(unit.pk),
        "figures_url": figures_url,
        "pending": own["pending"] if own else selectors.pending_changes(cycle, unit),
    }
    report = selectors.latest_report(cycle, unit)
    if report is not None:
        ctx["comparison"] = progress.compare_report(
            report, own, timezone.localdate(), FIGURE_LABELS
        )
    return render(request, "dashboard/unit_summary.html", ctx)


@login_required
@replica_view
def children_figures(request: HttpRequest, cycle_id: int, unit_id: int) -> HttpResponse:
    """All 16 figures of each child, the table behind the dashboard's "Tất cả số liệu": loaded
    when that box is opened (htmx), or a page of its own. Half of the dashboard's HTML on a
    province (~240 KB of ~460 KB) that few readers open: not sent with every view."""
    cycle, unit = _cycle_and_unit(request, cycle_id, unit_id)
    labels = _labels(get_language())
    ctx = {
        **_branch(request, cycle, unit, Links(cycle.pk)),
        "cycle": cycle,
        "unit": unit,
        "column_groups": [(labels[str(i)], len(m)) for i, (_l, m) in enumerate(METRIC_GROUPS)],
        "columns": [(m, labels[m]) for m in COLUMNS],
    }
    template = "dashboard/children_figures.html"
    if getattr(request, "htmx", False):
        template += "#table"
    return render(request, template, ctx)


# The rendered children tables change only with the figures (merged once a minute), the units'
# names, the order asked for and the language: they are kept this long, keyed by all of them.
CHILDREN_CACHE_SECONDS = 600
_CHILDREN_VERSION = "3"  # raise when the tables' markup changes (a deploy must not reuse old HTML)


def children_key(
    cycle_id: int, own: dict | None, children: list[dict], sort: str, descending: bool
) -> str:
    """The cache key of the children's tables: a digest of everything they are made from.

    The figures of the unit (the "behind" marks compare each child with them) and every value of
    every child's row (ids, paths, names, kinds, the 16 figures) are part of the key, so a merge
    that moves any figure, or a renamed unit, makes a new key: a cached table can never show
    figures other than those just read. Nothing in the tables depends on who reads them (a
    user who sees the unit sees its whole subtree; links carry only the cycle and unit ids).
    """
    own_figures = tuple(own[m] for m in METRIC_NAMES) if own else None
    rows = tuple(tuple(row.values()) for row in children)
    language = get_language()
    material = repr((_CHILDREN_VERSION, cycle_id, language, sort, descending, own_figures, rows))
    return "dashboard-children:" + hashlib.blake2b(material.encode(), digest_size=20).hexdigest()


def children_parts(
    cycle_id: int, own: dict | None, children: list[dict], sort: str, descending: bool, links
) -> dict:
    """The children's chart data and both tables' rows (HTML), from the cache when the same
    figures were rendered before; rendering them is most of the page's CPU (~200 children × 24
    cells on a province)."""
    if not children:
        return {"chart": None, "progress_html": "", "summary_html": ""}
    sort = sort if sort in progress.MEASURE_KEYS else ""  # any other value sorts by name
    key = children_key(cycle_id, own, children, sort, descending)
    parts = cache.get(key)
    if parts is None:
        ordered = progress.sort_rows(children, sort, descending)
        bench = progress.benchmarks(own)
        parts = {
            "chart": progress.chart_data(children, links),
            **children_tables(ordered, links, bench),
        }
        cache.set(key, parts, CHILDREN_CACHE_SECONDS)
    return {
        "chart": parts["chart"],
        "progress_html": mark_safe(parts["progress_html"]),  # rendered by Jinja (autoescape)
        "summary_html": mark_safe(parts["summary_html"]),
    }


def children_tables(rows: list[dict], links, bench: dict) -> dict[str, str]:
    """Both children tables' rows (HTML, escaped by Jinja) in the order of `rows`."""
    return {
        "progress_html": jinja(
            "dashboard/progress_rows.html",
            rows=rows,
            links=links,
            bench=bench,
            measures=[(m, str(m.label)) for m in progress.MEASURES],  # translated once
            share=progress.share,
            behind=progress.behind,
            is_late=progress.is_late,
        ),
        "summary_html": jinja(
            "dashboard/summary_rows.html", rows=rows, columns=COLUMNS, links=links
        ),
    }


def _sort_link(key: str, sort: str, descending: bool) -> dict:
    """A sortable column header ("" = the unit name): its link and its aria-sort value.

    The current column's link turns the order round; another column's link sorts the units
    furthest behind first (lowest share, or most late items and plans).
    """
    current = key == sort if key else sort not in progress.MEASURE_KEYS
    if current:
        direction = "tang" if descending else "giam"
    elif key:
        direction = "giam" if next(m.bad for m in progress.MEASURES if m.key == key) else "tang"
    else:
        direction = "tang"
    query = f"?sap_xep={key}&chieu={direction}" if key else f"?chieu={direction}"
    aria = ("descending" if descending else "ascending") if current else "none"
    return {"url": query + "#tien-do", "aria": aria}


def _progress_columns(sort: str, descending: bool) -> list[dict]:
    return [{"label": m.label, **_sort_link(m.key, sort, descending)} for m in progress.MEASURES]


@login_required
@replica_view
def oversight_table(request: HttpRequest, cycle_id: int, unit_id: int) -> HttpResponse:
    """Per working group and per assigned member over the unit's subtree: the units they
    oversee, the cycle's plans they appraised, their assessments done, late and missing. Read
    live (these are few rows), so the dashboard page loads it as a panel after its figures."""
    cycle, unit = _cycle_and_unit(request, cycle_id, unit_id)
    rows = overseers_dashboard(unit, cycle.pk)
    ctx = {"cycle": cycle, "unit": unit, "rows": rows, "request_path": request.path}
    template = "dashboard/oversight_table.html"
    if getattr(request, "htmx", False):
        template += "#table"
    return render(request, template, ctx)


OVERSIGHT_STATES = {
    "done": gettext_lazy("Gửi đúng hạn"),
    "late": gettext_lazy("Gửi muộn"),
    "missing": gettext_lazy("Quá hạn chưa gửi"),
}


@login_required
@replica_view
def oversight_assessments(request: HttpRequest, cycle_id: int, unit_id: int) -> HttpResponse:
    """The assessments behind one figure of the oversight panel: one working group's or
    member's, in the cycle over the unit's subtree, sent on time, late or missing."""
    cycle, unit = _cycle_and_unit(request, cycle_id, unit_id)
    named = overseer_named(unit, request.GET)
    if named is None:
        raise Http404(_("Không có tổ công tác hay cấp ủy viên này trong phạm vi."))
    who, label = named
    state = request.GET.get("state", "")
    if state not in OVERSIGHT_STATES:
        state = ""
    rows = overseer_assessments(unit, cycle.pk, state=state, **who)
    readable = set(
        assessments_visible_to(request.user)
        .filter(pk__in=[e.assessment.pk for e in rows if e.assessment])
        .values_list("pk", flat=True)
    )
    key, value = next(iter(who.items()))
    param = ("group" if key == "group_id" else "member", value)
    ctx = {
        "cycle": cycle,
        "unit": unit,
        "label": label,
        "state": state,
        "state_label": OVERSIGHT_STATES.get(state, ""),
        "states": [("", _("Tất cả"))] + list(OVERSIGHT_STATES.items()),
        "who_param": param,
        "rows": [
            {"e": e, "url": e.assessment.get_absolute_url()}
            if e.assessment and e.assessment.pk in readable
            else {"e": e, "url": ""}
            for e in rows
        ],
    }
    return render(request, "dashboard/oversight_assessments.html", ctx)


@login_required
@replica_view
def metric_rows(request: HttpRequest, cycle_id: int, unit_id: int, metric: str) -> HttpResponse:
    """The reviews, conferences, plans, items or findings behind one figure, filterable by child
    unit and by status."""
    if metric not in METRICS:
        raise Http404(_("Không có chỉ tiêu này."))
    cycle, unit = _cycle_and_unit(request, cycle_id, unit_id)
    family = selectors.METRIC_FAMILY[metric]
    form = MetricFilterForm(
        request.GET or None,
        children=selectors.children_in_cycle(request.user, cycle, unit),
        statuses=selectors.ROW_STATUSES.get(family.model, []),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.metric_rows_listed(
        cycle=cycle, unit=unit, metric=metric, user=request.user, **filters
    )
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    ctx = {
        "cycle": cycle,
        "unit": unit,
        "metric": metric,
        "label": METRICS[metric][0],
        "page": page,
        "form": form,
        "kind": selectors.ROW_KINDS[family.model],
        "unit_url": reverse("dashboard:cycle-unit", args=[cycle.pk, unit.pk]),
    }
    return render(request, "dashboard/metric_rows.html", ctx)
