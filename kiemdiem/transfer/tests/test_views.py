"""The import/export pages: who may use them, upload and dry run, confirm, progress, export."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from conftest import make_user
from kiemdiem.core.tasks import run_queued
from kiemdiem.org.models import Person, Unit
from kiemdiem.transfer.models import ImportJob
from kiemdiem.transfer.states import ImportStatus
from kiemdiem.transfer.tests.helpers import (
    MEMBERSHIP_HEADERS,
    PEOPLE_HEADERS,
    UNIT_HEADERS,
    csv_bytes,
    dry_run,
    xlsx_bytes,
)

WORKBOOK = xlsx_bytes(
    {
        "Đơn vị": [UNIT_HEADERS, ["CB38A1C", "Chi bộ Tổ Sử", "Chi bộ trực thuộc", "CS38A1"]],
        "Đảng viên": [
            PEOPLE_HEADERS,
            ["012345678", "Phạm Thị Mai", "12/03/1985", "Nữ", "15/05/2010", ""],
            ["012345679", "Đỗ Văn Lỗi", "30/02/1990", "", "", ""],
        ],
        "Sinh hoạt đảng": [MEMBERSHIP_HEADERS, ["012345678", "CB38A1C", "", "01/07/2025", ""]],
    }
)
GOOD_WORKBOOK = xlsx_bytes(
    {
        "Đơn vị": [UNIT_HEADERS, ["CB38A1C", "Chi bộ Tổ Sử", "Chi bộ trực thuộc", "CS38A1"]],
        "Đảng viên": [PEOPLE_HEADERS, ["012345678", "Phạm Thị Mai", "12/03/1985", "Nữ", "", ""]],
        "Sinh hoạt đảng": [MEMBERSHIP_HEADERS, ["012345678", "CB38A1C", "", "01/07/2025", ""]],
    }
)


def _upload(client, data: bytes, name: str = "du-lieu.xlsx", **extra):
    payload = {"files": SimpleUploadedFile(name, data), "entity": ""}
    return client.post(reverse("transfer:upload"), payload, **extra)


def test_nav_entry_only_for_offices_and_admins(client, office, member, admin):
    client.force_login(office)
    assert "Nhập, xuất dữ liệu" in client.get(reverse("home")).content.decode()
    client.force_login(member)
    assert "Nhập, xuất dữ liệu" not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("transfer:index")).status_code == 403
    assert client.post(reverse("transfer:upload")).status_code == 403
    client.force_login(admin)
    assert client.get(reverse("transfer:index")).status_code == 200


def test_templates_download(client, office):
    client.force_login(office)
    response = client.get(reverse("transfer:template"))
    assert response["Content-Disposition"] == 'attachment; filename="mau-nhap-du-lieu.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert "Sinh hoạt đảng" in workbook.sheetnames
    response = client.get(reverse("transfer:template"), {"bang": "memberships"})
    assert response.content.decode("utf-8-sig").startswith(",".join(MEMBERSHIP_HEADERS))


def test_upload_shows_dry_run_then_confirm_writes(client, office):
    client.force_login(office)
    response = _upload(client, WORKBOOK)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == ImportStatus.CHECKED and job.created_by == office
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Ngày “30/02/1990” ở cột Ngày sinh không hợp lệ" in html
    assert "Còn dòng bị từ chối" in html and "Ghi vào cơ sở dữ liệu" in html
    rejected = client.get(job.get_absolute_url(), {"chi": "loi"}).content.decode()
    assert "Đỗ Văn Lỗi" not in rejected and "012345679" in rejected and "012345678" not in rejected
    client.post(reverse("transfer:job-confirm", args=[job.pk]))
    assert not Person.objects.filter(party_card_number="012345678").exists()

    response = _upload(client, GOOD_WORKBOOK)
    job = ImportJob.objects.first()
    assert "Tạo mới" in client.get(job.get_absolute_url()).content.decode()
    response = client.post(reverse("transfer:job-confirm", args=[job.pk]), follow=True)
    assert "Đã ghi dữ liệu" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Unit.objects.get(code="CB38A1C").memberships.get().person.full_name == "Phạm Thị Mai"


def test_outsider_gets_404_on_someone_elses_job(client, office, outsider):
    job = dry_run({"a.xlsx": GOOD_WORKBOOK}, user=office)
    client.force_login(outsider)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("transfer:job-progress", args=[job.pk])).status_code == 404
    assert client.post(reverse("transfer:job-confirm", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED


def test_200_mb_upload_is_refused_unread(client, office):
    client.force_login(office)
    response = _upload(client, b"x" * 1000, CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert response.status_code == 413
    html = response.content.decode()
    assert "Nội dung gửi lên quá lớn (200,0 MB): mỗi lần gửi tối đa 21 MB" in html
    assert not ImportJob.objects.exists()


def test_upload_just_past_the_import_limit_gets_the_import_message(client, office):
    client.force_login(office)
    response = _upload(client, b"x" * 1000, CONTENT_LENGTH=str(20 * 1024 * 1024 + 100_000))
    assert response.status_code == 413
    assert "mỗi lần nhập tối đa 20 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_past_the_limit_is_stopped_while_streaming(client, office, settings):
    settings.KIEMDIEM_IMPORT_MAX_BYTES = 2000
    client.force_login(office)
    # Within the Content-Length allowance (multipart overhead), so the handler has to count.
    big = csv_bytes([PEOPLE_HEADERS] + [[f"{n:09d}", "Tên"] for n in range(400)])
    assert 2000 < len(big) < 2000 + 64 * 1024
    response = client.post(reverse("transfer:upload"), {"files": SimpleUploadedFile("a.csv", big)})
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_not_a_spreadsheet_is_reported_on_the_page(client, office):
    client.force_login(office)
    _upload(client, b"%PDF-1.4\n\x00\x00", name="quyet-dinh.pdf")
    job = ImportJob.objects.get()
    html = client.get(job.get_absolute_url()).content.decode()
    assert "quyet-dinh.pdf: không phải bảng tính" in html
    assert "Tệp không nhập được" in html


def test_dry_run_and_real_run_go_to_the_task_queue_with_progress(client, office, settings):
    settings.KIEMDIEM_TASKS_EAGER = False  # a real queue: nothing runs until a worker takes it
    client.force_login(office)
    response = _upload(client, GOOD_WORKBOOK, follow=True)
    assert "hệ thống đang chạy thử ở chế độ nền" in response.content.decode()
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.UPLOADED
    html = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in html
    progress = client.get(reverse("transfer:job-progress", args=[job.pk]))
    assert "HX-Refresh" not in progress and "Chờ kiểm tra" in progress.content.decode()
    assert run_queued() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert client.get(reverse("transfer:job-progress", args=[job.pk]))["HX-Refresh"] == "true"
    client.post(reverse("transfer:job-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED
    assert not Unit.objects.filter(code="CB38A1C").exists()
    assert run_queued() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.rows_done == job.rows_total == 3
    assert Unit.objects.filter(code="CB38A1C").exists()


def test_export_downloads_only_visible_subtrees(client, office, outsider, org_tree):
    client.force_login(office)
    response = client.get(
        reverse("transfer:export"), {"unit": org_tree.province_a.pk, "format": "xlsx"}
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    codes = [row[0] for row in workbook["Đơn vị"].iter_rows(min_row=2, values_only=True)]
    assert codes[0] == "TU38" and "X42B1" not in codes
    response = client.get(
        reverse("transfer:export"),
        {"unit": org_tree.province_a.pk, "format": "csv", "entity": "people"},
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Nguyễn Văn Đức" in text and "Võ Văn Bình" not in text
    client.force_login(outsider)
    response = client.get(
        reverse("transfer:export"), {"unit": org_tree.province_a.pk, "format": "xlsx"}
    )
    assert response.status_code == 200 and "Content-Disposition" not in response
    assert "không thuộc phạm vi được chọn" in response.content.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_upload_round_trip_changes_nothing(client, office, org_tree, fmt):
    client.force_login(office)
    if fmt == "xlsx":
        response = client.get(
            reverse("transfer:export"), {"unit": org_tree.province_a.pk, "format": "xlsx"}
        )
        files = {"xuat.xlsx": b"".join(response.streaming_content)}
    else:
        files = {}
        for entity in ("units", "people", "memberships", "positions"):
            response = client.get(
                reverse("transfer:export"),
                {"unit": org_tree.province_a.pk, "format": "csv", "entity": entity},
            )
            files[f"{entity}.csv"] = b"".join(response.streaming_content)
    payload = {"files": [SimpleUploadedFile(n, d) for n, d in files.items()]}
    client.post(reverse("transfer:upload"), payload)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.CHECKED and len(job.files) == len(files)
    assert job.rejected == 0 and job.changes == 0, job.report
    assert job.counts["units"]["unchanged"] == 6
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Không có gì thay đổi" in html


def test_the_page_lists_the_last_jobs_each_user_may_see(client, org_tree, office, admin):
    """The page's jobs (read through a query compiled once) are the last 20 of those
    `visible_to` gives: an office its own, an administrator every one."""
    from conftest import START
    from kiemdiem.core.permissions import SYSTEM
    from kiemdiem.org import services
    from kiemdiem.org.models import AccessRole

    other = make_user("vanphong_b")  # province B's office
    services.access_grant(
        user=other, unit=org_tree.province_b, role=AccessRole.OFFICE, by=SYSTEM, valid_from=START
    )
    ImportJob.objects.bulk_create(
        [ImportJob(created_by=user) for user in [office] * 22 + [other] * 3 + [admin, None]]
    )
    shown = {}
    for user in (office, other, admin):
        client.force_login(user)
        response = client.get(reverse("transfer:index"))
        assert response.status_code == 200
        expected = ImportJob.objects.visible_to(user).select_related("created_by")[:20]
        shown[user] = response.context["jobs"]
        assert shown[user] == list(expected)
    assert len(shown[office]) == 20 and {j.created_by for j in shown[office]} == {office}
    assert len(shown[other]) == 3 and {j.created_by for j in shown[other]} == {other}
    assert len(shown[admin]) == 20 and None in {j.created_by for j in shown[admin]}


def test_export_unit_offers_the_top_of_the_scope_and_its_first_children(
    client, org_tree, office, unit_head, admin, cell_secretary
):
    """The export form's unit picker: the top of the user's scope and its first children in
    natural order (abolished ones left out), among every unit the user may see today."""
    from kiemdiem.core.dates import today
    from kiemdiem.org.forms import PICKER_OPTIONS
    from kiemdiem.org.scoping import top_units, visible_units
    from kiemdiem.org.selectors import unit_children_sorted
    from kiemdiem.org.tests.factories import UnitFactory
    from kiemdiem.transfer.forms import ExportForm

    for name in ("Chi bộ thôn 10", "Chi bộ thôn 2", "Chi bộ thôn 2", "Chi bộ cũ"):
        UnitFactory(name=name, parent=org_tree.province_a)
    Unit.objects.filter(name="Chi bộ cũ").update(valid_to=today() - datetime.timedelta(days=1))
    for i in range(PICKER_OPTIONS):
        UnitFactory(name=f"Đảng bộ xã {i}", parent=org_tree.root)
    for user in (office, unit_head, admin, cell_secretary):
        form = ExportForm(user=user)
        field = form.fields["unit"]
        top = top_units(user).order_by("path").first()
        first = [top, *unit_children_sorted(top)][:PICKER_OPTIONS]
        assert [o.value for o in field.widget.options] == [str(u.pk) for u in first]
        assert [(o.label, o.hint) for o in field.widget.options] == [
            (u.name, u.get_kind_display()) for u in first
        ]
        assert set(field.queryset) == set(visible_units(user).valid_on(today()))
        if user in (office, admin):  # the page's own users
            client.force_login(user)
            html = client.get(reverse("transfer:index")).content.decode()
            radios = html.count('class="form-check-input" type="radio" name="unit"')
            assert radios == len(first) + 1  # and "Không chọn"
    assert len(ExportForm(user=admin).fields["unit"].widget.options) == PICKER_OPTIONS
    labels = [o.label for o in ExportForm(user=office).fields["unit"].widget.options]
    assert labels[1:4] == ["Chi bộ thôn 2", "Chi bộ thôn 2", "Chi bộ thôn 10"]
