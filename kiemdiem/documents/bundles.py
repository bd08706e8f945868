"""A subtree's documents of one kind as one ZIP (e.g. every commune's remediation plan of a
province for a cycle): asked for on a page, built by the task queue as a stepwise job (its page
shows the progress), downloaded from the bundle's page when done.

Each document in the ZIP is what its own "Tải DOCX" gives: the issued copy once numbered,
otherwise the draft from the template its unit uses.
"""

import datetime
import tempfile
import zipfile
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from kiemdiem.core.audit import audit_record, created, snapshot
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import Job
from kiemdiem.core.tasks import enqueue_job, job_progress
from kiemdiem.documents import render, selectors
from kiemdiem.documents.kinds import Kind, kind_of
from kiemdiem.documents.models import DocumentBundle, OutgoingDocument
from kiemdiem.org.models import Unit
from kiemdiem.reviews.models import ReviewCycle

# Progress is written every this many documents (one UPDATE each time).
PROGRESS_EVERY = 25
CHUNK = 200


def bundle_objects(
    kind: Kind,
    user: Any,
    unit: Unit,
    cycle: ReviewCycle | None,
    *,
    organizations_only: bool = True,
) -> QuerySet:
    """The objects of the kind in the unit's subtree that the user may read (the kind's own
    scoping), in tree order; the organizations' only, unless asked for the members' too."""
    qs = kind.objects(user).filter(**{f"{kind.unit_field}__path__startswith": unit.path})
    if kind.cycle_field and cycle is not None:
        qs = qs.filter(**{kind.cycle_field: cycle})
    if kind.person_field and organizations_only:
        qs = qs.filter(**{f"{kind.person_field}__isnull": True})
    return qs.order_by(f"{kind.unit_field}__path", "pk")


def bundle_request(
    *,
    unit: Unit,
    kind: Kind,
    by: Any,
    cycle: ReviewCycle | None = None,
    organizations_only: bool = True,
) -> DocumentBundle:
    """Ask for the ZIP: refused when there is nothing to put in it; otherwise queued."""
    if kind.cycle_field and cycle is None:
        raise DomainError(f"Chọn đợt kiểm điểm để tạo tập {kind.label.lower()}.", field="cycle")
    count = bundle_objects(kind, by, unit, cycle, organizations_only=organizations_only).count()
    if not count:
        raise DomainError(
            f"Không có {kind.label.lower()} nào của {unit.name} và các đơn vị trực thuộc"
            + (f" trong {cycle.title}" if cycle else "")
            + " mà bạn được xem."
        )
    with transaction.atomic():
        bundle = DocumentBundle.objects.create(
            unit=unit,
            kind=kind.code,
            cycle=cycle,
            organizations_only=organizations_only,
            created_by=by,
        )
        audit_record(
            obj=bundle,
            action="create",
            by=by,
            changes=created(snapshot(bundle, ("kind", "cycle", "organizations_only"))),
            unit_path=unit.path,
        )
        job = enqueue_job(
            "kiemdiem.documents.bundles.bundle_build",
            bundle.pk,
            name=f"Tập {kind.label.lower()} của {unit.name} ({count} văn bản)",
            by=by,
            url=bundle.get_absolute_url(),
            stepwise=True,
        )
        bundle.job = job
        bundle.save(update_fields=["job"])
    return bundle


def _entry_name(obj: Any, unit: Unit, issued: OutgoingDocument | None) -> str:
    folder = f"{unit.code or unit.pk}-{slugify(unit.name)}"[:80]
    number = f"so-{issued.number}{issued.suffix}" if issued else "du-thao"
    return f"{folder}/{obj.pk}-{number}.docx"


def bundle_build(bundle_id: int) -> str:
    """The task: write the ZIP from scratch (a second delivery writes it again), then keep it
    on the bundle's row in one write."""
    bundle = DocumentBundle.objects.select_related("unit", "cycle", "created_by").get(pk=bundle_id)
    if bundle.file:
        return f"Tập văn bản đã tạo xong: {bundle.count} văn bản."
    kind = kind_of(bundle.kind)
    ids = list(
        bundle_objects(
            kind,
            bundle.created_by,
            bundle.unit,
            bundle.cycle,
            organizations_only=bundle.organizations_only,
        ).values_list("pk", flat=True)
    )
    total = len(ids)
    # The job runs this (its url is the bundle's page); found by it, since an eager run (tests,
    # KIEMDIEM_TASKS_EAGER) starts before the bundle row holds the job.
    job_id = Job.objects.filter(url=bundle.get_absolute_url()).values_list("pk", flat=True).first()
    if job_id:
        job_progress(job_id, "Đang tạo văn bản", 0, total)
    templates = selectors.TemplateResolver(kind)
    day = timezone.localdate()
    done = 0
    with tempfile.TemporaryFile() as spool:
        # DOCX files are ZIPs already: stored, not compressed again.
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
            for start in range(0, total, CHUNK):
                chunk_ids = ids[start : start + CHUNK]
                objects = kind.objects(bundle.created_by).filter(pk__in=chunk_ids)
                by_pk = {o.pk: o for o in objects}
                sources = {kind.source_of(o): o.pk for o in by_pk.values()}
                issued = {
                    sources[d.source]: d
                    for d in OutgoingDocument.objects.filter(source__in=list(sources))
                }
                for pk in chunk_ids:
                    obj = by_pk[pk]
                    unit = kind.unit_of(obj)
                    copy = issued.get(pk)
                    if copy is not None and copy.file:
                        with copy.file.open("rb") as f:
                            content = f.read()
                    else:
                        copy = None
                        context = render.document_context(kind, obj, day=day)
                        content = render.render_docx(context, templates.for_unit(unit))
                    archive.writestr(_entry_name(obj, unit, copy), content)
                    done += 1
                    if job_id and done % PROGRESS_EVERY == 0:
                        job_progress(job_id, "Đang tạo văn bản", done, total)
        spool.seek(0)
        name = f"{kind.code}-{slugify(bundle.unit.name)}-{day:%Y%m%d}.zip"
        bundle.file.save(name, File(spool), save=False)
    bundle.count = done
    bundle.save(update_fields=["file", "count", "updated_at"])
    if job_id:
        job_progress(job_id, "", done, total)
    return f"Đã tạo tập {done} văn bản ({kind.label.lower()}); tải tệp ZIP ở trang của tập."


def bundles_expire(now: datetime.datetime | None = None) -> str:
    """The periodic task: a bundle's ZIP is a copy of documents kept elsewhere (the register's
    files, the data), so its file is deleted KIEMDIEM_DOCUMENTS_BUNDLE_DAYS after it was made;
    the row stays (its page offers to make it again)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(
        days=settings.KIEMDIEM_DOCUMENTS_BUNDLE_DAYS
    )
    old = DocumentBundle.objects.filter(created_at__lt=cutoff).exclude(file="")
    removed = 0
    for bundle in old.iterator():
        bundle.file.delete(save=False)
        DocumentBundle.objects.filter(pk=bundle.pk).update(file="")
        removed += 1
    return f"{removed} tập văn bản cũ đã xóa tệp ZIP"
