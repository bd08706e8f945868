"""The re-check lists that export to Excel: the campaigns, a campaign's units with their counts,
and one unit's results (before → after, reason). Same scope as the pages: a campaign or a unit
the user cannot see is refused with a Vietnamese message (the pages answer 404)."""

from django.utils.translation import gettext as _

from kiemdiem.classification import recheck
from kiemdiem.classification.recheck_models import RecheckOutcome, RecheckTask
from kiemdiem.core.xlsx import Column
from kiemdiem.exports.registry import ExportRefused, Sheet, exporter, one_of


@exporter("classification.recheck-tasks")
def recheck_tasks(user, params: dict[str, str]) -> Sheet:
    campaign = one_of(
        recheck.campaigns_for(user),
        params.get("campaign", ""),
        _("Không có đợt rà soát này trong phạm vi."),
    )
    return Sheet(
        title=_("Đơn vị rà soát"),
        filename=f"ra-soat-{campaign.pk}-don-vi",
        columns=[
            Column(_("Cấp đã quyết định"), lambda r: r.task.unit.name, width=40),
            Column(_("Số kết quả"), lambda r: r.total, kind="int", width=10),
            Column(_("Đúng, giữ nguyên"), lambda r: r.confirmed, kind="int", width=10),
            Column(_("Đã sửa"), lambda r: r.corrected, kind="int", width=10),
            Column(_("Chưa rà soát"), lambda r: r.pending, kind="int", width=10),
            Column(_("Quá hạn"), lambda r: _("Có") if r.overdue else "", width=10),
            Column(_("Tình trạng"), lambda r: r.task.get_status_display(), width=20),
            Column(_("Ngày báo cáo"), lambda r: r.task.reported_on, kind="date", width=12),
        ],
        rows=recheck.task_rows(user, campaign),
        unit_path=campaign.unit.path,
    )


@exporter("classification.recheck-items")
def recheck_items(user, params: dict[str, str]) -> Sheet:
    raw = params.get("task", "")
    task = RecheckTask.objects.filter(pk=int(raw)).first() if str(raw).isdigit() else None
    refusal = _("Không có đơn vị rà soát này trong phạm vi.")
    if task is None or not recheck.tasks_for(user, task.campaign).filter(pk=task.pk).exists():
        raise ExportRefused(refusal)
    items = recheck.items_for(user, task)
    if params.get("ket_qua") in RecheckOutcome.values:
        items = items.filter(outcome=params["ket_qua"])
    return Sheet(
        title=_("Kết quả rà soát"),
        filename=f"ra-soat-don-vi-{task.pk}",
        columns=[
            Column(_("Được đánh giá"), lambda i: i.rating.subject_label, width=32),
            Column(_("Đối tượng"), lambda i: i.rating.get_subject_kind_display(), width=18),
            Column(_("Đơn vị"), lambda i: i.rating.unit.name, width=32),
            Column(_("Mức đã công khai"), lambda i: i.before_short, width=12),
            Column(_("Kết quả rà soát"), lambda i: i.get_outcome_display(), width=24),
            Column(_("Mức sau rà soát"), lambda i: i.after_short, width=12),
            Column(_("Lý do, nhận xét"), lambda i: i.note, width=40),
            Column(_("Ngày rà soát"), lambda i: i.checked_on, kind="date", width=12),
        ],
        rows=items,
        unit_path=task.unit.path,
    )


@exporter("classification.rechecks")
def rechecks(user, params: dict[str, str]) -> Sheet:
    return Sheet(
        title=_("Đợt rà soát"),
        filename="dot-ra-soat-xep-loai",
        columns=[
            Column(_("Đợt rà soát"), lambda c: c.title, width=40),
            Column(_("Năm được rà soát"), lambda c: c.year, kind="int", width=10),
            Column(_("Cấp ủy"), lambda c: c.unit.name, width=36),
            Column(_("Văn bản"), lambda c: c.document_number, width=16),
            Column(_("Hạn hoàn thành"), lambda c: c.deadline, kind="date", width=12),
            Column(_("Trạng thái"), lambda c: c.get_status_display(), width=16),
            Column(_("Ngày kết thúc"), lambda c: c.closed_on, kind="date", width=12),
        ],
        rows=recheck.campaigns_for(user),
    )
