"""The oversight documents (Công văn 493-CV/TU, rules §3): a working group's assessment report to
the standing committee on one unit's remediation, notified to the unit; the group's own activity
report for a half-year or a year; a committee's implementation plan for a directive.

The group's documents are issued by the committee that set the group up (its office keeps the
register) and signed for the group by its leader (T/M TỔ CÔNG TÁC — usual practice, UNCONFIRMED in
HD 36), or by a deputy leader, the two who may send what the group sends
(`oversight.permissions.can_speak_for_group`). An assessment written by a committee member
assigned in person is signed by that member."""

import datetime
from typing import Any

from kiemdiem.core.dates import vn_date
from kiemdiem.documents.kinds.base import (
    Kind,
    Signer,
    committee_authority,
    paragraphs,
    person_signs,
    register,
)
from kiemdiem.documents.kinds.reports import figure_items, figures_table
from kiemdiem.documents.numbering import committee_name
from kiemdiem.documents.template_default import Page
from kiemdiem.org.models import (
    GROUP_SPEAKERS,
    GroupRole,
    OversightAssignment,
    Person,
    Unit,
    WorkingGroup,
    WorkingGroupMember,
)
from kiemdiem.oversight import selectors
from kiemdiem.oversight.models import (
    Activity,
    ActivityStatus,
    Assessment,
    GroupReport,
    ImplementationPlan,
    TaskStatus,
)
from kiemdiem.oversight.permissions import can_run_plan
from kiemdiem.oversight.services import GROUP_FIGURE_LABELS
from kiemdiem.reports.models import PeriodKind
from kiemdiem.reports.services import FIGURE_LABELS

GROUP_AUTHORITY = "T/M TỔ CÔNG TÁC"
GROUP_TITLES = {GroupRole.LEADER: "TỔ TRƯỞNG", GroupRole.DEPUTY: "TỔ PHÓ"}


def group_signers(group: WorkingGroup, day: datetime.date) -> list[Signer]:
    """Who signs for the group on `day`: its leader(s), then its deputy leaders."""
    seats = (
        WorkingGroupMember.objects.current(day)
        .filter(group=group, role__in=GROUP_SPEAKERS)
        .select_related("person")
        .order_by("person__full_name", "pk")
    )
    signers = [
        Signer(f"person:{s.person_id}", GROUP_TITLES[s.role], s.person.full_name) for s in seats
    ]
    return sorted(signers, key=lambda s: s.title != GROUP_TITLES[GroupRole.LEADER])


def _rows(figures: dict[str, Any], labels: dict[str, str]) -> list[dict]:
    """The figures a record holds, labelled as its page shows them."""
    return figure_items(
        [(key, label, int(figures.get(key, 0) or 0)) for key, label in labels.items()]
    )


# --- the assessment report ----------------------------------------------------------------


def _member(assessment: Assessment) -> Person:
    """The committee member who wrote an assessment without a group (one or the other: a
    database constraint)."""
    assert assessment.person is not None
    return assessment.person


def _assessment_committee(assessment: Assessment) -> Unit:
    """The committee the assessment goes to: the group's, or the one that assigned the member
    (the parent committee of the unit when no assignment is found)."""
    if assessment.group is not None:
        return assessment.group.committee
    assignment = (
        OversightAssignment.objects.filter(person=_member(assessment), unit=assessment.unit)
        .select_related("committee")
        .order_by("-valid_from", "-pk")
        .first()
    )
    if assignment is not None:
        return assignment.committee
    return assessment.unit.parent or assessment.unit


def _assessment_context(assessment: Assessment, day: datetime.date) -> dict[str, Any]:
    period, unit = assessment.period, assessment.unit
    committee = _assessment_committee(assessment)
    group = assessment.group
    standing = f"Ban Thường vụ {committee_name(committee)}"
    if group is not None:
        mandate = (
            f"Thực hiện Quyết định số {group.decision_label} của {standing} và nhiệm vụ được "
            f"phân công theo dõi, chỉ đạo {unit.name}, {group.name}"
        )
    else:
        mandate = (
            f"Thực hiện nhiệm vụ được {standing} phân công phụ trách {unit.name}, đồng chí "
            f"{_member(assessment).full_name}"
        )
    as_of = assessment.figures_as_of or period.ends_on
    return {
        "doc_type_name": "Báo cáo",
        "summary": f"nhận xét kết quả khắc phục hạn chế, khuyết điểm {period.label.lower()} "
        f"của {unit.name}",
        "intro": f"{mandate} báo cáo nhận xét kết quả khắc phục hạn chế, khuyết điểm "
        f"{period.label.lower()} (từ ngày {vn_date(period.starts_on)} đến ngày "
        f"{vn_date(period.ends_on)}) của {unit.name} như sau:",
        "scope_note": f"Số liệu của {unit.name} và các đơn vị trực thuộc, tính đến hết ngày "
        f"{vn_date(as_of)}.",
        "figures": _rows(assessment.figures, FIGURE_LABELS),
        "remarks": paragraphs(assessment.remarks),
        "recommendations": paragraphs(assessment.recommendations),
        "authority": GROUP_AUTHORITY if group is not None else "Cấp ủy viên phụ trách",
        "recipients": [
            standing,
            f"{committee_name(unit)} (để biết, thực hiện)",
        ],
    }


