"""The documents of a review cycle: the cycle's plan (KH), the conference record (BB), the
collective report (Mẫu 01, BC) and the individual forms (2A/2B/2C), each read back from the
download with python-docx."""

import datetime
import io
import unicodedata
import zipfile

import pytest
from django.urls import reverse
from docx import Document

from kiemdiem.campaign import services as campaign_services
from kiemdiem.documents import pdf
from kiemdiem.documents.models import DocumentBundle, OutgoingDocument
from kiemdiem.remediation import services as remediation_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reviews import commitments, suggestions
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import Fulfilment, Review, ReviewMeeting

CYCLE_KH = "ke-hoach-kiem-diem"
MEETING_BB = "bien-ban-hoi-nghi-kiem-diem"
REPORT_01 = "bao-cao-kiem-diem-tap-the"
PERSONAL = "ban-kiem-diem-ca-nhan"
PERSONAL_2C = "ban-kiem-diem-ca-nhan-2c"


def _docx(response):
    assert response.status_code == 200, response.status_code
    return Document(io.BytesIO(response.content))


def _cell(cell) -> str:
    return "\n".join(p.text for p in cell.paragraphs)


def _body(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def _rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows[1:]]


def _url(code: str, obj) -> str:
    return reverse("documents:docx", args=[code, obj.pk])


