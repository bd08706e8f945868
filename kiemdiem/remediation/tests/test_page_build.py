"""What the plan and item pages build (issue 17, session 7): the item page's forms only where it
shows them, within a query ceiling; the plan page's findings marked from the items it read; the
responsible people read by id."""

import datetime

import pytest
from django.db.models import Q
from django.urls import reverse

from kiemdiem.org.models import Membership, Person, Position
from kiemdiem.remediation.forms import responsible_people
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.tests.test_views import accepted, report_done
from kiemdiem.reviews import services as review_services

ITEM_FORMS = ("progress_form", "verify_form", "cancel_form", "replace_form")

# The item page: session, user, access (3), the item with its plan, unit, person, cycle, review
# and who is responsible (1), the plan's recipients (1), the latest "done" report (a recipient
# only, 1), the replace form's first units and people (2, its preparers only), the progress
# reports and their files (2), history (1). Before session 7: 12 for the preparer (the replace
# form built for everyone; the recipients read twice; the plan's person read by the title).
ITEM_PAGE_QUERIES = {"cell_secretary": 10, "appraiser": 9}


@pytest.mark.parametrize("who", sorted(ITEM_PAGE_QUERIES))
@pytest.mark.usefixtures("built_pages")
def test_item_page_builds_only_the_forms_it_shows(
    client, request, plan, action, cell_secretary, appraiser, who, django_assert_max_num_queries
):
    accepted(plan, action, cell_secretary, appraiser)
    if who == "appraiser":  # reported done: the recipient verifies it
        report_done(action, cell_secretary)
    client.force_login(request.getfixturevalue(who))
    url = reverse("remediation:action-detail", args=[action.pk])
    with django_assert_max_num_queries(ITEM_PAGE_QUERIES[who]):
        response = client.get(url)
    assert response.status_code == 200
    built = {name for name in ITEM_FORMS if response.context[name] is not None}
    assert (
        built
        == {
            "cell_secretary": {"progress_form", "cancel_form", "replace_form"},
            "appraiser": {"verify_form"},
        }[who]
    )
    page = response.content.decode()
    assert ('data-testid="progress-form"' in page) == (who == "cell_secretary")
    assert ('data-testid="verify-form"' in page) == (who == "appraiser")
    assert (reverse("remediation:action-replace", args=[action.pk]) in page) == (
        who == "cell_secretary"
    )


@pytest.mark.usefixtures("built_pages")
def test_item_page_refusal_keeps_the_posted_form(client, plan, action, cell_secretary, appraiser):
    """A refused post shows the page again with the posted form (its error), built or not."""
    accepted(plan, action, cell_secretary, appraiser)
    client.force_login(cell_secretary)
    url = reverse("remediation:action-progress", args=[action.pk])
    response = client.post(url, {"version": action.version, "status": "in_progress"})
    assert response.status_code == 200
    assert response.context["progress_form"].errors  # the percent and the narrative are missing
    assert response.context["verify_form"] is None


def test_plan_page_marks_the_findings_without_items(client, plan, action, office):
    uncovered = review_services.finding_add(
        review=plan.review, by=office, text="Chưa kiểm tra đảng viên", area="leadership"
    )
    client.force_login(office)
    response = client.get(reverse("remediation:plan-detail", args=[plan.pk]))
    assert response.context["covered_findings"] == {
        f.pk for f in plan.review.findings.all() if f.pk != uncovered.pk
    }
    page = response.content.decode()
    assert page.count("chưa có nội dung khắc phục") == 1
    row = page[page.index("Chưa kiểm tra đảng viên") :]
    assert row.index("chưa có nội dung khắc phục") < row.index("</li>")


def test_responsible_people_are_the_person_members_and_leaders(plan, org_tree, travel_to):
    personal = RemediationPlan.objects.filter(cycle=plan.cycle, person__isnull=False).first()
    for one in (plan, personal):
        unit = one.unit
        expected = Person.objects.filter(
            Q(pk=one.person_id)
            | Q(pk__in=Membership.objects.current().filter(unit=unit).values("person_id"))
            | Q(
                pk__in=Position.objects.current()
                .filter(unit__path__startswith=unit.path, unit__depth__lte=unit.depth + 1)
                .values("person_id")
            )
        ).order_by("sort_key", "pk")
        people = responsible_people(one)
        assert list(people.order_by("sort_key", "pk")) == list(expected)
        assert people.exists()
        if one.person_id:
            assert people.filter(pk=one.person_id).exists()
    # a person who left the cell is offered no more
    gone = Membership.objects.current().filter(unit=plan.unit).first()
    gone.valid_to = datetime.date(2025, 12, 31)
    gone.save(update_fields=["valid_to"])
    if not Position.objects.current().filter(person_id=gone.person_id).exists():
        assert not responsible_people(plan).filter(pk=gone.person_id).exists()


def test_plan_items_findings_from_the_review_or_read_as_usual(plan, action, open_cycle):
    """The items' findings taken from the review's (the plan page) are those a prefetch gives;
    a finding of another review (never written by the services) is read as usual."""
    from kiemdiem.remediation import selectors
    from kiemdiem.reviews.models import Finding

    findings = list(Finding.objects.filter(review=plan.review).order_by("id"))
    expected = [(a.pk, list(a.findings.all())) for a in PlanAction.objects.filter(plan=plan)]
    got = selectors.plan_actions(plan, findings)
    assert [(a.pk, list(a.findings.all())) for a in got] == expected
    assert expected[0][1]  # the item remedies the finding
    other = RemediationPlan.objects.filter(cycle=open_cycle).exclude(pk=plan.pk).first()
    foreign = Finding.objects.create(review=other.review, unit=other.unit, text="Của nơi khác")
    PlanAction.findings.through.objects.create(planaction_id=action.pk, finding_id=foreign.pk)
    got = selectors.plan_actions(plan, findings)
    assert foreign in got[0].findings.all()
