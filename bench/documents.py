"""Issue 16: the province-wide ZIP of remediation plans vs python-docx alone.

On the province campaign of bench.dashboard (reused when it ran first), as the demo committee
office ("vanphong"):

- app: the time of `documents.bundles.bundle_build` for every organization's plan of the
  province in the cycle (what "Tạo tập ZIP" queues): each plan's data read, the HD 36 template
  filled by docxtpl (the issued copy taken instead when the plan has a number), written into one
  ZIP file;
- baseline: writing the same number of minimal DOCX files with python-docx alone (a new
  document, a title and one paragraph per plan, saved) into one ZIP file the same way.

Prints `BENCH documents-province-zip app=… baseline=… ratio=… unit=s`.
"""

import io
import tempfile
import time
import zipfile

from docx import Document

from bench.dashboard import log, prepare, sig3
from kiemdiem.documents.bundles import bundle_build, bundle_objects
from kiemdiem.documents.kinds.plan import PLAN
from kiemdiem.documents.models import DocumentBundle


def _baseline(titles: list[str]) -> float:
    started = time.perf_counter()
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
            for n, title in enumerate(titles):
                doc = Document()
                doc.add_heading("KẾ HOẠCH", level=1)
                doc.add_paragraph(title)
                out = io.BytesIO()
                doc.save(out)
                archive.writestr(f"{n}.docx", out.getvalue())
    return time.perf_counter() - started


def run() -> str:
    province, office, cycle = prepare()
    plans = bundle_objects(PLAN, office, province, cycle, organizations_only=True)
    titles = [str(p) for p in plans.select_related("unit", "cycle")]
    log(f"documents: {len(titles)} kế hoạch của tổ chức trong {province.name}")
    bundle = DocumentBundle.objects.create(
        unit=province, kind=PLAN.code, cycle=cycle, organizations_only=True, created_by=office
    )
    started = time.perf_counter()
    bundle_build(bundle.pk)
    app = time.perf_counter() - started
    bundle.refresh_from_db()
    if bundle.count != len(titles):
        raise SystemExit(f"bench: tập có {bundle.count} văn bản, cần {len(titles)}")
    per_document = app / len(titles) * 1000
    log(f"documents: ZIP {bundle.file.size // 2**20} MB, {per_document:.1f} ms/văn bản")
    bundle.file.delete(save=False)
    baseline = _baseline(titles)
    return (
        f"BENCH documents-province-zip app={sig3(app)} baseline={sig3(baseline)} "
        f"ratio={sig3(app / baseline)} unit=s"
    )
