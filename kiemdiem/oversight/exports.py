"""The oversight lists that export to Excel: working groups, a group's members, assignments and
expected assessments, the committee members assigned in person, a programme's activities, what
is late, implementation plans with their comments, tasks and dissemination conferences, and the
user's notifications.

Each builder reads what its page shows through the same selectors and scope; an object outside
the user's scope is refused with a Vietnamese message (the pages answer 404 for it).
"""

from django.utils.translation import gettext as _

from kiemdiem.core.models import Notification
from kiemdiem.core.xlsx import Column
from kiemdiem.exports.registry import Sheet, exporter, one_of
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for, visible_groups
from kiemdiem.oversight import selectors

STATE_LABELS = {
    "done": _("Đã gửi đúng hạn"),
    "late": _("Gửi muộn"),
    "missing": _("Quá hạn, chưa gửi"),
    "due": _("Chưa đến hạn"),
}


def _state(value: str) -> str:
    return str(STATE_LABELS.get(value, value))


def _group(user, params: dict[str, str]):
    return one_of(
        visible_groups(user), params.get("group", ""), _("Không có tổ công tác này trong phạm vi.")
    )


def committees_managed(user) -> list[Unit]:
    """The committees whose office the user is (where they set up groups and assignments)."""
    access = access_for(user)
    if access.everything:
        return list(Unit.objects.filter(depth__lte=1).order_by("path"))
    return list(Unit.objects.filter(path__in=access.office_paths).order_by("path"))


@exporter("oversight.groups")
def groups(user, params: dict[str, str]) -> Sheet:
    return Sheet(
        title=_("Tổ công tác"),
        filename="to-cong-tac",
        columns=[
            Column(_("Tổ công tác"), lambda g: g.name, width=30),
            Column(_("Cấp ủy thành lập"), lambda g: g.committee.name, width=36),
            Column(_("Quyết định"), lambda g: g.decision_number, width=16),
            Column(_("Ngày quyết định"), lambda g: g.decision_date, kind="date", width=12),
            Column(_("Hoạt động từ"), lambda g: g.valid_from, kind="date", width=12),
            Column(_("Giải thể"), lambda g: g.valid_to, kind="date", width=12),
            Column(_("Số thành viên"), lambda g: g.member_count, kind="int", width=10),
        ],
        rows=selectors.visible_group_list(user),
    )


@exporter("oversight.group-assignments")
def group_assignments(user, params: dict[str, str]) -> Sheet:
    group = _group(user, params)
    return Sheet(
        title=_("Đơn vị được giao"),
        filename=f"phan-cong-to-{group.pk}",
        columns=[
            Column(_("Đơn vị"), lambda a: a.unit.name, width=36),
            Column(_("Lĩnh vực"), lambda a: a.field, width=20),
            Column(_("Từ ngày"), lambda a: a.valid_from, kind="date", width=12),
            Column(_("Đến ngày"), lambda a: a.valid_to, kind="date", width=12),
            Column(_("Văn bản phân công"), lambda a: a.decision_number, width=16),
        ],
        rows=selectors.group_assignments(group),
        unit_path=group.committee.path,
    )


@exporter("oversight.group-members")
def group_members(user, params: dict[str, str]) -> Sheet:
    group = _group(user, params)
    return Sheet(
        title=_("Thành viên tổ"),
        filename=f"thanh-vien-to-{group.pk}",
        columns=[
            Column(_("Họ và tên"), lambda m: m.person.full_name, width=30),
            Column(_("Vai trò"), lambda m: m.get_role_display(), width=14),
            Column(_("Từ ngày"), lambda m: m.valid_from, kind="date", width=12),
            Column(_("Đến ngày"), lambda m: m.valid_to, kind="date", width=12),
        ],
        rows=group.members.select_related("person").order_by(
            "valid_to", "role", "person__sort_key"
        ),
        unit_path=group.committee.path,
    )


@exporter("oversight.group-assessments")
def group_assessments(user, params: dict[str, str]) -> Sheet:
    group = _group(user, params)
    return Sheet(
        title=_("Báo cáo nhận xét"),
        filename=f"nhan-xet-to-{group.pk}",
        columns=[
            Column(_("Đơn vị"), lambda e: e.unit.name, width=36),
            Column(_("Kỳ"), lambda e: e.period.label, width=22),
            Column(_("Hạn gửi"), lambda e: e.period.due_on, kind="date", width=12),
            Column(
                _("Trạng thái"),
                lambda e: e.assessment.get_status_display() if e.assessment else _("Chưa lập"),
                width=24,
            ),
            Column(_("Đúng hạn"), lambda e: _state(e.state), width=18),
        ],
        rows=selectors.assessments_expected(group.assignments.all()),
        unit_path=group.committee.path,
    )


