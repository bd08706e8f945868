"""The remediation plan as a DOCX in the HD 36 format, and the register's numbering."""

import datetime
import io
import json

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from docx import Document
from docx.shared import Pt

from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent
from kiemdiem.documents import numbering, services
from kiemdiem.documents.kinds.plan import PLAN as PLAN_KIND
from kiemdiem.documents.models import DocumentType, OutgoingDocument
from kiemdiem.documents.template_default import FONT

PLAN = PLAN_KIND.code


def _docx(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return Document(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def _text(cell):
    return "\n".join(p.text for p in cell.paragraphs)


def test_plan_draft_docx_has_the_hd36_parts(client, office, plan, action, org_tree, cell_secretary):
    client.force_login(office)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert 'data-testid="document-docx"' in page and 'data-testid="document-issue"' in page
    doc = _docx(client.get(reverse("documents:docx", args=[PLAN, plan.pk])))
    section = doc.sections[0]
    mm = [round(v.mm) for v in (section.page_width, section.page_height)]
    assert mm == [210, 297]  # A4 (stored in twips: compared to the millimetre)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]
    assert section.different_first_page_header_footer
    assert section.first_page_header.paragraphs[0].text == ""  # no number on page 1
    assert 'instr="PAGE"' in section.header._element.xml.replace("w:instr", "instr")
    normal = doc.styles["Normal"].font
    assert normal.name == FONT and normal.size == Pt(14)

    left, right = doc.tables[0].rows[0].cells
    assert left.paragraphs[0].text == org_tree.cell_a1.parent.name.upper()
    issuing = left.paragraphs[1]
    assert issuing.text == org_tree.cell_a1.name.upper() and issuing.runs[0].bold
    assert [p.text for p in left.paragraphs[2:]] == ["*", "Số …-KH/CB"]  # a draft has no number
    title = right.paragraphs[0]
    assert title.text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert title.runs[0].bold and title.runs[0].font.size == Pt(15)
    assert "w:pBdr" in title._p.xml  # the rule under it
    date_line = right.paragraphs[-1]
    assert ", ngày 10 tháng 01 năm 2026" in date_line.text and date_line.runs[0].italic

    body = [p.text for p in doc.paragraphs]
    assert "KẾ HOẠCH" in body
    items = doc.tables[1]
    assert [c.text for c in items.rows[1].cells] == [
        "1",
        "Đổi mới sinh hoạt",
        org_tree.cell_a1.name,
        "30/06/2026",
    ]
    assert len(items.rows) == 2  # the loop rows are gone
    signature = _text(doc.tables[2].rows[0].cells[1])
    assert signature.startswith("T/M CHI BỘ\nBÍ THƯ")
    assert "Nơi nhận:" in _text(doc.tables[2].rows[0].cells[0])
    assert not OutgoingDocument.objects.exists()  # a draft takes no number


def test_issue_gives_the_next_number_and_the_download_is_the_issued_copy(
    client, office, plan, action, cell_secretary
):
    client.force_login(office)
    assert services.issued_copy(PLAN_KIND, plan) is None
    response = client.post(reverse("documents:issue", args=[PLAN, plan.pk]))
    assert response.status_code == 302
    issued = OutgoingDocument.objects.get()
    # the register's copy, read by a query compiled once (issue 17)
    assert services.issued_copy(PLAN_KIND, plan) == issued
    assert services._ISSUED_COPY.compiled(PLAN_KIND.source_of(plan))
    assert (issued.symbol, issued.number, issued.term) == ("1-KH/CB", 1, 2025)
    assert AuditEvent.objects.filter(
        object_type="documents.outgoingdocument", object_id=str(issued.pk)
    ).exists()
    doc = _docx(client.get(reverse("documents:docx", args=[PLAN, plan.pk])))
    assert doc.tables[0].rows[0].cells[0].paragraphs[3].text == "Số 1-KH/CB"
    # issuing twice is refused, the register unchanged
    client.post(reverse("documents:issue", args=[PLAN, plan.pk]))
    assert OutgoingDocument.objects.count() == 1
    page = client.get(reverse("documents:register", args=[plan.unit_id])).content.decode()
    assert "1-KH/CB" in page and "Kế hoạch khắc phục của" in page
    doc = _docx(client.get(reverse("documents:file", args=[issued.pk])))
    assert doc.tables[0].rows[0].cells[0].paragraphs[3].text == "Số 1-KH/CB"


def test_the_issue_form_and_its_signers_come_only_when_asked_for(
    client, office, outsider, plan, action, cell_secretary
):
    """The plan's page offers "Cấp số và phát hành…" without reading the signers; the button
    answers the form (htmx: in its place; otherwise a page of its own) with the signers, and
    once the plan is numbered the form is refused with the reason."""
    client.force_login(office)
    url = reverse("documents:issue", args=[PLAN, plan.pk])
    signers = PLAN_KIND.signers_of(plan, datetime.date.today())
    assert signers
    page = client.get(plan.get_absolute_url()).content.decode()
    assert 'data-testid="document-issue"' in page and f'href="{url}?next=' in page
    assert 'name="signer"' not in page and "document-issue-form" not in page
    fragment = client.get(f"{url}?next=/ke-hoach/", HTTP_HX_REQUEST="true")
    form = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in form
    assert 'data-testid="document-issue-form"' in form and 'name="signer"' in form
    assert all(f'value="{s.key}"' in form for s in signers)
    assert 'name="next" value="/ke-hoach/"' in form
    own_page = client.get(url).content.decode()
    assert "<html" in own_page and 'data-testid="document-issue-form"' in own_page
    assert not OutgoingDocument.objects.exists()  # asking for the form issues nothing
    client.post(url, {"signer": signers[0].key, "next": "/ke-hoach/"})
    assert OutgoingDocument.objects.count() == 1
    again = client.get(url, HTTP_HX_REQUEST="true")
    assert again.status_code == 403
    assert "đã được cấp số" in json.loads(again["HX-Trigger"])["messages"][0]["text"]
    assert "Văn bản này đã được cấp số" in again.content.decode()
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_outsider_gets_404(client, outsider, office, plan):
    client.force_login(outsider)
    assert client.get(reverse("documents:docx", args=[PLAN, plan.pk])).status_code == 404
    assert client.post(reverse("documents:issue", args=[PLAN, plan.pk])).status_code == 404
    assert client.get(reverse("documents:register", args=[plan.unit_id])).status_code == 404
    assert not OutgoingDocument.objects.exists()
    issued = _register(plan.unit, office, content=lambda symbol: b"x")
    assert client.get(reverse("documents:file", args=[issued.pk])).status_code == 404


def _register(unit, office, doc_type=DocumentType.KH, **kw):
    return services.document_register(
        unit=unit, doc_type=doc_type, by=office, title="Văn bản", **kw
    )


def test_sequences_per_unit_type_and_term(org_tree, office):
    a, b = org_tree.cell_a1, org_tree.province_a
    day = datetime.date(2026, 3, 1)
    assert [_register(a, office, issued_on=day).symbol for _ in range(2)] == ["1-KH/CB", "2-KH/CB"]
    assert _register(a, office, DocumentType.BC, issued_on=day).symbol == "1-BC/CB"
    assert _register(b, office, issued_on=day).symbol == "1-KH/TU"
    # a new term starts again from 1 (calendar default: 2030)
    assert _register(a, office, issued_on=datetime.date(2030, 1, 2)).symbol == "1-KH/CB"
    with override_settings(KIEMDIEM_DOCUMENTS_TERM_FIRST_YEAR=2026):
        assert numbering.term_of(datetime.date(2030, 12, 31)) == 2026


def test_manual_numbers_and_duplicates(org_tree, office):
    unit = org_tree.province_a
    assert _register(unit, office, manual_number="42a").symbol == "42a-KH/TU"
    assert _register(unit, office, manual_number="5").symbol == "5-KH/TU"
    assert _register(unit, office).symbol == "6-KH/TU"  # the sequence moved past 5
    for taken in ("42a", "6"):
        with pytest.raises(DomainError, match="đã được dùng trong sổ văn bản đi"):
            _register(unit, office, manual_number=taken)
    with pytest.raises(DomainError, match="Số văn bản phải là một số dương"):
        _register(unit, office, manual_number="4-2")
    assert OutgoingDocument.objects.count() == 3


def test_the_database_refuses_a_duplicate_number(org_tree, office):
    doc = _register(org_tree.province_a, office)
    doc.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        doc.save()


def test_office_enters_a_document_made_outside(client, office, outsider, org_tree, cell_secretary):
    unit = org_tree.province_a
    url = reverse("documents:register", args=[unit.pk])
    data = {
        "doc_type": "KH",
        "manual_number": "42a",
        "issued_on": "2026-01-05",
        "title": "Kế hoạch",
    }
    client.force_login(office)
    assert client.post(url, data).status_code == 302
    assert OutgoingDocument.objects.get().symbol == "42a-KH/TU"
    page = client.post(url, data).content.decode()
    assert "Số 42a-KH/TU đã được dùng trong sổ văn bản đi" in page
    assert OutgoingDocument.objects.count() == 1
    client.force_login(outsider)
    assert client.post(url, {**data, "manual_number": "43"}).status_code == 404
    with pytest.raises(DomainError, match="Chỉ văn phòng cấp ủy"):
        services.document_enter(
            unit=unit,
            by=cell_secretary,
            doc_type="KH",
            manual_number="44",
            issued_on=datetime.date(2026, 1, 5),
            title="x",
        )
    assert OutgoingDocument.objects.count() == 1


def test_the_office_keeps_the_signed_copy(client, office, outsider, org_tree, cell_secretary):
    from django.core.files.uploadedfile import SimpleUploadedFile

    doc = _register(org_tree.province_a, office, content=lambda symbol: b"x")
    url = reverse("documents:document", args=[doc.pk])
    client.force_login(office)
    page = client.get(url).content.decode()
    assert "Chưa lưu bản ký, đóng dấu." in page
    refused = client.post(url, {"file": SimpleUploadedFile("a.pdf", b"PK\x03\x04"), "version": 1})
    assert "không phải PDF" in refused.content.decode()
    pdf = b"%PDF-1.4\n%scan\n"
    response = client.post(url, {"file": SimpleUploadedFile("a.pdf", pdf), "version": doc.version})
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.signed_pdf and doc.version == 2
    assert AuditEvent.objects.filter(
        object_type="documents.outgoingdocument", object_id=str(doc.pk), action="update"
    ).exists()
    download = client.get(reverse("documents:signed-file", args=[doc.pk]))
    assert download["Content-Type"] == "application/pdf" and download.content == pdf
    stale = client.post(url, {"file": SimpleUploadedFile("b.pdf", pdf), "version": 1})
    assert "vừa được người khác cập nhật" in stale.content.decode()
    client.force_login(cell_secretary)  # sees the province's register? no: 404 or 403
    assert client.post(
        url, {"file": SimpleUploadedFile("c.pdf", pdf), "version": 2}
    ).status_code in (403, 404)
    client.force_login(outsider)
    assert client.get(reverse("documents:signed-file", args=[doc.pk])).status_code == 404
    doc.refresh_from_db()
    assert doc.version == 2
