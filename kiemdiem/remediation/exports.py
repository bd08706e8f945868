"""The remediation lists that export to Excel: plans, the two queues, the items of a plan.

Each builder reads what its page shows, through the same selectors and scope (registry.py).
"""

from django.db.models import Count
from django.utils.translation import gettext as _

from kiemdiem.core.dates import days_since
from kiemdiem.core.xlsx import Column
from kiemdiem.exports.registry import ExportRefused, Sheet, exporter, one_of
from kiemdiem.remediation import selectors
from kiemdiem.remediation.forms import PlanFilterForm
from kiemdiem.remediation.models import PlanAction, RemediationPlan


def _subject(plan: RemediationPlan) -> str:
    return plan.person.full_name if plan.person_id else _("Tập thể %(u)s") % {"u": plan.unit.name}


def _refuse_invalid(form) -> None:
    if not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        raise ExportRefused(_("Bộ lọc không hợp lệ: %(p)s") % {"p": problems})


PLAN_COLUMNS = [
    Column(_("Kế hoạch của"), _subject, width=36),
    Column(_("Đơn vị"), lambda p: p.unit.name, width=36),
    Column(_("Mã đơn vị"), lambda p: p.unit.code, width=14),
    Column(_("Đợt kiểm điểm"), lambda p: p.cycle.title, width=30),
    Column(_("Trạng thái"), lambda p: p.get_status_display(), width=26),
    Column(_("Hạn nộp"), lambda p: p.due_date, kind="date", width=12),
    Column(_("Nộp lần đầu lúc"), lambda p: p.first_submitted_at, kind="datetime", width=17),
    Column(
        _("Đúng hạn"),
        lambda p: (
            _("Muộn / quá hạn") if p.is_late else (_("Đúng hạn") if p.first_submitted_at else "")
        ),
        width=16,
    ),
    Column(_("Số nội dung khắc phục"), lambda p: p.n_items, kind="int", width=12),
    Column(_("Ngày tập thể quyết định"), lambda p: p.decision_date, kind="date", width=14),
    Column(_("Nghị quyết, quyết định"), lambda p: p.decision_ref, width=24),
]

# What PLAN_COLUMNS read. A plan's field left out would be read again for every row (test
# test_plan_export_reads_no_more_queries_for_more_rows); a related table none of whose fields
# are named is read whole.
PLAN_FIELDS = (
    "person_id",
    "unit_id",
    "cycle_id",
    "status",
    "due_date",
    "first_submitted_at",
    "first_submitted_on",
    "decision_date",
    "decision_ref",
    "unit__name",
    "unit__code",
    "person__full_name",
    "cycle__title",
)


@exporter("remediation.plans")
def plans(user, params: dict[str, str]) -> Sheet:
    form = PlanFilterForm(params)
    _refuse_invalid(form)
    rows = (
        selectors.plans_filtered(user, form.cleaned_data)
        .select_related("unit", "person", "cycle")
        # Only what PLAN_COLUMNS show: every column of the four tables made reading a row cost
        # more than writing it (a commune's 347 plans: 47-49 -> 33-36 ms of CPU).
        .only(*PLAN_FIELDS)
        .annotate(n_items=Count("actions"))
    )
    return Sheet(
        title=_("Kế hoạch khắc phục"),
        filename="ke-hoach-khac-phuc",
        columns=PLAN_COLUMNS,
        rows=rows,
    )


@exporter("remediation.queue-appraisal")
def queue_appraisal(user, params: dict[str, str]) -> Sheet:
    columns = [
        Column(_("Kế hoạch của"), _subject, width=36),
        Column(_("Đơn vị"), lambda p: p.unit.name, width=36),
        Column(_("Đợt kiểm điểm"), lambda p: p.cycle.title, width=30),
        Column(_("Lần nộp"), lambda p: p.round, kind="int", width=10),
        Column(_("Nộp lúc"), lambda p: p.waiting_since, kind="datetime", width=17),
        Column(_("Hạn nộp"), lambda p: p.due_date, kind="date", width=12),
        Column(_("Số ngày chờ"), lambda p: _days(p.waiting_since), kind="int", width=10),
    ]
    return Sheet(
        title=_("Chờ tôi thẩm định"),
        filename="cho-tham-dinh",
        columns=columns,
        rows=selectors.appraisal_queue(user),
    )


@exporter("remediation.queue-verification")
def queue_verification(user, params: dict[str, str]) -> Sheet:
    columns = [
        Column(_("Nội dung khắc phục"), lambda a: a.content, width=60),
        Column(_("Kế hoạch của"), lambda a: _subject(a.plan), width=36),
        Column(_("Đơn vị"), lambda a: a.plan.unit.name, width=36),
        Column(_("Thời hạn"), lambda a: a.due_date, kind="date", width=12),
        Column(_("Báo cáo hoàn thành lúc"), lambda a: a.done_at, kind="datetime", width=17),
        Column(_("Số ngày chờ"), lambda a: _days(a.done_at), kind="int", width=10),
    ]
    return Sheet(
        title=_("Chờ tôi xác nhận"),
        filename="cho-xac-nhan",
        columns=columns,
        rows=selectors.verification_queue(user),
    )


ITEM_COLUMNS = [
    Column(_("STT"), lambda a: a.position, kind="int", width=6),
    Column(_("Nội dung khắc phục"), lambda a: a.content, width=60),
    Column(
        _("Hạn chế, khuyết điểm được khắc phục"),
        lambda a: "\n".join(f.text for f in a.findings.all()),
        width=50,
    ),
    Column(
        _("Tổ chức chịu trách nhiệm"),
        lambda a: a.responsible_unit.name if a.responsible_unit_id else "",
        width=30,
    ),
    Column(
        _("Cá nhân chịu trách nhiệm"),
        lambda a: a.responsible_person.full_name if a.responsible_person_id else "",
        width=26,
    ),
    Column(_("Thời hạn"), lambda a: a.due_date, kind="date", width=12),
    Column(_("Kết quả dự kiến"), lambda a: a.expected_result, width=40),
    Column(_("Tình trạng"), lambda a: a.get_status_display(), width=22),
    Column(_("Mức độ hoàn thành (%)"), lambda a: a.percent, kind="int", width=12),
    Column(_("Quá hạn"), lambda a: _("Quá hạn") if a.is_overdue() else "", width=10),
]


@exporter("remediation.plan-items")
def plan_items(user, params: dict[str, str]) -> Sheet:
    plan = one_of(
        RemediationPlan.objects.visible_to(user).select_related("unit", "person"),
        params.get("plan", ""),
        _("Không có kế hoạch này trong phạm vi của đồng chí."),
    )
    rows = (
        PlanAction.objects.filter(plan=plan)
        .select_related("responsible_unit", "responsible_person")
        .prefetch_related("findings")
        .order_by("position", "pk")
    )
    return Sheet(
        title=_("Nội dung khắc phục"),
        filename=f"noi-dung-khac-phuc-{plan.pk}",
        columns=ITEM_COLUMNS,
        rows=rows,
        unit_path=plan.unit.path,
    )


def _days(since) -> int | None:
    return days_since(since)
