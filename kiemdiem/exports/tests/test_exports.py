"""Exports to Excel: short lists at once, long ones in the background with progress and a
download link; formulas never run; each export audited; refusals change nothing."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.core import xlsx
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.xlsx import Column, write_xlsx
from kiemdiem.exports import services
from kiemdiem.exports.models import ExportJob, ExportStatus
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import RemediationPlan


def _export(client, kind, **params):
    data = {"kind": kind, "next": "/ke-hoach/", **{f"p_{k}": v for k, v in params.items()}}
    return client.post(reverse("exports:create"), data)


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


@pytest.mark.parametrize("streamed", [True, False])
def test_text_that_looks_like_a_formula_stays_text(streamed):
    out = io.BytesIO()
    rows = [('=HYPERLINK("http://x","bấm")',), ("+84 912 345 678",), ("@SUM(A1)",)]
    write_xlsx(
        out,
        title="Thử: [công thức]?",
        columns=[Column("Nội dung", lambda r: r[0])],
        rows=rows,
        streamed=streamed,
    )
    book = load_workbook(io.BytesIO(out.getvalue()))
    sheet = book.active
    assert sheet.title == "Thử công thức"  # characters Excel refuses in sheet names dropped
    cells = [sheet.cell(row=i, column=1) for i in range(2, 5)]
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    assert cells[0].value == '=HYPERLINK("http://x","bấm")'


@pytest.mark.parametrize("streamed", [True, False])
def test_cells_keep_their_kinds_and_formats(streamed):
    """Both ways of writing (a background job's stream, a short list in memory) give the same
    cells: dates and times as dates shown dd/mm/yyyy, shares as percentages, counts as numbers,
    control characters dropped, the header bold and frozen, empty values as empty cells."""
    moment = datetime.datetime(2026, 12, 7, 1, 30, 15, 500, tzinfo=datetime.UTC)
    columns = [
        Column("Nội dung", lambda r: r[0], width=40),
        Column("Hạn", lambda r: r[1], kind="date"),
        Column("Lúc", lambda r: r[2], kind="datetime"),
        Column("Tỉ lệ", lambda r: r[3], kind="percent"),
        Column("Số", lambda r: r[4], kind="int"),
    ]
    rows = [("Đảng viên\x01 mới\x0b", datetime.date(2026, 12, 31), moment, 0.25, 12)]
    rows.append(("", None, None, None, None))
    out = io.BytesIO()
    assert write_xlsx(out, title="'Chi bộ 1'", columns=columns, rows=rows, streamed=streamed) == 2
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet.title == "Chi bộ 1"  # no apostrophe at either end
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["B"].width
    assert [c.value for c in sheet[2]] == [
        "Đảng viên mới",
        datetime.datetime(2026, 12, 31),
        datetime.datetime(2026, 12, 7, 8, 30, 15),  # Vietnam's time, to the second
        0.25,
        12,
    ]
    assert [c.number_format for c in sheet[2][1:4]] == ["DD/MM/YYYY", "DD/MM/YYYY HH:MM", "0%"]
    assert [c.value for c in sheet[3]] == [None] * 5


@pytest.mark.parametrize("streamed", [True, False])
def test_a_list_longer_than_a_sheet_goes_on_to_the_next(streamed, monkeypatch):
    """Excel holds 1,048,576 rows a sheet, and XlsxWriter drops what lies beyond: the rows go on
    to "… (2)", "… (3)", each with the headers, none lost (the limit made 4 rows here)."""
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 4)
    out = io.BytesIO()
    columns = [Column("Số", lambda r: r, kind="int")]
    title = "Kế hoạch khắc phục của cả nước năm 2026"
    rows = range(1, 8)
    assert write_xlsx(out, title=title, columns=columns, rows=rows, streamed=streamed) == 7
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == [
        "Kế hoạch khắc phục của cả nước",
        "Kế hoạch khắc phục của c (2)",
        "Kế hoạch khắc phục của c (3)",
    ]
    assert [[c.value for c in row] for row in book.worksheets[0].iter_rows()] == [
        ["Số"],
        [1],
        [2],
        [3],
    ]
    assert [c.value for c in book.worksheets[2]["A"]] == ["Số", 7]
    assert all(sheet.freeze_panes == "A2" for sheet in book.worksheets)


def test_an_empty_list_gives_its_headers():
    out = io.BytesIO()
    assert write_xlsx(out, title="Trống", columns=[Column("Nội dung", str)], rows=[]) == 0
    assert [c.value for c in load_workbook(io.BytesIO(out.getvalue())).active["A"]] == ["Nội dung"]


def test_plan_list_exports_what_the_page_lists(client, open_cycle, office, org_tree):
    client.force_login(office)
    response = _export(client, "remediation.plans", q="to toan")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert (
        f"ke-hoach-khac-phuc-{datetime.date.today():%d-%m-%Y}.xlsx"
        in response["Content-Disposition"]
    )
    rows = _rows(response.content)
    assert rows[0][0] == "Kế hoạch của" and rows[0][5] == "Hạn nộp"
    expected = RemediationPlan.objects.filter(cycle=open_cycle, unit=org_tree.cell_a1).count()
    assert len(rows) - 1 == expected
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE and job.rows_total == expected
    audit = AuditEvent.objects.get(object_type="exports.exportjob")
    assert audit.actor == office and audit.changes["rows_total"] == [None, expected]


def test_plan_export_reads_no_more_queries_for_more_rows(client, open_cycle, office, org_tree):
    """The plans' export reads only the columns it shows (PLAN_FIELDS): one it shows but does
    not read would be read again for every row."""
    client.force_login(office)
    queries = {}
    for name, params in (("one cell", {"q": "to toan"}), ("the province", {})):
        with CaptureQueriesContext(connection) as captured:
            response = _export(client, "remediation.plans", **params)
        queries[name] = (len(captured), len(_rows(response.content)) - 1)
    (few, rows_few), (many, rows_many) = queries["one cell"], queries["the province"]
    assert rows_many > rows_few + 2
    assert many == few


def test_outsider_exports_nothing_of_the_other_province(client, open_cycle, outsider):
    client.force_login(outsider)
    rows = _rows(_export(client, "remediation.plans").content)
    assert len(rows) == 1  # headers only: no plan of province A


def test_items_of_a_plan_outside_the_scope_are_refused(client, open_cycle, outsider, org_tree):
    plan = RemediationPlan.objects.filter(cycle=open_cycle, unit=org_tree.cell_a1).first()
    client.force_login(outsider)
    response = _export(client, "remediation.plan-items", plan=plan.pk)
    assert response.status_code == 302 and response["Location"] == "/ke-hoach/"
    page = client.get("/ke-hoach/").content.decode()
    assert "Không xuất được danh sách: Không có kế hoạch này trong phạm vi của đồng chí." in page
    assert (
        not ExportJob.objects.exists()
        and not AuditEvent.objects.filter(object_type="exports.exportjob").exists()
    )


def test_unknown_list_or_bad_filter_is_refused_in_vietnamese(client, open_cycle, office):
    client.force_login(office)
    _export(client, "khong.co")
    assert "Không có danh sách “khong.co” để xuất." in client.get("/ke-hoach/").content.decode()
    _export(client, "remediation.plans", status="khong-co")
    assert "Bộ lọc không hợp lệ" in client.get("/ke-hoach/").content.decode()
    assert not ExportJob.objects.exists()


def test_long_list_runs_in_the_background_with_progress_and_download(
    client, open_cycle, office, settings
):
    from kiemdiem.core.tasks import run_queued

    settings.KIEMDIEM_EXPORT_INLINE_MAX_ROWS = 2
    settings.KIEMDIEM_TASKS_EAGER = False  # queued: the page shows it waiting
    client.force_login(office)
    response = _export(client, "remediation.plans")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Đang chờ xử lý" in page and 'hx-trigger="every 2s"' in page
    # The task queue runs it (exports.tasks.export_task -> services.export_run(job_id)).
    assert run_queued() == 1
    done = ExportJob.objects.get(pk=job.pk)
    assert done.status == ExportStatus.DONE and done.rows_done == done.rows_total > 2
    assert services.export_run(job.pk) is None  # a second delivery does nothing
    partial = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "Tải tệp" in partial and "every 2s" not in partial
    download = client.get(reverse("exports:job-download", args=[job.pk]))
    rows = _rows(b"".join(download.streaming_content))
    assert len(rows) - 1 == done.rows_total


def test_nobody_else_follows_or_downloads_my_export(
    client, open_cycle, office, unit_head, settings
):
    settings.KIEMDIEM_EXPORT_INLINE_MAX_ROWS = 2
    client.force_login(office)
    _export(client, "remediation.plans")
    job = ExportJob.objects.get()
    services.export_run(job.pk)
    client.force_login(unit_head)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("exports:job-download", args=[job.pk])).status_code == 404


def test_a_job_whose_worker_died_is_written_again_on_the_next_delivery(
    open_cycle, office, settings
):
    settings.KIEMDIEM_EXPORT_INLINE_MAX_ROWS = 2
    settings.KIEMDIEM_TASKS_EAGER = False
    job, content = services.export_request(user=office, kind="remediation.plans", params={})
    assert content is None
    soon = datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, lease_until=soon)
    assert services.export_run(job.pk) is None  # another worker holds it: left alone
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    ExportJob.objects.filter(pk=job.pk).update(lease_until=past)  # ... and died
    assert services.export_run(job.pk).status == ExportStatus.DONE


def test_export_fails_cleanly_when_the_owner_lost_the_scope(open_cycle, office, org_tree, settings):
    from kiemdiem.org.models import AccessGrant

    settings.KIEMDIEM_EXPORT_INLINE_MAX_ROWS = 2
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.district_a1, person=None)
    for n in range(3):
        plan_services.action_add(
            plan=plan,
            by=office,
            content=f"Nội dung {n}",
            responsible_unit=org_tree.district_a1,
            due_date=datetime.date(2026, 6, 30),
        )
    settings.KIEMDIEM_TASKS_EAGER = False
    job, content = services.export_request(
        user=office, kind="remediation.plan-items", params={"plan": str(plan.pk)}
    )
    assert content is None and job.status == ExportStatus.PENDING
    AccessGrant.objects.filter(user=office).delete()  # the office lost the province meanwhile
    failed = services.export_run(job.pk)
    assert failed.status == ExportStatus.FAILED and not failed.file
    assert "Không có kế hoạch này trong phạm vi" in failed.error


@pytest.mark.parametrize(
    "kind",
    ["remediation.queue-appraisal", "remediation.queue-verification", "remediation.plans"],
)
def test_queues_and_lists_export_for_a_recipient(client, open_cycle, office, org_tree, kind):
    plan = RemediationPlan.objects.get(cycle=open_cycle, unit=org_tree.district_a1, person=None)
    plan_services.action_add(
        plan=plan,
        by=office,
        content="=1+1 không phải công thức",
        responsible_unit=org_tree.district_a1,
        due_date=datetime.date(2026, 6, 30),
    )
    client.force_login(office)
    response = _export(client, kind)
    assert response.status_code == 200
    assert _rows(response.content)[0]  # Vietnamese headers at least
