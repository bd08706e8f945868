"""Checking and storing evidence files: type and size limits, content sniffing, SHA-256."""

import hashlib
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db.models import Model
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor

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


def check_progress(*, status: str, percent: int, narrative: str, done: str) -> None:
    """The rules of a progress report (plan items and directive tasks alike): 0–100%, "done"
    exactly at 100%, and what was done said."""
    if not 0 <= percent <= 100:
        raise DomainError(_("Mức độ hoàn thành phải từ 0 đến 100%."), field="percent")
    if status == done and percent != 100:
        raise DomainError(_("Báo cáo hoàn thành thì mức độ phải là 100%."), field="percent")
    if status != done and percent == 100:
        raise DomainError(_("Đã đạt 100% thì hãy chọn “hoàn thành”."), field="percent")
    if not narrative:
        raise DomainError(_("Phải nêu kết quả thực hiện."), field="narrative")


def store_evidence(
    model: type[Model],
    *,
    update: Model,
    checked: list[tuple[File, CheckedFile]],
    by: Actor,
    unit_path: str,
    person_id: int | None = None,
) -> None:
    """Save the checked files of a progress report, each audited. Files are stored under their
    SHA-256: the same file sent again (another report, another item or task) points at the
    stored copy instead of being written a second time."""
    for upload, info in checked:
        evidence: Any = model(
            update=update,
            original_name=info.name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
        )
        path = evidence.file.field.upload_to(evidence, info.name)
        if evidence.file.storage.exists(path):
            evidence.file.name = path
        else:
            evidence.file.save(info.name, upload, save=False)
        evidence.save()
        audit_record(
            obj=evidence,
            action=AuditAction.CREATE,
            by=by,
            changes={"file": [None, f"{info.name} ({info.size} B, sha256 {info.sha256[:12]}…)"]},
            unit_path=unit_path,
            person_id=person_id,
        )
