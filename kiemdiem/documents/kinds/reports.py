"""A unit's periodic remediation report (báo cáo riêng 6 tháng, hằng năm về việc khắc phục hạn
chế, khuyết điểm — Công văn 493-CV/TU, rules §2): the figures the report holds (as pre-filled and
refreshed by the reports app, never recomputed here), the shortcomings not yet remedied on the
day those figures were taken, and the unit's assessment; issued by the unit, sent to the parent
committee's standing committee and to the working group overseeing the unit."""

import datetime
from typing import Any

from django.db.models import Q

from kiemdiem.core.dates import vn_date
from kiemdiem.documents.kinds.base import (
    Kind,
    committee_authority,
    lower_first,
    paragraphs,
    register,
)
from kiemdiem.documents.numbering import committee_name
from kiemdiem.documents.template_default import Page
from kiemdiem.org.models import OversightAssignment
from kiemdiem.reports.models import PeriodicReport
from kiemdiem.reports.selectors import figure_rows
from kiemdiem.reports.services import findings_on
from kiemdiem.reviews.states import FindingStatus


def _objects(user: Any) -> Any:
    return PeriodicReport.objects.visible_to(user).select_related(
        "unit", "unit__parent", "period", "period__cycle"
    )


def number(value: int) -> str:
    """12.345 (the Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def figure_items(rows: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    """The figures as the table's rows: number, label, value."""
    return [
        {"n": i, "label": label, "value": number(value)}
        for i, (_key, label, value) in enumerate(rows, start=1)
    ]


def _open_findings(report: PeriodicReport) -> list[dict[str, Any]]:
    """The shortcomings of the unit's subtree in the cycle not yet remedied on the day the
    report's figures were taken: the figures' "findings_total" less "findings_resolved", read
    with the same rules as `reports.services.report_figures` (which existed on the day, which
    were resolved by then)."""
    day = report.figures_as_of or report.period.ends_on
    findings = (
        findings_on(report.unit, report.period.cycle_id, day)
        .exclude(Q(status=FindingStatus.RESOLVED) & Q(resolved_on__lte=day))
        .select_related("unit")
        .order_by("unit__path", "review_id", "pk")
    )
    return [{"n": i, "text": f.text, "unit": f.unit.name} for i, f in enumerate(findings, start=1)]


def _recipients(report: PeriodicReport, day: datetime.date) -> list[str]:
    """The parent committee's standing committee and whoever oversees the unit (the working
    group, or the committee member assigned in person)."""
    parent = report.unit.parent
    out = [f"Ban Thường vụ {committee_name(parent)}"] if parent else []
    assignments = (
        OversightAssignment.objects.current(day)
        .filter(unit=report.unit)
        .select_related("working_group", "person", "committee")
        .order_by("pk")
    )
    for a in assignments:
        if a.working_group is not None:
            out.append(f"{a.working_group.name} ({committee_name(a.committee)})")
        elif a.person is not None:
            out.append(f"Đồng chí {a.person.full_name} (phụ trách địa bàn)")
    return out


# What a directive's number says it is ("493-CV/TU": a công văn).
DIRECTIVE_TYPES = {
    "CV": "Công văn",
    "KH": "Kế hoạch",
    "HD": "Hướng dẫn",
    "CT": "Chỉ thị",
    "NQ": "Nghị quyết",
    "KL": "Kết luận",
    "QĐ": "Quyết định",
    "TB": "Thông báo",
}


def directive_name(number: str) -> str:
    """ "Công văn số 493-CV/TU" from "493-CV/TU" ("văn bản số …" when the type is not known)."""
    kind = number.split("-", 1)[1].split("/", 1)[0] if "-" in number else ""
    return f"{DIRECTIVE_TYPES.get(kind.upper(), 'văn bản')} số {number}"


def _context(report: PeriodicReport, day: datetime.date) -> dict[str, Any]:
    period, cycle, unit = report.period, report.period.cycle, report.unit
    as_of = report.figures_as_of or period.ends_on
    about = lower_first(cycle.title)  # "kiểm điểm, đánh giá năm 2025"
    return {
        "doc_type_name": "Báo cáo",
        "summary": f"kết quả khắc phục hạn chế, khuyết điểm {period.label.lower()}",
        "intro": f"Thực hiện {directive_name(cycle.directive_number)} ngày "
        f"{vn_date(cycle.directive_date)} của {cycle.directive_issuer} về {about}, "
        f"{committee_name(unit)} báo cáo kết quả khắc phục hạn chế, khuyết điểm sau kiểm điểm "
        f"{period.label.lower()} (từ ngày {vn_date(period.starts_on)} đến ngày "
        f"{vn_date(period.ends_on)}) như sau:",
        "scope_note": f"Số liệu của {unit.name} và các đơn vị trực thuộc, tính đến hết ngày "
        f"{vn_date(as_of)}.",
        "figures": figure_items(figure_rows(report.figures)),
        "findings": _open_findings(report),
        "assessment": paragraphs(report.narrative),
        "authority": committee_authority(unit),
        "recipients": _recipients(report, day),
    }


def figures_table(page: Page) -> None:
    page.table(
        ("TT", "Nội dung", "Số lượng"),
        ("{{ f.n }}", "{{ f.label }}", "{{ f.value }}"),
        (12, 123, 30),
        loop="f in figures",
    )


def _body(page: Page) -> None:
    page.text("{{ intro }}")
    page.heading("I. KẾT QUẢ KHẮC PHỤC")
    page.text("{{ scope_note }}")
    figures_table(page)
    page.heading("II. NHỮNG HẠN CHẾ, KHUYẾT ĐIỂM CHƯA KHẮC PHỤC XONG")

    def findings() -> None:
        page.table(
            ("TT", "Hạn chế, khuyết điểm", "Đơn vị"),
            ("{{ f.n }}", "{{ f.text }}", "{{ f.unit }}"),
            (12, 103, 50),
            loop="f in findings",
        )

    def none_left() -> None:
        page.text("Các hạn chế, khuyết điểm đã được khắc phục xong.")

    page.when("findings", findings)
    page.when("not findings", none_left)
    page.heading("III. ĐÁNH GIÁ, NHẬN XÉT")
    page.each("p in assessment", "{{ p }}")


REPORT = register(
    Kind(
        code="bao-cao-khac-phuc",
        label="Báo cáo kết quả khắc phục hạn chế, khuyết điểm (6 tháng, năm)",
        doc_type="BC",
        objects=_objects,
        unit_of=lambda report: report.unit,
        cycle_field="period__cycle",
        context=_context,
        body=_body,
        title_of=lambda report: (
            f"Báo cáo kết quả khắc phục hạn chế, khuyết điểm {report.period.label.lower()}"
        ),
        sample={
            "intro": "Thực hiện Công văn số …",
            "scope_note": "Số liệu của … tính đến hết ngày …",
            "figures": [{"n": 1, "label": "Tổng số nội dung khắc phục", "value": "3"}],
            "findings": [{"n": 1, "text": "…", "unit": "…"}],
            "assessment": ["…"],
        },
    )
)
