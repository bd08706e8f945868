"""The home page lists the classification steps waiting for the user: self-assessment for the
rated member, appraisal for the organization board, decision for the competent level, and the
re-check tasks of the level that decided; a closed round shows only its re-ratings."""

import pytest
from django.urls import reverse

from kiemdiem.classification import cases, services
from kiemdiem.classification.models import Rating, RatingStatus, SubjectKind
from kiemdiem.classification.rules import GOOD
from kiemdiem.classification.tests.conftest import (
    even_scores,
    grant,
    rating_of,
    walk_to_appraised,
)
from kiemdiem.classification.todo import todo_for
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org.models import AccessRole


def _waiting(user):
    todo = todo_for(user)
    return todo.ratings_count, {r.pk for r in todo.ratings}


def test_each_step_waits_on_the_home_page_of_who_takes_it(
    client, org_tree, office, member, grassroots_office, grassroots_standing, today
):
    round_ = services.round_open(
        by=office, title="Xếp loại 2025", year=2025, scope_unit=org_tree.province_a, populate=False
    )
    rating = services.rating_add(
        round_=round_,
        by=office,
        subject_kind=SubjectKind.MEMBER,
        unit=org_tree.cell_a1,
        person=org_tree.members_a1[0],
    )
    assert _waiting(member) == (1, {rating.pk})
    assert _waiting(grassroots_office)[0] == 0 and _waiting(grassroots_standing)[0] == 0
    client.force_login(member)
    html = client.get(reverse("home")).content.decode()
    section = html[html.index('data-testid="todo-ratings"') :]
    assert reverse("classification:rating-self-assess", args=[rating.pk]) in section
    assert "Tự đánh giá, xếp loại: Nguyễn Văn Đức" in section

    rating = walk_to_appraised(rating, self_by=SYSTEM, appraise_by=grassroots_office, level=GOOD)
    assert _waiting(member)[0] == 0
    assert _waiting(grassroots_standing) == (1, {rating.pk})
    services.rating_decide(
        rating=rating, by=grassroots_standing, level=GOOD, version=rating.version
    )
    rating.refresh_from_db()
    services.rating_publish(rating=rating, by=grassroots_standing, version=rating.version)
    assert _waiting(grassroots_standing)[0] == 0

    # Closed: nothing more, except the re-rating the directly higher committee orders.
    cases.round_close(round_=round_, by=office, version=round_.version)
    Rating.objects.filter(pk=rating.pk).update(status=RatingStatus.PUBLISHED)
    rating.refresh_from_db()
    above = grant(org_tree.district_a1, AccessRole.STANDING, "btv_xa_todo")
    rerating = services.rating_cancel(
        rating=rating, by=above, reason="Sai", decision_number="03-QĐ/ĐU", version=rating.version
    )
    assert _waiting(member) == (1, {rerating.pk})
    html = client.get(reverse("home")).content.decode()
    assert "đánh giá lại theo quyết định hủy kết quả (Mẫu 03)" in html


def test_a_self_assessed_rating_waits_for_the_board_not_for_the_rated(
    org_tree, round_2025, grassroots_office, member
):
    rating = rating_of(round_2025, person=org_tree.members_a1[0])
    services.rating_self_assess(
        rating=rating,
        by=SYSTEM,
        level=GOOD,
        reasons="x",
        version=rating.version,
        scores=even_scores(80),
    )
    count, ids = _waiting(grassroots_office)
    assert rating.pk in ids and count >= 1
    assert rating.pk not in _waiting(member)[1]


def test_the_deciding_level_finds_its_recheck_task(client, org_tree, travel_to):
    import datetime

    from kiemdiem.classification.tests.recheck_helpers import recheck_of_province_a

    travel_to(datetime.date(2026, 6, 1))
    campaign = recheck_of_province_a(org_tree)
    task = campaign.tasks.get(unit=org_tree.grassroots_a1)
    standing = grant(org_tree.grassroots_a1, AccessRole.STANDING, "btv_ra_soat")
    todo = todo_for(standing)
    assert todo.rechecks_count == 1 and todo.rechecks == [task]
    client.force_login(standing)
    html = client.get(reverse("home")).content.decode()
    section = html[html.index('data-testid="todo-rechecks"') :]
    assert reverse("classification:recheck-task", args=[task.pk]) in section
    outsider_todo = todo_for(grant(org_tree.province_b, AccessRole.STANDING, "btv_b"))
    assert outsider_todo.rechecks_count == 0


pytestmark = pytest.mark.django_db
