"""The history panel of the object pages (templates/includes/history.html, rendered by Jinja2
from core/jinja2/core/history.html): who, when, what changed in words, why."""

import datetime

import pytest
from django.template.loader import render_to_string

from conftest import make_user
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.org.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _panel(events) -> str:
    return render_to_string("includes/history.html", {"history": events})


def _event(**values) -> AuditEvent:
    values = {"action": AuditAction.UPDATE, "object_type": "org.unit", "object_id": "1", **values}
    return AuditEvent.objects.create(**values)


def test_each_row_says_who_when_what_and_why():
    office = make_user("vanphong_a")
    member = make_user("dangvien_a")
    person = PersonFactory(full_name="Lê Minh Anh")
    person.user = member
    person.save(update_fields=["user"])
    rows = [
        _event(
            actor=member,
            object_repr="Đảng bộ <b>tỉnh</b>",
            changes={"kind": ["commune", "province"], "name": ["Cũ", "Mới"]},
            reason="Sắp xếp theo Nghị quyết",
        ),
        _event(actor=office, changes={}),
        _event(changes={}, effective_on=datetime.date(2025, 1, 2)),
    ]
    html = _panel(list(reversed(rows)))
    assert html.startswith('<section class="card mt-4">') and html.endswith("</section>\n")
    first, second, third = html.split('<li class="list-group-item">')[1:]
    assert "Lê Minh Anh" in third  # the person of the account
    assert "Đảng bộ &lt;b&gt;tỉnh&lt;/b&gt;" in third  # escaped
    assert "Loại đơn vị</span>: Đảng bộ xã, phường, đặc khu → Đảng bộ tỉnh, thành phố" in third
    assert "Tên đơn vị</span>: Cũ → Mới" in third
    assert "Lý do: Sắp xếp theo Nghị quyết" in third
    assert "— vanphong_a" in second  # an account of no person: its user name
    assert "— hệ thống" in first  # no actor
    assert "Có hiệu lực từ ngày 02/01/2025 (ghi nhận sau)" in first
    assert "ghi nhận sau" not in second + third
    local = rows[0].at.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    assert f"<strong>{local:%d/%m/%Y %H:%M}</strong>" in third  # Vietnam's time


def test_no_rows_says_so():
    assert "Chưa có thay đổi nào được ghi nhận." in _panel([])