@exporter("oversight.member-assignments")
def member_assignments(user, params: dict[str, str]) -> Sheet:
    paths = tuple(c.path for c in committees_managed(user))
    rows = (
        selectors.assignments_under(paths)
        .filter(person__isnull=False)
        .select_related("person", "unit", "committee")
        .order_by("-valid_to", "unit__path")
        if paths
        else []
    )
    return Sheet(
        title=_("Cấp ủy viên phụ trách"),
        filename="cap-uy-vien-phu-trach",
        columns=[
            Column(_("Cấp ủy viên"), lambda a: a.person.full_name, width=28),
            Column(_("Cấp ủy phân công"), lambda a: a.committee.name, width=30),
            Column(_("Đơn vị, địa bàn"), lambda a: a.unit.name, width=36),
            Column(_("Lĩnh vực"), lambda a: a.field, width=20),
            Column(_("Từ ngày"), lambda a: a.valid_from, kind="date", width=12),
            Column(_("Đến ngày"), lambda a: a.valid_to, kind="date", width=12),
            Column(_("Văn bản"), lambda a: a.decision_number, width=16),
        ],
        rows=rows,
    )


@exporter("oversight.programme-activities")
def programme_activities(user, params: dict[str, str]) -> Sheet:
    programme = one_of(
        selectors.programmes_visible_to(user),
        params.get("programme", ""),
        _("Không có chương trình làm việc này trong phạm vi."),
    )
    return Sheet(
        title=_("Hoạt động"),
        filename=f"chuong-trinh-{programme.pk}",
        columns=[
            Column(_("Ngày dự kiến"), lambda a: a.planned_on, kind="date", width=12),
            Column(_("Đơn vị"), lambda a: a.unit.name, width=36),
            Column(_("Hoạt động"), lambda a: a.get_kind_display(), width=30),
            Column(_("Tình trạng"), lambda a: a.get_status_display(), width=16),
            Column(_("Ngày thực hiện"), lambda a: a.held_on, kind="date", width=12),
            Column(_("Nhận xét, kết luận"), lambda a: a.remarks, width=60),
        ],
        rows=programme.activities.select_related("unit"),
        unit_path=programme.group.committee.path,
    )


@exporter("oversight.late")
def late(user, params: dict[str, str]) -> Sheet:
    committees = committees_managed(user)
    paths = tuple(c.path for c in committees)
    expected = (
        [
            e
            for e in selectors.assessments_expected(selectors.assignments_under(paths))
            if e.state in ("late", "missing")
        ]
        if paths
        else []
    )
    reports = [
        r
        for r in selectors.group_reports_expected(
            visible_groups(user).filter(committee__in=committees)
        )
        if r.state in ("late", "missing")
    ]
    rows = [
        (e.overseer, e.unit.name, e.period.label, e.period.due_on, e.state) for e in expected
    ] + [(r.group.name, "", r.label, r.due_on, r.state) for r in reports]
    return Sheet(
        title=_("Trễ hạn"),
        filename="nhan-xet-bao-cao-tre-han",
        columns=[
            Column(_("Tổ công tác, cấp ủy viên"), lambda r: r[0], width=30),
            Column(_("Đơn vị"), lambda r: r[1], width=36),
            Column(_("Kỳ"), lambda r: r[2], width=22),
            Column(_("Hạn gửi"), lambda r: r[3], kind="date", width=12),
            Column(_("Tình trạng"), lambda r: _state(r[4]), width=18),
        ],
        rows=rows,
    )


@exporter("oversight.implementation-plans")
def implementation_plans(user, params: dict[str, str]) -> Sheet:
    return Sheet(
        title=_("Kế hoạch thực hiện"),
        filename="ke-hoach-thuc-hien",
        columns=[
            Column(_("Cấp ủy"), lambda p: p.committee.name, width=30),
            Column(_("Số, ký hiệu"), lambda p: p.number, width=14),
            Column(_("Trích yếu"), lambda p: p.title, width=50),
            Column(_("Thực hiện"), lambda p: p.directive, width=40),
            Column(_("Ngày ban hành"), lambda p: p.issued_on, kind="date", width=12),
            Column(_("Trạng thái"), lambda p: p.get_status_display(), width=18),
        ],
        rows=selectors.implementation_plans_visible_to(user).order_by(
            "committee__path", "-created_at"
        ),
    )


