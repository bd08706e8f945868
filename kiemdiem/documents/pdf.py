"""PDF copies of the DOCX documents, for printing and archiving, and a look at their first page.

DOCX → PDF goes through LibreOffice headless (Debian package libreoffice-writer-nogui; binary
`soffice` on the PATH or the KIEMDIEM_SOFFICE setting). Each conversion runs with its own
throw-away LibreOffice profile, so concurrent conversions never share (and lock) one, and is
stopped after KIEMDIEM_PDF_TIMEOUT seconds. Reading a PDF back (first page as PNG, its text, its
page size) uses poppler-utils (pdftoppm, pdftotext, pdfinfo). PDF is optional: when LibreOffice is
missing or fails, a DomainError tells the user to take the DOCX, which always works.
"""

import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

from kiemdiem.core.errors import DomainError

log = logging.getLogger(__name__)

NO_LIBREOFFICE = "Máy chủ chưa cài LibreOffice nên chưa tạo được PDF; tải bản DOCX."
CONVERSION_FAILED = (
    "LibreOffice không chuyển được văn bản này sang PDF; tải bản DOCX "
    "(nếu lỗi lặp lại, báo quản trị hệ thống)."
)
CONVERSION_TIMEOUT = (
    "LibreOffice chạy quá {seconds} giây mà chưa tạo xong PDF; "
    "thử lại sau ít phút hoặc tải bản DOCX."
)
NO_POPPLER = "Máy chủ chưa cài poppler-utils ({tool}) nên chưa đọc được bản PDF."
READ_FAILED = "Không đọc được bản PDF ({tool} báo lỗi); báo quản trị hệ thống."
READ_TIMEOUT = "{tool} chạy quá {seconds} giây mà chưa đọc xong bản PDF; báo quản trị hệ thống."

MM_PER_POINT = 25.4 / 72


def soffice() -> str | None:
    """The LibreOffice binary: the KIEMDIEM_SOFFICE setting when set, else soffice on the PATH."""
    configured: str = settings.KIEMDIEM_SOFFICE
    if configured:
        return shutil.which(configured)
    return shutil.which("soffice") or shutil.which("libreoffice")


def _timeout() -> int:
    return int(settings.KIEMDIEM_PDF_TIMEOUT)


def _run(args: list[str], *, cwd: Path, timeout_message: str) -> subprocess.CompletedProcess[bytes]:
    """Run a converter in its own process group, so a timeout also ends the children it started
    (soffice is a launcher script: the real soffice.bin is its child)."""
    seconds = _timeout()
    with subprocess.Popen(
        args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "HOME": str(cwd)},
    ) as process:
        try:
            out, err = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            log.warning("%s: stopped after %s s", args[0], seconds)
            raise DomainError(timeout_message.format(seconds=seconds)) from None
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def docx_to_pdf(docx: bytes) -> bytes:
    """The DOCX as PDF (LibreOffice headless), or a DomainError saying to take the DOCX."""
    binary = soffice()
    if binary is None:
        raise DomainError(NO_LIBREOFFICE)
    with tempfile.TemporaryDirectory(prefix="kiemdiem-pdf-") as tmp:
        work = Path(tmp)
        source = work / "van-ban.docx"
        source.write_bytes(docx)
        args = [
            binary,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(work / "out"),
            str(source),
        ]
        try:
            result = _run(args, cwd=work, timeout_message=CONVERSION_TIMEOUT)
        except OSError as exc:  # not executable, vanished since which()
            log.warning("soffice could not start: %s", exc)
            raise DomainError(NO_LIBREOFFICE) from exc
        target = work / "out" / "van-ban.pdf"
        # LibreOffice exits 0 even when it could not load the file: the PDF's absence tells.
        if result.returncode != 0 or not target.is_file():
            log.warning(
                "soffice failed (exit %s): %s",
                result.returncode,
                (result.stderr or result.stdout).decode(errors="replace")[-500:],
            )
            raise DomainError(CONVERSION_FAILED)
        return target.read_bytes()


def _read_pdf(tool: str, pdf: bytes, args: list[str], output: str | None = None) -> bytes:
    """Run a poppler tool on the PDF (saved as in.pdf in a work directory; `args` name it): its
    stdout, or the file `output` it wrote there."""
    binary = shutil.which(tool)
    if binary is None:
        raise DomainError(NO_POPPLER.format(tool=tool))
    with tempfile.TemporaryDirectory(prefix="kiemdiem-pdf-") as tmp:
        work = Path(tmp)
        (work / "in.pdf").write_bytes(pdf)
        timeout = READ_TIMEOUT.replace("{tool}", tool)
        result = _run([binary, *args], cwd=work, timeout_message=timeout)
        produced = work / output if output else None
        if result.returncode != 0 or (produced is not None and not produced.is_file()):
            log.warning("%s failed: %s", tool, result.stderr.decode(errors="replace")[-500:])
            raise DomainError(READ_FAILED.format(tool=tool))
        return produced.read_bytes() if produced is not None else result.stdout


def first_page_png(pdf: bytes, dpi: int = 100) -> bytes:
    """The first page as a PNG picture (pdftoppm) at `dpi` dots per inch."""
    args = ["-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", "in.pdf", "page"]
    return _read_pdf("pdftoppm", pdf, args, output="page.png")


def pdf_text(pdf: bytes, first_page_only: bool = True) -> str:
    """The PDF's text in reading order (pdftotext), of its first page by default."""
    pages = ["-f", "1", "-l", "1"] if first_page_only else []
    return _read_pdf("pdftotext", pdf, ["-enc", "UTF-8", *pages, "in.pdf", "-"]).decode("utf-8")


def page_size_mm(pdf: bytes) -> tuple[float, float]:
    """The first page's width and height in millimetres (pdfinfo)."""
    info = _read_pdf("pdfinfo", pdf, ["in.pdf"]).decode("utf-8", errors="replace")
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    if found is None:
        raise DomainError(READ_FAILED.format(tool="pdfinfo"))
    return float(found[1]) * MM_PER_POINT, float(found[2]) * MM_PER_POINT
