"""The dashboard lists that export to Excel: the children's progress and the rows behind a figure.

Both read what the pages show through the same selectors; a cycle or unit the user cannot see
is refused with a Vietnamese message (the pages answer 404 for it).
"""

from django.utils.translation import gettext as _

from kiemdiem.core.xlsx import Column
from kiemdiem.dashboard import progress, selectors
from kiemdiem.dashboard.forms import MetricFilterForm
from kiemdiem.dashboard.metrics import METRICS
from kiemdiem.exports.registry import ExportRefused, Sheet, exporter, one_of
from kiemdiem.org.models import Unit
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reviews.models import Finding, Review, ReviewCycle, ReviewMeeting


def _cycle_and_unit(user, params: dict[str, str]) -> tuple[ReviewCycle, Unit]:
    cycle_id = params.get("cycle", "")
    cycle = selectors.cycle_visible_to(user, int(cycle_id)) if cycle_id.isdigit() else None
    if cycle is None:
        raise ExportRefused(_("Không có đợt kiểm điểm này trong phạm vi của đồng chí."))
    unit = one_of(
        selectors.units_in_cycle_visible_to(user, cycle),
        params.get("unit", ""),
        _("Đơn vị này không thuộc phạm vi của đồng chí (hoặc không thuộc đợt kiểm điểm)."),
    )
    return cycle, unit


def _person_or_unit(person, unit) -> str:
    return person.full_name if person is not None else unit.name


COLUMNS: dict[type, list[Column]] = {
    Review: [
        Column(_("Đối tượng"), lambda r: r.subject_label, width=36),
        Column(_("Loại"), lambda r: r.get_subject_kind_display(), width=12),
        Column(_("Đơn vị"), lambda r: r.unit.name, width=36),
        Column(_("Trạng thái"), lambda r: r.get_status_display(), width=24),
        Column(_("Gửi lúc"), lambda r: r.submitted_at, kind="datetime", width=17),
    ],
    ReviewMeeting: [
        Column(_("Đơn vị"), lambda m: m.unit.name, width=36),
        Column(_("Ngày họp"), lambda m: m.held_on, kind="date", width=12),
        Column(_("Chủ trì"), lambda m: m.chair.full_name, width=26),
        Column(_("Số người dự"), lambda m: m.attendee_count, kind="int", width=10),
        Column(_("Số ý kiến góp ý"), lambda m: m.comments_count, kind="int", width=10),
    ],
    RemediationPlan: [
        Column(_("Kế hoạch của"), lambda p: _person_or_unit(p.person, p.unit), width=36),
        Column(_("Đơn vị"), lambda p: p.unit.name, width=36),
        Column(_("Trạng thái"), lambda p: p.get_status_display(), width=26),
        Column(_("Hạn nộp"), lambda p: p.due_date, kind="date", width=12),
        Column(_("Nộp lần đầu lúc"), lambda p: p.first_submitted_at, kind="datetime", width=17),
        Column(
            _("Chưa nộp, quá hạn"), lambda p: _("Quá hạn") if p.missing_flagged else "", width=12
        ),
    ],
    PlanAction: [
        Column(_("Nội dung khắc phục"), lambda a: a.content, width=60),
        Column(_("Kế hoạch của"), lambda a: _person_or_unit(a.plan.person, a.plan.unit), width=30),
        Column(_("Đơn vị"), lambda a: a.plan.unit.name, width=30),
        Column(
            _("Chịu trách nhiệm"),
            lambda a: (
                a.responsible_person.full_name
                if a.responsible_person_id
                else (a.responsible_unit.name if a.responsible_unit_id else "")
            ),
            width=26,
        ),
        Column(_("Thời hạn"), lambda a: a.due_date, kind="date", width=12),
        Column(_("Tình trạng"), lambda a: a.get_status_display(), width=22),
        Column(_("Mức độ hoàn thành (%)"), lambda a: a.percent, kind="int", width=10),
        Column(_("Quá hạn"), lambda a: _("Quá hạn") if a.overdue_flagged else "", width=10),
    ],
    Finding: [
        Column(_("Hạn chế, khuyết điểm"), lambda f: f.text, width=60),
        Column(_("Của"), lambda f: _person_or_unit(f.review.person, f.review.unit), width=30),
        Column(_("Đơn vị"), lambda f: f.unit.name, width=30),
        Column(_("Mức độ"), lambda f: f.get_severity_display(), width=14),
        Column(_("Nguồn"), lambda f: f.get_source_display(), width=20),
        Column(_("Tình trạng"), lambda f: f.get_status_display(), width=18),
    ],
}


