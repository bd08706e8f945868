"""Shared fixtures: a small org tree and personas (unit head, committee office, outsider, admin)."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches

from kiemdiem.campaign import services as campaign_services
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import AccessRole, PositionRole, UnitKind
from kiemdiem.org.tests.factories import PersonFactory, UnitFactory

START = datetime.date(2025, 7, 1)


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Each test starts with no kept page (kiemdiem/core/page_cache.py): a page another test
    kept under the same state and session must not answer this one."""
    caches["pages"].clear()


@pytest.fixture
def built_pages(settings):
    """Every page built by its view, none kept: for tests that count or patch what a view does."""
    settings.KIEMDIEM_PAGE_CACHE_SECONDS = 0


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(
        username=username, password="mat-khau-thu-2026", **extra
    )


@pytest.fixture
def org_tree(db):
    """country → 2 provinces → 2 communes each → a grassroots committee → 2 cells with members."""
    t = SimpleNamespace()
    t.root = UnitFactory(
        code="TW", name="Ban Chấp hành Trung ương", kind=UnitKind.CENTRAL_COMMITTEE
    )
    t.province_a = UnitFactory(
        code="TU38", name="Đảng bộ tỉnh Thanh Hóa", kind=UnitKind.PROVINCE, parent=t.root
    )
    t.province_b = UnitFactory(
        code="TU42", name="Đảng bộ tỉnh Hà Tĩnh", kind=UnitKind.PROVINCE, parent=t.root
    )
    t.district_a1 = UnitFactory(
        code="X38A1", name="Đảng bộ xã Quảng Phú", kind=UnitKind.COMMUNE, parent=t.province_a
    )
    t.district_a2 = UnitFactory(
        code="X38A2", name="Đảng bộ phường Hạc Thành", kind=UnitKind.COMMUNE, parent=t.province_a
    )
    t.district_b1 = UnitFactory(
        code="X42B1", name="Đảng bộ phường Thành Sen", kind=UnitKind.COMMUNE, parent=t.province_b
    )
    t.district_b2 = UnitFactory(
        code="X42B2", name="Đảng bộ xã Can Lộc", kind=UnitKind.COMMUNE, parent=t.province_b
    )
    t.grassroots_a1 = UnitFactory(
        code="CS38A1",
        name="Đảng bộ Trường THPT Quảng Xương",
        kind=UnitKind.GRASSROOTS_COMMITTEE,
        parent=t.district_a1,
    )
    t.cell_a1 = UnitFactory(
        code="CB38A1", name="Chi bộ Tổ Toán", kind=UnitKind.SUBORDINATE_CELL, parent=t.grassroots_a1
    )
    t.cell_a1b = UnitFactory(
        code="CB38A1B", name="Chi bộ Tổ Văn", kind=UnitKind.SUBORDINATE_CELL, parent=t.grassroots_a1
    )
    t.cell_b1 = UnitFactory(
        code="CB42B1", name="Chi bộ khối phố 1", kind=UnitKind.GRASSROOTS_CELL, parent=t.district_b1
    )
    t.members_a1 = []
    for name in ["Nguyễn Văn Đức", "Trần Thị Hương", "Lê Minh Anh"]:
        person = PersonFactory(full_name=name)
        services.membership_add(person=person, unit=t.cell_a1, valid_from=START, by=SYSTEM)
        t.members_a1.append(person)
    t.member_b1 = PersonFactory(full_name="Võ Văn Bình")
    services.membership_add(person=t.member_b1, unit=t.cell_b1, valid_from=START, by=SYSTEM)
    return t


@pytest.fixture
def admin(db):
    return make_user("quantri", is_superuser=True, is_staff=True)


@pytest.fixture
def unit_head(org_tree):
    """Secretary of province A (a leading position gives the province subtree)."""
    user = make_user("bithu_a")
    person = PersonFactory(full_name="Đỗ Trọng Hưng")
    person.user = user
    person.save(update_fields=["user"])
    services.position_add(
        person=person,
        unit=org_tree.province_a,
        role=PositionRole.SECRETARY,
        valid_from=START,
        by=SYSTEM,
    )
    return user


@pytest.fixture
def office(org_tree):
    """Committee office of province A: may manage the tree there."""
    user = make_user("vanphong_a")
    services.access_grant(
        user=user, unit=org_tree.province_a, role=AccessRole.OFFICE, by=SYSTEM, valid_from=START
    )
    return user


