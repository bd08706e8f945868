"""Schema-based fuzzing: every operation of the OpenAPI schema, with generated parameters and
bodies (valid and invalid), sent as the province office with a real token. No answer may be 5xx.

Path ids are every other example swapped for real objects of the province (one of each kind,
a periodic report included), so the generated bodies reach the services and not only the 404 of
a random id. The examples are derandomized and the swap alternates, so every run sends the same
requests. Every error answer must also be the JSON shape with a Vietnamese message.
"""

from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from kiemdiem.api.services import token_create
from kiemdiem.api.tests import classification
from kiemdiem.api.tests.records import PREFIXES, records_of_province_a
from kiemdiem.documents.services import document_register
from kiemdiem.oversight.tests.helpers import oversight_objects
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reports import services as report_services
from kiemdiem.reports.models import ReportPeriod
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import Review
from kiemdiem.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)

EXAMPLES = 12


@pytest.fixture
def keep_connection():
    """The real WSGI handler closes the DB connection after each request; inside a test that
    would close the test's transaction (Django's test Client disconnects the same signals)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_setup(keep_connection, open_cycle, org_tree, office, cell_secretary, oversight):
    from kiemdiem.remediation import services as plan_services

    review = Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person=None)
    finding = review_services.finding_add(
        review=review, by=cell_secretary, text="Sinh hoạt chưa đều", area="leadership"
    )
    plan = RemediationPlan.objects.get(review=review)
    item = plan_services.action_add(plan=plan, by=cell_secretary, content="Sinh hoạt đúng kỳ")
    period = ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on").first()
    # The office's own unit: a report it may write (PATCH, submit), not only read.
    report = report_services.report_create(period=period, unit=org_tree.province_a, by=office)
    _token, key = token_create(user=office, name="fuzz")
    records = records_of_province_a(open_cycle, org_tree, office)
    objects = {
        **{PREFIXES[basename]: obj for basename, obj in records.items()},
        **{
            classification.PREFIXES[basename]: obj
            for basename, obj in classification.classification_of_province_a(
                org_tree, office
            ).items()
        },
        "units": org_tree.cell_a1,
        "people": org_tree.members_a1[0],
        "positions": org_tree.cell_a1.positions.first(),
        "cycles": open_cycle,
        "reviews": review,
        "findings": finding,
        "plans": plan,
        "plan-items": item,
        "reports": report,
        # documents/{kind}/{id}/…: the kind is fuzzed, the id is the plan's (a real kind's object)
        "documents": plan,
        "outgoing-documents": document_register(
            unit=org_tree.cell_a1, doc_type="KH", by=office, title="Kế hoạch"
        ),
        **oversight_objects(oversight, open_cycle, org_tree, office),
    }
    return {"Authorization": f"Token {key}"}, objects


def json_error_in_vietnamese(ctx, response, case):
    """A schemathesis check: 4xx answers are {code, message} with a Vietnamese message."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict) and body.get("code"), body
    assert not str(body.get("message", "")).isascii(), body
    for messages in (body.get("fields") or {}).values():
        for message in messages if isinstance(messages, list) else [messages]:
            if isinstance(message, str):
                assert not message.isascii(), body
    return None


def test_no_operation_answers_5xx(fuzz_setup):
    """One test over all operations, so the province is set up once (not once per operation)."""
    headers, objects = fuzz_setup
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35

    turns: Counter = Counter()  # examples seen per operation: every other one gets real ids
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            resource = case.path.split("/")[3]
            turns[case.method, case.path] += 1
            if "id" in (case.path_parameters or {}) and turns[case.method, case.path] % 2:
                obj = objects[resource]
                case.path_parameters["id"] = obj.pk
                if isinstance(case.body, dict) and "version" in case.body:
                    # The current version, so that valid bodies get past the 409 to the service.
                    case.body["version"] = type(obj).objects.get(pk=obj.pk).version
                    (case.headers or {}).pop("If-Match", None)
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, json_error_in_vietnamese]
            )

        call()
