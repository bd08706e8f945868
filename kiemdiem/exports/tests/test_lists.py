"""Every list page exports: each registered list gives a workbook with Vietnamese headers to
someone who may see it, and a Vietnamese refusal (nothing recorded) for a scope they cannot."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.exports.models import ExportJob
from kiemdiem.exports.registry import EXPORTS
from kiemdiem.reports.models import ReportPeriod
from kiemdiem.reviews.models import Review


def _export(client, kind, **params):
    data = {"kind": kind, "next": "/", **{f"p_{k}": v for k, v in params.items()}}
    return client.post(reverse("exports:create"), data)


def _params(kind: str, cycle, org_tree, request=None) -> dict:
    if kind.startswith("oversight."):  # the oversight lists read the objects of the fixture
        objects = request.getfixturevalue("oversight_world")
        return {
            "oversight.group-assignments": {"group": objects["working-groups"].pk},
            "oversight.group-assessments": {"group": objects["working-groups"].pk},
            "oversight.group-members": {"group": objects["working-groups"].pk},
            "oversight.programme-activities": {"programme": objects["work-programmes"].pk},
            "oversight.plan-comments": {"plan": objects["implementation-plans"].pk},
            "oversight.plan-tasks": {"plan": objects["implementation-plans"].pk},
            "oversight.plan-conferences": {"plan": objects["implementation-plans"].pk},
        }.get(kind, {})
    if kind == "dashboard.oversight-assessments":  # a working group's, over the province
        group = request.getfixturevalue("oversight").group
        return {"cycle": cycle.pk, "unit": org_tree.province_a.pk, "group": group.pk}
    if kind.startswith("classification.recheck"):
        from kiemdiem.classification.tests.recheck_helpers import recheck_of_province_a

        campaign = recheck_of_province_a(org_tree)
        task = campaign.tasks.get(unit=org_tree.grassroots_a1)
        if kind == "classification.rechecks":
            return {}
        return {"campaign": campaign.pk} if kind.endswith("tasks") else {"task": task.pk}
    if kind in (
        "classification.round-groups",
        "classification.sheets",
        "classification.rating-quarters",
        "classification.rating-term-years",
    ):
        from kiemdiem.classification.tests.recheck_helpers import cases_of_province_a

        ids = cases_of_province_a(org_tree)
        return {
            "classification.round-groups": {"round": ids["round"]},
            "classification.sheets": {},
            "classification.rating-quarters": {"rating": ids["rating"]},
            "classification.rating-term-years": {"rating": ids["rating"]},
        }[kind]
    if kind.startswith("classification."):  # a rated year over province A
        round_ = request.getfixturevalue("classification_round")
        if kind == "classification.rounds":
            return {}
        unit = org_tree.grassroots_a1.pk
        return {"dot": round_.pk, "don_vi": unit, "doi_tuong": "member", "nhom": "open"}
    review = Review.objects.filter(cycle=cycle, unit=org_tree.cell_a1, person=None).first()
    period = ReportPeriod.objects.filter(cycle=cycle).order_by("ends_on").first()
    unit = org_tree.grassroots_a1
    return {
        "remediation.plans": {},
        "remediation.queue-appraisal": {},
        "remediation.queue-verification": {},
        "remediation.plan-items": {"plan": review.plan.pk},
        "reviews.cycle-reviews": {"cycle": cycle.pk},
        "reviews.findings": {"review": review.pk},
        "reports.unit-reports": {"unit": unit.pk},
        "reports.rollup": {"unit": unit.pk, "period": period.pk},
        "dashboard.metric-rows": {"cycle": cycle.pk, "unit": unit.pk, "metric": "plans_expected"},
        "dashboard.children": {"cycle": cycle.pk, "unit": unit.pk},
        "org.audit": {"unit": unit.code},
        "org.unit-members": {"unit": org_tree.cell_a1.pk},
        "discipline.cases": {"don_vi": unit.pk},
        "confidence.polls": {"don_vi": unit.pk},
        "confidence.results": {"don_vi": unit.pk, "co": "any"},
        "reviews.suggestions": {"don_vi": unit.pk},
        "reviews.commitments": {"don_vi": unit.pk, "nam": "2025"},
        "dashboard.oversight": {"cycle": cycle.pk, "unit": org_tree.province_a.pk},
        "documents.register": {"unit": org_tree.province_a.pk},
    }[kind]


@pytest.fixture
def oversight_world(oversight, open_cycle, org_tree, office):
    from kiemdiem.oversight.tests.helpers import oversight_objects

    return oversight_objects(oversight, open_cycle, org_tree, office)


@pytest.fixture
def classification_round(org_tree, office):
    from kiemdiem.classification import services

    return services.round_open(by=office, title="", year=2025, scope_unit=org_tree.province_a)


def test_every_list_page_has_an_export():
    assert set(EXPORTS) == {
        "remediation.plans",
        "remediation.queue-appraisal",
        "remediation.queue-verification",
        "remediation.plan-items",
        "reviews.cycle-reviews",
        "reviews.findings",
        "reports.unit-reports",
        "reports.rollup",
        "dashboard.metric-rows",
        "dashboard.children",
        "org.audit",
        "org.unit-members",
        "discipline.cases",
        "confidence.polls",
        "confidence.results",
        "reviews.suggestions",
        "reviews.commitments",
        "dashboard.oversight",
        "dashboard.oversight-assessments",
        "oversight.groups",
        "oversight.group-assignments",
        "oversight.group-assessments",
        "oversight.group-members",
        "oversight.member-assignments",
        "oversight.programme-activities",
        "oversight.late",
        "oversight.implementation-plans",
        "oversight.plan-comments",
        "oversight.plan-tasks",
        "oversight.plan-conferences",
        "oversight.notifications",
        "classification.rounds",
        "classification.round-ratings",
        "classification.statistics",
        "classification.statistics-units",
        "classification.statistics-ratings",
        "classification.lowest-two-years",
        "classification.rechecks",
        "classification.recheck-tasks",
        "classification.recheck-items",
        "classification.round-groups",
        "classification.sheets",
        "classification.rating-quarters",
        "classification.rating-term-years",
        "documents.register",
    }


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_list_exports_for_whoever_sees_it(client, open_cycle, org_tree, office, kind, request):
    client.force_login(office)
    response = _export(client, kind, **_params(kind, open_cycle, org_tree, request))
    assert response.status_code == 200, client.get("/").content.decode()[-2000:]
    header = next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert header and all(isinstance(h, str) and h for h in header)
    assert not any(h.isascii() and "_" in h for h in header)  # no code names as headers


SCOPED = sorted(
    k
    for k in EXPORTS
    if k
    not in ("remediation.plans", "remediation.queue-appraisal", "remediation.queue-verification")
    # the user's own lists: what is in scope, nothing to refuse
    and k
    not in (
        "oversight.groups",
        "oversight.member-assignments",
        "oversight.late",
        "oversight.implementation-plans",
        "oversight.notifications",
        "classification.rounds",
        "classification.rechecks",
        "classification.sheets",  # the sheets of the user's scope and above it
    )
)


@pytest.mark.parametrize("kind", SCOPED)
def test_list_of_another_province_is_refused(client, open_cycle, org_tree, outsider, kind, request):
    client.force_login(outsider)
    response = _export(client, kind, **_params(kind, open_cycle, org_tree, request))
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "Không xuất được danh sách:" in page
    assert not ExportJob.objects.exists()


def test_audit_filters_by_names_typed_without_accents(client, org_tree, office):
    from kiemdiem.org import services

    services.unit_update(unit=org_tree.cell_a1b, by=office, name="Chi bộ Tổ Ngữ văn", reason="đổi")
    client.force_login(office)
    html = client.get(reverse("audit-list"), {"unit": "to ngu van"}).content.decode()
    assert "Chi bộ Tổ Ngữ văn" in html and "Tên đơn vị" in html  # the field by its label
    html = client.get(reverse("audit-list"), {"unit": "chi bo"}).content.decode()
    assert "Có nhiều đơn vị tên như “chi bo”" in html
    html = client.get(reverse("audit-list"), {"person": "khong ai ten nay"}).content.decode()
    assert "Không tìm thấy đảng viên nào tên như" in html