def _printed(client, code: str, obj, *parts: str) -> None:
    """The PDF download (LibreOffice, where installed, as in CI): its first page drawn as PNG
    and its text holding the header and `parts`."""
    if pdf.soffice() is None:
        return
    response = client.get(reverse("documents:pdf", args=[code, obj.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert pdf.first_page_png(response.content, dpi=30).startswith(b"\x89PNG")
    text = " ".join(unicodedata.normalize("NFC", pdf.pdf_text(response.content)).split())
    for part in ("ĐẢNG CỘNG SẢN VIỆT NAM", *parts):
        assert part in text, part


def _issue(client, code: str, obj, signer: str = "") -> OutgoingDocument:
    response = client.post(reverse("documents:issue", args=[code, obj.pk]), {"signer": signer})
    assert response.status_code == 302
    return OutgoingDocument.objects.get(source=f"{obj._meta.label_lower}:{obj.pk}")


def test_cycle_plan_cites_the_directive_and_sets_the_timetable(
    client, open_cycle, org_tree, office, unit_head, outsider
):
    client.force_login(office)
    page = client.get(open_cycle.get_absolute_url()).content.decode()
    assert _url(CYCLE_KH, open_cycle) in page and 'data-testid="document-issue"' in page
    doc = _docx(client.get(_url(CYCLE_KH, open_cycle)))
    left = _cell(doc.tables[0].rows[0].cells[0])
    assert left == "\nTỈNH ỦY THANH HÓA\n*\nSố …-KH/TU"  # no body above a province
    body = _body(doc)
    assert "KẾ HOẠCH\nkiểm điểm, đánh giá năm 2025" in body
    assert (
        "Thực hiện Công văn số 493-CV/TU ngày 20/11/2025, Ban Thường vụ Tỉnh ủy Thanh Hóa xây "
        "dựng kế hoạch kiểm điểm, đánh giá năm 2025 trong Đảng bộ tỉnh Thanh Hóa" in body
    )
    assert "trước ngày 15/02/2026" in body
    steps = _rows(doc.tables[1])
    assert [r[2] for r in steps] == [
        "05/01/2026",
        "20/01/2026",
        "31/01/2026",
        "15/02/2026",
        "31/12/2027",
    ]
    to, signature = (_cell(c) for c in doc.tables[2].rows[0].cells)
    assert "- Đảng ủy phường Hạc Thành," in to and "- Đảng ủy xã Quảng Phú," in to
    assert signature.startswith("T/M BAN THƯỜNG VỤ\nBÍ THƯ") and "Đỗ Trọng Hưng" in signature

    issued = _issue(client, CYCLE_KH, open_cycle)
    assert issued.symbol == "1-KH/TU" and issued.signer == "Đỗ Trọng Hưng (Bí thư)"
    doc = _docx(client.get(_url(CYCLE_KH, open_cycle)))
    assert doc.tables[0].rows[0].cells[0].paragraphs[3].text == "Số 1-KH/TU"

    _printed(client, CYCLE_KH, open_cycle, "TỈNH ỦY THANH HÓA", "Số 1-KH/TU", "KẾ HOẠCH")
    client.force_login(outsider)
    assert client.get(_url(CYCLE_KH, open_cycle)).status_code == 404


@pytest.fixture
def held(open_cycle, org_tree, office, cell_secretary, travel_to):
    """Cell A1's conference, chaired by its secretary, with a shortcoming of the cell and its
    members' reviews submitted."""
    collective = Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person=None)
    review_services.finding_add(
        review=collective, by=office, text="Sinh hoạt chi bộ chưa đều", area="leadership"
    )
    secretary = org_tree.members_a1[1]
    review_services.review_transition(review=collective, to="submitted", by=office)
    member_review = Review.objects.get(cycle=open_cycle, person=org_tree.members_a1[0])
    review_services.review_transition(review=member_review, to="submitted", by=office)
    travel_to(datetime.date(2026, 1, 26))
    meeting = review_services.meeting_record(
        cycle=open_cycle,
        unit=org_tree.cell_a1,
        held_on=datetime.date(2026, 1, 25),
        chair=secretary,
        attendees=list(org_tree.members_a1),
        attendee_count=3,
        comments_count=4,
        minutes="Hội nghị thống nhất các hạn chế đã nêu.\nGiao chi ủy xây dựng kế hoạch khắc phục.",
        by=office,
    )
    return meeting


def test_conference_record_names_the_chair_the_findings_and_the_conclusion(
    client, held, org_tree, office, outsider, member
):
    meeting = ReviewMeeting.objects.get(pk=held.pk)
    client.force_login(office)
    review = Review.objects.get(cycle=meeting.cycle, unit=org_tree.cell_a1, person=None)
    page = client.get(review.get_absolute_url()).content.decode()
    assert _url(MEETING_BB, meeting) in page and _url(REPORT_01, review) in page
    doc = _docx(client.get(_url(MEETING_BB, meeting)))
    assert _cell(doc.tables[0].rows[0].cells[0]).endswith("CHI BỘ TỔ TOÁN\n*\nSố …-BB/CB")
    body = _body(doc)
    assert "BIÊN BẢN\nhội nghị kiểm điểm, đánh giá năm 2025" in body
    assert "Hôm nay, hồi … giờ …, ngày 25 tháng 01 năm 2026, tại" in body
    assert "Chủ trì hội nghị: đồng chí Trần Thị Hương, bí thư Chi bộ Tổ Toán." in body
    assert "Số người dự: 3 (tổng số đảng viên của chi bộ: 3)." in body
    assert "bản tự kiểm điểm của 1 đồng chí: Nguyễn Văn Đức." in body
    assert "Hội nghị có 4 ý kiến góp ý" in body
    assert "Giao chi ủy xây dựng kế hoạch khắc phục." in body
    assert _rows(doc.tables[1]) == [
        ["1", "Lãnh đạo, chỉ đạo", "Sinh hoạt chi bộ chưa đều", "Hạn chế"]
    ]
    secretary, signature = (_cell(c) for c in doc.tables[2].rows[0].cells)
    assert secretary.startswith("THƯ KÝ HỘI NGHỊ") and "Nơi nhận" not in secretary
    assert signature.startswith("CHỦ TRÌ HỘI NGHỊ") and signature.endswith("Trần Thị Hương")
    issued = _issue(client, MEETING_BB, meeting, signer=f"person:{meeting.chair_id}")
    assert issued.symbol == "1-BB/CB"
    _printed(client, MEETING_BB, meeting, "CHI BỘ TỔ TOÁN", "Số 1-BB/CB", "BIÊN BẢN")
    # the province's records of the cycle in one ZIP (the task queue runs eagerly in tests)
    bundles = reverse("documents:bundles", args=[org_tree.province_a.pk])
    client.post(bundles, {"kind": MEETING_BB, "cycle": meeting.cycle_id})
    bundle = DocumentBundle.objects.get(kind=MEETING_BB)
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("documents:bundle-file", args=[bundle.pk])).getvalue())
    )
    assert [n.split("/")[-1] for n in archive.namelist()] == [f"{meeting.pk}-so-1.docx"]
    client.force_login(outsider)
    assert client.get(_url(MEETING_BB, meeting)).status_code == 404


