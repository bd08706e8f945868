"""Filling a DOCX template with a document's data (docxtpl: Jinja inside the DOCX), and checking
an uploaded template before it is used."""

import datetime
import io
import re
import zipfile
from typing import Any

import jinja2
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from kiemdiem.core.errors import DomainError
from kiemdiem.documents import numbering
from kiemdiem.documents.kinds import Kind, Signer
from kiemdiem.org.models import Unit, UnitKind

# A draft carries dots where the register's number goes (rules §8: "Số 12-KH/ĐU").
DRAFT_NUMBER = "…"

# The header parts every template may use (besides the kind's own data).
HEADER_SAMPLE: dict[str, Any] = {
    "superior_body": "Đảng bộ tỉnh …",
    "issuing_body": "Huyện ủy …",
    "number_symbol": "12-KH/HU",
    "place": "…",
    "day": "01",
    "month": "01",
    "year": 2026,
    "doc_type_name": "Kế hoạch",
    "summary": "…",
    "authority": "T/M BAN THƯỜNG VỤ",
    "signer_title": "BÍ THƯ",
    "signer_name": "…",
    "recipients": ["…"],
    "form_code": "",
    "addressee": "…",
    "minutes_secretary": "…",
}


class _CompiledOnce(SandboxedEnvironment):
    """Compiles each template source once per process. docxtpl compiles the document's XML on
    every render; a bundle renders the same template thousands of times (a third of each
    render's time went to compiling).

    Sandboxed: a template is a file an office uploads, and its Jinja must not reach Python's
    internals (`{{ ''.__class__.__mro__ }}` and the like are refused)."""

    LIMIT = 256

    def __init__(self) -> None:
        super().__init__(autoescape=True)
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(self, source, globals=None, template_class=None):  # type: ignore[no-untyped-def]
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        found = self._compiled.get(source)
        if found is None:
            if len(self._compiled) >= self.LIMIT:
                self._compiled.clear()
            found = self._compiled[source] = super().from_string(source)
        return found


_ENV = _CompiledOnce()


