"""On PostgreSQL the access statement of every request runs in a PL/pgSQL function, planned once
per connection (org.scoping): it must read exactly what the statement reads."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from conftest import GROUP_SET_UP
from kiemdiem.core.models import Notification, NotificationKind
from kiemdiem.org import scoping

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only: SQLite runs the statement itself (no functions)",
    ),
]


def statement_rows(user_id: int, day: datetime.date) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(scoping._ACCESS_SQL, {"u": user_id, "d": day})
        return cursor.fetchall()


def test_the_function_reads_the_rows_of_the_statement(oversight, office, member, unit_head):
    users = [
        office,  # a grant
        member,  # a cell membership
        unit_head,  # a leading position
        oversight.leader_user,  # a position and a group seat with its assigned unit
        oversight.member_user,  # a group seat only
        oversight.assigned_user,  # assigned in person
        oversight.unit_user,  # the overseen unit's secretary
    ]
    Notification.objects.create(user=member, kind=NotificationKind.PLAN_RETURNED, key="k1")
    Notification.objects.create(user=member, kind=NotificationKind.PLAN_DUE, key="k2")
    kinds = set()
    for user in users:
        for day in (timezone.localdate(), GROUP_SET_UP - datetime.timedelta(days=1)):
            rows = sorted(scoping._access_rows(user.pk, day), key=repr)
            assert rows == sorted(statement_rows(user.pk, day), key=repr), (user, day)
            kinds |= {row[0] for row in rows}
    # Every part of the UNION was compared on some row, the unread count among them.
    assert kinds == {"grant", "position", "member", "group", "assigned", "person", "unread"}
    assert ("unread", "", None, 2, None) in scoping._access_rows(member.pk, timezone.localdate())


def test_migrate_installs_the_function_of_this_code():
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [scoping.ACCESS_FUNCTION])
        (source,) = cursor.fetchone()
    assert scoping._ACCESS_SQL.replace("%(u)s", "$1").replace("%(d)s", "$2") in source
