"""The oversight documents as DOCX: a unit's periodic remediation report, a working group's
assessment report and activity report, a committee's implementation plan for a directive —
each drawn through the view, read back, issued once; an outsider gets 404."""

import datetime
import io
import unicodedata

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from kiemdiem.core.errors import DomainError
from kiemdiem.documents import pdf
from kiemdiem.documents import services as documents
from kiemdiem.documents.bundles import bundle_objects
from kiemdiem.documents.kinds.oversight import ASSESSMENT, GROUP_REPORT, IMPLEMENTATION_PLAN
from kiemdiem.documents.kinds.reports import REPORT
from kiemdiem.documents.management.commands.document_pictures import draft_docx
from kiemdiem.documents.models import OutgoingDocument
from kiemdiem.oversight import services as oversight_services
from kiemdiem.oversight.tests.helpers import commune_plan
from kiemdiem.reports import services as report_services
from kiemdiem.reports.models import ReportPeriod
from kiemdiem.reports.services import FIGURE_LABELS
from kiemdiem.reviews.models import Finding

D = datetime.date


def _docx(client, kind, obj):
    response = client.get(reverse("documents:docx", args=[kind.code, obj.pk]))
    assert response.status_code == 200
    return Document(io.BytesIO(response.content))


def _cells(table):
    return [[c.text for c in row.cells] for row in table.rows]


def _header(doc):
    left, right = doc.tables[0].rows[0].cells
    return [p.text for p in left.paragraphs], right.paragraphs[-1].text


def _signature(doc):
    return [p.text for p in doc.tables[-1].rows[0].cells[1].paragraphs if p.text]


def _recipients(doc):
    return [p.text for p in doc.tables[-1].rows[0].cells[0].paragraphs if p.text]


def _prints(kind, obj, *parts):
    """The draft through LibreOffice: an A4 PDF whose first page, drawn as PNG, shows `parts`
    (the header and the type line). Where LibreOffice is not installed only the DOCX is
    checked (CI installs it)."""
    if pdf.soffice() is None:
        return
    document = pdf.docx_to_pdf(draft_docx(kind, obj, timezone.localdate()))
    assert [round(mm) for mm in pdf.page_size_mm(document)] == [210, 297]
    text = " ".join(unicodedata.normalize("NFC", pdf.pdf_text(document)).split())
    for part in ("ĐẢNG CỘNG SẢN VIỆT NAM", *parts):
        assert part in text, part
    assert pdf.first_page_png(document, dpi=30).startswith(b"\x89PNG")


def _check_page_and_outsider(client, kind, obj, viewer, outsider):
    """The object's page offers the document; someone outside its scope gets 404."""
    client.force_login(viewer)
    page = client.get(obj.get_absolute_url()).content.decode()
    assert reverse("documents:docx", args=[kind.code, obj.pk]) in page
    client.force_login(outsider)
    assert client.get(reverse("documents:docx", args=[kind.code, obj.pk])).status_code == 404
    assert client.post(reverse("documents:issue", args=[kind.code, obj.pk])).status_code == 404
    client.force_login(viewer)


@pytest.fixture
def first_half(open_cycle):
    return ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on").first()


