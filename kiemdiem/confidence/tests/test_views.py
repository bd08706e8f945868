"""Confidence pages: outsiders get 404, results only for their readers (audited), the forms
refuse what the services refuse, list ceilings."""

import datetime

import pytest
from django.urls import reverse

from conftest import START
from kiemdiem.confidence import services
from kiemdiem.confidence.models import ConfidencePoll, ConfidenceResult
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.org.models import PositionRole
from kiemdiem.org.tests.factories import PersonFactory

D = datetime.date

POLL_URLS = [
    ("get", "confidence:poll-detail"),
    ("get", "confidence:poll-edit"),
    ("post", "confidence:poll-edit"),
    ("post", "confidence:poll-finalize"),
    ("get", "confidence:poll-reopen"),
    ("get", "confidence:result-add"),
]
RESULT_URLS = [
    ("get", "confidence:result-detail"),
    ("get", "confidence:result-edit"),
    ("post", "confidence:result-edit"),
    ("get", "confidence:result-remove"),
    ("post", "confidence:result-remove"),
]


@pytest.fixture
def poll(org_tree, office):
    return services.poll_create(
        by=office,
        title="Lấy phiếu tín nhiệm Ban Thường vụ Đảng ủy",
        body_unit=org_tree.grassroots_a1,
        held_on=D(2026, 11, 20),
        convened_count=15,
        present_count=14,
    )


@pytest.fixture
def result(poll, org_tree, office):
    post = org_services.position_add(
        person=org_tree.members_a1[0],
        unit=org_tree.grassroots_a1,
        role=PositionRole.SECRETARY,
        valid_from=START,
        by=SYSTEM,
    )
    return services.result_add(
        poll=poll,
        person=post.person,
        position=post,
        by=office,
        high_count=2,
        normal_count=3,
        low_count=9,
    )


@pytest.mark.parametrize(("method", "name"), POLL_URLS)
def test_outsider_gets_404_on_polls(client, poll, outsider, method, name):
    client.force_login(outsider)
    assert getattr(client, method)(reverse(name, args=[poll.pk])).status_code == 404


@pytest.mark.parametrize(("method", "name"), RESULT_URLS)
def test_outsider_and_leaders_get_404_on_a_persons_votes(
    client, result, outsider, unit_head, cell_secretary, method, name
):
    for user in (outsider, unit_head, cell_secretary):
        client.force_login(user)
        assert getattr(client, method)(reverse(name, args=[result.pk])).status_code == 404


def test_leaders_see_the_poll_but_not_the_votes(client, result, unit_head):
    client.force_login(unit_head)
    page = client.get(result.poll.get_absolute_url()).content.decode()
    assert "Bạn không được xem kết quả của từng người" in page
    assert "Nguyễn Văn Đức" not in page


def test_person_sees_own_votes_audited(client, result, member):
    client.force_login(member)
    page = client.get(result.get_absolute_url()).content.decode()
    assert "9/14" in page and "Trên 1/2 tín nhiệm thấp" in page  # 9/14 < 2/3
    assert AuditEvent.objects.filter(
        action=AuditAction.READ,
        object_type="confidence.confidenceresult",
        actor=member,
        person_id_ref=result.person_id,
    ).exists()


def test_poll_form_refuses_quorum_below_two_thirds(client, org_tree, office):
    client.force_login(office)
    data = {
        "title": "Lấy phiếu giữa nhiệm kỳ",
        "body_unit": org_tree.grassroots_a1.pk,
        "held_on": "20/11/2026",
        "convened_count": 30,
        "present_count": 19,
        "low_share_base": "valid_ballots",
    }
    response = client.post(reverse("confidence:poll-create"), data)
    assert "cần ít nhất 20" in response.content.decode()
    assert not ConfidencePoll.objects.exists()
    response = client.post(reverse("confidence:poll-create"), {**data, "present_count": 20})
    assert response.status_code == 302


def test_result_form_refuses_ballots_beyond_present(client, result, office):
    client.force_login(office)
    url = reverse("confidence:result-edit", args=[result.pk])
    data = {
        "position": result.position_id,
        "title": result.title,
        "high_count": 5,
        "normal_count": 3,
        "low_count": 9,
        "invalid_count": 0,
        "version": result.version,
    }
    response = client.post(url, data)
    assert "lớn hơn số người có mặt tại hội nghị (14)" in response.content.decode()
    result.refresh_from_db()
    assert result.high_count == 2


def test_add_a_cadre_by_name_then_finalize(client, poll, org_tree, office):
    client.force_login(office)
    url = reverse("confidence:result-add", args=[poll.pk])
    page = client.get(url, {"q": "huong"}).content.decode()
    assert "Trần Thị Hương" in page
    person = org_tree.members_a1[1]
    response = client.post(
        url + f"?person={person.pk}",
        {"title": "Ủy viên Ban Chấp hành", "appointed_on": "01/07/2025", "high_count": 14},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("confidence:poll-finalize", args=[poll.pk]), {"version": poll.version}
    )
    assert response.status_code == 302
    poll.refresh_from_db()
    assert poll.status == "finalized"


def test_result_list_ceiling(client, poll, org_tree, office, django_assert_max_num_queries):
    for n in range(25):
        person = PersonFactory(full_name=f"Cán bộ thử {n}")
        org_services.membership_add(
            person=person, unit=org_tree.cell_a1, valid_from=START, by=SYSTEM
        )
        services.result_add(
            poll=poll,
            person=person,
            by=office,
            title="Ủy viên",
            appointed_on=START,
            high_count=6,
            low_count=n % 8,
        )
    client.force_login(office)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("confidence:result-list"), {"co": "any"})
    assert response.status_code == 200
    flagged = ConfidenceResult.objects.exclude(low_flag="").count()
    assert f"{flagged} kết quả" in response.content.decode()
    with django_assert_max_num_queries(14):
        assert client.get(poll.get_absolute_url()).status_code == 200
