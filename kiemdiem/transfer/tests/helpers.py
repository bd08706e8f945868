"""Building import files in memory, and running the dry run / real run the way the app does."""

import csv
import io

from openpyxl import Workbook

from kiemdiem.transfer import jobs
from kiemdiem.transfer.columns import TABLES

UNIT_HEADERS = TABLES["units"].headers
PEOPLE_HEADERS = TABLES["people"].headers
MEMBERSHIP_HEADERS = TABLES["memberships"].headers
POSITION_HEADERS = TABLES["positions"].headers


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A workbook: sheet title → rows (the first row is the header)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], *, bom: bool = True, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def dry_run(files: dict[str, bytes], *, user=None, entity: str = ""):
    """Upload and check: the job after its dry run."""
    handles = [(name, io.BytesIO(data)) for name, data in files.items()]
    job = jobs.job_create(files=handles, by=user, entity=entity)
    return jobs.job_start_check(job)


def import_now(files: dict[str, bytes], *, user=None, entity: str = ""):
    """Dry run, then the real run when there is something to write."""
    job = dry_run(files, user=user, entity=entity)
    assert not job.rejected, job.report
    if job.changes:
        job = jobs.job_start_run(job, by=user)
    return job


def rows_of(job, action: str | None = None) -> list[list]:
    rows = job.report.get("rows", [])
    return [r for r in rows if action is None or r[2] == action]
