"""Importing quality ratings of past years from XLSX (rules.md §1.14): each year under its own
scheme (the 2014 organization scale included), a dry run with row errors naming the column,
nothing written on any error, the same file twice reported and not written twice."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.classification.models import Rating, RatingRound, RatingStatus
from kiemdiem.core.models import AuditEvent
from kiemdiem.transfer.models import RecordImport
from kiemdiem.transfer.tests.test_records_import import upload, workbook


def row(year, kind, unit, level, card="", name="", scheme="", number="", day=""):
    return [year, scheme, kind, unit, card, name, level, "", number, day, ""]


def good_rows(org_tree):
    member = org_tree.members_a1[0]
    return [
        row(2016, "Tổ chức đảng", "CS38A1", "TSVM", number="5-QĐ/ĐU", day="20/12/2016"),
        row(2016, "Tổ chức đảng", "CB38A1", "Yếu kém"),
        row(2021, "Đảng viên", "CB38A1", "HTTNV", card=member.party_card_number),
        row(2024, "organization", "CS38A1", "hoàn thành xuất sắc nhiệm vụ", scheme="qd124_2023"),
    ]


def test_template_lists_the_columns(client, office):
    client.force_login(office)
    response = client.get(reverse("transfer:records-template", args=["rating"]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Xếp loại", "Hướng dẫn"]
    assert book["Xếp loại"]["A1"].value == "Năm đánh giá *"


def test_past_years_land_as_published_results_of_imported_rounds(client, org_tree, office):
    client.force_login(office)
    rows = good_rows(org_tree)
    job = upload(client, "rating", workbook("rating", rows))
    assert job.counts == {"create": 4, "exists": 0, "reject": 0}, job.report
    assert not Rating.objects.exists()  # the dry run writes nothing
    client.post(reverse("transfer:records-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == RecordImport.Status.IMPORTED
    rounds = {r.year: r for r in RatingRound.objects.all()}
    assert {y: (r.scheme, r.imported) for y, r in rounds.items()} == {
        2016: ("legacy_2014", True),
        2021: ("qd132_2018", True),
        2024: ("qd124_2023", True),
    }
    assert rounds[2016].scope_unit == org_tree.province_a
    strong = Rating.objects.get(round=rounds[2016], unit=org_tree.grassroots_a1)
    assert (strong.status, strong.decided_level) == (RatingStatus.PUBLISHED, "legacy_clean_strong")
    assert strong.deciding_unit == org_tree.district_a1 and strong.decision_number == "5-QĐ/ĐU"
    event = AuditEvent.objects.get(object_type="classification.rating", object_id=strong.pk)
    assert event.reason == "Nhập từ tệp Excel"
    member = Rating.objects.get(round=rounds[2021])
    assert member.person == org_tree.members_a1[0] and member.decided_level == "good"
    # the same file again: reported as already there, nothing written twice
    again = upload(client, "rating", workbook("rating", rows))
    assert again.counts == {"create": 0, "exists": 4, "reject": 0}
    changed = upload(
        client, "rating", workbook("rating", [row(2016, "Tổ chức đảng", "CB38A1", "HTNV")])
    )
    assert changed.counts["reject"] == 1
    assert "không ghi đè" in changed.report["rows"][0][2]


def test_every_bad_row_is_refused_by_row_and_column_and_nothing_is_written(
    client, org_tree, office
):
    client.force_login(office)
    member = org_tree.members_a1[0]
    rows = [
        *good_rows(org_tree)[:1],
        row(2021, "Tổ chức đảng", "CB38A1", "TSVM"),  # 2014 level in a 132 year
        row(2021, "Đảng viên", "CB38A1", "HTTNV", card="999999999"),  # unknown person
        row(2021, "Tổ chức đảng", "KHONGCO", "HTNV"),  # unknown unit
        row(2016, "Tổ chức đảng", "CS38A1", "TSVM"),  # duplicate of the first row
        row(2016, "Tổ chức đảng", "CB38A1B", "HTTNV", scheme="qd366_2025"),  # no 366 in 2016
        row(2021, "Đảng viên", "CB42B1", "HTNV", card=org_tree.member_b1.party_card_number),
        row(2026, "Tổ chức đảng", "CB38A1", "HTNV"),  # not a past year
        row(2016, "Đảng viên", "CB38A1", "TSVM", card=member.party_card_number),
    ]
    job = upload(client, "rating", workbook("rating", rows))
    assert job.counts == {"create": 1, "exists": 0, "reject": 8}, job.report
    messages = {n: m for n, _a, m in job.report["rows"]}
    assert "Cột “Mức xếp loại”" in messages[3] and "TSVM" in messages[3]
    assert "Cột “Số thẻ đảng viên”" in messages[4]
    assert "Cột “Mã đơn vị”" in messages[5] and "KHONGCO" in messages[5]
    assert "Trùng với một dòng trước" in messages[6]
    assert "Cột “Quy định”" in messages[7] and "không áp dụng cho năm đó" in messages[7]
    assert "phạm vi của bạn" in messages[8]  # province B is not the importer's
    assert "năm đã qua" in messages[9]
    assert "Cột “Mức xếp loại”" in messages[10]  # members have no TSVM
    client.post(reverse("transfer:records-confirm", args=[job.pk]))
    assert not Rating.objects.exists() and not RatingRound.objects.exists()


def test_a_year_rated_in_the_system_is_not_overwritten_by_a_file(client, org_tree, office):
    from kiemdiem.classification import services

    services.round_open(by=office, title="2024", year=2024, scope_unit=org_tree.province_a)
    client.force_login(office)
    job = upload(
        client, "rating", workbook("rating", [row(2024, "Tổ chức đảng", "CB38A1", "HTNV")])
    )
    assert "đã có đợt" in job.report["rows"][0][2]
