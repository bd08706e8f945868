"""The home page "Việc cần làm": each demo persona finds the actions the demo holds for them,
each line links to where the action is taken, and the page stays within its query ceiling."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kiemdiem.dashboard import selectors
from kiemdiem.org.demo import DEMO_USERNAMES
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.states import PlanStatus

# Session, user, access (3), own units (only for an inspection grant: 1),
# the two queues (rows and length in one query each: 2), the user's returned and due plans (1,
# + the decisions that returned them: 1), items due (ids + rows: 2), reports due (units,
# periods, reports: 3), reviews (1), the scope roots (1), the classification's ratings at the
# user's step and re-check tasks (one each, classification.todo: 2): 17 at most (the demo's
# personas: 6-16; 8-20 before issue 17 part 6), whatever the subtree's size.
HOME_QUERIES = 17


@pytest.fixture
def campaign(demo_campaign):
    return demo_campaign


pytestmark = pytest.mark.django_db


def _login(client, username: str):
    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    return user


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_home_page_stays_within_its_query_ceiling(
    campaign, client, username, django_assert_max_num_queries
):
    _login(client, username)
    with django_assert_max_num_queries(HOME_QUERIES):
        response = client.get(reverse("home"))
    assert response.status_code == 200


@pytest.mark.parametrize("username", ["vanphong", "thuongvu", "bithuxa"])
def test_appraisers_find_plans_waiting_oldest_first_with_links(campaign, client, username):
    user = _login(client, username)
    html = client.get(reverse("home")).content.decode()
    todo = selectors.todo_for(get_user_model().objects.get(pk=user.pk))
    assert todo.appraisal_count > 0
    section = html[html.index('data-testid="todo-appraisal"') :]
    for plan in todo.appraisal:
        assert plan.get_absolute_url() in section
    assert "Lần nộp thứ 1" in section and reverse("remediation:queue-appraisal") in section
    assert [p.waiting_since for p in todo.appraisal] == sorted(
        p.waiting_since for p in todo.appraisal
    )


@pytest.mark.parametrize("username", ["vanphong", "bithuxa"])
def test_appraisers_find_items_waiting_for_verification(campaign, client, username):
    _login(client, username)
    html = client.get(reverse("home")).content.decode()
    section = html[html.index('data-testid="todo-verification"') :]
    item = PlanAction.objects.filter(status="done").first()
    assert item is not None
    assert reverse("remediation:queue-verification") in section


def test_cell_secretary_finds_the_returned_plan_with_grounds_and_due_items(campaign, client):
    _login(client, "bithuchibo")
    html = client.get(reverse("home")).content.decode()
    returned = RemediationPlan.objects.get(
        status=PlanStatus.RETURNED,
        person__isnull=True,
        unit__positions__person__user__username="bithuchibo",
    )
    section = html[html.index('data-testid="todo-returned"') :]
    assert returned.get_absolute_url() in section
    assert "lý do:" in section and "Nhận xét" in section
    items = html[html.index('data-testid="todo-items-due"') :]
    assert "quá hạn 4 ngày" in items and "còn 6 ngày" in items


def test_member_finds_their_own_items(campaign, client):
    _login(client, "dangvien")
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="todo-items-due"' in html
    assert 'data-testid="todo-appraisal"' not in html  # a member appraises nothing


def test_outsider_province_office_sees_nothing_of_the_other_province(campaign, client):
    _login(client, "vanphong2")
    html = client.get(reverse("home")).content.decode()
    assert "Thanh Hóa" not in html.split('id="main"')[1]


def test_home_without_any_role_says_what_to_do(client, db):
    from conftest import make_user

    client.force_login(make_user("moi_tao"))
    html = client.get(reverse("home")).content.decode()
    assert "Hiện không có việc nào đang chờ đồng chí" in html
    assert "đề nghị văn phòng cấp ủy phân quyền" in html


def test_deadlines_say_how_many_days(campaign, client):
    todo = selectors.todo_for(get_user_model().objects.get(username="bithuchibo"))
    due = {a.due_date - todo.today for a in todo.items_due}
    assert datetime.timedelta(days=6) in due and datetime.timedelta(days=-4) in due


def test_administrator_home_points_to_the_country_wide_queues_without_reading_them(
    campaign, client, django_assert_max_num_queries
):
    """The administrator acts for every recipient: their queues are the whole country's (17.7 s
    on the national data set), so the home page links the queue pages instead of reading them."""
    admin = _login(client, "admin")
    assert selectors.remediation_selectors.appraisal_queue(admin).exists()  # there is a queue
    with django_assert_max_num_queries(8):
        html = client.get(reverse("home")).content.decode()
    assert 'data-testid="todo-administrator"' in html and 'data-testid="todo-appraisal"' not in html
    assert f'href="{reverse("remediation:queue-appraisal")}"' in html
    assert f'href="{reverse("remediation:queue-verification")}"' in html
    assert "Hiện không có việc nào đang chờ đồng chí" not in html
