"""Re-check campaigns (the Quảng Ngãi case): the province has every competent level re-check its
published 2025 results by a deadline; results confirmed, corrected through cancel-and-re-rate
(the old result kept), pending; overdue units; closing; who may do what; the pages."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.classification import recheck
from kiemdiem.classification.models import Rating, RatingStatus, SubjectKind
from kiemdiem.classification.recheck_models import (
    RecheckItem,
    RecheckOutcome,
    RecheckStatus,
    RecheckTask,
    RecheckTaskStatus,
)
from kiemdiem.classification.tests.conftest import grant, rating_of
from kiemdiem.classification.tests.recheck_helpers import publish_all
from kiemdiem.core.errors import DomainError, StaleObject
from kiemdiem.core.models import AuditEvent
from kiemdiem.org.models import AccessRole

D = datetime.date
GOOD, EXCELLENT, COMPLETED = "good", "excellent", "completed"


@pytest.fixture
def province_standing(org_tree):
    return grant(org_tree.province_a, AccessRole.STANDING, "btv_tinh")


@pytest.fixture
def published(org_tree, round_2025, travel_to):
    publish_all(round_2025)
    travel_to(D(2026, 10, 1))
    return round_2025


@pytest.fixture
def campaign(org_tree, published, province_standing):
    return recheck.campaign_open(
        by=province_standing,
        unit=org_tree.province_a,
        year=2025,
        deadline=D(2026, 11, 30),
        document_number="45-CV/TU",
    )


def member_item(campaign, person):
    return RecheckItem.objects.select_related("rating", "task").get(
        task__campaign=campaign, rating__person=person, rating__subject_kind=SubjectKind.MEMBER
    )


def test_opening_gives_each_competent_level_a_task_with_its_results(org_tree, campaign):
    published = Rating.objects.filter(status=RatingStatus.PUBLISHED)
    assert RecheckItem.objects.filter(task__campaign=campaign).count() == published.count()
    units = set(RecheckTask.objects.filter(campaign=campaign).values_list("unit_id", flat=True))
    assert units == set(published.values_list("deciding_unit_id", flat=True))
    assert org_tree.grassroots_a1.pk in units  # decides its members
    task = RecheckTask.objects.get(campaign=campaign, unit=org_tree.grassroots_a1)
    assert task.items.filter(rating__person=org_tree.members_a1[0]).exists()
    assert not RecheckItem.objects.filter(rating__unit=org_tree.cell_b1).exists()  # province B
    event = AuditEvent.objects.get(object_type="classification.recheckcampaign")
    assert event.changes["items"] == [None, published.count()]


def test_the_units_hear_of_their_task_and_the_committee_of_the_report(
    org_tree, published, province_standing, grassroots_office, office
):
    from kiemdiem.core.models import Notification

    campaign = recheck.campaign_open(
        by=province_standing, unit=org_tree.province_a, year=2025, deadline=D(2026, 11, 30)
    )
    task = RecheckTask.objects.get(campaign=campaign, unit=org_tree.grassroots_a1)
    note = Notification.objects.get(user=grassroots_office)
    assert note.url == task.get_absolute_url() and "30/11/2026" in note.text
    for item in task.items.all():
        recheck.item_confirm(item=item, by=grassroots_office, version=item.version)
    task.refresh_from_db()
    recheck.task_report(task=task, by=grassroots_office, version=task.version, report="Đúng")
    # the head and office of the committee that opened the campaign hear of the report
    assert Notification.objects.filter(user=office, kind="task_reported").exists()


def test_opening_is_refused_for_the_current_year_a_past_deadline_or_a_stranger(
    org_tree, published, province_standing, office, outsider, round_2025
):
    kwargs = {"unit": org_tree.province_a, "deadline": D(2026, 11, 30)}
    with pytest.raises(DomainError, match="năm đã qua"):
        recheck.campaign_open(by=province_standing, year=2026, **kwargs)
    with pytest.raises(DomainError, match="đã qua"):
        recheck.campaign_open(
            by=province_standing, year=2025, unit=org_tree.province_a, deadline=D(2026, 9, 1)
        )
    with pytest.raises(DomainError, match="chưa có kết quả"):
        recheck.campaign_open(by=province_standing, year=2024, **kwargs)
    with pytest.raises(PermissionDenied, match="Ban Thường vụ"):
        recheck.campaign_open(by=outsider, year=2025, **kwargs)


def test_confirm_correct_and_pending_per_unit(
    org_tree, campaign, grassroots_standing, commune_standing
):
    first, second, third = (member_item(campaign, p) for p in org_tree.members_a1)
    recheck.item_confirm(item=first, by=grassroots_standing, version=first.version)
    # The grassroots committee decided the result: only the level above it cancels (Mẫu 03).
    with pytest.raises(PermissionDenied, match="cấp trên trực tiếp"):
        recheck.item_correct(
            item=second,
            by=grassroots_standing,
            version=second.version,
            found_level=COMPLETED,
            reason="Chưa hoàn thành chỉ tiêu",
            decision_number="12-QĐ/ĐU",
        )
    with pytest.raises(DomainError, match="không có trong"):
        recheck.item_correct(
            item=second,
            by=commune_standing,
            version=second.version,
            found_level="legacy_weak",
            reason="Sai",
            decision_number="12-QĐ/ĐU",
        )
    with pytest.raises(DomainError, match="trùng"):
        recheck.item_correct(
            item=second,
            by=commune_standing,
            version=second.version,
            found_level=GOOD,
            reason="Sai",
            decision_number="12-QĐ/ĐU",
        )
    assert Rating.objects.filter(status=RatingStatus.CANCELLED).count() == 0
    rerating = recheck.item_correct(
        item=second,
        by=commune_standing,
        version=second.version,
        found_level=COMPLETED,
        reason="Chưa hoàn thành chỉ tiêu",
        decision_number="12-QĐ/ĐU",
    )
    second.refresh_from_db()
    old = Rating.objects.get(pk=second.rating_id)
    assert old.status == RatingStatus.CANCELLED and old.decided_level == GOOD  # kept
    assert (
        "Chưa hoàn thành chỉ tiêu"
        in AuditEvent.objects.filter(object_type="classification.rating", object_id=old.pk)
        .latest("pk")
        .reason
    )
    assert rerating.rerating_of == old and second.rerating == rerating
    assert (second.before_short, second.after_short) == ("HTTNV", "HTNV")
    with pytest.raises(StaleObject):  # a second click on the stale page
        recheck.item_confirm(item=second, by=grassroots_standing, version=1)
    rows = {r.task.unit_id: r for r in recheck.task_rows(grassroots_standing, campaign)}
    row = rows[org_tree.grassroots_a1.pk]
    assert (row.confirmed, row.corrected, row.pending) == (1, 1, row.total - 2)
    assert third.outcome == RecheckOutcome.PENDING


def test_overdue_report_return_and_close(
    org_tree, campaign, grassroots_standing, province_standing, travel_to
):
    task = RecheckTask.objects.get(campaign=campaign, unit=org_tree.grassroots_a1)
    with pytest.raises(DomainError, match="chưa rà soát"):
        recheck.task_report(task=task, by=grassroots_standing, version=task.version, report="Xong")
    assert not recheck.task_rows(province_standing, campaign)[0].overdue
    travel_to(D(2026, 12, 1))
    rows = {r.task.unit_id: r for r in recheck.task_rows(province_standing, campaign)}
    assert rows[org_tree.grassroots_a1.pk].overdue
    for item in task.items.all():
        recheck.item_confirm(item=item, by=grassroots_standing, version=item.version)
    task.refresh_from_db()
    recheck.task_report(task=task, by=grassroots_standing, version=task.version, report="Đúng cả")
    task.refresh_from_db()
    assert task.status == RecheckTaskStatus.REPORTED
    assert not recheck.task_overdue(task, 0)
    with pytest.raises(PermissionDenied, match="cấp ủy đã mở"):
        recheck.task_return(task=task, by=grassroots_standing, version=task.version, reason="x")
    recheck.task_return(task=task, by=province_standing, version=task.version, reason="Làm lại")
    with pytest.raises(PermissionDenied):
        recheck.campaign_close(
            campaign=campaign, by=grassroots_standing, version=campaign.version, note=""
        )
    with pytest.raises(DomainError, match="lý do kết thúc"):
        recheck.campaign_close(
            campaign=campaign, by=province_standing, version=campaign.version, note=""
        )
    recheck.campaign_close(
        campaign=campaign, by=province_standing, version=campaign.version, note="Hết hạn"
    )
    campaign.refresh_from_db()
    assert campaign.status == RecheckStatus.CLOSED
    item = RecheckItem.objects.filter(task__campaign=campaign, outcome="pending").first()
    with pytest.raises(DomainError, match="đã kết thúc"):
        recheck.item_confirm(item=item, by=province_standing, version=item.version)


def test_every_arrow_is_guarded(org_tree, campaign, outsider, admin):
    task = RecheckTask.objects.get(campaign=campaign, unit=org_tree.grassroots_a1)
    item = task.items.first()
    for lifecycle, obj in (
        (recheck.CAMPAIGN, campaign),
        (recheck.TASK, task),
        (recheck.ITEM, item),
    ):
        for arrow in lifecycle.arrows.values():
            assert not arrow.can(outsider, obj)
            assert arrow.can(admin, obj)


# --- pages --------------------------------------------------------------------------------------


def test_pages_for_the_committee_the_unit_and_nobody_else(
    client,
    org_tree,
    campaign,
    province_standing,
    grassroots_standing,
    commune_standing,
    outsider,
    member,
):
    task = RecheckTask.objects.get(campaign=campaign, unit=org_tree.grassroots_a1)
    item = member_item(campaign, org_tree.members_a1[1])
    urls = [
        campaign.get_absolute_url(),
        task.get_absolute_url(),
        reverse("classification:recheck-correct", args=[item.pk]),
    ]
    for user in (outsider, member):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert (
            campaign.title
            not in client.get(reverse("classification:recheck-list")).content.decode()
        )
    client.force_login(province_standing)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "Đảng bộ Trường THPT Quảng Xương" in html and "30/11/2026" in html
    client.force_login(grassroots_standing)
    assert client.get(reverse("classification:recheck-list")).status_code == 200
    response = client.post(
        reverse("classification:recheck-confirm", args=[item.pk]), {"version": item.version}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.outcome == RecheckOutcome.CONFIRMED
    other = member_item(campaign, org_tree.members_a1[2])
    url = reverse("classification:recheck-correct", args=[other.pk])
    assert "cấp trên trực tiếp" in client.get(url).content.decode()  # the unit itself may not
    client.force_login(commune_standing)
    url = reverse("classification:recheck-correct", args=[other.pk])
    response = client.post(url, {"version": other.version, "found_level": COMPLETED})
    assert "Phải nêu lý do" in response.content.decode() or "Mẫu 03" in response.content.decode()
    response = client.post(
        url,
        {
            "version": other.version,
            "found_level": COMPLETED,
            "reason": "Không hoàn thành chỉ tiêu",
            "decision_number": "3-QĐ/ĐU",
        },
    )
    assert response.status_code == 302
    client.force_login(grassroots_standing)
    html = client.get(task.get_absolute_url()).content.decode()
    assert "HTTNV → HTNV" in html and "Không hoàn thành chỉ tiêu" in html
    response = client.post(
        reverse("exports:create"),
        {"kind": "classification.recheck-items", "next": "/", "p_task": task.pk},
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert "HTNV" in [c for r in rows for c in r]
    client.force_login(outsider)
    response = client.post(
        reverse("exports:create"),
        {"kind": "classification.recheck-items", "next": "/", "p_task": task.pk},
    )
    assert response.status_code == 302


def test_the_round_of_a_rating_is_still_unique_after_correction(
    org_tree, campaign, commune_standing
):
    item = member_item(campaign, org_tree.members_a1[0])
    recheck.item_correct(
        item=item,
        by=commune_standing,
        version=item.version,
        found_level=EXCELLENT,
        reason="Bỏ sót thành tích",
        decision_number="4-QĐ/ĐU",
    )
    assert rating_of(campaign_round(campaign), person=org_tree.members_a1[0]).status == "draft"


def campaign_round(campaign):
    return Rating.objects.filter(round__year=campaign.year).first().round


@pytest.mark.usefixtures("built_pages")
def test_page_query_counts_do_not_grow_with_the_results(
    client, org_tree, campaign, province_standing, commune_standing
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiemdiem.classification.tests.conftest import fake_rating

    task = RecheckTask.objects.get(campaign=campaign, unit=org_tree.grassroots_a1)
    urls = [campaign.get_absolute_url(), task.get_absolute_url()]

    def counts():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            found.append(len(ctx))
        return found

    client.force_login(province_standing)
    peer = member_item(campaign, org_tree.members_a1[0])
    recheck.item_correct(
        item=peer,
        by=commune_standing,
        version=peer.version,
        found_level=COMPLETED,
        reason="Sai",
        decision_number="1",
    )
    before = counts()
    rated = Rating.objects.get(pk=peer.rating_id)
    for _i in range(8):
        extra = fake_rating(rated.round, rated, GOOD, status=RatingStatus.PUBLISHED)
        item = RecheckItem.objects.create(task=task, rating=extra, before_level=GOOD)
        recheck.item_correct(
            item=item,
            by=commune_standing,
            version=item.version,
            found_level=COMPLETED,
            reason="Sai",
            decision_number="2",
        )
    assert counts() == before


def test_a_commune_rechecks_only_what_was_decided_in_its_subtree(
    org_tree, published, commune_standing
):
    campaign = recheck.campaign_open(
        by=commune_standing, unit=org_tree.district_a1, year=2025, deadline=D(2026, 11, 30)
    )
    checked = RecheckItem.objects.filter(task__campaign=campaign)
    # the commune's own result was decided by the province: the province re-checks it
    assert not checked.filter(rating__unit=org_tree.district_a1).exists()
    assert checked.filter(rating__unit=org_tree.grassroots_a1).exists()  # decided by the commune
    assert set(campaign.tasks.values_list("unit_id", flat=True)) <= {
        org_tree.district_a1.pk,
        org_tree.grassroots_a1.pk,
        *[u.pk for u in (org_tree.cell_a1, org_tree.cell_a1b)],
    }
