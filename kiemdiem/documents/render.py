"""Filling a DOCX template with a document's data (docxtpl: Jinja inside the DOCX)."""

import datetime
import io
from typing import Any

from docxtpl import DocxTemplate

from kiemdiem.documents import numbering
from kiemdiem.documents.models import DocumentType
from kiemdiem.documents.template_default import default_template
from kiemdiem.org.models import CELL_KINDS, Position, PositionRole, Unit, UnitKind
from kiemdiem.remediation.models import ActionStatus, RemediationPlan

# A draft carries dots where the register's number goes (rules §8: "Số 12-KH/ĐU").
DRAFT_NUMBER = "…"


def render_docx(context: dict[str, Any], template: bytes | None = None) -> bytes:
    doc = DocxTemplate(io.BytesIO(template or default_template()))
    doc.render(context, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _place(unit: Unit) -> str:
    """The place of the date line: the province the unit belongs to, without its prefix."""
    # one read of the ancestors (walking .parent cost a query a level)
    node = (
        unit
        if unit.kind == UnitKind.PROVINCE
        else Unit.objects.filter(path__in=unit.ancestor_paths(), kind=UnitKind.PROVINCE)
        .order_by("-path")
        .first()
    )
    if node is None:
        return "……"
    name = node.name
    for prefix in ("Đảng bộ tỉnh ", "Đảng bộ thành phố ", "Tỉnh ", "Thành phố "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _secretary(unit: Unit, day: datetime.date) -> str:
    post = (
        Position.objects.current(day)
        .filter(unit=unit, role=PositionRole.SECRETARY)
        .select_related("person")
        .first()
    )
    return post.person.full_name if post else ""


def plan_context(
    plan: RemediationPlan, *, number_symbol: str, day: datetime.date
) -> dict[str, Any]:
    unit = plan.unit
    items = [
        {
            "n": i,
            "content": a.content,
            "responsible": (a.responsible_person.full_name if a.responsible_person else "")
            or (a.responsible_unit.name if a.responsible_unit else ""),
            "deadline": a.due_date.strftime("%d/%m/%Y") if a.due_date else "",
        }
        for i, a in enumerate(
            plan.actions.exclude(status__in=[ActionStatus.CANCELLED, ActionStatus.REPLACED])
            .select_related("responsible_person", "responsible_unit")
            .order_by("position", "pk"),
            start=1,
        )
    ]
    if plan.person is not None:
        authority, title, signer = "NGƯỜI LẬP KẾ HOẠCH", "", plan.person.full_name
    else:
        authority = "T/M CHI BỘ" if unit.kind in CELL_KINDS else "T/M BAN THƯỜNG VỤ"
        title, signer = "BÍ THƯ", _secretary(unit, day)
    recipients = [
        f"Ban Thường vụ {r.unit.name}" for r in plan.recipients.select_related("unit") if r.unit_id
    ]
    return {
        "superior_body": unit.parent.name if unit.parent else "",
        "issuing_body": unit.name,
        "number_symbol": number_symbol,
        "place": _place(unit),
        "day": f"{day.day:02d}",
        "month": f"{day.month:02d}",
        "year": day.year,
        "doc_type_name": "Kế hoạch",
        "summary": f"khắc phục hạn chế, khuyết điểm theo kết luận kiểm điểm {plan.cycle.title}",
        "intro": f"Thực hiện kết luận kiểm điểm {plan.cycle.title}, "
        f"{plan.review.subject_label} xây dựng kế hoạch khắc phục hạn chế, khuyết điểm như sau:",
        "items": items,
        "authority": authority,
        "signer_title": title,
        "signer_name": signer,
        "recipients": [*recipients, "Lưu hồ sơ"],
    }


def draft_symbol(unit: Unit) -> str:
    return numbering.symbol(DRAFT_NUMBER, "", DocumentType.KH, unit)