@exporter("dashboard.metric-rows")
def metric_rows(user, params: dict[str, str]) -> Sheet:
    cycle, unit = _cycle_and_unit(user, params)
    metric = params.get("metric", "")
    if metric not in METRICS:
        raise ExportRefused(_("Không có chỉ tiêu “%(m)s”.") % {"m": metric})
    family = selectors.METRIC_FAMILY[metric]
    form = MetricFilterForm(
        params,
        children=selectors.children_in_cycle(user, cycle, unit),
        statuses=selectors.ROW_STATUSES.get(family.model, []),
    )
    if not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        raise ExportRefused(problems)
    rows = selectors.metric_rows_listed(
        cycle=cycle, unit=unit, metric=metric, user=user, **form.cleaned_data
    )
    label = str(METRICS[metric][0])
    return Sheet(
        title=f"{label} — {unit.name}",
        filename=f"theo-doi-{metric.replace('_', '-')}-{unit.pk}",
        columns=COLUMNS[family.model],
        rows=rows,
        unit_path=unit.path,
    )


@exporter("dashboard.children")
def children(user, params: dict[str, str]) -> Sheet:
    cycle, unit = _cycle_and_unit(user, params)
    along, rows = selectors.summaries_of_branch(cycle, unit)
    bench = progress.benchmarks(next((r for r in along if r["unit_path"] == unit.path), None))
    columns = [Column(_("Đơn vị trực thuộc"), lambda r: r["name"], width=40)]
    for measure in progress.MEASURES:
        if measure.whole:
            columns.append(
                Column(
                    str(measure.label) + " (%)",
                    lambda r, m=measure: (
                        None if progress.share(r, m)[1] is None else progress.share(r, m)[1] / 100
                    ),
                    kind="percent",
                    width=14,
                )
            )
        columns.append(
            Column(
                str(measure.label) + (_(" (số lượng)") if measure.whole else ""),
                lambda r, m=measure: progress.share(r, m)[0],
                kind="int",
                width=14,
            )
        )
    columns.append(
        Column(_("Chậm"), lambda r: _("Chậm") if progress.is_late(r, bench) else "", width=8)
    )
    return Sheet(
        title=_("Tiến độ %(u)s") % {"u": unit.name},
        filename=f"tien-do-{unit.pk}",
        columns=columns,
        rows=progress.sort_rows(rows, "", False),
        unit_path=unit.path,
    )


@exporter("dashboard.oversight")
def oversight(user, params: dict[str, str]) -> Sheet:
    """The dashboard's panel per working group and per assigned member."""
    from kiemdiem.oversight.selectors import overseers_dashboard

    cycle, unit = _cycle_and_unit(user, params)
    return Sheet(
        title=_("Giám sát"),
        filename=f"giam-sat-dot-{cycle.pk}-don-vi-{unit.pk}",
        columns=[
            Column(_("Tổ công tác, cấp ủy viên"), lambda r: r.label, width=30),
            Column(
                _("Loại"),
                lambda r: _("Tổ công tác") if r.kind == "group" else _("Cấp ủy viên phụ trách"),
                width=20,
            ),
            Column(_("Đơn vị theo dõi"), lambda r: "; ".join(r.units), width=50),
            Column(_("Kế hoạch đã thẩm định"), lambda r: r.plans_appraised, kind="int", width=12),
            Column(_("Nhận xét đúng hạn"), lambda r: r.assessments_done, kind="int", width=12),
            Column(_("Nhận xét gửi muộn"), lambda r: r.assessments_late, kind="int", width=12),
            Column(_("Nhận xét quá hạn"), lambda r: r.assessments_missing, kind="int", width=12),
        ],
        rows=overseers_dashboard(unit, cycle.pk),
        unit_path=unit.path,
    )


@exporter("dashboard.oversight-assessments")
def oversight_assessments(user, params: dict[str, str]) -> Sheet:
    """The assessments behind one figure of the panel (a group's or a member's, by state)."""
    from kiemdiem.oversight.exports import STATE_LABELS
    from kiemdiem.oversight.selectors import overseer_assessments, overseer_named

    cycle, unit = _cycle_and_unit(user, params)
    named = overseer_named(unit, params)
    if named is None:
        raise ExportRefused(_("Không có tổ công tác hay cấp ủy viên này trong phạm vi."))
    who, _label = named
    state = params.get("state", "")
    rows = overseer_assessments(unit, cycle.pk, state=state if state in STATE_LABELS else "", **who)
    return Sheet(
        title=_("Báo cáo nhận xét"),
        filename=f"nhan-xet-dot-{cycle.pk}-don-vi-{unit.pk}",
        columns=[
            Column(_("Tổ công tác, cấp ủy viên"), lambda e: e.overseer, width=30),
            Column(_("Đơn vị"), lambda e: e.unit.name, width=36),
            Column(_("Kỳ"), lambda e: e.period.label, width=22),
            Column(_("Hạn gửi"), lambda e: e.period.due_on, kind="date", width=12),
            Column(
                _("Ngày gửi"),
                lambda e: e.assessment.submitted_on if e.assessment else None,
                kind="date",
                width=12,
            ),
            Column(_("Tình trạng"), lambda e: str(STATE_LABELS[e.state]), width=18),
        ],
        rows=rows,
        unit_path=unit.path,
    )