def test_periodic_report_holds_its_figures_open_shortcomings_and_assessment(
    client, oversight, open_cycle, first_half, org_tree, office, outsider
):
    commune = org_tree.district_a1
    commune_plan(open_cycle, org_tree, oversight.unit_user)  # one shortcoming, one item
    secretary = oversight.unit_user
    report = report_services.report_create(period=first_half, unit=commune, by=secretary)
    report_services.report_update(
        report=report, narrative="Ban Thường vụ đã chỉ đạo sát.\nCòn chậm ở cơ sở.", by=secretary
    )
    _check_page_and_outsider(client, REPORT, report, office, outsider)
    assert list(bundle_objects(REPORT, office, org_tree.province_a, open_cycle)) == [report]
    _prints(REPORT, report, "ĐẢNG ỦY XÃ QUẢNG PHÚ", "Số …-BC/ĐU", "BÁO CÁO", "Chưa sâu sát cơ sở")

    doc = _docx(client, REPORT, report)
    left, date_line = _header(doc)
    assert left == ["ĐẢNG BỘ TỈNH THANH HÓA", "ĐẢNG ỦY XÃ QUẢNG PHÚ", "*", "Số …-BC/ĐU"]
    assert date_line == "Thanh Hóa, ngày 10 tháng 01 năm 2026"
    body = [p.text for p in doc.paragraphs if p.text]
    assert "BÁO CÁO" in body
    assert "kết quả khắc phục hạn chế, khuyết điểm 6 tháng đầu năm 2026" in body
    assert any(
        t.startswith("Thực hiện Công văn số 493-CV/TU ngày 20/11/2025 của Ban Thường vụ Tỉnh ủy")
        for t in body
    )
    # The figures as the report holds them, in the report page's order and words.
    figures = _cells(doc.tables[1])
    assert figures[0] == ["TT", "Nội dung", "Số lượng"]
    assert [row[1] for row in figures[1:]] == list(FIGURE_LABELS.values())
    assert [row[2] for row in figures[1:]] == [str(report.figures[k]) for k in FIGURE_LABELS]
    assert report.figures["items_total"] == 1 and report.figures["findings_total"] == 1
    assert _cells(doc.tables[2])[1] == ["1", "Chưa sâu sát cơ sở", "Đảng bộ xã Quảng Phú"]
    assert "Ban Thường vụ đã chỉ đạo sát." in body and "Còn chậm ở cơ sở." in body
    assert _signature(doc) == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Ngô Văn Xã"]
    assert _recipients(doc)[1:3] == [
        "- Ban Thường vụ Tỉnh ủy Thanh Hóa,",
        "- Tổ công tác số 1 (Tỉnh ủy Thanh Hóa),",
    ]

    client.post(reverse("documents:issue", args=[REPORT.code, report.pk]))
    assert OutgoingDocument.objects.get().symbol == "1-BC/ĐU"
    doc = _docx(client, REPORT, report)
    assert _header(doc)[0][3] == "Số 1-BC/ĐU"

    # Remedied by the day of the year report's figures: counted resolved there, not listed.
    Finding.objects.filter(unit=commune).update(status="resolved", resolved_on=D(2026, 1, 10))
    year = ReportPeriod.objects.get(cycle=open_cycle, kind="year", ends_on=D(2026, 12, 31))
    annual = report_services.report_create(period=year, unit=commune, by=secretary)
    assert annual.figures["findings_resolved"] == annual.figures["findings_total"] == 1
    doc = _docx(client, REPORT, annual)
    assert "kết quả khắc phục hạn chế, khuyết điểm năm 2026" in [p.text for p in doc.paragraphs]
    assert "Các hạn chế, khuyết điểm đã được khắc phục xong." in [p.text for p in doc.paragraphs]
    assert len(doc.tables) == 3  # header, figures, signature: no table of open shortcomings


def test_assessment_report_is_issued_by_the_committee_and_signed_for_the_group(
    client, oversight, open_cycle, first_half, org_tree, office, outsider
):
    assessment = oversight_services.assessment_create(
        group=oversight.group,
        unit=org_tree.district_a1,
        period=first_half,
        by=oversight.member_user,
    )
    oversight_services.assessment_update(
        assessment=assessment,
        remarks="Đơn vị xây dựng kế hoạch nghiêm túc.",
        recommendations="Đề nghị đôn đốc cơ sở.",
        by=oversight.member_user,
    )
    _check_page_and_outsider(client, ASSESSMENT, assessment, office, outsider)
    assert list(bundle_objects(ASSESSMENT, office, org_tree.province_a, open_cycle)) == [assessment]
    _prints(ASSESSMENT, assessment, "TỈNH ỦY THANH HÓA", "Số …-BC/TU", "BÁO CÁO", "nhận xét")

    doc = _docx(client, ASSESSMENT, assessment)
    left, _date = _header(doc)
    assert left == ["", "TỈNH ỦY THANH HÓA", "*", "Số …-BC/TU"]  # a province: no body above
    body = [p.text for p in doc.paragraphs if p.text]
    assert "BÁO CÁO" in body
    assert (
        "nhận xét kết quả khắc phục hạn chế, khuyết điểm 6 tháng đầu năm 2026 "
        "của Đảng bộ xã Quảng Phú" in body
    )
    assert any(t.startswith("Thực hiện Quyết định số 462-QĐ/TU ngày") for t in body)
    assert [row[1] for row in _cells(doc.tables[1])[1:]] == list(FIGURE_LABELS.values())
    assert "Đơn vị xây dựng kế hoạch nghiêm túc." in body
    assert "III. KIẾN NGHỊ, ĐỀ XUẤT" in body and "Đề nghị đôn đốc cơ sở." in body
    assert _signature(doc) == ["T/M TỔ CÔNG TÁC", "TỔ TRƯỞNG", "Lê Văn Trưởng"]
    assert "- Đảng ủy xã Quảng Phú (để biết, thực hiện)," in _recipients(doc)

    # A plain member of the group does not sign for it; nothing is registered.
    with pytest.raises(DomainError, match="không giữ chức vụ có thẩm quyền"):
        documents.document_issue(
            kind=ASSESSMENT, obj=assessment, by=office, signer_key=f"person:{oversight.member.pk}"
        )
    assert not OutgoingDocument.objects.exists()
    client.post(
        reverse("documents:issue", args=[ASSESSMENT.code, assessment.pk]),
        {"signer": f"person:{oversight.leader.pk}"},
    )
    issued = OutgoingDocument.objects.get()
    assert (issued.symbol, issued.unit_id) == ("1-BC/TU", org_tree.province_a.pk)
    assert issued.signer == "Lê Văn Trưởng (Tổ trưởng)"


