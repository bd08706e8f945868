"""The outsider-404 rule for every endpoint: what lies outside your scope does not exist.

The endpoints are enumerated from the router, so a new one is covered without editing this file.
"""

import pytest

from kiemdiem.api.tests.classification import classification_of_province_a
from kiemdiem.api.tests.records import records_of_province_a
from kiemdiem.api.urls import router
from kiemdiem.documents.services import document_register
from kiemdiem.oversight.tests.helpers import oversight_objects
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.reports import services as report_services
from kiemdiem.reports.models import ReportPeriod
from kiemdiem.reviews.models import Finding, Review


@pytest.fixture
def province_a_objects(open_cycle, org_tree, office, cell_secretary, oversight):
    from kiemdiem.remediation import services as plan_services
    from kiemdiem.reviews import services as review_services

    review = Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person=None)
    finding = review_services.finding_add(
        review=review, by=cell_secretary, text="Sinh hoạt chưa đều", area="leadership"
    )
    plan = RemediationPlan.objects.get(review=review)
    item = plan_services.action_add(plan=plan, by=cell_secretary, content="Sinh hoạt đúng kỳ")
    period = ReportPeriod.objects.filter(cycle=open_cycle).first()
    report = report_services.report_create(period=period, unit=org_tree.cell_a1, by=cell_secretary)
    position = org_tree.cell_a1.positions.first()
    records = records_of_province_a(open_cycle, org_tree, office)
    oversight_objects_by_prefix = oversight_objects(oversight, open_cycle, org_tree, office)
    return {
        **{basename: obj.pk for basename, obj in records.items()},
        **{k: obj.pk for k, obj in classification_of_province_a(org_tree, office).items()},
        "unit": org_tree.cell_a1.pk,
        "person": org_tree.members_a1[0].pk,
        "position": position.pk,
        "cycle": open_cycle.pk,
        "review": review.pk,
        "finding": finding.pk,
        "plan": plan.pk,
        "plan-item": item.pk,
        "report": report.pk,
        "outgoing-document": document_register(
            unit=org_tree.cell_a1, doc_type="KH", by=office, title="Kế hoạch"
        ).pk,
        # the oversight resources (router prefix → its basename)
        **{
            basename: oversight_objects_by_prefix[prefix].pk
            for prefix, _viewset, basename in router.registry
            if prefix in oversight_objects_by_prefix
        },
    }


def _urls(objects: dict) -> list[tuple[str, str]]:
    """(method, url) of every detail route and action, for the object of its resource."""
    calls = []
    for prefix, _viewset, basename in router.registry:
        pk = objects[basename]
        for pattern in router.get_urls():
            route = str(pattern.pattern).lstrip("^").rstrip("$")
            if not route.startswith(f"{prefix}/(?P<pk>") or "format" in route:
                continue
            url = "/api/v1/" + route.replace("(?P<pk>[^/.]+)", str(pk))
            methods = [m for m in pattern.callback.actions if m in ("get", "post", "patch")]
            calls += [(method, url) for method in methods]
    return calls


def test_every_detail_endpoint_answers_404_outside_the_scope(api, province_a_objects, outsider):
    client = api(outsider)
    calls = _urls(province_a_objects)
    # every resource, with its actions (submit, return, verify, dashboard …)
    assert len({url.split("/")[3] for _m, url in calls}) == len(router.registry)
    assert len(calls) >= 25
    for method, url in calls:
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["code"] == "not_found"


def test_lists_hold_nothing_outside_the_scope(api, province_a_objects, outsider, office):
    inside, outside = api(office), api(outsider)  # one token each (a user holds at most 10)
    for prefix, _viewset, basename in router.registry:
        own = inside.get(f"/api/v1/{prefix}/", {"page_size": 500}).json()["results"]
        assert province_a_objects[basename] in [row["id"] for row in own], prefix
        other = outside.get(f"/api/v1/{prefix}/", {"page_size": 500}).json()["results"]
        assert province_a_objects[basename] not in [row["id"] for row in other], prefix


def test_ids_out_of_scope_are_refused_in_request_bodies(
    api, province_a_objects, outsider, org_tree
):
    response = api(outsider).post(
        "/api/v1/units/",
        {
            "code": "X",
            "name": "Chi bộ X",
            "kind": "subordinate_cell",
            "parent": org_tree.cell_a1.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "phạm vi" in response.json()["fields"]["parent"][0]


def test_anonymous_gets_401_everywhere(api, province_a_objects):
    client = api(None)
    for method, url in _urls(province_a_objects)[:10]:
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Token")


def test_a_member_reads_own_cell_but_cannot_appraise(api, province_a_objects, member):
    client = api(member)
    plan = province_a_objects["plan"]
    assert client.get(f"/api/v1/plans/{plan}/").status_code == 200
    response = client.post(f"/api/v1/plans/{plan}/accept/", {"version": 1}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "thẩm định" in response.json()["message"]
    assert RemediationPlan.objects.get(pk=plan).status == "draft"
    assert Finding.objects.count() == 1 and PlanAction.objects.count() == 1