def _plan(user, params: dict[str, str]):
    return one_of(
        selectors.implementation_plans_visible_to(user),
        params.get("plan", ""),
        _("Không có kế hoạch thực hiện này trong phạm vi."),
    )


@exporter("oversight.plan-comments")
def plan_comments(user, params: dict[str, str]) -> Sheet:
    plan = _plan(user, params)
    return Sheet(
        title=_("Góp ý dự thảo"),
        filename=f"gop-y-ke-hoach-{plan.pk}",
        columns=[
            Column(_("Dự thảo lần"), lambda c: c.draft.number, kind="int", width=8),
            Column(_("Người, đơn vị góp ý"), lambda c: c.author, width=30),
            Column(_("Ngày nhận"), lambda c: c.received_on, kind="date", width=12),
            Column(_("Hình thức"), lambda c: c.channel, width=24),
            Column(_("Nội dung góp ý"), lambda c: c.text, width=60),
            Column(_("Tiếp thu"), lambda c: c.get_decision_display(), width=22),
            Column(_("Giải trình, tiếp thu"), lambda c: c.response, width=40),
        ],
        rows=plan.comments.select_related("draft"),
        unit_path=plan.committee.path,
    )


@exporter("oversight.plan-tasks")
def plan_tasks(user, params: dict[str, str]) -> Sheet:
    plan = _plan(user, params)
    return Sheet(
        title=_("Nhiệm vụ"),
        filename=f"nhiem-vu-ke-hoach-{plan.pk}",
        columns=[
            Column(_("STT"), lambda t: t.position, kind="int", width=6),
            Column(_("Nội dung nhiệm vụ"), lambda t: t.content, width=60),
            Column(_("Cơ quan chủ trì"), lambda t: t.lead_unit.name, width=30),
            Column(
                _("Cơ quan phối hợp"),
                lambda t: "; ".join(u.name for u in t.coordinating_units.all()),
                width=40,
            ),
            Column(_("Thời hạn"), lambda t: t.due_date, kind="date", width=12),
            Column(_("Tình trạng"), lambda t: t.get_status_display(), width=22),
            Column(_("Mức độ hoàn thành"), lambda t: t.percent / 100, kind="percent", width=10),
            Column(_("Quá hạn"), lambda t: _("Quá hạn") if t.is_overdue() else "", width=10),
        ],
        rows=plan.tasks.select_related("lead_unit").prefetch_related("coordinating_units"),
        unit_path=plan.committee.path,
    )


@exporter("oversight.plan-conferences")
def plan_conferences(user, params: dict[str, str]) -> Sheet:
    plan = _plan(user, params)
    return Sheet(
        title=_("Hội nghị quán triệt"),
        filename=f"hoi-nghi-ke-hoach-{plan.pk}",
        columns=[
            Column(_("Ngày"), lambda c: c.held_on, kind="date", width=12),
            Column(_("Cấp"), lambda c: c.get_level_display(), width=16),
            Column(_("Hội nghị"), lambda c: c.title, width=50),
            Column(_("Số ngày"), lambda c: c.days, kind="int", width=8),
            Column(_("Số người dự"), lambda c: c.attendance, kind="int", width=10),
            Column(_("Ghi chú"), lambda c: c.note, width=30),
        ],
        rows=plan.conferences.select_related("unit"),
        unit_path=plan.committee.path,
    )


@exporter("oversight.notifications")
def notifications(user, params: dict[str, str]) -> Sheet:
    rows = Notification.objects.filter(user=user).order_by("-created_at", "-id")
    return Sheet(
        title=_("Thông báo"),
        filename="thong-bao",
        columns=[
            Column(_("Lúc"), lambda n: n.created_at, kind="datetime", width=17),
            Column(_("Loại"), lambda n: n.get_kind_display(), width=30),
            Column(_("Nội dung"), lambda n: n.text, width=70),
            Column(_("Đã đọc lúc"), lambda n: n.read_at, kind="datetime", width=17),
        ],
        rows=rows,
    )