@pytest.fixture
def overseer(org_tree):
    """Standing-committee member watching commune A1."""
    user = make_user("thuongvu_a1")
    services.access_grant(
        user=user, unit=org_tree.district_a1, role=AccessRole.STANDING, by=SYSTEM, valid_from=START
    )
    return user


@pytest.fixture
def outsider(org_tree):
    """Committee office of province B: must see nothing of province A."""
    user = make_user("vanphong_b")
    services.access_grant(
        user=user, unit=org_tree.province_b, role=AccessRole.OFFICE, by=SYSTEM, valid_from=START
    )
    return user


@pytest.fixture
def member(org_tree):
    """An ordinary member of cell A1, with a login."""
    user = make_user("dangvien_a1")
    person = org_tree.members_a1[0]
    person.user = user
    person.save(update_fields=["user"])
    return user


CYCLE_DATES = {
    "starts_on": datetime.date(2026, 1, 5),
    "self_review_due": datetime.date(2026, 1, 20),
    "conference_due": datetime.date(2026, 1, 31),
    "plan_due": datetime.date(2026, 2, 15),
    "horizon_end": datetime.date(2027, 12, 31),
}
PARTICIPATING = ["commune", "grassroots_committee", "subordinate_cell", "grassroots_cell"]


@pytest.fixture
def travel_to():
    """Move 'today' (and now) to a date: travel_to(datetime.date(2026, 2, 1))."""
    import time_machine

    travellers = []

    def go(day: datetime.date):
        while travellers:
            travellers.pop().stop()
        moment = datetime.datetime.combine(day, datetime.time(9, 0))
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        travellers.append(traveller)

    yield go
    while travellers:
        travellers.pop().stop()


@pytest.fixture
def open_cycle(org_tree, office, travel_to):
    """An open annual cycle over province A (today: 10/01/2026, inside the self-review window)."""
    from kiemdiem.reviews import services as review_services

    travel_to(datetime.date(2026, 1, 10))
    cycle = review_services.cycle_create(
        by=office,
        title="Kiểm điểm, đánh giá năm 2025",
        kind="annual",
        year=2025,
        directive_number="493-CV/TU",
        directive_date=datetime.date(2025, 11, 20),
        directive_issuer="Ban Thường vụ Tỉnh ủy Thanh Hóa",
        scope_unit=org_tree.province_a,
        participating_kinds=PARTICIPATING,
        **CYCLE_DATES,
    )
    campaign_services.cycle_open(cycle=cycle, by=office)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def cell_secretary(org_tree):
    """Secretary of cell A1 (Trần Thị Hương), with a login: prepares the cell's plan."""
    user = make_user("bithu_chibo")
    person = org_tree.members_a1[1]
    person.user = user
    person.save(update_fields=["user"])
    services.position_add(
        person=person,
        unit=org_tree.cell_a1,
        role=PositionRole.SECRETARY,
        valid_from=START,
        by=SYSTEM,
    )
    return user


# The plan of cell A1 goes to its parent committee, grassroots A1 (the recipient): its office and
# a standing-committee member appraise and verify. The province office (`office`) sees the plan
# but is a higher ancestor, not a recipient; the cell secretary (`cell_secretary`) prepares it.


@pytest.fixture
def appraiser(org_tree):
    """Office of the grassroots committee A1: the recipient of cell A1's plans."""
    user = make_user("vanphong_cs")
    services.access_grant(
        user=user, unit=org_tree.grassroots_a1, role=AccessRole.OFFICE, by=SYSTEM, valid_from=START
    )
    return user


@pytest.fixture
def second_appraiser(org_tree):
    """A standing-committee member of grassroots A1 (a position, not a grant): also a recipient."""
    user = make_user("thuongvu_cs")
    person = PersonFactory(full_name="Phạm Quang Vinh")
    person.user = user
    person.save(update_fields=["user"])
    services.position_add(
        person=person,
        unit=org_tree.grassroots_a1,
        role=PositionRole.STANDING_MEMBER,
        valid_from=START,
        by=SYSTEM,
    )
    return user


@pytest.fixture
def api():
    """api(user) → an APIClient sending a real token of `user` (None: no credentials)."""
    from rest_framework.test import APIClient

    from kiemdiem.api.services import token_create

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            _token, key = token_create(user=user, name="test")
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return client_for


