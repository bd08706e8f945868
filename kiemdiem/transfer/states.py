"""The lifecycle of an import job.

A user uploads one XLSX workbook or one or more CSV files: the job is UPLOADED and its dry run
is queued. A task worker moves it to CHECKING and then CHECKED, with a row-by-row report; it
never writes to the organization tree. A CHECKED job with no rejected row and something to
change can be confirmed: it waits as QUEUED, then a task worker runs it (RUNNING). The real run
re-checks the files against the database as it is then and writes everything in one transaction
(DONE), or nothing (FAILED, with the reason).

A worker killed while CHECKING or RUNNING never acknowledges its task, so the task queue delivers
it again (after its `retry` time) and that step starts from scratch, which is safe because the
real run is one transaction and rows are matched on natural keys (unit codes, Party card
numbers).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Chờ kiểm tra")
    CHECKING = "checking", _("Đang kiểm tra")
    CHECKED = "checked", _("Đã chạy thử")
    QUEUED = "queued", _("Chờ ghi dữ liệu")
    RUNNING = "running", _("Đang ghi dữ liệu")
    DONE = "done", _("Hoàn tất")
    FAILED = "failed", _("Không thành công")


ALLOWED: dict[ImportStatus, set[ImportStatus]] = {
    ImportStatus.UPLOADED: {ImportStatus.CHECKING},
    # A re-claimed CHECKING job (its worker died) runs the dry run again.
    ImportStatus.CHECKING: {ImportStatus.CHECKED, ImportStatus.FAILED, ImportStatus.CHECKING},
    ImportStatus.CHECKED: {ImportStatus.QUEUED, ImportStatus.RUNNING},
    ImportStatus.QUEUED: {ImportStatus.RUNNING},
    ImportStatus.RUNNING: {ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.RUNNING},
}

# Statuses in which a worker (or the request itself) is busy with the job.
ACTIVE = frozenset(
    {ImportStatus.UPLOADED, ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING}
)
