"""What the plan and item pages build (issue 17, sessions 7 and 11): the item page's forms only
where it shows them, within a query ceiling, the rare ones (cancel, replace) only when asked for;
the plan page's findings marked from the items it read; the responsible people read by id."""

import datetime
import json

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiemdiem.org.models import Membership, Person, Position
from kiemdiem.remediation.forms import responsible_people
from kiemdiem.remediation.models import PlanAction, RemediationPlan
from kiemdiem.remediation.tests.test_views import accepted, report_done
from kiemdiem.reviews import services as review_services

ITEM_FORMS = ("progress_form", "verify_form", "cancel_form", "replace_form")

# The item page: session, user, access (3), the item with its plan, unit, person, cycle, review
# and who is responsible (1), the plan's recipients (1), the latest "done" report (a recipient
# only, 1), the progress reports and their files (2), history (1). Before session 7: 12 for the
# preparer (the replace form built for everyone; the recipients read twice; the plan's person
# read by the title); before session 11: 10 (the replace form's first units and people, 2, built
# for its preparers whether they replaced the item or not).
ITEM_PAGE_QUERIES = {"cell_secretary": 8, "appraiser": 9}
# The replace form's people picker searches here: on the page only with the form.
PICKER = "remediation:responsible-people"


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
    assert built == {"cell_secretary": {"progress_form"}, "appraiser": {"verify_form"}}[who]
    page = response.content.decode()
    assert ('data-testid="progress-form"' in page) == (who == "cell_secretary")
    assert ('data-testid="verify-form"' in page) == (who == "appraiser")
    # the preparer gets the buttons that open the rare forms, not the forms
    assert ('data-testid="open-replace"' in page) == (who == "cell_secretary")
    assert ('data-testid="open-cancel"' in page) == (who == "cell_secretary")
    assert reverse("remediation:action-replace", args=[action.pk]) not in page
    assert reverse("remediation:action-cancel", args=[action.pk]) not in page
    assert reverse(PICKER, args=[action.plan_id]) not in page


RARE = {"huy": ("cancel_form", "remediation:action-cancel"), "thay-the": ("replace_form", None)}


@pytest.mark.parametrize("key", sorted(RARE))
@pytest.mark.usefixtures("built_pages")
def test_item_page_opens_a_rare_form_when_asked(
    client, plan, action, cell_secretary, appraiser, key
):
    """`?mo=<key>` (the button's link without JavaScript): the page with that form open, its
    first field focused; the replace form's choices are read only then (2 queries)."""
    accepted(plan, action, cell_secretary, appraiser)
    client.force_login(cell_secretary)
    url = reverse("remediation:action-detail", args=[action.pk])
    with CaptureQueriesContext(connection) as closed:
        client.get(url)
    with CaptureQueriesContext(connection) as opened:
        response = client.get(f"{url}?mo={key}")
    assert response.status_code == 200
    name = RARE[key][0]
    built = {n for n in ITEM_FORMS if response.context[n] is not None}
    assert built == {"progress_form", name}
    assert len(opened) == len(closed) + (2 if key == "thay-the" else 0)
    page = response.content.decode()
    card = page[page.index(f'<section class="card mb-3" id="{key}">') :]
    card = card[: card.index("</section>")]
    assert 'aria-expanded="true"' in card and f'aria-controls="{key}-form"' in card
    assert "autofocus" in card and "<form" in card
    assert f'href="{url}#{key}"' in card  # the button closes it again
    assert (reverse(PICKER, args=[plan.pk]) in page) == (key == "thay-the")
    assert page.count("autofocus") == 1  # the other card stays closed
    other = next(k for k in RARE if k != key)
    assert f'href="{url}?mo={other}"' in page