def conclude_review(review, by) -> None:
    """Take a review through its unit's conference (submitted, then discussed), through the
    services: a remediation plan is submitted only for a review past its conference."""
    from django.utils import timezone

    from kiemdiem.org.models import Person
    from kiemdiem.reviews import services as review_services
    from kiemdiem.reviews.models import ReviewMeeting
    from kiemdiem.reviews.states import ReviewStatus

    review.refresh_from_db()
    if review.status == ReviewStatus.DRAFT:
        review_services.review_transition(review=review, to=ReviewStatus.SUBMITTED, by=by)
    if review.status != ReviewStatus.SUBMITTED:
        return
    if ReviewMeeting.objects.filter(cycle_id=review.cycle_id, unit_id=review.unit_id).exists():
        review_services.review_transition(review=review, to=ReviewStatus.DISCUSSED, by=by)
    else:  # recording the conference marks the unit's submitted reviews discussed
        review_services.meeting_record(
            cycle=review.cycle,
            unit=review.unit,
            held_on=max(review.cycle.starts_on, timezone.localdate()),
            chair=review.person or Person.objects.order_by("pk").first(),
            by=by,
        )
    review.refresh_from_db()


GROUP_SET_UP = datetime.date(2025, 9, 17)


def _person_with_login(username: str, full_name: str):
    user = make_user(username)
    person = PersonFactory(full_name=full_name)
    person.user = user
    person.save(update_fields=["user"])
    return user, person


@pytest.fixture
def oversight(org_tree, office):
    """Province A's working group no. 1 (decision 462-QĐ/TU) overseeing commune A1, and a
    standing-committee member assigned in person to commune A2.

    - `group_leader` ("totruong"): a standing member of province A, leader of the group;
    - `group_member` ("tovien"): deputy head of the province's Organization Board, a member of
      the group only (no standing post: a plan recipient through the group alone);
    - `assigned` ("phutrach"): a standing member of province A assigned to commune A2;
    - `unit_user` ("bithu_xa"): secretary of commune A1, the unit the group oversees.
    """
    from kiemdiem.org import groups

    t = SimpleNamespace()
    t.board = UnitFactory(
        code="BTC38",
        name="Ban Tổ chức Tỉnh ủy Thanh Hóa",
        kind=UnitKind.ADVISORY_BOARD,
        parent=org_tree.province_a,
    )
    t.leader_user, t.leader = _person_with_login("totruong", "Lê Văn Trưởng")
    t.member_user, t.member = _person_with_login("tovien", "Hoàng Thị Viên")
    t.assigned_user, t.assigned = _person_with_login("phutrach", "Phạm Văn Phụ")
    t.unit_user, t.unit_secretary = _person_with_login("bithu_xa", "Ngô Văn Xã")
    for person, unit, role in [
        (t.leader, org_tree.province_a, PositionRole.STANDING_MEMBER),
        (t.member, t.board, PositionRole.DEPUTY_HEAD),
        (t.assigned, org_tree.province_a, PositionRole.STANDING_MEMBER),
        (t.unit_secretary, org_tree.district_a1, PositionRole.SECRETARY),
    ]:
        services.position_add(person=person, unit=unit, role=role, valid_from=START, by=SYSTEM)
    t.group = groups.group_create(
        committee=org_tree.province_a,
        name="Tổ công tác số 1",
        decision_number="462-QĐ/TU",
        decision_date=GROUP_SET_UP,
        valid_from=GROUP_SET_UP,
        by=office,
    )
    groups.member_add(
        group=t.group, person=t.leader, role="leader", valid_from=GROUP_SET_UP, by=office
    )
    groups.member_add(group=t.group, person=t.member, valid_from=GROUP_SET_UP, by=office)
    t.assignment = groups.assignment_add(
        group=t.group,
        unit=org_tree.district_a1,
        valid_from=GROUP_SET_UP,
        decision_number="463-CV/TU",
        decision_date=GROUP_SET_UP,
        by=office,
    )
    t.member_assignment = groups.assignment_add(
        committee=org_tree.province_a,
        person=t.assigned,
        unit=org_tree.district_a2,
        valid_from=GROUP_SET_UP,
        decision_number="464-CV/TU",
        decision_date=GROUP_SET_UP,
        field="Xây dựng Đảng",
        by=office,
    )
    return t


@pytest.fixture(scope="module")
def demo_campaign(django_db_setup, django_db_blocker):
    """The small demo with a campaign under way (seed_demo small, seed_campaign), loaded once for
    a test module and removed after it; tests read it (their own writes roll back). Gives what
    the two commands printed."""
    from io import StringIO

    from django.core.management import call_command

    with django_db_blocker.unblock():
        out = StringIO()
        call_command("seed_demo", "--scale", "small", "--seed", "3", stdout=out)
        call_command("seed_campaign", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        call_command("flush", "--noinput", stdout=StringIO())
