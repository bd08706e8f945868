"""The records that feed the yearly rating, for the demo campaign (`seed_campaign`).

Written through the services (each audited, each rule checked), as a province office would
enter them: discipline decisions after the reviews like Hữu Lũng's (seed 003: warnings and
removals from post), a proposal and an appeal under way, an organization reprimanded; the
provincial standing committee's confidence polls of this year and last (with the local
two-years-running rule, seed 001); suggested reviews at each stage of the dossier vetting
(seed 004); the demo cell's yearly commitments, two members still without one. Same seed,
same records; about two seconds on the province demo.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from kiemdiem.confidence import services as confidence_services
from kiemdiem.core.permissions import SYSTEM, Actor
from kiemdiem.discipline import services as discipline_services
from kiemdiem.discipline.models import DisciplineForm
from kiemdiem.org.models import (
    CELL_KINDS,
    LEADER_ROLES,
    Membership,
    Person,
    Position,
    PositionRole,
    Unit,
)
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.remediation.states import PlanStatus
from kiemdiem.reviews import commitments, services, suggestions
from kiemdiem.reviews.models import (
    Fulfilment,
    Review,
    ReviewCycle,
    ReviewMeeting,
    ReviewStatus,
)

VIOLATIONS = [
    ("Buông lỏng lãnh đạo, để xảy ra sai phạm trong quản lý đất đai", "leadership"),
    ("Thiếu trách nhiệm trong quản lý khai thác tài nguyên khoáng sản", "task_results"),
    ("Vi phạm quy định về những điều đảng viên không được làm", "discipline"),
    ("Để xảy ra tiêu cực trong giải phóng mặt bằng", "anti_corruption"),
    ("Không chấp hành nghiêm nguyên tắc tập trung dân chủ", "discipline"),
]


def _people_with_posts(province: Unit, day: datetime.date, roles: list[str]) -> list[Position]:
    """Current posts in the units below the province, held by people without a login."""
    return list(
        Position.objects.filter(
            unit__path__startswith=province.path,
            role__in=roles,
            valid_from__lte=day,
            valid_to__isnull=True,
            person__user__isnull=True,
        )
        .exclude(unit__kind__in=CELL_KINDS)
        .exclude(unit=province)  # the provincial leaders are the ones polled below
        .select_related("unit", "unit__parent", "person")
        .order_by("pk")
    )


def _discipline(province: Unit, office: Actor, rng: random.Random) -> int:
    """14 warnings and 31 removals from post (as Hữu Lũng reported), a reprimanded cell, a
    proposal under consideration and an appeal being settled."""
    today = timezone.localdate()
    deputies = _people_with_posts(
        province, today, [PositionRole.DEPUTY_HEAD, PositionRole.DEPUTY_SECRETARY]
    )
    others = _people_with_posts(province, today, [PositionRole.STANDING_MEMBER, PositionRole.HEAD])
    seen: set[int] = set()
    count = 0

    def record(post: Position, form: str, n: int) -> None:
        nonlocal count
        text, area = VIOLATIONS[n % len(VIOLATIONS)]
        decided = today - datetime.timedelta(days=rng.randint(30, 200))
        discipline_services.case_record(
            by=office,
            person=post.person,
            deciding_unit=post.unit.parent or post.unit,
            authority="standing",
            violation=f"{text} (vụ việc {n + 1})",
            violation_on=decided - datetime.timedelta(days=rng.randint(60, 400)),
            violation_area=area,
            duty_related=True,
            form=form,
            position=post if form == DisciplineForm.REMOVAL_FROM_POST else None,
            decision_number=f"{100 + n}-QĐ/TU",
            decided_on=decided,
        )
        seen.add(post.person_id)
        count += 1

    candidates = [p for p in deputies if p.person_id not in seen]
    for n, post in enumerate(candidates[:31]):
        record(post, DisciplineForm.REMOVAL_FROM_POST, n)
    warned = [p for p in others + deputies[31:] if p.person_id not in seen][:14]
    for n, post in enumerate(warned):
        record(post, DisciplineForm.WARNING, 31 + n)

    # a cell reprimanded by its commune, a proposal, an appeal
    cell = Unit.objects.filter(path__startswith=province.path, kind__in=CELL_KINDS).first()
    if cell is not None and cell.parent is not None:
        discipline_services.case_record(
            by=office,
            unit=cell,
            deciding_unit=cell.parent,
            authority="standing",
            violation="Sinh hoạt chi bộ không đúng định kỳ, để đảng viên vi phạm kéo dài",
            violation_on=today - datetime.timedelta(days=300),
            violation_area="leadership",
            form=DisciplineForm.REPRIMAND,
            decision_number="45-QĐ/ĐU",
            decided_on=today - datetime.timedelta(days=120),
        )
        count += 1
    members = Membership.objects.current().filter(
        unit__path__startswith=province.path, person__user__isnull=True
    )
    spare = [
        m
        for m in members.exclude(person_id__in=seen)
        .select_related("person", "unit", "unit__parent")
        .order_by("pk")[:2]
    ]
    if len(spare) == 2:
        proposed, appealed_member = spare
        discipline_services.case_open(
            by=office,
            person=proposed.person,
            deciding_unit=proposed.unit.parent or proposed.unit,
            authority="inspection",
            violation="Kê khai tài sản, thu nhập không trung thực",
            violation_on=today - datetime.timedelta(days=90),
            violation_area="anti_corruption",
            proposed_form=DisciplineForm.WARNING,
        )
        appealed = discipline_services.case_record(
            by=office,
            person=appealed_member.person,
            deciding_unit=appealed_member.unit.parent or appealed_member.unit,
            authority="standing",
            violation="Thiếu trách nhiệm để xảy ra vi phạm quy chế của chi bộ",
            violation_on=today - datetime.timedelta(days=200),
            violation_area="leadership",
            form=DisciplineForm.WARNING,
            decision_number="150-QĐ/ĐU",
            decided_on=today - datetime.timedelta(days=40),
        )
        discipline_services.case_appeal(
            case=appealed,
            by=office,
            lodged_on=today - datetime.timedelta(days=30),
            grounds="Đề nghị xem xét lại hình thức kỷ luật vì đã chủ động khắc phục hậu quả",
        )
        count += 2
    return count


def _confidence(province: Unit, office: Actor, rng: random.Random) -> int:
    """The provincial standing committee polled this year and last (the two-years rule on)."""
    today = timezone.localdate()
    leaders = list(
        Position.objects.filter(unit=province, role__in=LEADER_ROLES, valid_to__isnull=True)
        .select_related("person")
        .order_by("role", "pk")[:12]
    )
    if not leaders:
        return 0
    polls = 0
    # person index → low ballots (last year, this year): more than half twice, then two thirds
    lows = {1: (27, 28), 2: (4, 33)}
    for back, offset in enumerate((1, 0)):
        held = datetime.date(today.year - offset, 11, 20)
        if held > today:
            held = today - datetime.timedelta(days=7)
        poll = confidence_services.poll_create(
            by=office,
            title=f"Lấy phiếu tín nhiệm các đồng chí Ủy viên Ban Thường vụ Tỉnh ủy năm {held.year}",
            body_unit=province,
            held_on=held,
            document_ref=f"Kế hoạch {30 + back}-KH/TU",
            convened_count=50,
            present_count=48,
            two_year_rule=True,
        )
        for n, post in enumerate(leaders):
            low = lows[n][back] if n in lows else 2 + rng.randint(0, 4)
            high = rng.randint(0, 48 - low)
            confidence_services.result_add(
                poll=poll,
                person=post.person,
                by=office,
                title=f"{post.get_role_display()} {province.name}",
                appointed_on=datetime.date(2020, 10, 15),
                high_count=high,
                normal_count=48 - low - high,
                low_count=low,
            )
        confidence_services.poll_finalize(poll=poll, by=office)
        polls += 1
    return polls


def _units_to_suggest(cycle: ReviewCycle, prefer: Unit | None, n: int = 3) -> list[Review]:
    """Collective reviews whose conference is still to come, so a suggestion may precede it:
    units without a filed plan (a plan is filed only after the conference), the demo commune's
    first, those without a conference next. A unit the demo gave a conference (written in bulk,
    no audit, nothing refers to it) gets it back to come, its reviews to drafts: in the demo the
    suggestion came first."""
    filed = RemediationPlan.objects.filter(cycle=cycle).exclude(status=PlanStatus.DRAFT)
    held = set(ReviewMeeting.objects.filter(cycle=cycle).values_list("unit_id", flat=True))
    reviews = list(
        Review.objects.filter(cycle=cycle, person__isnull=True)
        .exclude(unit_id__in=filed.values("unit_id"))
        .select_related("unit")
        .order_by("unit__path")
    )

    def rank(review: Review) -> tuple[int, int]:
        mine = prefer is not None and prefer.pk in (review.unit_id, review.unit.parent_id)
        return (0 if mine else 1, 1 if review.unit_id in held else 0)

    chosen = sorted(reviews, key=rank)[:n]
    units = [r.unit_id for r in chosen]
    ReviewMeeting.objects.filter(cycle=cycle, unit_id__in=units).delete()
    Review.objects.filter(cycle=cycle, unit_id__in=units).update(
        status=ReviewStatus.DRAFT, submitted_at=None, finalized_at=None
    )
    for review in chosen:
        review.status = ReviewStatus.DRAFT
    return chosen


def _suggestions(cycle: ReviewCycle, office: Actor, bithuxa_unit: Unit | None) -> int:
    """Suggested reviews at each stage, on units whose conference is still to come: approved
    and held (the demo commune's first), sent for vetting, still being prepared."""
    today = timezone.localdate()
    chosen = _units_to_suggest(cycle, bithuxa_unit)
    grounds = [["disunity", "public_outcry"], ["violations"], ["group_interest", "corruption"]]
    count = 0
    for n, review in enumerate(chosen[:3]):
        unit = review.unit
        issuer = unit.parent
        if issuer is None:
            continue
        leaders = list(
            Person.objects.filter(
                positions__unit=issuer,
                positions__role__in=[PositionRole.SECRETARY, PositionRole.DEPUTY_SECRETARY],
                positions__valid_to__isnull=True,
            )[:1]
        )
        suggestion = suggestions.suggestion_issue(
            review=review,
            by=office,
            issuing_unit=issuer,
            document_number=f"{210 + n}-CV/ĐU",
            document_date=max(cycle.starts_on, today - datetime.timedelta(days=20)),
            grounds=grounds[n],
            items=[
                "Làm rõ nguyên nhân, trách nhiệm để xảy ra đơn thư kéo dài",
                "Việc thực hiện quy chế làm việc của cấp ủy",
            ],
            delegation=f"Tổ công tác số {n + 1} của {issuer.name}",
            delegation_people=leaders,
        )
        count += 1
        if n == 2:
            continue  # the unit is still preparing its answers
        for item in suggestion.items.all():
            suggestions.suggestion_answer(
                item=item,
                by=SYSTEM,
                account="Đã xảy ra như nội dung gợi ý; chi ủy chưa kịp thời xử lý",
                causes_subjective="Cấp ủy chưa sâu sát, chưa quyết liệt",
                responsibility_collective="Tập thể cấp ủy chịu trách nhiệm",
                responsibility_personal="Đồng chí bí thư chịu trách nhiệm người đứng đầu",
            )
        dossier = cycle.dossiers.get(unit=unit)
        suggestions.dossier_submit(dossier=dossier, by=SYSTEM)
        if n == 1:
            continue  # waiting for the Organization Board's vetting
        # the first (the demo commune's, when it has a unit still to meet): approved and held
        suggestions.dossier_approve(dossier=dossier, by=office)
        services.meeting_record(
            cycle=cycle,
            unit=unit,
            held_on=today,
            chair=leaders[0] if leaders else Person.objects.filter(memberships__unit=unit).first(),
            by=office,
            delegation=suggestion.delegation,
            supervisor_people=leaders,
        )
    return count


def _commitments(cycle: ReviewCycle, cell: Unit | None, rng: random.Random) -> int:
    """The demo cell's members committed at the start of the reviewed year; two did not."""
    if cell is None:
        return 0
    current = Membership.objects.current().filter(unit=cell).values("person_id")
    members = list(Person.objects.filter(pk__in=current).order_by("sort_key", "pk"))
    filed = 0
    for person in members[2:]:
        commitment = commitments.commitment_file(
            person=person,
            year=cycle.year,
            items=[
                "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
                "Hoàn thành xuất sắc nhiệm vụ chuyên môn được giao",
                "Gương mẫu thực hiện nghĩa vụ công dân nơi cư trú",
            ],
            by=SYSTEM,
            filed_on=datetime.date(cycle.year, 1, 15),
        )
        filed += 1
        if rng.random() < 0.5:
            for item in commitment.items.all():
                kept = rng.choice([Fulfilment.FULFILLED, Fulfilment.FULFILLED, Fulfilment.PARTLY])
                commitments.commitment_assess(
                    item=item,
                    fulfilment=kept,
                    note="" if kept == Fulfilment.FULFILLED else "Còn một phần chưa đạt",
                    by=SYSTEM,
                )
    return filed


@transaction.atomic
def generate_records(
    cycle: ReviewCycle,
    office: Actor,
    *,
    seed: int = 1,
    commune: Unit | None = None,
    cell: Unit | None = None,
) -> dict[str, int]:
    """Discipline cases, confidence polls, suggested reviews and commitments of the demo."""
    rng = random.Random(seed)
    province = cycle.scope_unit
    return {
        "discipline": _discipline(province, office, rng),
        "polls": _confidence(province, office, rng),
        "suggestions": _suggestions(cycle, office, commune),
        "commitments": _commitments(cycle, cell, rng),
    }
