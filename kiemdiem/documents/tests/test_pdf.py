"""Documents as PDF (LibreOffice headless) and their first page read back (poppler-utils)."""

import datetime
import io
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from kiemdiem.core.errors import DomainError
from kiemdiem.documents import pdf, render
from kiemdiem.documents.kinds import KINDS
from kiemdiem.documents.kinds.plan import PLAN as PLAN_KIND
from kiemdiem.documents.management.commands.document_pictures import draft_docx
from kiemdiem.documents.render import HEADER_SAMPLE
from kiemdiem.documents.selectors import default_template

needs_soffice = pytest.mark.skipif(
    pdf.soffice() is None,
    reason="LibreOffice (soffice, Debian package libreoffice-writer-nogui) is not installed",
)
DPI = 60


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG's signature and IHDR chunk (no imaging library needed)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _assert_a4_page(png: bytes) -> None:
    """A whole PNG of an A4 page at DPI (pdftoppm rounds each side up or down by a pixel)."""
    width, height = _png_size(png)
    assert abs(width - 210 / 25.4 * DPI) <= 1 and abs(height - 297 / 25.4 * DPI) <= 1
    assert b"IDAT" in png and png.endswith(b"IEND\xaeB`\x82")  # image data, complete file


def _words(text: str) -> str:
    """The text with its line breaks and runs of spaces as single spaces (NFC, as typed)."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@needs_soffice
def test_plan_pdf_is_a4_and_its_first_page_shows_the_header(plan, action, org_tree):
    docx = draft_docx(PLAN_KIND, plan, datetime.date(2026, 1, 10))  # as the download makes it
    # two at once, as two offices would: each conversion has its own LibreOffice profile
    with ThreadPoolExecutor(max_workers=2) as pool:
        document, again = pool.map(pdf.docx_to_pdf, [docx, docx])
    assert document.startswith(b"%PDF-") and again.startswith(b"%PDF-")
    assert pdf.pdf_text(again) == pdf.pdf_text(document)
    width, height = pdf.page_size_mm(document)
    assert (round(width), round(height)) == (210, 297)

    text = _words(pdf.pdf_text(document))
    for part in (
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        org_tree.grassroots_a1.name.upper(),  # the superior body
        org_tree.cell_a1.name.upper(),  # the issuing body
        "Số …-KH/CB",
        "KẾ HOẠCH",
        "ngày 10 tháng 01 năm 2026",
        "Đổi mới sinh hoạt",
    ):
        assert part in text, part

    _assert_a4_page(pdf.first_page_png(document, dpi=DPI))


@override_settings(KIEMDIEM_SOFFICE="/khong/co/soffice")
def test_missing_libreoffice_is_a_vietnamese_error():
    with pytest.raises(DomainError) as refused:
        pdf.docx_to_pdf(b"PK")
    assert refused.value.message == (
        "Máy chủ chưa cài LibreOffice nên chưa tạo được PDF; tải bản DOCX."
    )


@needs_soffice
def test_a_file_libreoffice_cannot_read_is_refused():
    with pytest.raises(DomainError) as refused:
        pdf.docx_to_pdf(b"PK\x03\x04 not really a docx")
    assert refused.value.message.startswith("LibreOffice không chuyển được văn bản này sang PDF")


def test_a_conversion_that_hangs_is_stopped_after_the_timeout(tmp_path):
    """A stand-in soffice that starts a child and never ends: both are stopped in time."""
    fake = tmp_path / "soffice"
    marker = tmp_path / "child.pid"
    fake.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {marker}\nwait\n")
    fake.chmod(0o755)
    with override_settings(KIEMDIEM_SOFFICE=str(fake), KIEMDIEM_PDF_TIMEOUT=1):
        started = time.monotonic()
        with pytest.raises(DomainError) as refused:
            pdf.docx_to_pdf(b"PK")
    assert time.monotonic() - started < 10
    assert "quá 1 giây" in refused.value.message and "tải bản DOCX" in refused.value.message
    assert not _running(int(marker.read_text()))  # the launcher's child went with it


def _running(pid: int) -> bool:
    """Whether the process still runs (a killed one may stay a zombie until init reaps it)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_document_pictures_needs_plans_and_names_its_kinds(db, tmp_path):
    with pytest.raises(CommandError, match="Chưa có dữ liệu cho: .*Kế hoạch khắc phục"):
        call_command("document_pictures", out=str(tmp_path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="các loại: .*ke-hoach-khac-phuc"):
        call_command("document_pictures", out=str(tmp_path), kind="bien-ban")
    assert not list(tmp_path.iterdir())


@needs_soffice
def test_document_pictures_draws_the_plans_first_page(plan, action, tmp_path):
    call_command(
        "document_pictures", out=str(tmp_path), dpi=DPI, kind=PLAN_KIND.code, stdout=io.StringIO()
    )
    (picture,) = tmp_path.iterdir()
    assert picture.name == "ke-hoach-khac-phuc.png"
    _assert_a4_page(picture.read_bytes())


@needs_soffice
def test_the_plan_page_gives_the_pdf_and_the_api_too(client, api, office, plan, action):
    from django.urls import reverse

    client.force_login(office)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert 'data-testid="document-pdf"' in page
    response = client.get(reverse("documents:pdf", args=[PLAN_KIND.code, plan.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "KẾ HOẠCH" in pdf.pdf_text(response.content)
    by_api = api(office).get(f"/api/v1/documents/{PLAN_KIND.code}/{plan.pk}/pdf/")
    assert by_api.status_code == 200 and by_api.content.startswith(b"%PDF-")


def test_without_libreoffice_the_page_says_so(client, office, plan, action, settings):
    from django.urls import reverse

    settings.KIEMDIEM_SOFFICE = "/khong/co/soffice"
    client.force_login(office)
    page = client.get(reverse("documents:pdf", args=[PLAN_KIND.code, plan.pk]), follow=True)
    assert "chưa cài LibreOffice" in page.content.decode()


@needs_soffice
@pytest.mark.parametrize("code", sorted(KINDS))
def test_every_kind_prints_its_header_through_libreoffice(code):
    """Each kind's default template, filled with its sample data, through LibreOffice: an A4
    page whose first page shows the HD 36 header, on a whole PNG."""
    kind = KINDS[code]
    context = {**HEADER_SAMPLE, "form_code": kind.form_code, **kind.sample}
    printed = pdf.docx_to_pdf(render.render_docx(context, default_template(code)))
    text = _words(pdf.pdf_text(printed))
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert HEADER_SAMPLE["issuing_body"].upper() in text
    assert (f"Số {HEADER_SAMPLE['number_symbol']}" in text) == kind.numbered
    _assert_a4_page(pdf.first_page_png(printed, dpi=DPI))