def render_docx(context: dict[str, Any], template: bytes) -> bytes:
    doc = DocxTemplate(io.BytesIO(template))
    doc.render(context, jinja_env=_ENV, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _parent_and_province(unit: Unit) -> tuple[Unit | None, Unit | None]:
    """The unit's parent and the province it belongs to (itself for a province), in one read
    of its ancestors (walking .parent cost a query a level; a bundle does this per document)."""
    if unit.kind == UnitKind.PROVINCE:
        return None, unit  # a province's header names no body above it
    ancestors = list(Unit.objects.filter(path__in=unit.ancestor_paths()[:-1]))
    parent = next((a for a in ancestors if a.pk == unit.parent_id), None)
    if parent is None and unit.parent_id is not None:
        parent = unit.parent
    provinces = [a for a in ancestors if a.kind == UnitKind.PROVINCE]
    return parent, max(provinces, key=lambda a: a.path) if provinces else None


def _place(province: Unit | None) -> str:
    """The place of the date line: the province the unit belongs to, without its prefix."""
    if province is None:
        return "……"
    name = province.name
    for prefix in ("Đảng bộ tỉnh ", "Đảng bộ thành phố ", "Tỉnh ", "Thành phố "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def header_context(unit: Unit, *, number_symbol: str, day: datetime.date) -> dict[str, Any]:
    # A province's committee heads its documents with its own name only (no body above it).
    above, province = _parent_and_province(unit)
    return {
        "superior_body": above.name if above else "",
        "issuing_body": numbering.committee_name(unit),
        "number_symbol": number_symbol,
        "place": _place(province),
        "day": f"{day.day:02d}",
        "month": f"{day.month:02d}",
        "year": day.year,
        "form_code": "",
        "addressee": "",
        "minutes_secretary": "",
        "recipients": [],
    }


def draft_symbol(kind: Kind, unit: Unit) -> str:
    return numbering.symbol(DRAFT_NUMBER, "", kind.doc_type or "", unit)


def document_context(
    kind: Kind,
    obj: Any,
    *,
    day: datetime.date,
    number_symbol: str | None = None,
    signer: Signer | None = None,
) -> dict[str, Any]:
    """Everything the template reads: the header parts, the kind's data and the signer (the
    first who may sign when none is chosen, e.g. for a draft)."""
    unit = kind.unit_of(obj)
    if number_symbol is None:
        number_symbol = draft_symbol(kind, unit)
    context = header_context(unit, number_symbol=number_symbol, day=day)
    context["form_code"] = kind.form_code
    context.update(kind.context(obj, day))
    if signer is None:
        signers = kind.signers_of(obj, day)
        signer = signers[0] if signers else Signer("", "", "")
    context["signer_title"] = signer.title
    context["signer_name"] = signer.name
    return context


# ----- checking an uploaded template -------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")


def _paragraph_at(xml: str, lineno: int | None) -> str:
    """ "dòng 12 (“Số {{ number_symbol }”)": the template's paragraph holding the error (the XML
    is split one paragraph a line before parsing, so Jinja's line is the paragraph's number)."""
    lines = xml.splitlines()
    if not lineno or not 0 < lineno <= len(lines):
        return ""
    text = _TAG.sub("", lines[lineno - 1]).strip()
    return f" ở dòng {lineno} (“{text[:120]}”)" if text else f" ở dòng {lineno}"


def _check_brackets(doc: DocxTemplate) -> None:
    """Each paragraph opens and closes its own placeholders and tags: a bracket left open would
    make docxtpl swallow the document up to the next closing one, without any error."""
    for number, p in enumerate(doc.docx.element.body.iter(qn("w:p")), start=1):
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        if text.count("{{") != text.count("}}") or text.count("{%") != text.count("%}"):
            raise DomainError(
                f"Mẫu không dùng được ở dòng {number} (“{text[:120]}”): dấu ngoặc của ô dữ liệu "
                "không khớp — mỗi ô viết {{ tên }}, mỗi thẻ viết {% … %}, trong cùng một đoạn.",
                field="file",
            )


def _reason(exc: Exception) -> str:
    message = str(exc)
    if isinstance(exc, SecurityError):
        return f"mẫu dùng thao tác không được phép trong văn bản ({message})"
    unknown = re.match(r"'([^']+)' is undefined", message)
    if unknown:
        return f"không có dữ liệu tên “{unknown.group(1)}” cho loại văn bản này"
    filt = re.match(r"No filter named '([^']+)'", message)
    if filt:
        return f"không có bộ lọc “{filt.group(1)}”"
    if "unexpected end of template" in message or "Unexpected end of template" in message:
        return "thiếu thẻ đóng (ví dụ {%tr endfor %} hoặc {%p endif %})"
    if "unexpected '}'" in message or "expected token" in message:
        return "dấu ngoặc của ô dữ liệu không khớp ({{ … }} hoặc {% … %})"
    return f"lỗi cú pháp mẫu ({message})"


def check_template(kind: Kind, content: bytes) -> None:
    """Refuse (DomainError, in Vietnamese, with the place) a template that is not a DOCX file or
    that does not render with every placeholder of the kind's data."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise zipfile.BadZipFile
    except zipfile.BadZipFile:
        raise DomainError(
            "Tệp tải lên không phải văn bản Word (.docx); lưu mẫu bằng Word hoặc LibreOffice "
            "dưới dạng .docx rồi tải lên lại.",
            field="file",
        ) from None
    doc = DocxTemplate(io.BytesIO(content))
    doc.init_docx()
    _check_brackets(doc)
    env = SandboxedEnvironment(undefined=jinja2.StrictUndefined)
    xml = doc.patch_xml(doc.get_xml()).replace("</w:p>", "</w:p>\n")
    try:
        env.parse(xml)
    except jinja2.TemplateSyntaxError as exc:
        raise DomainError(
            f"Mẫu không dùng được{_paragraph_at(xml, exc.lineno)}: {_reason(exc)}.",
            field="file",
        ) from None
    try:
        doc.render({**HEADER_SAMPLE, **kind.sample}, jinja_env=env)
    except jinja2.TemplateError as exc:
        raise DomainError(f"Mẫu không dùng được: {_reason(exc)}.", field="file") from None