@pytest.mark.parametrize("key", sorted(RARE))
def test_item_card_alone_for_htmx(client, plan, action, cell_secretary, appraiser, key):
    """`?the=<key>`: the card alone (htmx swaps it in), open with `mo`, closed without."""
    accepted(plan, action, cell_secretary, appraiser)
    client.force_login(cell_secretary)
    url = reverse("remediation:action-detail", args=[action.pk])
    response = client.get(f"{url}?the={key}&mo={key}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<section class="card mb-3" id="{key}">') and "<body" not in html
    assert "<form" in html and "autofocus" in html and 'aria-expanded="true"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert (reverse(PICKER, args=[plan.pk]) in html) == (key == "thay-the")
    closed = client.get(f"{url}?the={key}", HTTP_HX_REQUEST="true").content.decode()
    assert "<form" not in closed and 'aria-expanded="false"' in closed
    assert f'hx-get="{url}?the={key}&amp;mo={key}"' in closed


@pytest.mark.parametrize("query", ["mo=huy", "mo=thay-the", "the=huy&mo=huy", "the=thay-the"])
def test_rare_forms_refused_to_who_cannot_use_them(
    client, plan, action, cell_secretary, appraiser, member, outsider, query
):
    """A member of the cell (who sees the item, not a preparer), a closed item and an outsider
    get no form: 403 with the reason (for htmx also as a message), 404 outside the scope."""
    accepted(plan, action, cell_secretary, appraiser)
    url = reverse("remediation:action-detail", args=[action.pk]) + "?" + query
    client.force_login(member)
    assert client.get(url.split("?")[0]).status_code == 200
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    reason = "Chỉ người được kiểm điểm hoặc lãnh đạo đơn vị mới được lập kế hoạch này."
    assert reason in response.content.decode()
    assert json.loads(response["HX-Trigger"])["messages"] == [{"level": "error", "text": reason}]
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(cell_secretary)
    PlanAction.objects.filter(pk=action.pk).update(status="cancelled")
    response = client.get(url)
    assert response.status_code == 403
    assert "Nội dung này đã kết thúc" in response.content.decode()
    assert "HX-Trigger" not in response


def test_item_card_unknown_is_not_found(client, plan, action, cell_secretary, appraiser):
    accepted(plan, action, cell_secretary, appraiser)
    client.force_login(cell_secretary)
    url = reverse("remediation:action-detail", args=[action.pk])
    assert client.get(url + "?the=sua").status_code == 404
    page = client.get(url + "?mo=sua")  # an unknown form to open: the page as usual
    assert page.status_code == 200 and page.context["replace_form"] is None


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


@pytest.mark.usefixtures("built_pages")
def test_refused_replace_shows_its_form_open_with_its_errors(
    client, plan, action, cell_secretary, appraiser
):
    accepted(plan, action, cell_secretary, appraiser)
    client.force_login(cell_secretary)
    url = reverse("remediation:action-replace", args=[action.pk])
    data = {"version": action.version, "reason": "Đổi cách làm", "due_date": "30/06/2026"}
    response = client.post(url, data)  # no content, nobody responsible
    assert response.status_code == 200
    form = response.context["replace_form"]
    assert form.errors and form.data["reason"] == "Đổi cách làm"
    assert response.context["cancel_form"] is None
    page = response.content.decode()
    card = page[page.index('<section class="card mb-3" id="thay-the">') :]
    assert 'aria-expanded="true"' in card[: card.index("</section>")]
    assert 'data-testid="replace-form"' in page and "Đổi cách làm" in page
    assert "autofocus" not in page  # the errors are read in place; nothing was asked to open
    assert PlanAction.objects.filter(plan=plan).count() == 1
    action.refresh_from_db()
    assert action.status == "open"


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


@pytest.mark.usefixtures("built_pages")
def test_item_page_names_who_is_responsible_within_its_ceiling(
    client, plan, action, cell_secretary, appraiser, org_tree, django_assert_max_num_queries
):
    """The responsible unit and person are read with the item (as subqueries, part 14 of
    docs/performance.md), not each by a query of its own."""
    accepted(plan, action, cell_secretary, appraiser)
    person = Person.objects.filter(memberships__unit=org_tree.cell_a1).first()
    PlanAction.objects.filter(pk=action.pk).update(responsible_person=person)
    client.force_login(cell_secretary)
    url = reverse("remediation:action-detail", args=[action.pk])
    with django_assert_max_num_queries(ITEM_PAGE_QUERIES["cell_secretary"]):
        page = client.get(url).content.decode()
    assert f"{org_tree.cell_a1.name} {person.full_name}</dd>" in page
    PlanAction.objects.filter(pk=action.pk).update(responsible_unit=None, responsible_person=None)
    assert '<dt class="col-sm-3">Chịu trách nhiệm</dt><dd class="col-sm-9"> </dd>' in (
        client.get(url).content.decode()
    )