def _assessment_signers(assessment: Assessment, day: datetime.date) -> list[Signer]:
    if assessment.group is not None:
        return group_signers(assessment.group, day)
    person = _member(assessment)
    return person_signs(person)


def _assessment_body(page: Page) -> None:
    page.text("{{ intro }}")
    page.heading("I. SỐ LIỆU KHẮC PHỤC HẠN CHẾ, KHUYẾT ĐIỂM")
    page.text("{{ scope_note }}")
    figures_table(page)
    page.heading("II. NHẬN XÉT, ĐÁNH GIÁ")
    page.each("p in remarks", "{{ p }}")

    def recommendations() -> None:
        page.heading("III. KIẾN NGHỊ, ĐỀ XUẤT")
        page.each("p in recommendations", "{{ p }}")

    page.when("recommendations", recommendations)


ASSESSMENT = register(
    Kind(
        code="bao-cao-nhan-xet",
        label="Báo cáo nhận xét của tổ công tác",
        doc_type="BC",
        objects=selectors.assessments_visible_to,
        unit_of=_assessment_committee,
        cycle_field="period__cycle",  # a bundle: the assessments of the units in the subtree
        context=_assessment_context,
        body=_assessment_body,
        signers=_assessment_signers,
        title_of=lambda a: (
            f"Báo cáo nhận xét kết quả khắc phục {a.period.label.lower()} "
            f"của {a.unit.name} ({a.author_label})"
        ),
        sample={
            "intro": "Thực hiện Quyết định số …",
            "scope_note": "Số liệu của … tính đến hết ngày …",
            "figures": [{"n": 1, "label": "Tổng số nội dung khắc phục", "value": "3"}],
            "remarks": ["…"],
            "recommendations": ["…"],
        },
    )
)


# --- the group's activity report ----------------------------------------------------------


def period_words(kind: str, year: int) -> str:
    """ "6 tháng đầu năm 2026" / "năm 2026"."""
    return f"6 tháng đầu năm {year}" if kind == PeriodKind.HALF_YEAR else f"năm {year}"


def _activities(report: GroupReport, day: datetime.date) -> list[dict[str, Any]]:
    """The group's activities planned in the report's period, as far as the day it was sent
    (or `day` for a draft): those its figures count (`oversight.services.group_figures`)."""
    end = min(report.ends_on, report.submitted_on or day)
    activities = (
        Activity.objects.filter(
            programme__group=report.group, planned_on__range=(report.starts_on, end)
        )
        .select_related("unit")
        .order_by("planned_on", "pk")
    )
    return [
        {
            "n": i,
            "kind": a.get_kind_display(),
            "unit": a.unit.name,
            "day": vn_date(
                a.held_on if a.status == ActivityStatus.DONE and a.held_on else a.planned_on
            ),
            "status": a.get_status_display(),
        }
        for i, a in enumerate(activities, start=1)
    ]


def _group_report_context(report: GroupReport, day: datetime.date) -> dict[str, Any]:
    group, committee = report.group, report.group.committee
    words = period_words(report.kind, report.year)
    return {
        "doc_type_name": "Báo cáo",
        "summary": f"tình hình hoạt động {words} của {group.name}",
        "intro": f"Thực hiện Quyết định số {group.decision_label} của Ban Thường vụ "
        f"{committee_name(committee)}, {group.name} báo cáo tình hình hoạt động {words} (từ ngày "
        f"{vn_date(report.starts_on)} đến ngày {vn_date(report.ends_on)}) như sau:",
        "figures": _rows(report.figures, GROUP_FIGURE_LABELS),
        "activities": _activities(report, day),
        "narrative": paragraphs(report.narrative),
        "authority": GROUP_AUTHORITY,
        "recipients": [f"Ban Thường vụ {committee_name(committee)} (qua Văn phòng)"],
    }


def _group_report_body(page: Page) -> None:
    page.text("{{ intro }}")
    page.heading("I. KẾT QUẢ HOẠT ĐỘNG")
    figures_table(page)

    def activities() -> None:
        page.text("Các hoạt động trong kỳ:")
        page.table(
            ("TT", "Hoạt động", "Đơn vị", "Ngày", "Kết quả"),
            ("{{ a.n }}", "{{ a.kind }}", "{{ a.unit }}", "{{ a.day }}", "{{ a.status }}"),
            (10, 50, 45, 28, 32),
            loop="a in activities",
        )

    page.when("activities", activities)
    page.heading("II. TÌNH HÌNH, ĐÁNH GIÁ")
    page.each("p in narrative", "{{ p }}")


