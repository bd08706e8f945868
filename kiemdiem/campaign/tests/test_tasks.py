"""Opening a cycle is a queued job: the page answers at once, the job page follows it."""

import datetime

import pytest
from django.urls import reverse

from conftest import CYCLE_DATES, PARTICIPATING
from kiemdiem.core.models import Job
from kiemdiem.core.tasks import run_job, run_queued
from kiemdiem.reviews import services
from kiemdiem.reviews.models import Review, ReviewCycle


@pytest.fixture
def draft(org_tree, office, travel_to):
    travel_to(datetime.date(2026, 1, 5))
    return services.cycle_create(
        by=office,
        title="Kiểm điểm khi cần thiết",
        kind="ad_hoc",
        year=2025,
        directive_number="7-CV/TU",
        directive_date=datetime.date(2025, 12, 1),
        directive_issuer="Ban Thường vụ Tỉnh ủy",
        scope_unit=org_tree.province_a,
        participating_kinds=PARTICIPATING,
        **CYCLE_DATES,
    )


def test_opening_waits_in_the_queue_and_the_job_page_follows_it(
    client, draft, office, outsider, settings
):
    settings.KIEMDIEM_TASKS_EAGER = False
    client.force_login(office)
    url = reverse("campaign:cycle-open", args=[draft.pk])
    response = client.post(url, {"reason": "Theo Công văn 7-CV/TU", "version": draft.version})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert ReviewCycle.objects.get(pk=draft.pk).status == "draft"  # nothing done in the request
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Đang chờ tiến trình nền" in html and 'hx-trigger="every 2s"' in html
    progress = client.get(reverse("job-progress", args=[job.pk]))
    assert "HX-Refresh" not in progress

    assert run_queued() == 1
    job.refresh_from_db()
    assert job.ok and job.result.startswith("Đã triển khai đợt kiểm điểm: tạo 8 bản kiểm điểm")
    assert ReviewCycle.objects.get(pk=draft.pk).status == "open"
    assert client.get(reverse("job-progress", args=[job.pk]))["HX-Refresh"] == "true"
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Hoàn tất" in html and job.result in html and draft.get_absolute_url() in html
    # Someone else's job is not theirs to see.
    client.force_login(outsider)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("job-progress", args=[job.pk])).status_code == 404


def test_a_second_delivery_of_a_finished_job_changes_nothing(client, draft, office, settings):
    settings.KIEMDIEM_TASKS_EAGER = False
    client.force_login(office)
    client.post(
        reverse("campaign:cycle-open", args=[draft.pk]),
        {"reason": "Theo Công văn 7-CV/TU", "version": draft.version},
    )
    job = Job.objects.get()
    run_queued()
    reviews = Review.objects.filter(cycle=draft).count()
    assert run_job(job.pk, "kiemdiem.campaign.tasks.cycle_open", draft.pk, office.pk, "x", 1) == (
        "đã xong từ trước"
    )
    assert Review.objects.filter(cycle=draft).count() == reviews


def test_a_refused_opening_is_the_jobs_result_not_a_retry(client, draft, office, settings):
    settings.KIEMDIEM_TASKS_EAGER = False
    client.force_login(office)
    client.post(
        reverse("campaign:cycle-open", args=[draft.pk]),
        {"reason": "Theo Công văn 7-CV/TU", "version": draft.version + 5},  # a stale version
    )
    run_queued()
    job = Job.objects.get()
    assert job.ok is False and "người khác" in job.result
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Không thực hiện được" in html and job.result in html
    assert ReviewCycle.objects.get(pk=draft.pk).status == "draft"
