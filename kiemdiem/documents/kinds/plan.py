"""The remediation plan (kế hoạch khắc phục): every item with its content, who is responsible
and by when; issued by the plan's unit, or written and signed by the member for a personal plan."""

import datetime
from typing import Any

from django.db.models import QuerySet

from kiemdiem.core.dates import vn_date
from kiemdiem.documents.kinds.base import (
    Kind,
    Signer,
    committee_authority,
    leaders_of,
    lower_first,
    person_signs,
    register,
)
from kiemdiem.documents.numbering import committee_name
from kiemdiem.documents.template_default import Page
from kiemdiem.remediation.models import PlanAction, PlanRecipient, RemediationPlan
from kiemdiem.remediation.permissions import can_adopt_plan
from kiemdiem.remediation.states import ITEM_DEAD


def _objects(user: Any) -> Any:
    return RemediationPlan.objects.visible_to(user).select_related(
        "unit", "unit__parent", "person", "cycle", "review", "review__unit", "review__person"
    )


def live_actions(actions: QuerySet[PlanAction]) -> QuerySet[PlanAction]:
    """A plan's items in force (not cancelled or replaced), in the plan's order."""
    return actions.exclude(status__in=ITEM_DEAD).order_by("position", "pk")


def _items(plan: RemediationPlan) -> list[dict[str, Any]]:
    actions = live_actions(plan.actions.select_related("responsible_person", "responsible_unit"))
    return [
        {
            "n": i,
            "content": a.content,
            "responsible": (a.responsible_person.full_name if a.responsible_person else "")
            or (a.responsible_unit.name if a.responsible_unit else ""),
            "deadline": vn_date(a.due_date),
        }
        for i, a in enumerate(actions, start=1)
    ]


def _recipients(plan: RemediationPlan) -> list[str]:
    """The bodies the plan goes to: the standing committee above, the working group assigned
    (each once)."""
    names: list[str] = []
    for r in plan.recipients.select_related("unit", "working_group").order_by("kind", "pk"):
        if r.kind == PlanRecipient.Kind.WORKING_GROUP and r.working_group is not None:
            name = f"{r.working_group.name} ({committee_name(r.unit)})"
        else:
            name = f"Ban Thường vụ {committee_name(r.unit)}"
        if name not in names:
            names.append(name)
    return names


def _context(plan: RemediationPlan, day: datetime.date) -> dict[str, Any]:
    # "Kiểm điểm, đánh giá năm 2025" → "… theo kết luận của đợt kiểm điểm, đánh giá năm 2025"
    cycle = lower_first(plan.cycle.title)
    return {
        "doc_type_name": "Kế hoạch",
        "summary": f"khắc phục hạn chế, khuyết điểm theo kết luận của đợt {cycle}",
        "intro": f"Thực hiện kết luận của đợt {cycle}, {plan.review.subject_label} xây dựng "
        "kế hoạch khắc phục hạn chế, khuyết điểm như sau:",
        "items": _items(plan),
        "authority": "Người lập kế hoạch"
        if plan.person is not None
        else committee_authority(plan.unit),
        "recipients": _recipients(plan),
    }


def _signers(plan: RemediationPlan, day: datetime.date) -> list[Signer]:
    if plan.person is not None:  # a member's own plan: the member signs
        return person_signs(plan.person)
    return leaders_of(plan.unit, day)


def _body(page: Page) -> None:
    page.text("{{ intro }}")
    page.table(
        ("TT", "Nội dung khắc phục", "Chịu trách nhiệm", "Thời hạn"),
        ("{{ item.n }}", "{{ item.content }}", "{{ item.responsible }}", "{{ item.deadline }}"),
        (12, 78, 48, 27),
        loop="item in items",
    )


PLAN = register(
    Kind(
        code="ke-hoach-khac-phuc",
        label="Kế hoạch khắc phục hạn chế, khuyết điểm",
        doc_type="KH",
        objects=_objects,
        unit_of=lambda plan: plan.unit,
        context=_context,
        body=_body,
        signers=_signers,
        may_issue=can_adopt_plan,
        cycle_field="cycle",
        person_field="person",
        sample={
            "intro": "Thực hiện kết luận kiểm điểm …",
            "items": [{"n": 1, "content": "…", "responsible": "…", "deadline": "30/06/2026"}],
            "recipients": ["Ban Thường vụ …"],
        },
    )
)