GROUP_REPORT = register(
    Kind(
        code="bao-cao-hoat-dong-to-cong-tac",
        label="Báo cáo tình hình hoạt động của tổ công tác",
        doc_type="BC",
        objects=selectors.group_reports_visible_to,
        unit_of=lambda report: report.group.committee,
        unit_field="group__committee",
        context=_group_report_context,
        body=_group_report_body,
        signers=lambda report, day: group_signers(report.group, day),
        title_of=lambda r: (
            f"Báo cáo tình hình hoạt động {period_words(r.kind, r.year)} của {r.group.name}"
        ),
        sample={
            "intro": "Thực hiện Quyết định số …",
            "figures": [{"n": 1, "label": "Hoạt động đã thực hiện", "value": "2"}],
            "activities": [{"n": 1, "kind": "…", "unit": "…", "day": "01/03/2026", "status": "…"}],
            "narrative": ["…"],
        },
    )
)


# --- the implementation plan for a directive ----------------------------------------------


def _plan_objects(user: Any) -> Any:
    return selectors.implementation_plans_visible_to(user).select_related("committee__parent")


def _tasks(plan: ImplementationPlan) -> list[dict[str, Any]]:
    tasks = (
        plan.tasks.exclude(status=TaskStatus.CANCELLED)
        .select_related("lead_unit")
        .prefetch_related("coordinating_units")
        .order_by("position", "pk")
    )
    return [
        {
            "n": i,
            "content": t.content,
            "lead": committee_name(t.lead_unit),
            "coordinating": "; ".join(
                committee_name(u) for u in sorted(t.coordinating_units.all(), key=lambda u: u.path)
            ),
            "deadline": vn_date(t.due_date),
        }
        for i, t in enumerate(tasks, start=1)
    ]


def _plan_summary(plan: ImplementationPlan) -> str:
    """The plan's title as its summary line, without a leading "Kế hoạch"."""
    title = plan.title.strip()
    if title.lower().startswith("kế hoạch "):
        title = title[len("kế hoạch ") :]
    return title


def _plan_context(plan: ImplementationPlan, day: datetime.date) -> dict[str, Any]:
    committee = plan.committee
    tasks = _tasks(plan)
    objectives = paragraphs(plan.objectives)
    authority = committee_authority(committee)
    # A committee with a standing committee issues through it; a cell issues itself.
    issuer = committee_name(committee)
    if authority == "T/M BAN THƯỜNG VỤ":
        issuer = f"Ban Thường vụ {issuer}"
    bodies: list[str] = []
    for t in tasks:
        for name in [t["lead"], *filter(None, t["coordinating"].split("; "))]:
            if name not in bodies:
                bodies.append(name)
    return {
        "doc_type_name": "Kế hoạch",
        "summary": _plan_summary(plan),
        "intro": f"Thực hiện {plan.directive}, {issuer} ban hành kế hoạch thực hiện như sau:",
        "objectives": objectives,
        "tasks_no": "II" if objectives else "I",
        "tasks": tasks,
        "closing_no": "III" if objectives else "II",
        "closing": "Các cơ quan được giao chủ trì chủ động phối hợp với các cơ quan liên quan "
        f"thực hiện nhiệm vụ đúng thời hạn; 6 tháng và hằng năm báo cáo kết quả thực hiện về "
        f"{issuer} (qua Văn phòng).",
        "authority": authority,
        "recipients": bodies,
    }


def _plan_body(page: Page) -> None:
    page.text("{{ intro }}")

    def objectives() -> None:
        page.heading("I. MỤC ĐÍCH, YÊU CẦU")
        page.each("p in objectives", "{{ p }}")

    page.when("objectives", objectives)
    page.heading("{{ tasks_no }}. NHIỆM VỤ, GIẢI PHÁP")
    page.table(
        ("TT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn"),
        (
            "{{ t.n }}",
            "{{ t.content }}",
            "{{ t.lead }}",
            "{{ t.coordinating }}",
            "{{ t.deadline }}",
        ),
        (10, 62, 33, 32, 28),
        loop="t in tasks",
    )
    page.heading("{{ closing_no }}. TỔ CHỨC THỰC HIỆN")
    page.text("{{ closing }}")


IMPLEMENTATION_PLAN = register(
    Kind(
        code="ke-hoach-thuc-hien",
        label="Kế hoạch thực hiện nghị quyết, chỉ thị",
        doc_type="KH",
        objects=_plan_objects,
        unit_of=lambda plan: plan.committee,
        unit_field="committee",
        context=_plan_context,
        body=_plan_body,
        may_issue=can_run_plan,
        title_of=lambda plan: f"Kế hoạch {_plan_summary(plan)}",
        sample={
            "intro": "Thực hiện Nghị quyết …",
            "objectives": ["…"],
            "tasks_no": "II",
            "closing_no": "III",
            "tasks": [
                {
                    "n": 1,
                    "content": "…",
                    "lead": "…",
                    "coordinating": "…",
                    "deadline": "30/06/2026",
                }
            ],
            "closing": "Các cơ quan được giao chủ trì …",
        },
    )
)
