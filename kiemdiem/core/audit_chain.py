"""Tamper evidence for the audit trail: a hash chain, sealed by the task worker.

Every minute the task `core.tasks.audit_seal` takes the audit rows not sealed yet, in id order,
and appends one `AuditSeal` per row: hash = SHA-256(previous seal's hash, the row's canonical
form). There is one chain for the whole trail (the partition is the trail), in the order rows
were sealed. Why sealed afterwards rather than hashed by each writer: a chain computed at insert
needs every writing transaction to hold a lock on the chain's end until it commits, so a cycle
opening (one transaction of tens of thousands of rows, ~30 s) would stop every other user's write
for that long; and a writer that rolls back would leave a link pointing at a row that never
existed. The sealer reads only committed rows, so every insert path (audit_record, the bulk
writers of cycle opening and imports, anything else) feeds the chain, and a row committed late by
a long transaction is sealed on the next pass (late rows are looked for over LATE_WINDOW).

`verify()` walks the chain and reports the first broken link: a row changed after it was sealed
(or its seal changed), a sealed row deleted, or a row older than LATE_WINDOW with no seal (added
outside the application). The daily `audit_verify` task writes its verdict to the audit trail
itself (so the verdict is chained too), logs it, and administrators see it on "Tiến trình nền".
Rewriting a row *and* every seal after it is still possible for someone who owns the database;
the verdicts recorded every day (and in the worker's log) are the anchors that would show it.
"""

import datetime
import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.models import AuditEvent, AuditSeal

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
FIELDS = (
    "id",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "unit_path",
    "unit_ref",
    "person_id_ref",
    "changes",
    "reason",
    "effective_on",
)
# Rows are looked for this far back when sealing (a long transaction commits late) and rows
# older than this without a seal are reported by verify().
LATE_WINDOW = datetime.timedelta(hours=6)
# Any constant: the PostgreSQL advisory lock that lets one sealer work at a time.
SEAL_LOCK = 0x6B64_6175


def canonical(row: dict) -> bytes:
    """The row's values in a fixed order and format, the same on SQLite and PostgreSQL."""
    values = []
    for name in FIELDS:
        value = row[name]
        if name == "at":
            value = value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif name == "effective_on":
            value = value.isoformat() if value is not None else None
        elif name == "changes":
            value = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        values.append(value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def link(previous: str, row: dict) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + canonical(row)).hexdigest()


def _unsealed():
    return AuditEvent.objects.filter(~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk"))))


def seal_pending(*, batch: int = 5000) -> int:
    """Seal every committed audit row that has no seal yet; returns how many were sealed."""
    total = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])
            last = AuditSeal.objects.order_by("-seq").values_list("hash", flat=True).first()
            high = AuditSeal.objects.aggregate(m=Max("event_id"))["m"] or 0
            late = timezone.now() - LATE_WINDOW
            rows = list(
                _unsealed()
                .filter(Q(id__gt=high) | Q(at__gte=late))
                .order_by("id")
                .values(*FIELDS)[:batch]
            )
            previous = last or GENESIS
            seals = []
            for row in rows:
                previous = link(previous, row)
                seals.append(AuditSeal(event_id=row["id"], hash=previous))
            AuditSeal.objects.bulk_create(seals)
        total += len(rows)
        if len(rows) < batch:
            return total


@dataclass
class Verdict:
    ok: bool
    sealed: int
    last_seq: int
    last_hash: str
    pending: int
    problem: str = ""

    def line(self) -> str:
        if not self.ok:
            return _("Nhật ký KHÔNG còn nguyên vẹn: %(p)s") % {"p": self.problem}
        return _(
            "Nhật ký nguyên vẹn: %(n)s bản ghi đã niêm phong, chuỗi đến dấu số %(seq)s "
            "(mã băm %(h)s); %(pending)s bản ghi mới đang chờ niêm phong."
        ) % {
            "n": self.sealed,
            "seq": self.last_seq,
            "h": self.last_hash[:16],
            "pending": self.pending,
        }


def _rows_of(seals: list[tuple[int, int, str]], chunk: int):
    """The audit rows of a run of seals. Rows are sealed in id order (a late row a few hours
    out of it at most), so their ids are read as one range when it is not much wider than the
    run: an `id IN (5,000 ids)` cost more than the hashing (psycopg splits the query's 5,000
    parameters, PostgreSQL plans the list against every year's partition)."""
    ids = [s[1] for s in seals]
    low, high = min(ids), max(ids)
    if high - low < 4 * chunk:
        return AuditEvent.objects.filter(id__gte=low, id__lte=high)
    return AuditEvent.objects.filter(id__in=ids)


def verify(*, chunk: int = 5000) -> Verdict:
    """Walk the whole chain; stop at the first broken link."""
    previous, last_seq, sealed = GENESIS, 0, 0
    while True:
        seals = list(
            AuditSeal.objects.filter(seq__gt=last_seq)
            .order_by("seq")
            .values_list("seq", "event_id", "hash")[:chunk]
        )
        if not seals:
            break
        rows = {r["id"]: r for r in _rows_of(seals, chunk).values(*FIELDS)}
        for seq, event_id, stored in seals:
            row = rows.get(event_id)
            problem = ""
            if row is None:
                problem = _("bản ghi số %(id)s đã bị xóa (dấu niêm phong số %(seq)s vẫn còn).") % {
                    "id": event_id,
                    "seq": seq,
                }
            elif link(previous, row) != stored:
                problem = _(
                    "bản ghi số %(id)s đã bị sửa sau khi niêm phong, hoặc dấu niêm phong số "
                    "%(seq)s (hay một dấu trước nó) đã bị sửa: mắt xích đầu tiên bị đứt là số "
                    "%(seq)s."
                ) % {"id": event_id, "seq": seq}
            if problem:
                return Verdict(False, sealed, seq, stored, 0, problem)
            previous, last_seq = stored, seq
            sealed += 1
    old = _unsealed().filter(at__lt=timezone.now() - LATE_WINDOW)
    first = old.order_by("id").values_list("id", flat=True).first()
    if first is not None:
        problem = _(
            "%(n)s bản ghi cũ không có dấu niêm phong (đầu tiên: số %(id)s): được thêm vào "
            "ngoài ứng dụng, hoặc tiến trình niêm phong đã ngừng."
        ) % {"n": old.count(), "id": first}
        return Verdict(False, sealed, last_seq, previous, 0, problem)
    return Verdict(True, sealed, last_seq, previous, _unsealed().count())


def verify_and_record() -> str:
    """The daily check (task `core.tasks.audit_verify`): seal, verify, write the verdict to the
    audit trail (where it is sealed in turn) and to the log."""
    from kiemdiem.core.audit import audit_record

    seal_pending()
    verdict = verify()
    line = verdict.line()
    if verdict.ok:
        logger.info("verify_audit: %s", line)
    else:
        logger.error("verify_audit: %s", line)
    last = AuditSeal.objects.filter(seq=verdict.last_seq).first() if verdict.last_seq else None
    audit_record(
        obj=last if last is not None else AuditSeal(seq=0, event_id=0, hash=GENESIS),
        action="update" if not verdict.ok else "create",
        by=None,
        changes={
            _("kết quả"): [None, _("nguyên vẹn") if verdict.ok else _("bị sửa đổi")],
            _("đến dấu số"): [None, verdict.last_seq],
            _("mã băm"): [None, verdict.last_hash],
        },
        reason=line,
    )
    return line