def test_group_activity_report_lists_the_periods_activities(
    client, oversight, open_cycle, org_tree, office, outsider, travel_to
):
    programme = oversight_services.programme_create(
        group=oversight.group,
        title="Chương trình",
        starts_on=D(2026, 1, 1),
        ends_on=D(2030, 12, 31),
        by=oversight.member_user,
    )
    activity = oversight_services.activity_plan(
        programme=programme,
        unit=org_tree.district_a1,
        kind="inspection",
        planned_on=D(2026, 3, 5),
        by=oversight.member_user,
    )
    travel_to(D(2026, 3, 10))
    oversight_services.activity_record(
        activity=activity, held_on=D(2026, 3, 6), remarks="Đạt", by=oversight.member_user
    )
    report = oversight_services.group_report_create(
        group=oversight.group, year=2026, kind="half_year", by=oversight.member_user
    )
    oversight_services.group_report_update(
        report=report, narrative="Tổ hoạt động đúng chương trình.", by=oversight.member_user
    )
    _check_page_and_outsider(client, GROUP_REPORT, report, office, outsider)
    assert list(bundle_objects(GROUP_REPORT, office, org_tree.province_a, None)) == [report]
    _prints(GROUP_REPORT, report, "TỈNH ỦY THANH HÓA", "BÁO CÁO", "Tổ công tác số 1")

    doc = _docx(client, GROUP_REPORT, report)
    assert _header(doc)[0][1] == "TỈNH ỦY THANH HÓA"
    body = [p.text for p in doc.paragraphs if p.text]
    assert "tình hình hoạt động 6 tháng đầu năm 2026 của Tổ công tác số 1" in body
    figures = {row[1]: row[2] for row in _cells(doc.tables[1])[1:]}
    assert figures["Hoạt động đã thực hiện"] == "1" == str(report.figures["activities_done"])
    assert _cells(doc.tables[2])[1] == [
        "1",
        "Kiểm tra, giám sát việc khắc phục",
        "Đảng bộ xã Quảng Phú",
        "06/03/2026",
        "Đã thực hiện",
    ]
    assert "Tổ hoạt động đúng chương trình." in body
    assert _signature(doc) == ["T/M TỔ CÔNG TÁC", "TỔ TRƯỞNG", "Lê Văn Trưởng"]
    client.post(reverse("documents:issue", args=[GROUP_REPORT.code, report.pk]))
    assert OutgoingDocument.objects.get().symbol == "1-BC/TU"


def test_implementation_plan_lists_its_tasks_and_is_numbered_by_its_committee(
    client, oversight, org_tree, office, outsider, unit_head, travel_to
):
    travel_to(D(2026, 3, 2))
    plan = oversight_services.implementation_create(
        committee=org_tree.province_a,
        title="Kế hoạch thực hiện Nghị quyết Trung ương 4",
        directive="Nghị quyết số 12-NQ/TW ngày 16/01/2012 của Ban Chấp hành Trung ương",
        draft_text="Dự thảo",
        objectives="Ngăn chặn, đẩy lùi suy thoái.",
        by=office,
    )
    oversight_services.task_add(
        plan=plan,
        content="Hướng dẫn kiểm điểm tự phê bình và phê bình",
        lead_unit=oversight.board,
        coordinating_units=[org_tree.district_a1],
        due_date=D(2026, 6, 30),
        by=office,
    )
    _check_page_and_outsider(client, IMPLEMENTATION_PLAN, plan, office, outsider)
    assert list(bundle_objects(IMPLEMENTATION_PLAN, office, org_tree.province_a, None)) == [plan]
    _prints(IMPLEMENTATION_PLAN, plan, "TỈNH ỦY THANH HÓA", "Số …-KH/TU", "KẾ HOẠCH")

    doc = _docx(client, IMPLEMENTATION_PLAN, plan)
    assert _header(doc)[0][1:] == ["TỈNH ỦY THANH HÓA", "*", "Số …-KH/TU"]
    body = [p.text for p in doc.paragraphs if p.text]
    assert "KẾ HOẠCH" in body and "thực hiện Nghị quyết Trung ương 4" in body
    assert "I. MỤC ĐÍCH, YÊU CẦU" in body and "Ngăn chặn, đẩy lùi suy thoái." in body
    assert "II. NHIỆM VỤ, GIẢI PHÁP" in body and "III. TỔ CHỨC THỰC HIỆN" in body
    assert _cells(doc.tables[1])[1] == [
        "1",
        "Hướng dẫn kiểm điểm tự phê bình và phê bình",
        "Ban Tổ chức Tỉnh ủy Thanh Hóa",
        "Đảng ủy xã Quảng Phú",
        "30/06/2026",
    ]
    assert _signature(doc) == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Đỗ Trọng Hưng"]
    assert "- Ban Tổ chức Tỉnh ủy Thanh Hóa," in _recipients(doc)
    client.post(reverse("documents:issue", args=[IMPLEMENTATION_PLAN.code, plan.pk]))
    assert OutgoingDocument.objects.get().symbol == "1-KH/TU"
