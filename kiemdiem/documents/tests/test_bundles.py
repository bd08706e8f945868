"""A subtree's documents of one kind as one ZIP, built by the task queue (eager in tests)."""

import io
import zipfile

from django.urls import reverse
from docx import Document

from kiemdiem.core.models import Job
from kiemdiem.documents.kinds.plan import PLAN
from kiemdiem.documents.models import DocumentBundle
from kiemdiem.documents.services import document_issue
from kiemdiem.remediation.models import RemediationPlan


def test_the_province_office_gets_every_plan_of_a_cycle_in_one_zip(
    client, office, outsider, org_tree, open_cycle, plan, action, cell_secretary
):
    document_issue(kind=PLAN, obj=plan, by=office)  # one issued, the others drafts
    url = reverse("documents:bundles", args=[org_tree.province_a.pk])
    client.force_login(office)
    no_cycle = client.post(url, {"kind": PLAN.code}).content.decode()
    assert "Chọn đợt kiểm điểm" in no_cycle and not DocumentBundle.objects.exists()
    response = client.post(
        url, {"kind": PLAN.code, "cycle": open_cycle.pk, "organizations_only": "on"}
    )
    bundle = DocumentBundle.objects.get()
    job = Job.objects.get(pk=bundle.job_id)
    assert response.url == job.get_absolute_url()
    expected = RemediationPlan.objects.filter(
        cycle=open_cycle, unit__path__startswith=org_tree.province_a.path, person__isnull=True
    ).count()
    assert job.ok and job.total == expected and bundle.count == expected
    assert expected > 1
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(reverse("documents:bundle-file", args=[bundle.pk])).getvalue())
    )
    names = archive.namelist()
    assert len(names) == expected
    issued = [n for n in names if n.endswith(f"{plan.pk}-so-1.docx")]
    assert len(issued) == 1 and sum(n.endswith("-du-thao.docx") for n in names) == expected - 1
    header = Document(io.BytesIO(archive.read(issued[0]))).tables[0].rows[0].cells[0]
    assert header.paragraphs[-1].text == "Số 1-KH/CB"
    page = client.get(bundle.get_absolute_url()).content.decode()
    assert f"Đã tạo xong {expected} văn bản" in page
    # A bundle is its asker's.
    client.force_login(outsider)
    assert client.get(bundle.get_absolute_url()).status_code == 404
    assert client.get(reverse("documents:bundle-file", args=[bundle.pk])).status_code == 404
    assert client.get(url).status_code == 404


def test_nothing_to_bundle_is_refused(client, office, org_tree, open_cycle):
    client.force_login(office)
    url = reverse("documents:bundles", args=[org_tree.province_b.pk])
    assert client.get(url).status_code in (200, 404)
    own = reverse("documents:bundles", args=[org_tree.cell_a1.pk])
    page = client.post(own, {"kind": "ke-hoach-khac-phuc", "cycle": open_cycle.pk})
    assert page.status_code == 302  # the cell's own plan exists
    RemediationPlan.objects.filter(unit=org_tree.cell_a1).delete()
    empty = client.post(own, {"kind": "ke-hoach-khac-phuc", "cycle": open_cycle.pk})
    assert "Không có kế hoạch khắc phục" in empty.content.decode()


def test_old_zips_lose_their_file_not_their_row(client, office, org_tree, open_cycle, plan):
    import datetime

    from django.utils import timezone

    from kiemdiem.documents.bundles import bundles_expire

    client.force_login(office)
    url = reverse("documents:bundles", args=[org_tree.cell_a1.pk])
    client.post(url, {"kind": PLAN.code, "cycle": open_cycle.pk, "organizations_only": "on"})
    bundle = DocumentBundle.objects.get()
    assert bundle.file
    assert bundles_expire().startswith("0 ")  # a fresh one stays
    later = timezone.now() + datetime.timedelta(days=8)
    assert bundles_expire(now=later).startswith("1 ")
    bundle.refresh_from_db()
    assert not bundle.file and bundle.count == 1
    page = client.get(bundle.get_absolute_url()).content.decode()
    assert "đã được xóa sau 7 ngày" in page and "Tạo lại tập" in page
