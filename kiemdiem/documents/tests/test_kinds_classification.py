"""The classification's documents: the results decision and the statistics report of a round
(numbered, one register entry each), the re-rating decision (Mẫu 03) of a cancelled rating and
the records checklist (Mẫu 04), read back from the DOCX the pages link to."""

import io
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse
from docx import Document

from kiemdiem.classification import services, statistics
from kiemdiem.classification.models import Rating, RatingStatus, SubjectKind
from kiemdiem.classification.rules import EXCELLENT, GOOD
from kiemdiem.classification.tests.conftest import (
    commune_standing,
    grassroots_office,
    grassroots_standing,
    rating_of,
    round_2025,
    today,
    walk_to_appraised,
)
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.documents import pdf
from kiemdiem.documents.bundles import bundle_objects
from kiemdiem.documents.kinds.classification import CHECKLIST, RERATE, RESULTS, STATISTICS
from kiemdiem.documents.models import OutgoingDocument
from kiemdiem.documents.numbering import committee_name

# The classification tests' round over province A and its deciders (fixtures).
__all__ = ["commune_standing", "grassroots_office", "grassroots_standing", "round_2025", "today"]


def _docx(response):
    assert response.status_code == 200, response.status_code
    return Document(io.BytesIO(response.content))


def _get(client, kind, obj):
    return client.get(reverse("documents:docx", args=[kind.code, obj.pk]))


def _printed(documents: dict[bytes, list[str]]) -> None:
    """Each DOCX through LibreOffice (two at a time): its first page shows the given parts."""
    if pdf.soffice() is None:  # LibreOffice is installed on CI (.ci/run); a laptop may lack it
        return
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(pdf.docx_to_pdf, documents))
    for document, parts in zip(pdfs, documents.values(), strict=True):
        text = " ".join(unicodedata.normalize("NFC", pdf.pdf_text(document)).split())
        for part in ["ĐẢNG CỘNG SẢN VIỆT NAM", *parts]:
            assert part in text, part
    assert pdf.first_page_png(pdfs[0], dpi=30).startswith(b"\x89PNG")


def _header(doc):
    left, right = doc.tables[0].rows[0].cells
    return [p.text for p in left.paragraphs], right.paragraphs[0].text


def _body(doc):
    return "\n".join(p.text for p in doc.paragraphs)


def _rows(table):
    return [[c.text for c in row.cells] for row in table.rows]


def _signature(doc):
    return "\n".join(p.text for p in doc.tables[-1].rows[0].cells[1].paragraphs)


@pytest.fixture
def decided_round(org_tree, round_2025):
    """Province A decides its communes: Quảng Phú HTTNV, Hạc Thành HTXSNV (one HTTNV allows no
    HTXSNV under QĐ 366's 20%: the quota line says so)."""
    for unit, level, number in (
        (org_tree.district_a1, GOOD, "05-QĐ/TU"),
        (org_tree.district_a2, EXCELLENT, "06-QĐ/TU"),
    ):
        Rating.objects.filter(pk=rating_of(round_2025, unit=unit).pk).update(
            status=RatingStatus.DECIDED,
            self_level=EXCELLENT,
            appraised_level=level,
            decided_level=level,
            decision_number=number,
        )
    statistics.rebuild(round_2025)  # the updates bypassed the lifecycle
    return round_2025


