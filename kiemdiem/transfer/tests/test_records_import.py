"""Importing discipline decisions and confidence results from XLSX: the dry run reports each row
with the services' own messages and writes nothing; the real run writes all or nothing; the
same file again changes nothing."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from conftest import START
from kiemdiem.confidence.models import ConfidencePoll, ConfidenceResult
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.discipline.models import DisciplineCase
from kiemdiem.org import services as org_services
from kiemdiem.org.models import Membership, PositionRole
from kiemdiem.transfer import records
from kiemdiem.transfer.models import RecordImport

D = datetime.date


def workbook(kind: str, rows: list[list]) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(records.RECORD_TABLES[kind].headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("du-lieu.xlsx", out.getvalue())


def discipline_row(person, **overrides) -> list:
    values = {
        "card": person.party_card_number,
        "unit": "",
        "full_name": person.full_name,
        "violation": "Vi phạm quy định về đảng phí",
        "violation_on": "01/09/2025",
        "violation_area": "Ý thức tổ chức kỷ luật",
        "deciding_unit": "CS38A1",
        "authority": "Ủy ban kiểm tra",
        "form": "Cảnh cáo",
        "post": "",
        "decision_number": "12-QĐ/UBKT",
        "decided_on": "02/10/2025",
        "effective_on": "",
        "duty_related": "Không",
        "no_limitation": "",
    }
    values.update(overrides)
    return list(values.values())


def upload(client, kind, file):
    response = client.post(reverse("transfer:records-upload"), {"kind": kind, "file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    return RecordImport.objects.latest("id")


def test_template_has_the_headers_and_instructions(client, office):
    client.force_login(office)
    response = client.get(reverse("transfer:records-template", args=["discipline"]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Kỷ luật", "Hướng dẫn"]
    assert book["Kỷ luật"]["A1"].value == "Số thẻ đảng viên"


def test_discipline_dry_run_then_import_then_again(client, org_tree, office):
    client.force_login(office)
    people = org_tree.members_a1
    rows = [
        discipline_row(people[0]),
        discipline_row(people[1], form="Cách chức", decision_number="13-QĐ/UBKT"),
        discipline_row(people[2], form="Khai trừ", violation_on="01/01/2001", decision_number="14"),
        discipline_row(people[2], full_name="Người khác", decision_number="15"),
    ]
    job = upload(client, "discipline", workbook("discipline", rows))
    assert job.counts == {"create": 2, "exists": 0, "reject": 2}
    messages = {row: message for row, _action, message in job.report["rows"]}
    assert "Cách chức chỉ áp dụng với đảng viên đang giữ chức vụ" in messages[3]
    assert "không phải “Người khác”" in messages[5]
    assert not DisciplineCase.objects.exists()  # a dry run writes nothing
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Chưa có gì được ghi" in page
    refused = client.post(reverse("transfer:records-confirm", args=[job.pk]))
    assert refused.status_code == 302 and not DisciplineCase.objects.exists()

    good = [rows[0], rows[2]]
    job = upload(client, "discipline", workbook("discipline", good))
    assert job.clean and job.counts["create"] == 2
    client.post(reverse("transfer:records-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == RecordImport.Status.IMPORTED
    assert DisciplineCase.objects.count() == 2
    # the expulsion ended the membership through the org services
    assert Membership.objects.get(person=people[2]).valid_to == D(2025, 10, 2)
    again = upload(client, "discipline", workbook("discipline", good))
    assert again.counts == {"create": 0, "exists": 2, "reject": 0}


def test_removal_from_post_names_the_post(client, org_tree, office):
    person = org_tree.members_a1[1]
    org_services.position_add(
        person=person,
        unit=org_tree.cell_a1,
        role=PositionRole.DEPUTY_SECRETARY,
        valid_from=START,
        by=SYSTEM,
    )
    client.force_login(office)
    file = workbook("discipline", [discipline_row(person, form="Cách chức")])
    job = upload(client, "discipline", file)
    assert job.clean, job.report
    client.post(reverse("transfer:records-confirm", args=[job.pk]))
    assert DisciplineCase.objects.get().position.role == PositionRole.DEPUTY_SECRETARY


def test_confidence_results_create_the_poll_and_finalize_it(client, org_tree, office, outsider):
    people = org_tree.members_a1

    def row(person, low, poll=("Lấy phiếu giữa nhiệm kỳ", 15, 10)):
        title, convened, present = poll
        return [
            *("CS38A1", title, "20/11/2026", convened, present),
            *(person.party_card_number, person.full_name, "Ủy viên Ban Chấp hành"),
            *("01/07/2025", "", 10 - low, "", low, ""),
        ]

    client.force_login(office)
    quorum = ("Hội nghị thiếu người", 15, 9)
    rows = [row(people[0], 6), row(people[1], 2, poll=quorum)]
    bad = upload(client, "confidence", workbook("confidence", rows))
    assert bad.counts["reject"] == 1
    assert "2/3" in [m for _r, a, m in bad.report["rows"] if a == "reject"][0]
    job = upload(
        client, "confidence", workbook("confidence", [row(people[0], 6), row(people[1], 2)])
    )
    assert job.clean, job.report
    client.post(reverse("transfer:records-confirm", args=[job.pk]))
    poll = ConfidencePoll.objects.get()
    assert poll.status == "finalized"
    assert ConfidenceResult.objects.get(person=people[0]).low_flag == "planning"  # 6/10
    # the outsider's rows are refused by the services (not their committee)
    client.force_login(outsider)
    theirs = upload(client, "confidence", workbook("confidence", [row(people[2], 1)]))
    assert theirs.counts["reject"] == 1


def test_not_an_xlsx_and_missing_columns(client, office, member):
    client.force_login(office)
    job = upload(client, "discipline", SimpleUploadedFile("a.csv", b"a,b\n1,2\n"))
    assert job.report["problems"] == ["Chỉ nhận tệp Excel .xlsx (dùng tệp mẫu)."]
    book = Workbook()
    book.active.append(["Số thẻ đảng viên", "Nội dung vi phạm"])
    out = io.BytesIO()
    book.save(out)
    job = upload(client, "discipline", SimpleUploadedFile("b.xlsx", out.getvalue()))
    assert "Thiếu cột" in job.report["problems"][0]
    client.force_login(member)
    assert client.get(reverse("transfer:records")).status_code == 403


def test_runs_are_jobs_of_the_task_queue(client, org_tree, office, settings):
    from kiemdiem.core.tasks import run_queued

    settings.KIEMDIEM_TASKS_EAGER = False
    client.force_login(office)
    file = workbook("discipline", [discipline_row(org_tree.members_a1[0])])
    response = client.post(reverse("transfer:records-upload"), {"kind": "discipline", "file": file})
    assert "/cong-viec/" in response["Location"]  # the job's page while it waits
    record = RecordImport.objects.get()
    assert record.status == RecordImport.Status.CHECKING
    assert "Đang chạy thử" in client.get(record.get_absolute_url()).content.decode()
    run_queued()
    record.refresh_from_db()
    assert record.status == RecordImport.Status.CHECKED and record.clean
    client.post(reverse("transfer:records-confirm", args=[record.pk]))
    client.post(reverse("transfer:records-confirm", args=[record.pk]))  # a second click
    assert run_queued() == 1
    record.refresh_from_db()
    assert record.status == RecordImport.Status.IMPORTED
    assert DisciplineCase.objects.count() == 1


def test_rows_about_another_subtree_reveal_nothing(client, org_tree, office, outsider):
    """An office of province B cannot learn from a file whether a member of province A exists,
    what their name is, or whether a decision or a poll of theirs is recorded."""
    person = org_tree.members_a1[0]
    client.force_login(office)
    mine = upload(client, "discipline", workbook("discipline", [discipline_row(person)]))
    client.post(reverse("transfer:records-confirm", args=[mine.pk]))
    assert DisciplineCase.objects.count() == 1

    client.force_login(outsider)
    rows = [
        discipline_row(person),  # the same decision, as recorded by province A
        discipline_row(person, full_name="Người khác", decision_number="99"),
        discipline_row(org_tree.member_b1, deciding_unit="CS38A1", decision_number="98"),
    ]
    job = upload(client, "discipline", workbook("discipline", rows))
    assert job.counts == {"create": 0, "exists": 0, "reject": 3}
    messages = [message for _row, _action, message in job.report["rows"]]
    assert messages[0] == messages[1]
    assert "trong phạm vi của bạn" in messages[0] and person.full_name not in messages[1]
    assert "Không có đơn vị mã “CS38A1” trong phạm vi của bạn" in messages[2]
    assert DisciplineCase.objects.count() == 1
