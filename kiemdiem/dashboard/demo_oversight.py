"""Oversight in the demo campaign: the province's working groups and their members, the units
assigned to them and to standing-committee members in person, a work programme with activities,
assessments, and an implementation plan for a directive (draft, comments, tasks, conference).

Written through the services as the office (a few hundred rows), after `generate_activity`: the
plans filed by then also get the working-group recipient they would have been sent to, so the
group's member ("tocongtac") finds plans waiting for appraisal.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import groups
from kiemdiem.org.models import (
    OversightAssignment,
    Person,
    Position,
    PositionRole,
    Unit,
    UnitKind,
    WorkingGroup,
)
from kiemdiem.oversight import services
from kiemdiem.oversight.models import CommentDecision, DraftComment
from kiemdiem.remediation.models import PlanRecipient, RemediationPlan
from kiemdiem.remediation.states import PlanStatus
from kiemdiem.reports import services as report_services
from kiemdiem.reports.models import PeriodKind, ReportPeriod
from kiemdiem.reviews.models import ReviewCycle

COMMENTS = [
    ("Ban Tổ chức Tỉnh ủy", "Bổ sung cơ chế lấy phiếu tín nhiệm hằng năm đối với Ban Thường vụ."),
    (
        "Ủy ban Kiểm tra Tỉnh ủy",
        "Làm rõ trách nhiệm kiểm tra, giám sát việc khắc phục sau kiểm điểm.",
    ),
    ("Đảng ủy xã", "Đề nghị giao thời hạn cụ thể cho từng nhiệm vụ."),
    ("Đại biểu hội nghị cán bộ chủ chốt", "Tăng cường đối thoại với nhân dân."),
    ("Văn phòng Tỉnh ủy", "Chuẩn hóa mẫu báo cáo 6 tháng."),
]


def _people_with_role(unit: Unit, role: str) -> list[Person]:
    ids = Position.objects.current().filter(unit=unit, role=role).values("person_id")
    return list(Person.objects.filter(pk__in=ids).order_by("pk"))


def _board(province: Unit, suffix: str) -> Unit | None:
    return Unit.objects.filter(code=f"{province.code}-{suffix}").first()


@transaction.atomic
def generate_oversight(cycle: ReviewCycle, office, seed: int = 1) -> dict[str, int]:
    """The province's oversight, as of today (see the module docstring)."""
    rng = random.Random(seed)
    province = cycle.scope_unit
    today = timezone.localdate()
    set_up = cycle.starts_on - datetime.timedelta(days=30)
    standing = _people_with_role(province, PositionRole.STANDING_MEMBER)
    boards = [b for b in (_board(province, s) for s in ("BTC", "VP", "UBKT")) if b is not None]
    heads = [p for b in boards for p in _people_with_role(b, PositionRole.HEAD)[:1]]
    if not standing or not heads:
        return {"groups": 0}
    communes = list(
        province.children.filter(kind=UnitKind.COMMUNE, valid_to__isnull=True).order_by("path")
    )
    # Communes with plans waiting for appraisal first: the group then has work to appraise.
    waiting = set(
        RemediationPlan.objects.filter(
            cycle=cycle, status=PlanStatus.SUBMITTED, unit__in=communes
        ).values_list("unit_id", flat=True)
    )
    demo_commune = Unit.objects.filter(
        pk__in=Position.objects.filter(
            person__user__username="bithuxa", role=PositionRole.SECRETARY
        ).values("unit_id")
    ).first()
    ordered = sorted(communes, key=lambda u: (u != demo_commune, u.pk not in waiting, u.path))

    users = {
        u.username: u
        for u in get_user_model()
        .objects.filter(username__in=["thuongvu", "tocongtac"])
        .select_related("person")
    }
    # The demo's standing member ("thuongvu") leads group no. 1; the Organization Board's head
    # ("tocongtac") sits in it.
    first = getattr(users.get("thuongvu"), "person", None)
    leaders = ([first] if first else []) + [p for p in standing if p != first][:1]
    made_groups: list[WorkingGroup] = []
    for number, (leader, head) in enumerate(zip(leaders, heads, strict=False), start=1):
        group = groups.group_create(
            committee=province,
            name=f"Tổ công tác số {number}",
            decision_number=f"{460 + number}-QĐ/TU",
            decision_date=set_up,
            valid_from=set_up,
            duties=(
                "Dự, chỉ đạo kiểm điểm; dự họp xây dựng kế hoạch khắc phục; kiểm tra, đôn đốc "
                "việc khắc phục 6 tháng và hằng năm; báo cáo nhận xét gửi Ban Thường vụ."
            ),
            by=office,
        )
        groups.member_add(group=group, person=leader, role="leader", valid_from=set_up, by=office)
        groups.member_add(group=group, person=head, valid_from=set_up, by=office)
        made_groups.append(group)
    per_group = max(1, min(3, len(ordered) // (len(made_groups) + 1)))
    assigned: dict[int, WorkingGroup] = {}
    for index, group in enumerate(made_groups):
        for unit in ordered[index * per_group : (index + 1) * per_group]:
            groups.assignment_add(
                group=group,
                unit=unit,
                valid_from=set_up,
                decision_number="463-CV/TU",
                decision_date=set_up,
                by=office,
            )
            assigned[unit.pk] = group
    # A standing-committee member in person for further communes ("phụ trách địa bàn").
    rest = ordered[len(made_groups) * per_group :][:2]
    member = standing[-1]
    for unit in rest:
        groups.assignment_add(
            committee=province,
            person=member,
            unit=unit,
            valid_from=set_up,
            decision_number="464-CV/TU",
            decision_date=set_up,
            field="Xây dựng Đảng",
            by=office,
        )

    # The filed plans of assigned communes went to their group too (as plan_submit records).
    filed = RemediationPlan.objects.filter(cycle=cycle, unit_id__in=list(assigned)).exclude(
        status=PlanStatus.DRAFT
    )
    PlanRecipient.objects.bulk_create(
        [
            PlanRecipient(
                plan_id=pk,
                kind=PlanRecipient.Kind.WORKING_GROUP,
                unit=province,
                working_group=assigned[unit_id],
            )
            for pk, unit_id in filed.values_list("pk", "unit_id")
        ],
        ignore_conflicts=True,
    )

    counts = {"groups": len(made_groups), "assignments": OversightAssignment.objects.count()}
    if not made_groups:
        return counts
    group = made_groups[0]
    leader_user = users.get("thuongvu") or SYSTEM
    member_user = users.get("tocongtac") or SYSTEM
    programme = services.programme_create(
        group=group,
        title="Chương trình làm việc của Tổ công tác số 1 đến hết nhiệm kỳ",
        starts_on=set_up,
        ends_on=datetime.date(set_up.year + 4, 12, 31),
        note="Dự hội nghị kiểm điểm, họp xây dựng kế hoạch khắc phục; kiểm tra 6 tháng, hằng năm.",
        by=member_user,
    )
    services.programme_agree(
        programme=programme,
        agreed_on=min(today, set_up + datetime.timedelta(days=10)),
        agreed_with="Bí thư, Phó Bí thư các đảng bộ xã được giao theo dõi",
        by=leader_user,
    )
    units = [u for u in ordered if assigned.get(u.pk) == group]
    for unit in units:
        meeting = services.activity_plan(
            programme=programme,
            unit=unit,
            kind="review_meeting",
            planned_on=cycle.conference_due - datetime.timedelta(days=rng.randint(1, 10)),
            by=member_user,
        )
        if meeting.planned_on <= today:
            services.activity_record(
                activity=meeting,
                held_on=meeting.planned_on,
                remarks="Hội nghị nghiêm túc; kiểm điểm còn chung chung ở một số nội dung.",
                by=member_user,
            )
        services.activity_plan(
            programme=programme,
            unit=unit,
            kind="inspection",
            planned_on=min(programme.ends_on, today + datetime.timedelta(days=rng.randint(20, 60))),
            by=member_user,
        )
    periods = list(
        ReportPeriod.objects.filter(cycle=cycle, starts_on__lte=today).order_by("ends_on")
    )
    if periods and units:
        period = periods[-1]
        for index, unit in enumerate(units[:2]):
            assessment = services.assessment_create(
                group=group, unit=unit, period=period, by=member_user
            )
            services.assessment_update(
                assessment=assessment,
                remarks="Đơn vị triển khai khắc phục kịp thời; một số nội dung còn chậm.",
                recommendations="Tập trung hoàn thành các nội dung quá hạn trước kỳ báo cáo năm.",
                by=member_user,
            )
            if index == 0:  # the demo commune has one to read and acknowledge
                services.assessment_submit(assessment=assessment, by=leader_user)
        # The first commune's periodic report and the group's report of the year (drafts), so
        # every kind of document has an example in the demo.
        report = report_services.report_create(period=period, unit=units[0], by=SYSTEM)
        report_services.report_update(
            report=report,
            narrative="Đảng ủy đã lãnh đạo khắc phục phần lớn hạn chế, khuyết điểm đúng hạn; "
            "một số nội dung về sinh hoạt chi bộ còn chậm, cần tập trung chỉ đạo.",
            by=SYSTEM,
        )
    group_report = services.group_report_create(
        group=group, year=today.year, kind=PeriodKind.YEAR, by=SYSTEM
    )
    services.group_report_update(
        report=group_report,
        narrative="Tổ đã dự đủ các hội nghị kiểm điểm được phân công và theo dõi việc khắc "
        "phục của các đơn vị; đề nghị Ban Thường vụ chỉ đạo các nội dung còn chậm.",
        by=SYSTEM,
    )
    counts["plan"] = _implementation_plan(province, boards, communes, office, rng, today)
    return counts


def _implementation_plan(province, boards, communes, office, rng, today) -> int:
    """Kế hoạch 16-KH/TU thực hiện Nghị quyết Trung ương 4: draft with comments, tasks given to
    the advisory boards, adopted, one dissemination conference, one task under way."""
    issued = today - datetime.timedelta(days=40)
    plan = services.implementation_create(
        committee=province,
        title="Kế hoạch thực hiện Nghị quyết Trung ương 4 về xây dựng Đảng",
        directive="Nghị quyết số 12-NQ/TW ngày 16/01/2012 của Ban Chấp hành Trung ương",
        objectives="Ngăn chặn, đẩy lùi suy thoái; khắc phục hạn chế trong công tác cán bộ.",
        draft_text="I. Mục đích, yêu cầu\nII. Nhiệm vụ, giải pháp\nIII. Tổ chức thực hiện",
        by=office,
    )
    for author, text in COMMENTS:
        services.comment_add(
            plan=plan, author=author, text=text, received_on=issued, channel="Hội nghị", by=office
        )
    services.draft_revise(
        plan=plan,
        text="Dự thảo lần 2: bổ sung cơ chế lấy phiếu tín nhiệm, thời hạn từng nhiệm vụ.",
        note="Tiếp thu ý kiến Ban Tổ chức, Ủy ban Kiểm tra, Đảng ủy xã",
        by=office,
    )
    decisions = [
        CommentDecision.ACCEPTED,
        CommentDecision.ACCEPTED,
        CommentDecision.ACCEPTED,
        CommentDecision.PARTLY,
        CommentDecision.NOT_ACCEPTED,
    ]
    for comment, decision in zip(
        DraftComment.objects.filter(plan=plan).order_by("pk"), decisions, strict=False
    ):
        services.comment_decide(
            comment=comment,
            decision=decision,
            response=""
            if decision == CommentDecision.ACCEPTED
            else "Đã có trong quy định hiện hành.",
            by=office,
        )
    tasks = []
    for board, content, days in zip(
        boards,
        [
            "Tham mưu cơ chế lấy phiếu tín nhiệm hằng năm đối với Ban Thường vụ",
            "Hướng dẫn mẫu báo cáo 6 tháng, hằng năm về thực hiện Nghị quyết",
            "Kiểm tra, giám sát việc khắc phục sau kiểm điểm",
        ],
        [60, 120, 20],
        strict=False,
    ):
        tasks.append(
            services.task_add(
                plan=plan,
                content=content,
                lead_unit=board,
                coordinating_units=[b for b in boards if b != board][:1],
                due_date=today + datetime.timedelta(days=days),
                by=office,
            )
        )
    services.implementation_adopt(plan=plan, number="16-KH/TU", issued_on=issued, by=office)
    services.conference_add(
        plan=plan,
        level="province",
        title="Hội nghị cán bộ chủ chốt quán triệt Nghị quyết",
        held_on=issued,
        days=2,
        attendance=rng.randint(300, 500),
        by=office,
    )
    if tasks:
        services.task_report_progress(
            task=tasks[0],
            status="in_progress",
            percent=40,
            narrative="Đã xây dựng dự thảo quy định, đang lấy ý kiến các ban.",
            by=office,
        )
    return plan.pk