def test_results_decision_and_statistics_report_of_a_round(
    client, office, unit_head, outsider, org_tree, decided_round
):
    round_ = decided_round
    client.force_login(office)
    page = client.get(round_.get_absolute_url()).content.decode()
    for kind in (RESULTS, CHECKLIST):
        assert reverse("documents:docx", args=[kind.code, round_.pk]) in page

    draft = _get(client, RESULTS, round_)
    doc = _docx(draft)
    left, right = _header(doc)
    assert left == ["", "TỈNH ỦY THANH HÓA", "*", "Số …-QĐ/TU"]  # a province: no body above
    assert right == "ĐẢNG CỘNG SẢN VIỆT NAM"
    body = _body(doc)
    assert "QUYẾT ĐỊNH\ncông nhận kết quả đánh giá, xếp loại chất lượng năm 2025" in body
    assert "BAN THƯỜNG VỤ TỈNH ỦY THANH HÓA\nQUYẾT ĐỊNH:" in body
    assert "của 2 tổ chức, tập thể và cá nhân do Ban Thường vụ Tỉnh ủy Thanh Hóa" in body
    counts = _rows(doc.tables[1])
    assert counts[0] == ["Đối tượng", "HTXSNV", "HTTNV", "HTNV", "KHTNV", "Cộng"]
    assert counts[1] == ["Tổ chức đảng", "1", "1", "0", "0", "2"]
    assert "1. Tổ chức đảng (2)" in body
    listed = _rows(doc.tables[2])[1:]
    assert [r[1] for r in listed] == [org_tree.district_a1.name, org_tree.district_a2.name]
    assert listed[1][2:] == [org_tree.province_a.name, "Hoàn thành xuất sắc nhiệm vụ", "06-QĐ/TU"]
    assert "1 HTXSNV trên 1 HTTNV, tối đa 0 (20% số HTTNV) — VƯỢT tỉ lệ cho phép." in body
    assert _signature(doc).startswith("T/M BAN THƯỜNG VỤ\nBÍ THƯ")
    assert "Đỗ Trọng Hưng" in _signature(doc)

    # Numbered: the office issues it; the statistics report of the same round is its own entry.
    url = reverse("documents:issue", args=[RESULTS.code, round_.pk])
    client.post(url, {"signer": ""})
    client.post(reverse("documents:issue", args=[STATISTICS.code, round_.pk]), {"signer": ""})
    issued = dict(OutgoingDocument.objects.values_list("doc_type", "symbol"))
    assert issued["QĐ"].startswith("1-QĐ/") and issued["BC"].startswith("1-BC/")
    doc = _docx(_get(client, RESULTS, round_))
    assert _header(doc)[0][3] == f"Số {issued['QĐ']}"

    stats_page = client.get(
        reverse("classification:statistics") + f"?dot={round_.pk}&don_vi={org_tree.province_a.pk}"
    ).content.decode()
    assert reverse("documents:docx", args=[STATISTICS.code, round_.pk]) in stats_page
    assert "classification.statistics" in stats_page  # the XLSX export beside it
    report = _get(client, STATISTICS, round_)
    doc = _docx(report)
    assert _header(doc)[0][3] == f"Số {issued['BC']}"
    body = _body(doc)
    assert "BÁO CÁO\nsố liệu kết quả đánh giá, xếp loại chất lượng năm 2025" in body
    levels = _rows(doc.tables[1])
    assert levels[0][:5] == ["Đối tượng", "HTXSNV", "HTTNV", "HTNV", "KHTNV"]
    assert levels[1] == ["Tổ chức đảng", "1 (50,0%)", "1 (50,0%)", "0", "0", "2", levels[1][6], "0"]
    assert "2 tổ chức đảng bị hạ từ mức HTXSNV xuống HTTNV." not in body
    assert "1 tổ chức đảng bị hạ từ mức HTXSNV xuống HTTNV." in body
    units = _rows(doc.tables[2])
    assert [r[0] for r in units[1:]] == [org_tree.district_a2.name, org_tree.district_a1.name]

    _printed(
        {
            draft.content: ["TỈNH ỦY THANH HÓA", "Số …-QĐ/TU", "QUYẾT ĐỊNH", "Hạc Thành"],
            report.content: [f"Số {issued['BC']}", "BÁO CÁO", "1 (50,0%)"],
        }
    )

    # A subtree's bundle (ZIP) finds the round through its scope.
    assert list(bundle_objects(STATISTICS, office, org_tree.province_a, None)) == [round_]

    client.force_login(outsider)
    for kind in (RESULTS, CHECKLIST, STATISTICS):
        assert _get(client, kind, round_).status_code == 404


