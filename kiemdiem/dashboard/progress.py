"""The children's progress table and chart of the dashboard: shares computed from summary rows.

Pure functions over the rows `selectors.summaries_of_branch` returns (no query): per child the
share of reviews submitted, conferences held, plans filed and accepted, items done and findings
resolved, with the counts that make a unit late (plans missing, items overdue).
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.sorting import natural_key


@dataclass(frozen=True)
class Measure:
    """One column: a share (`part` of `whole`, in percent) or a plain count when `whole` is
    empty; `metric` is the list behind it; `bad` marks a count that means the unit is late,
    compared as a rate of `rate_of` (plans missing out of plans expected)."""

    key: str
    label: str
    part: tuple[str, ...]
    whole: str = ""
    metric: str = ""
    bad: bool = False
    rate_of: str = ""


MEASURES: list[Measure] = [
    Measure(
        "reviews",
        _("Đã tự kiểm điểm"),
        ("reviews_submitted",),
        "reviews_expected",
        "reviews_expected",
    ),
    Measure(
        "conferences",
        _("Đã họp hội nghị"),
        ("conferences_held",),
        "units_expected",
        "conferences_held",
    ),
    Measure(
        "plans",
        _("Kế hoạch đã nộp"),
        ("plans_on_time", "plans_late"),
        "plans_expected",
        "plans_expected",
    ),
    Measure(
        "missing",
        _("Kế hoạch chưa nộp, quá hạn"),
        ("plans_missing",),
        "",
        "plans_missing",
        bad=True,
        rate_of="plans_expected",
    ),
    Measure(
        "accepted",
        _("Kế hoạch đạt yêu cầu"),
        ("plans_accepted",),
        "plans_expected",
        "plans_accepted",
    ),
    Measure("items", _("Nội dung đã hoàn thành"), ("items_done",), "items_total", "items_done"),
    Measure(
        "overdue",
        _("Nội dung quá hạn"),
        ("items_overdue",),
        "",
        "items_overdue",
        bad=True,
        rate_of="items_total",
    ),
    Measure(
        "findings",
        _("Hạn chế đã khắc phục"),
        ("findings_resolved",),
        "findings_total",
        "findings_resolved",
    ),
]
MEASURE_KEYS = frozenset(m.key for m in MEASURES)
# A child is shown behind on a measure when its share is this many points under the unit's own
# (the whole subtree's), or its rate of plans missing / items overdue this many points over it.
MARGIN = 10
CHART_MAX = 20


def share(row: dict, measure: Measure) -> tuple[int, int | None]:
    """(count, percent or None) of one measure for one summary row."""
    count = sum(row.get(name, 0) or 0 for name in measure.part)
    if not measure.whole:
        return count, None
    whole = row.get(measure.whole, 0) or 0
    return count, (round(100 * count / whole) if whole else None)


def rate(row: dict, measure: Measure) -> float | None:
    """A share's percent, or a late count's percent of `rate_of` (None without a base)."""
    count, percent = share(row, measure)
    if measure.whole:
        return percent
    whole = row.get(measure.rate_of, 0) or 0 if measure.rate_of else 0
    return 100 * count / whole if whole else None


def benchmarks(own: dict | None) -> dict[str, float | None]:
    """The unit's own rates (its whole subtree), against which each child is compared."""
    return {m.key: rate(own, m) if own else None for m in MEASURES}


def behind(row: dict, measure: Measure, bench: dict[str, float | None]) -> bool:
    """Whether the child is clearly behind the unit as a whole on this measure."""
    value, mark = rate(row, measure), bench.get(measure.key)
    if value is None or mark is None:
        return False
    if measure.bad:
        return share(row, measure)[0] > 0 and value >= mark + MARGIN
    return value <= mark - MARGIN


def is_late(row: dict, bench: dict[str, float | None]) -> bool:
    """Behind on plans missing or items overdue (the "chậm" mark)."""
    return any(behind(row, m, bench) for m in MEASURES if m.bad)


