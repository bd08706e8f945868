"""The statistics page: the articles' sentence, and every number equal to the list it links to."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import START
from kiemdiem.confidence import services as confidence_services
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.discipline import services as discipline_services
from kiemdiem.discipline.models import DisciplineForm, DisciplineStatus
from kiemdiem.discipline.selectors import CaseFilter, cases_filtered, discipline_stats
from kiemdiem.org import services as org_services
from kiemdiem.org.models import PositionRole
from kiemdiem.reviews import commitments
from kiemdiem.reviews.models import SubjectKind

D = datetime.date


@pytest.fixture
def records(org_tree, office, travel_to):
    travel_to(D(2026, 12, 1))
    people = org_tree.members_a1
    post = org_services.position_add(
        person=people[1],
        unit=org_tree.cell_a1,
        role=PositionRole.DEPUTY_SECRETARY,
        valid_from=START,
        by=SYSTEM,
    )
    common = {
        "by": office,
        "deciding_unit": org_tree.grassroots_a1,
        "authority": "inspection",
        "violation_area": "discipline",
        "violation_on": D(2026, 2, 1),
    }
    discipline_services.case_record(
        person=people[0],
        violation="A",
        form="warning",
        decision_number="1",
        decided_on=D(2026, 5, 1),
        **common,
    )
    removal = discipline_services.case_record(
        person=people[1],
        violation="B",
        form="removal_from_post",
        position=post,
        decision_number="2",
        decided_on=D(2026, 5, 2),
        **common,
    )
    discipline_services.case_record(
        person=people[2],
        violation="C",
        form="warning",
        decision_number="3",
        decided_on=D(2025, 12, 2),
        **{**common, "violation_on": D(2025, 9, 1)},
    )
    # open proposals, whatever their year, counted in the same grouped pass as the year's cases
    discipline_services.case_open(
        person=people[2],
        violation="D",
        proposed_form="reprimand",
        **{**common, "violation_on": D(2026, 10, 1)},
    )
    # under appeal: still in force, and counted among the appeals (one grouped pass)
    discipline_services.case_appeal(
        case=removal, by=office, lodged_on=D(2026, 6, 1), grounds="Hình thức quá nặng"
    )
    poll = confidence_services.poll_create(
        by=office,
        title="Lấy phiếu",
        body_unit=org_tree.grassroots_a1,
        held_on=D(2026, 11, 20),
        convened_count=9,
        present_count=9,
    )
    confidence_services.result_add(
        poll=poll,
        person=people[0],
        by=office,
        title="Ủy viên",
        appointed_on=START,
        high_count=3,
        low_count=6,
    )
    confidence_services.poll_finalize(poll=poll, by=office)
    commitments.commitment_file(person=people[0], year=2026, items=["Gương mẫu"], by=office)
    short = commitments.commitment_file(
        person=people[1], year=2026, items=["Học tập", "Rèn luyện"], by=office
    )
    kept = commitments.commitment_file(person=people[2], year=2026, items=["Gương mẫu"], by=office)
    first, second = short.items.all()
    commitments.commitment_assess(item=first, fulfilment="fulfilled", by=office)
    commitments.commitment_assess(item=second, fulfilment="not", note="Chưa đạt", by=office)
    commitments.commitment_assess(item=kept.items.get(), fulfilment="fulfilled", by=office)


def figures(page: str) -> dict[str, int]:
    return {
        href.replace("&amp;", "&"): int(value)
        for href, value in re.findall(r'<a href="(/[^"]+\?[^"]+)"[^>]*>(\d+)</a>', page)
    }


def test_sentence_and_every_number_equals_its_list(client, org_tree, office, records):
    client.force_login(office)
    url = reverse("reports:records")
    page = client.get(url, {"don_vi": org_tree.province_a.pk, "nam": 2026}).content.decode()
    assert "2 đảng viên bị kỷ luật: 1 cảnh cáo, 1 cách chức" in page
    assert "0 tổ chức đảng bị kỷ luật" in page
    numbers = figures(page)
    assert any("trang_thai=appealed" in href and n == 1 for href, n in numbers.items())
    roster = {
        parse_qs(urlsplit(href).query).get("tinh_trang", ["tất cả"])[0]: n
        for href, n in numbers.items()
        if "cam-ket" in href
    }
    assert len(org_tree.members_a1) == 3
    assert roster == {
        "tất cả": 3,
        "da-co": 3,
        "chua-co": 0,
        "hoan-thanh": 1,
        "chua-dat": 1,
        "chua-danh-gia": 1,
    }
    for href, value in numbers.items():
        listing = client.get(href).content.decode()
        counted = re.search(r"(\d+) (hồ sơ|kết quả|gợi ý|hội nghị|đảng viên)<", listing)
        assert counted, href
        assert int(counted.group(1)) == value, (href, value)


def test_leaders_count_only_what_they_may_read(client, org_tree, unit_head, records):
    client.force_login(unit_head)
    page = client.get(reverse("reports:records"), {"nam": 2026}).content.decode()
    assert "0 đảng viên bị kỷ luật" in page
    assert "chỉ tính các hồ sơ bạn được xem" in page


def test_a_member_sees_no_roster_count(client, org_tree, member, records):
    """The commitment roster is the unit leaders' page: a member's statistics name no number
    that would link to it."""
    client.force_login(member)
    page = client.get(
        reverse("reports:records"), {"don_vi": org_tree.cell_a1.pk, "nam": 2026}
    ).content.decode()
    assert "dành cho lãnh đạo đơn vị" in page
    assert not [href for href in figures(page) if "cam-ket" in href]


def test_outsider_sees_only_own_subtree(client, org_tree, outsider, records):
    client.force_login(outsider)
    page = client.get(
        reverse("reports:records"), {"don_vi": org_tree.province_a.pk, "nam": 2026}
    ).content.decode()
    assert "Đảng bộ tỉnh Hà Tĩnh" in page and "Thanh Hóa" not in page


def test_a_year_without_a_cycle_points_to_the_nearest_cycle_year(
    client, org_tree, office, open_cycle
):
    """Suggestions belong to a review cycle: a year with none says so and links to the year of
    the nearest cycle, instead of showing zeros that look like data."""
    client.force_login(office)
    url = reverse("reports:records")
    where = {"don_vi": org_tree.province_a.pk}
    page = client.get(url, {**where, "nam": open_cycle.year + 1}).content.decode()
    assert f"Chưa có đợt kiểm điểm năm {open_cycle.year + 1}" in page
    assert f"?nam={open_cycle.year}&amp;don_vi={org_tree.province_a.pk}#suggestions" in page
    page = client.get(url, {**where, "nam": open_cycle.year}).content.decode()
    assert 'data-testid="cycle-year-hint"' not in page


def test_records_overview_query_ceiling(client, org_tree, office, records):
    """The overview's queries for the office: the frame, discipline 1 (the year's cases and the
    open proposals in one grouped pass; three before part 11b), confidence 2 (the polls, the
    results with the two-years count among them), suggestions 1 (grouped by stage), the cycle
    years, the commitments, ancestors and children: 13 on SQLite, 14 on PostgreSQL (15 and 16
    before session 14; issue 17)."""
    client.force_login(office)
    url = reverse("reports:records")
    client.get(url, {"don_vi": org_tree.province_a.pk, "nam": 2026})  # warm the session's caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"don_vi": org_tree.province_a.pk, "nam": 2026}).status_code == 200
    ceiling = 13 if connection.vendor == "sqlite" else 14
    assert len(queries) <= ceiling, [q["sql"][:80] for q in queries.captured_queries]


def test_discipline_figures_equal_their_lists_for_every_scope(
    org_tree, office, admin, member, unit_head, outsider, records
):
    """The year's cases by state, subject and form and the open proposals, in one grouped pass
    (two queries before), equal the lengths of the lists they link to, for users who read every
    case (office, admin), their own (a member), or none (the secretary, an outsider)."""
    unit = org_tree.province_a
    seen = {}
    for user in (office, admin, member, unit_head, outsider):
        d = discipline_stats(user, unit, 2026)

        def listed(user=user, **f) -> int:
            return cases_filtered(user, CaseFilter(unit=unit, **f)).count()

        for kind, counts in (
            (SubjectKind.INDIVIDUAL, d.individuals),
            (SubjectKind.COLLECTIVE, d.collectives),
        ):
            for form in DisciplineForm.values:
                assert counts[form] == listed(year=2026, subject_kind=kind, form=form), (kind, form)
        assert d.proposed == listed(status=DisciplineStatus.PROPOSED)
        assert d.appealed == listed(year=2026, status=DisciplineStatus.APPEALED)
        assert d.annulled == listed(year=2026, status=DisciplineStatus.ANNULLED)
        seen[user.username] = (d.individuals_total, d.proposed, d.appealed)
    assert seen == {
        office.username: (2, 1, 1),
        admin.username: (2, 1, 1),
        member.username: (1, 0, 0),  # people[0]'s own warning
        unit_head.username: (0, 0, 0),
        outsider.username: (0, 0, 0),
    }