def test_rerating_decision_mau_03_and_the_records_checklist_mau_04(
    client,
    org_tree,
    office,
    outsider,
    round_2025,
    grassroots_office,
    grassroots_standing,
    commune_standing,
):
    member = org_tree.members_a1[0]
    rating = walk_to_appraised(
        rating_of(round_2025, person=member),
        self_by=SYSTEM,
        appraise_by=grassroots_office,
        level=GOOD,
    )
    services.rating_decide(
        rating=rating,
        by=grassroots_standing,
        level=GOOD,
        version=rating.version,
        decision_number="03-QĐ/ĐU",
    )
    rating.refresh_from_db()
    new = services.rating_cancel(
        rating=rating,
        by=commune_standing,
        reason="Phát sinh khuyết điểm mới sau khi công khai kết quả",
        decision_number="12-QĐ/ĐU",
        version=rating.version,
    )
    rating.refresh_from_db()
    client.force_login(commune_standing)
    page = client.get(rating.get_absolute_url()).content.decode()
    assert reverse("documents:docx", args=[RERATE.code, rating.pk]) in page
    assert 'data-testid="document-issue"' not in page  # numbered when the cancel was recorded

    rerate = _get(client, RERATE, rating)
    doc = _docx(rerate)
    assert doc.paragraphs[0].text == "Mẫu 03-HD KĐ.ĐG 2025"
    left, _right = _header(doc)
    commune = committee_name(org_tree.district_a1)  # Đảng ủy xã Quảng Phú
    assert left == [org_tree.province_a.name.upper(), commune.upper(), "*", "Số 12-QĐ/ĐU"]
    body = _body(doc)
    assert "QUYẾT ĐỊNH\nvề việc đánh giá, xếp loại lại chất lượng đảng viên năm 2025" in body
    assert "Căn cứ Quy định số 366-QĐ/TW ngày 30/8/2025 của Bộ Chính trị về kiểm điểm" in body
    assert (
        "Điều 1. Hủy kết quả đánh giá, xếp loại chất lượng năm 2025 của đồng chí "
        f"{member.full_name} ({org_tree.cell_a1.name}): mức “Hoàn thành tốt nhiệm vụ” do "
        f"Ban Chấp hành {org_tree.grassroots_a1.name} quyết định (số 03-QĐ/ĐU ngày 20/12/2025)."
        in body
    )
    assert "Lý do: Phát sinh khuyết điểm mới sau khi công khai kết quả" in body
    assert "Kết quả đánh giá, xếp loại lại: chưa quyết định (chưa tự đánh giá)." in body
    assert _signature(doc).startswith("T/M BAN THƯỜNG VỤ")
    assert f"BAN THƯỜNG VỤ {commune.upper()}\nQUYẾT ĐỊNH:" in body

    walk_to_appraised(new, self_by=SYSTEM, appraise_by=grassroots_office, level="completed")
    new.refresh_from_db()
    services.rating_decide(
        rating=new,
        by=grassroots_standing,
        level="completed",
        version=new.version,
        decision_number="15-QĐ/ĐU",
    )
    body = _body(_docx(_get(client, RERATE, rating)))
    assert (
        "Kết quả đánh giá, xếp loại lại: Hoàn thành nhiệm vụ (Ban Chấp hành "
        f"{org_tree.grassroots_a1.name} quyết định số 15-QĐ/ĐU ngày 20/12/2025)." in body
    )
    response = client.post(reverse("documents:issue", args=[RERATE.code, rating.pk]))
    assert response.status_code == 302 and not OutgoingDocument.objects.exists()

    # Mẫu 04: what the round holds, sent up before 01/02 of the next year; no number.
    client.force_login(office)
    checklist = _get(client, CHECKLIST, round_2025)
    doc = _docx(checklist)
    assert doc.paragraphs[0].text == "Mẫu 04-HD KĐ.ĐG 2025"
    left, _right = _header(doc)
    assert left == ["", "TỈNH ỦY THANH HÓA", "*"]
    body = _body(doc)
    assert "DANH MỤC\nhồ sơ kiểm điểm, đánh giá, xếp loại chất lượng năm 2025" in body
    assert "gửi Ban Tổ chức Trung ương trước ngày 01/02/2026" in body
    items = {r[1]: r[2:] for r in _rows(doc.tables[1])[1:]}
    rated = Rating.objects.filter(round=round_2025).exclude(
        status__in=[RatingStatus.CANCELLED, RatingStatus.EXEMPT]
    )
    assert items["Kết luận, quyết định xếp loại của cấp có thẩm quyền"] == [
        f"1/{rated.count()}",
        f"Còn {rated.count() - 1} chưa quyết định",
    ]
    assert items["Quyết định đánh giá, xếp loại lại (Mẫu 03)"] == ["1", "Nếu có"]
    assert items["Báo cáo kiểm điểm của tập thể (Mẫu 01)"][0] == "Chưa có"
    assert "Nơi nhận:" not in "\n".join(p.text for p in doc.tables[-1].rows[0].cells[0].paragraphs)

    _printed(
        {
            rerate.content: ["Mẫu 03-HD KĐ.ĐG 2025", "Số 12-QĐ/ĐU", member.full_name],
            checklist.content: ["Mẫu 04-HD KĐ.ĐG 2025", "DANH MỤC", "Mẫu 2A, 2B, 2C"],
        }
    )

    # A subtree's bundle finds the decision through the committee that made it.
    assert list(bundle_objects(RERATE, office, org_tree.district_a1, None)) == [rating]
    assert not bundle_objects(RERATE, office, org_tree.grassroots_a1, None).exists()

    client.force_login(outsider)
    assert _get(client, RERATE, rating).status_code == 404
    assert rated.filter(subject_kind=SubjectKind.MEMBER).exists()
