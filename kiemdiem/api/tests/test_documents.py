"""The documents through the API: the register (enter, files, the signed scan) and any kind's
document (draft, issue with a signer who holds the authority), with the pages' scoping."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from kiemdiem.documents.models import OutgoingDocument
from kiemdiem.remediation.tests.conftest import action, plan  # noqa: F401 (fixtures)

KIND = "ke-hoach-khac-phuc"


def test_register_entry_files_and_signed_scan(api, office, outsider, org_tree):
    client = api(office)
    body = {
        "unit": org_tree.province_a.pk,
        "doc_type": "KH",
        "manual_number": "42a",
        "issued_on": "2026-01-05",
        "title": "Kế hoạch làm ngoài hệ thống",
    }
    created = client.post("/api/v1/outgoing-documents/", body, format="json")
    assert created.status_code == 201 and created.json()["symbol"] == "42a-KH/TU"
    again = client.post("/api/v1/outgoing-documents/", body, format="json")
    assert again.status_code == 400 and "đã được dùng" in again.json()["message"]
    doc_id = created.json()["id"]
    listed = client.get("/api/v1/outgoing-documents/", {"doc_type": "KH"}).json()
    assert [r["id"] for r in listed["results"]] == [doc_id]
    assert client.get(f"/api/v1/outgoing-documents/{doc_id}/file/").status_code == 404
    url = f"/api/v1/outgoing-documents/{doc_id}/signed-pdf/"
    bad = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"nope"), "version": 1})
    assert bad.status_code == 400 and "không phải PDF" in bad.json()["message"]
    pdf = b"%PDF-1.4\n%scan\n"
    ok = client.post(url, {"file": SimpleUploadedFile("x.pdf", pdf), "version": 1})
    assert ok.status_code == 200 and ok.json()["has_signed_pdf"] and ok.json()["version"] == 2
    assert client.get(url).content == pdf
    stale = client.post(url, {"file": SimpleUploadedFile("x.pdf", pdf), "version": 1})
    assert stale.status_code in (400, 409)
    other = api(outsider)
    assert other.get(url).status_code == 404
    assert other.post("/api/v1/outgoing-documents/", body, format="json").status_code == 400


def test_a_kind_drafts_and_issues_with_a_signer(api, office, outsider, plan, action):  # noqa: F811
    client = api(office)
    kinds = client.get("/api/v1/document-kinds/").json()
    assert KIND in [k["code"] for k in kinds]
    draft = client.get(f"/api/v1/documents/{KIND}/{plan.pk}/docx/")
    assert draft.status_code == 200
    header = Document(io.BytesIO(draft.content)).tables[0].rows[0].cells[0]
    assert header.paragraphs[-1].text == "Số …-KH/CB"
    signers = client.get(f"/api/v1/documents/{KIND}/{plan.pk}/signers/").json()
    assert [s["title"] for s in signers] == ["BÍ THƯ"]  # the cell secretary (the action fixture)
    refused = client.post(
        f"/api/v1/documents/{KIND}/{plan.pk}/issue/", {"signer": "position:0"}, format="json"
    )
    assert refused.status_code == 400 and "không giữ chức vụ" in refused.json()["message"]
    issued = client.post(
        f"/api/v1/documents/{KIND}/{plan.pk}/issue/",
        {"signer": signers[0]["key"]},
        format="json",
    )
    assert issued.status_code == 201 and issued.json()["symbol"] == "1-KH/CB"
    copy = client.get(f"/api/v1/documents/{KIND}/{plan.pk}/docx/")
    header = Document(io.BytesIO(copy.content)).tables[0].rows[0].cells[0]
    assert header.paragraphs[-1].text == "Số 1-KH/CB"
    twice = client.post(f"/api/v1/documents/{KIND}/{plan.pk}/issue/", {}, format="json")
    assert twice.status_code == 400 and OutgoingDocument.objects.count() == 1
    other = api(outsider)
    for path in ("docx", "signers"):
        assert other.get(f"/api/v1/documents/{KIND}/{plan.pk}/{path}/").status_code == 404
    assert other.post(f"/api/v1/documents/{KIND}/{plan.pk}/issue/", {}).status_code == 404
    assert client.get(f"/api/v1/documents/nothing/{plan.pk}/docx/").status_code == 404