def sort_rows(rows: list[dict], key: str, descending: bool) -> list[dict]:
    """Children in natural name order, or by one measure's rate (units without one last)."""
    if key not in MEASURE_KEYS:
        return sorted(rows, key=lambda r: natural_key(r["name"]), reverse=descending)
    measure = next(m for m in MEASURES if m.key == key)

    def value(row: dict) -> tuple:
        figure = rate(row, measure)  # late counts by their rate: a big commune is not "later"
        if figure is None:
            return (1, 0, natural_key(row["name"]))
        return (0, -figure if descending else figure, natural_key(row["name"]))

    return sorted(rows, key=value)


def chart_data(rows: list[dict], links) -> dict:
    """The children furthest behind on plans filed (all of them when few): names, the shares
    of plans filed and of items done, and each child's dashboard URL."""
    plans = next(m for m in MEASURES if m.key == "plans")
    items = next(m for m in MEASURES if m.key == "items")
    ranked = [r for r in rows if share(r, plans)[1] is not None]
    ranked.sort(key=lambda r: (share(r, plans)[1], share(r, items)[1] or 0, natural_key(r["name"])))
    ranked = ranked[:CHART_MAX]
    return {
        "labels": [r["name"] for r in ranked],
        "plans": [share(r, plans)[1] for r in ranked],
        "items": [share(r, items)[1] or 0 for r in ranked],
        "urls": [links.unit(r["unit_id"]) for r in ranked],
        "all": len(ranked) == len(rows),
    }


# The periodic report's figures that count the same things as the dashboard's (report key,
# dashboard metric): on the same day, for the same unit, they are equal.
REPORT_MATCH: list[tuple[str, str]] = [
    ("items_total", "items_total"),
    ("items_verified", "items_done"),
    ("items_overdue", "items_overdue"),
    ("findings_total", "findings_total"),
    ("findings_resolved", "findings_resolved"),
]


@dataclass(frozen=True)
class Comparison:
    """The unit's latest periodic report beside the dashboard, and why they differ if they do."""

    report: object
    rows: list[tuple[str, int, int]]  # (label, in the report, on the dashboard)
    reasons: list[str]

    @property
    def differs(self) -> bool:
        return any(a != b for _label, a, b in self.rows)


def compare_report(report, own: dict | None, today, labels: dict[str, str]) -> Comparison:
    """Side by side: the report's figures (as of its day) and the dashboard's (now), with the
    plain reasons they can differ: another day, changes not merged yet, changes on the same day
    after the report was written."""
    rows = [
        (labels[key], int(report.figures.get(key, 0) or 0), int((own or {}).get(metric, 0) or 0))
        for key, metric in REPORT_MATCH
    ]
    reasons: list[str] = []
    as_of = report.figures_as_of
    if any(a != b for _label, a, b in rows):
        if as_of and as_of != today:
            reasons.append(
                _(
                    "Báo cáo tính số liệu đến hết ngày %(day)s; bảng theo dõi là số liệu hiện "
                    "tại, gồm cả thay đổi sau ngày đó."
                )
                % {"day": as_of.strftime("%d/%m/%Y")}
            )
        if own and own.get("pending"):
            reasons.append(
                _("Bảng theo dõi còn %(n)s thay đổi đang chờ tổng hợp.") % {"n": own["pending"]}
            )
        if as_of == today:
            reasons.append(
                _(
                    "Báo cáo được lập (hoặc cập nhật số liệu) lúc %(at)s: thay đổi trong ngày sau "
                    "lúc đó chưa có trong báo cáo. Bấm “Sửa đánh giá, cập nhật số liệu” trên "
                    "báo cáo để lấy số liệu mới."
                )
                % {"at": timezone.localtime(report.updated_at).strftime("%H:%M")}
            )
    return Comparison(report=report, rows=rows, reasons=reasons)
