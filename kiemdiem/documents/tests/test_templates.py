"""Templates an office edits and uploads for its subtree, the default template of every kind,
and the signer's authority when a document is issued."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent
from kiemdiem.documents import render, selectors, services
from kiemdiem.documents.kinds import KINDS
from kiemdiem.documents.kinds.plan import PLAN
from kiemdiem.documents.models import DocumentTemplate, OutgoingDocument
from kiemdiem.documents.selectors import default_template
from kiemdiem.documents.template_default import HEADER_MM


def _edited(replace: str, by: str) -> bytes:
    """The default plan template with one placeholder's text changed, as Word would save it."""
    doc = Document(io.BytesIO(default_template(PLAN.code)))
    for p in doc.paragraphs:
        for run in p.runs:
            if replace in run.text:
                run.text = run.text.replace(replace, by)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _texts(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs]


@pytest.mark.parametrize("code", sorted(KINDS))
def test_every_default_template_renders_its_sample_strictly(code):
    """Every placeholder of a kind's default template has its data (a misspelt name fails)."""
    kind = KINDS[code]
    render.check_template(kind, default_template(code))
    doc = Document(io.BytesIO(default_template(code)))
    header = doc.tables[0]
    grid = [round(c.width.mm) for c in header.columns]
    assert grid == list(HEADER_MM)  # fixed widths: LibreOffice reads the grid
    section = doc.sections[0]
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]
    assert doc.styles["Normal"].font.name == "Times New Roman"
    title = header.rows[0].cells[1].paragraphs[0]
    assert title.text == "ĐẢNG CỘNG SẢN VIỆT NAM" and title.runs[0].font.size.pt == 15


def test_the_plan_table_repeats_its_header_row_and_has_set_widths():
    doc = Document(io.BytesIO(default_template(PLAN.code)))
    items = doc.tables[1]
    assert "w:tblHeader" in items.rows[0]._tr.xml
    assert [round(c.width.mm) for c in items.columns] == [12, 78, 48, 27]


def test_an_uploaded_template_is_used_by_the_subtree_until_withdrawn(
    client, office, org_tree, plan, action, cell_secretary
):
    client.force_login(office)
    url = reverse("documents:templates", args=[org_tree.province_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Mẫu mặc định (HD 36)" in page.content.decode()
    edited = _edited("{{ intro }}", "Căn cứ kết luận: {{ intro }}")
    upload = SimpleUploadedFile("mau-tinh.docx", edited)
    response = client.post(url, {"kind": PLAN.code, "file": upload, "note": "Bản 2026"})
    assert response.status_code == 302
    template = DocumentTemplate.objects.get()
    assert AuditEvent.objects.filter(
        object_type="documents.documenttemplate", object_id=str(template.pk)
    ).exists()
    # The cell's plan (two levels below the province) is drafted from the province's template.
    draft = client.get(reverse("documents:docx", args=[PLAN.code, plan.pk])).content
    assert any(t.startswith("Căn cứ kết luận: Thực hiện kết luận") for t in _texts(draft))
    assert (
        "Mẫu riêng “mau-tinh.docx”"
        in client.get(reverse("documents:templates", args=[org_tree.cell_a1.pk])).content.decode()
    )
    # Withdrawn: the default again; the row and its file stay.
    client.post(
        reverse("documents:template-withdraw", args=[template.pk]), {"version": template.version}
    )
    template.refresh_from_db()
    assert template.withdrawn_at is not None
    assert selectors.template_for(PLAN, plan.unit) == default_template(PLAN.code)
    stale = client.post(
        reverse("documents:template-withdraw", args=[template.pk]), {"version": 1}, follow=True
    )
    assert "vừa được người khác thay đổi hoặc đã thôi dùng" in stale.content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a docx", "không phải văn bản Word (.docx)"),
        (_edited("{{ intro }}", "{{ intro }"), "ở dòng"),
        (_edited("{{ intro }}", "{{ gioi_thieu }}"), "không có dữ liệu tên “gioi_thieu”"),
        (_edited("{{ intro }}", "{{ intro|hoa }}"), "không có bộ lọc “hoa”"),
        # the template's Jinja runs sandboxed: no way into Python's internals
        (_edited("{{ intro }}", "{{ intro.__class__.__mro__ }}"), "thao tác không được phép"),
    ],
)
def test_a_broken_template_is_refused_with_the_place_and_reason(
    client, office, org_tree, content, message
):
    client.force_login(office)
    url = reverse("documents:templates", args=[org_tree.province_a.pk])
    upload = SimpleUploadedFile("hong.docx", content)
    page = client.post(url, {"kind": PLAN.code, "file": upload}).content.decode()
    assert message in page
    assert not DocumentTemplate.objects.exists()


def test_the_broken_line_is_named(office, org_tree):
    with pytest.raises(DomainError) as refused:
        services.template_upload(
            unit=org_tree.province_a,
            kind=PLAN,
            content=_edited("{{ intro }}", "{{ intro }"),
            name="x.docx",
            by=office,
        )
    assert "“{{ intro }”" in refused.value.message


def test_only_the_office_replaces_templates(client, cell_secretary, outsider, org_tree):
    upload = SimpleUploadedFile("m.docx", default_template(PLAN.code))
    client.force_login(cell_secretary)
    url = reverse("documents:templates", args=[org_tree.cell_a1.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": PLAN.code, "file": upload}).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert not DocumentTemplate.objects.exists()


def test_the_signer_must_hold_the_authority(client, office, plan, action, cell_secretary, member):
    url = reverse("documents:issue", args=[PLAN.code, plan.pk])
    client.force_login(office)
    # No secretary yet besides cell_secretary: a member's key is refused.
    member_person = member.person
    page = client.post(url, {"signer": f"person:{member_person.pk}"}, follow=True)
    assert "không giữ chức vụ có thẩm quyền ký văn bản này" in page.content.decode()
    assert not OutgoingDocument.objects.exists()
    signer = PLAN.signers_of(plan, plan.created_at.date())[0]
    client.post(url, {"signer": signer.key})
    issued = OutgoingDocument.objects.get()
    assert issued.signer == f"{cell_secretary.person.full_name} (Bí thư)"


def test_no_leader_no_number(office, plan):
    with pytest.raises(DomainError, match="Chưa có ai đương nhiệm có thẩm quyền ký"):
        services.document_issue(kind=PLAN, obj=plan, by=office)
    assert not OutgoingDocument.objects.exists()
