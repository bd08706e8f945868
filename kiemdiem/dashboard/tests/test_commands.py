import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from conftest import START, make_user
from kiemdiem.core.models import MailState, Notification, SummaryDelta
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.org.models import PositionRole
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import RemediationPlan

from .helpers import assert_summaries_match

D = datetime.date


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_merge_summaries_prints_one_line(open_cycle):
    pending = SummaryDelta.objects.count()
    out = run("merge_summaries")
    assert out.startswith(f"Đã tổng hợp {pending} thay đổi") and out.count("\n") == 1
    assert_summaries_match(open_cycle)
    assert run("merge_summaries").startswith("Đã tổng hợp 0 thay đổi")


def test_rebuild_summaries_for_one_cycle_or_all(open_cycle):
    out = run("rebuild_summaries", "--cycle", str(open_cycle.pk))
    assert out.startswith("Đã tính lại số liệu của 1 đợt (6 đơn vị)")
    assert not SummaryDelta.objects.exists()
    assert_summaries_match(open_cycle)
    assert run("rebuild_summaries").startswith("Đã tính lại số liệu của 1 đợt")
    with pytest.raises(CommandError, match="Không có đợt"):
        run("rebuild_summaries", "--cycle", "999")


@pytest.fixture
def people_with_mail(org_tree):
    """A member of cell A1 and the cell's secretary, both with a login and an e-mail address."""
    member = org_tree.members_a1[0]
    member.user = make_user("dangvien_a1", email="duc@example.vn")
    member.save(update_fields=["user"])
    secretary = org_tree.members_a1[1]
    secretary.user = make_user("bithu_cb", email="huong@example.vn")
    secretary.save(update_fields=["user"])
    org_services.position_add(
        person=secretary,
        unit=org_tree.cell_a1,
        role=PositionRole.SECRETARY,
        valid_from=START,
        by=SYSTEM,
    )
    return member, secretary


def test_worker_sends_each_reminder_once(open_cycle, org_tree, office, people_with_mail, travel_to):
    member, secretary = people_with_mail
    plan = RemediationPlan.objects.get(cycle=open_cycle, person=member)
    plan_services.action_add(
        plan=plan,
        by=office,
        content="Đọc tài liệu",
        responsible_person=member,
        due_date=D(2026, 2, 1),
    )
    travel_to(D(2026, 2, 13))  # plans due 15/02: within 3 days; the item is overdue since 01/02
    out = run("worker", "--once")
    assert out.count("\n") == 1 and "1 nội dung" in out and "gửi 2 thư" in out
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"duc@example.vn", "huong@example.vn"}
    assert "Kế hoạch khắc phục của Nguyễn Văn Đức" in by_address["duc@example.vn"].body
    assert "Đọc tài liệu" in by_address["duc@example.vn"].body
    # The secretary answers for the cell's plan and for her own.
    assert "Kế hoạch khắc phục của Chi bộ Tổ Toán" in by_address["huong@example.vn"].body
    assert "Kế hoạch khắc phục của Trần Thị Hương" in by_address["huong@example.vn"].body
    assert Notification.objects.filter(mail_state=MailState.SENT).count() == 4

    mail.outbox.clear()
    assert "gửi 0 thư" in run("worker", "--once")
    assert mail.outbox == []
    assert_summaries_match(open_cycle)


def test_failed_mail_is_tried_again(open_cycle, people_with_mail, travel_to, settings):
    travel_to(D(2026, 2, 14))
    settings.EMAIL_BACKEND = "kiemdiem.dashboard.tests.test_commands.FailingBackend"
    assert "2 lỗi" in run("worker", "--once")
    assert not Notification.objects.filter(mail_state=MailState.SENT).exists()
    assert Notification.objects.filter(mail_state=MailState.PENDING).count() == 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert "gửi 2 thư" in run("worker", "--once")


def test_no_reminder_before_the_window(open_cycle, people_with_mail, travel_to):
    travel_to(D(2026, 2, 1))
    assert "gửi 0 thư" in run("worker", "--once")


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP không phản hồi")