@pytest.fixture
def next_cycle(held, org_tree, office, member, travel_to):
    """The 2026 cycle, opened after the 2025 one closed: cell A1's shortcoming and the member's
    own are carried over; the member filed a 2026 commitment and assessed it."""
    old_cycle = held.cycle
    person = org_tree.members_a1[0]
    own = Review.objects.get(cycle=old_cycle, person=person)
    review_services.finding_add(
        review=own, by=office, text="Chưa đóng đảng phí đúng hạn", area="discipline"
    )
    review_services.cycle_close(cycle=old_cycle, by=office)
    travel_to(datetime.date(2027, 1, 10))
    cycle = review_services.cycle_create(
        by=office,
        title="Kiểm điểm, đánh giá năm 2026",
        kind="annual",
        year=2026,
        directive_number="01-KH/TU",
        directive_date=datetime.date(2026, 12, 1),
        directive_issuer="Ban Thường vụ Tỉnh ủy Thanh Hóa",
        scope_unit=org_tree.province_a,
        participating_kinds=old_cycle.participating_kinds,
        starts_on=datetime.date(2027, 1, 5),
        self_review_due=datetime.date(2027, 1, 20),
        conference_due=datetime.date(2027, 1, 31),
        plan_due=datetime.date(2027, 2, 15),
        horizon_end=datetime.date(2027, 12, 31),
    )
    campaign_services.cycle_open(cycle=cycle, by=office)
    commitment = commitments.commitment_file(
        person=person, year=2026, items=["Học tập, làm theo tư tưởng Hồ Chí Minh"], by=member
    )
    commitments.commitment_assess(
        item=commitment.items.get(), fulfilment=Fulfilment.FULFILLED, by=member
    )
    return cycle


def test_collective_report_mau_01_lists_carried_shortcomings_and_their_remedy(
    client, next_cycle, org_tree, office, cell_secretary, appraiser, outsider
):
    review = Review.objects.get(cycle=next_cycle, unit=org_tree.cell_a1, person=None)
    carried = review.findings.get(carried_from__isnull=False)
    review_services.carry_assess(
        finding=carried, assessment="partly_fixed", percent=60, cause="Còn 1 tổ", by=office
    )
    review_services.review_update(
        review=review, by=office, strengths="Hoàn thành các chỉ tiêu của năm."
    )
    review_services.finding_add(
        review=review,
        by=office,
        text="Chưa kiểm tra đảng viên",
        area="inspection",
        severity="shortcoming",
    )
    remediation_services.action_add(
        plan=RemediationPlan.objects.get(review=review),
        by=cell_secretary,
        content="Sinh hoạt chi bộ đúng kỳ, đủ nội dung",
        findings=[carried],
        responsible_unit=org_tree.cell_a1,
        due_date=datetime.date(2027, 6, 30),
    )
    suggestion = suggestions.suggestion_issue(
        review=review,
        by=appraiser,
        issuing_unit=org_tree.grassroots_a1,
        document_number="45-CV/ĐU",
        document_date=datetime.date(2027, 1, 8),
        grounds=["disunity"],
        items=["Làm rõ tình trạng mất đoàn kết trong chi ủy"],
    )
    suggestions.suggestion_answer(
        item=suggestion.items.get(),
        by=office,
        account="Chi ủy chưa thống nhất lịch sinh hoạt",
        responsibility_collective="Chi ủy chịu trách nhiệm chính",
    )
    client.force_login(office)
    doc = _docx(client.get(_url(REPORT_01, review)))
    assert doc.paragraphs[0].text == "Mẫu 01-HD KĐ.ĐG 2025"
    body = _body(doc)
    assert (
        "BÁO CÁO\nkiểm điểm, đánh giá, xếp loại chất lượng tập thể Chi bộ Tổ Toán năm 2026" in body
    )
    assert "Hoàn thành các chỉ tiêu của năm." in body
    assert (
        "1. Làm rõ tình trạng mất đoàn kết trong chi ủy (theo 45-CV/ĐU của Đảng bộ Trường THPT "
        "Quảng Xương)\n- Sự việc, nội dung: Chi ủy chưa thống nhất lịch sinh hoạt\n"
        "- Nguyên nhân khách quan: ……………………………………\n"
    ) in body
    assert "- Trách nhiệm: Chi ủy chịu trách nhiệm chính" in body
    assert "VII. TỰ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG\nTổng số điểm tự chấm: ………… điểm;" in body
    findings, carried_rows = doc.tables[1], doc.tables[2]
    assert _rows(findings) == [
        ["1", "Kiểm tra, giám sát", "Chưa kiểm tra đảng viên", "Khuyết điểm"]
    ]
    assert _rows(carried_rows) == [
        ["1", "Sinh hoạt chi bộ chưa đều", "Khắc phục một phần (60%)", "Còn 1 tổ"]
    ]
    assert _rows(doc.tables[3]) == [["1", "Sinh hoạt chi bộ đúng kỳ, đủ nội dung", "30/06/2027"]]
    to, signature = (_cell(c) for c in doc.tables[-1].rows[0].cells)
    assert "- Đảng ủy Trường THPT Quảng Xương," in to
    assert signature.startswith("T/M CHI BỘ\nBÍ THƯ") and signature.endswith("Trần Thị Hương")
    assert _issue(client, REPORT_01, review).symbol == "1-BC/CB"
    _printed(client, REPORT_01, review, "Mẫu 01-HD KĐ.ĐG 2025", "Số 1-BC/CB", "BÁO CÁO")
    client.force_login(outsider)
    assert client.get(_url(REPORT_01, review)).status_code == 404


