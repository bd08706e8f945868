"""Checking and storing evidence files: type and size limits, content sniffing, SHA-256."""

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import File
from django.utils.translation import gettext as _

from kiemdiem.core.errors import DomainError

# extension -> (MIME type, accepted leading bytes)
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}


def max_bytes() -> int:
    return getattr(settings, "KIEMDIEM_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


def check_evidence(upload: File) -> CheckedFile:
    """Refuse a file too large, of a forbidden type, or whose content lies about its type."""
    name = PurePath(upload.name or "").name[:255]
    ext = PurePath(name).suffix.lower()
    if ext not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(e.lstrip(".") for e in ALLOWED_TYPES))
        raise DomainError(
            _("Tệp “%(n)s” có định dạng không được phép. Chỉ nhận: %(a)s.")
            % {"n": name, "a": allowed},
            field="files",
        )
    limit = max_bytes()
    size = upload.size
    if size > limit:
        raise DomainError(
            _("Tệp “%(n)s” nặng %(s).1f MB, vượt quá giới hạn %(l).0f MB.")
            % {"n": name, "s": size / 1048576, "l": limit / 1048576},
            field="files",
        )
    if size == 0:
        raise DomainError(_("Tệp “%(n)s” rỗng.") % {"n": name}, field="files")
    mime, magics = ALLOWED_TYPES[ext]
    upload.seek(0)
    head = upload.read(16)
    if not any(head.startswith(m) for m in magics):
        raise DomainError(
            _("Nội dung tệp “%(n)s” không đúng định dạng %(e)s.")
            % {"n": name, "e": ext.lstrip(".")},
            field="files",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in (
        upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
    ):
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(name=name, content_type=mime, size=size, sha256=digest.hexdigest())
