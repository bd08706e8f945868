"""The task queue (django-q2): retries, several takers, periodic schedules, the worker command."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule, Task

from kiemdiem.core.tasks import enqueue, run_queued, schedules_sync

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


def flaky(label: str) -> str:
    """Fails on its first two deliveries, then succeeds."""
    CALLS.append(label)
    if len(CALLS) < 3:
        raise RuntimeError("mất kết nối tạm thời")
    return f"xong {label}"


@pytest.fixture(autouse=True)
def _reset():
    CALLS.clear()


def test_a_failed_task_is_delivered_again_after_retry_until_it_succeeds():
    enqueue(f"{__name__}.flaky", "a", name="thử", eager=False)
    start = timezone.now()
    assert run_queued() == 1 and CALLS == ["a"]
    assert run_queued() == 0  # not acknowledged, but held until `retry` has passed
    for later in (1, 2):
        with time_machine.travel(start + later * datetime.timedelta(seconds=Conf.RETRY + 10)):
            assert run_queued() == 1
    task = Task.objects.get()
    assert task.success and task.result == "xong a" and task.attempt_count == 3
    assert CALLS == ["a", "a", "a"] and not OrmQ.objects.exists()


def test_a_task_is_given_up_after_max_attempts():
    enqueue(f"{__name__}.always_fails", name="hỏng", eager=False)
    start = timezone.now()
    for later in range(Conf.MAX_ATTEMPTS):
        with time_machine.travel(start + later * datetime.timedelta(seconds=Conf.RETRY + 10)):
            assert run_queued() == 1
    task = Task.objects.get()
    assert not task.success and task.attempt_count == Conf.MAX_ATTEMPTS
    assert not OrmQ.objects.exists()  # acknowledged: no more deliveries


def always_fails() -> None:
    raise RuntimeError("luôn lỗi")


def test_two_takers_never_get_the_same_task():
    for n in range(5):
        enqueue(f"{__name__}.flaky", str(n), name=f"việc {n}", eager=False)
    first, second = get_broker(), get_broker()
    taken = [
        ack
        for broker in (first, second, first, second, first, second)
        for ack, _p in (broker.dequeue() or [])
    ]
    assert len(taken) == len(set(taken)) == 5


def test_enqueue_inside_a_rolled_back_transaction_leaves_no_task():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(f"{__name__}.flaky", "x", name="x", eager=False)
        raise RuntimeError("rollback")
    assert not OrmQ.objects.exists()


@override_settings(
    KIEMDIEM_SCHEDULES={
        "merge": ("kiemdiem.dashboard.tasks.summaries_merge", 1),
        "nightly": ("kiemdiem.core.tests.test_tasks.flaky", "02:30"),
    }
)
def test_schedules_follow_the_settings_and_keep_their_next_run():
    Schedule.objects.create(name="kiemdiem:old", func="x.y", schedule_type=Schedule.MINUTES)
    Schedule.objects.create(name="someone-else", func="x.y", schedule_type=Schedule.MINUTES)
    with time_machine.travel(datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC)):
        assert schedules_sync() == ["kiemdiem:merge", "kiemdiem:nightly"]
    nightly = Schedule.objects.get(name="kiemdiem:nightly")
    # 02:30 in Hà Nội is 19:30 UTC the day before: the next one after 17:00 local on 1 March.
    assert nightly.schedule_type == Schedule.DAILY
    assert nightly.next_run == datetime.datetime(2026, 3, 1, 19, 30, tzinfo=datetime.UTC)
    merge = Schedule.objects.get(name="kiemdiem:merge")
    assert merge.schedule_type == Schedule.MINUTES and merge.minutes == 1
    assert not Schedule.objects.filter(name="kiemdiem:old").exists()
    assert Schedule.objects.filter(name="someone-else").exists()
    Schedule.objects.filter(pk=merge.pk).update(
        next_run=merge.next_run + datetime.timedelta(seconds=40)
    )
    schedules_sync()  # a restart does not move the next runs
    assert Schedule.objects.get(pk=merge.pk).next_run == merge.next_run + datetime.timedelta(
        seconds=40
    )


def test_worker_once_runs_every_periodic_task(open_cycle):
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    line = out.getvalue()
    assert line.count("\n") == 1 and line.startswith("Tổng hợp ")
    assert "quá hạn mới" in line and "gửi 0 thư" in line


def test_background_work_page_is_for_administrators(client, admin, office):
    schedules_sync()
    enqueue(f"{__name__}.flaky", "x", name="Việc đang chờ", eager=False)
    enqueue("kiemdiem.dashboard.tasks.summaries_merge", name="Tổng hợp thử", eager=True)
    client.force_login(office)
    assert client.get("/tien-trinh-nen/").status_code == 403
    client.force_login(admin)
    html = client.get("/tien-trinh-nen/").content.decode()
    assert "kiemdiem:summary-merge" in html and "mỗi 1 phút" in html
    assert "Việc đang chờ" in html and "đang chờ" in html
    assert "Tổng hợp thử" in html and "tổng hợp 0 thay đổi" in html


def test_navigation_offers_the_new_pages_to_whom_they_serve(client, admin, office, member):
    client.force_login(admin)
    html = client.get("/").content.decode()
    assert 'href="/tien-trinh-nen/"' in html and 'href="/to-chuc/khoa-dang-nhap/"' in html
    client.force_login(office)
    html = client.get("/").content.decode()
    assert 'href="/tien-trinh-nen/"' not in html and 'href="/to-chuc/khoa-dang-nhap/"' in html
    client.force_login(member)
    assert 'href="/to-chuc/khoa-dang-nhap/"' not in client.get("/").content.decode()


def test_a_job_failing_on_every_delivery_ends_with_a_message_after_the_last_one():
    from kiemdiem.core.tasks import enqueue_job

    with override_settings(KIEMDIEM_TASKS_EAGER=False):
        job = enqueue_job(f"{__name__}.always_fails", name="Việc hỏng", by=None)
    start = timezone.now()
    for later in range(Conf.MAX_ATTEMPTS):
        with time_machine.travel(start + later * datetime.timedelta(seconds=Conf.RETRY + 10)):
            assert run_queued() == 1
        job.refresh_from_db()
        assert job.attempts == later + 1
        if later + 1 < Conf.MAX_ATTEMPTS:
            assert job.ok is None and job.stage.startswith("Lỗi, sẽ chạy lại: luôn lỗi")
    assert job.ok is False and job.finished_at is not None and job.stage == ""
    assert f"sau {Conf.MAX_ATTEMPTS} lần chạy" in job.result and "luôn lỗi" in job.result
    assert not OrmQ.objects.exists()


def test_jobs_the_queue_dropped_unfinished_are_ended_and_queued_ones_are_left():
    from kiemdiem.core.models import Job
    from kiemdiem.core.tasks import enqueue_job, jobs_expire

    with override_settings(KIEMDIEM_TASKS_EAGER=False):
        waiting = enqueue_job(f"{__name__}.always_fails", name="Còn trong hàng đợi", by=None)
    # A job whose worker was killed on its last delivery: no longer queued, never finished.
    killed = Job.objects.create(task_id="d" * 32, name="Bị dừng", attempts=Conf.MAX_ATTEMPTS)
    fresh = Job.objects.create(task_id="e" * 32, name="Vừa tạo")
    old = timezone.now() - datetime.timedelta(minutes=30)
    Job.objects.filter(pk__in=[waiting.pk, killed.pk]).update(created_at=old)

    assert jobs_expire() == "1 công việc dừng giữa chừng được kết thúc"
    killed.refresh_from_db()
    waiting.refresh_from_db()
    fresh.refresh_from_db()
    assert killed.ok is False and "dừng giữa chừng" in killed.result
    assert waiting.ok is None and fresh.ok is None
    assert jobs_expire().startswith("0 ")  # nothing twice


def half_done_then_refused(job_url: str) -> str:
    """Reports half of the work, then stops with the user's answer."""
    from kiemdiem.core.errors import DomainError
    from kiemdiem.core.models import Job
    from kiemdiem.core.tasks import job_progress

    job_progress(Job.objects.get(url=job_url).pk, "Đang làm", 5, 10)
    raise DomainError("Dừng ở giữa")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("stepwise", "done"), [(False, 0), (True, 5)])
def test_a_stepwise_job_shows_its_progress_the_others_commit_it_with_their_work(stepwise, done):
    """A job's work and its progress roll back together; a stepwise job's progress is written
    at once (its page shows it while the work goes on)."""
    from kiemdiem.core.tasks import enqueue_job

    url = f"/viec/{int(stepwise)}/"
    job = enqueue_job(
        f"{__name__}.half_done_then_refused", url, name="Việc", by=None, url=url, stepwise=stepwise
    )
    job.refresh_from_db()
    assert job.ok is False and job.result == "Dừng ở giữa"
    assert (job.done, job.total) == (done, 10 if stepwise else 0)