def test_personal_form_is_prefilled_signed_by_the_member_and_not_numbered(
    client, next_cycle, org_tree, member, cell_secretary, outsider
):
    person = org_tree.members_a1[0]
    review = Review.objects.get(cycle=next_cycle, person=person)
    client.force_login(member)
    page = client.get(review.get_absolute_url()).content.decode()
    assert _url(PERSONAL, review) in page and _url(PERSONAL_2C, review) in page
    assert 'data-testid="document-issue"' not in page  # a personal form takes no number
    doc = _docx(client.get(_url(PERSONAL, review)))
    assert doc.paragraphs[0].text == "Mẫu 2B-HD KĐ.ĐG 2025"  # no leadership post
    assert _cell(doc.tables[0].rows[0].cells[0]).endswith("CHI BỘ TỔ TOÁN\n*")  # no number
    body = _body(doc)
    assert "BẢN KIỂM ĐIỂM CÁ NHÂN\nnăm 2026" in body
    assert "- Họ và tên: Nguyễn Văn Đức;" in body
    commitment, carried = doc.tables[1], doc.tables[2]
    assert _rows(commitment) == [
        ["1", "Học tập, làm theo tư tưởng Hồ Chí Minh", "Thực hiện tốt", ""]
    ]
    assert _rows(carried) == [["1", "Chưa đóng đảng phí đúng hạn", "Chưa tự đánh giá", ""]]
    signature = _cell(doc.tables[-1].rows[0].cells[1])
    assert signature.startswith("NGƯỜI TỰ KIỂM ĐIỂM") and signature.endswith("Nguyễn Văn Đức")
    assert "Nơi nhận" not in _cell(doc.tables[-1].rows[0].cells[0])
    doc = _docx(client.get(_url(PERSONAL_2C, review)))
    assert doc.paragraphs[0].text == "Mẫu 2C-HD KĐ.ĐG 2025"
    # the cell's secretary holds a leadership post: form 2A
    client.force_login(cell_secretary)
    leader = Review.objects.get(cycle=next_cycle, person=org_tree.members_a1[1])
    doc = _docx(client.get(_url(PERSONAL, leader)))
    assert doc.paragraphs[0].text == "Mẫu 2A-HD KĐ.ĐG 2025"
    assert "- Chức vụ lãnh đạo, quản lý: Bí thư Chi bộ Tổ Toán." in _body(doc)
    _printed(client, PERSONAL, leader, "Mẫu 2A-HD KĐ.ĐG 2025", "BẢN KIỂM ĐIỂM CÁ NHÂN")
    _printed(client, PERSONAL_2C, review, "Mẫu 2C-HD KĐ.ĐG 2025", "Nguyễn Văn Đức")
    client.force_login(outsider)
    assert client.get(_url(PERSONAL, review)).status_code == 404
    assert client.get(_url(PERSONAL_2C, review)).status_code == 404
