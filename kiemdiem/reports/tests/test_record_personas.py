"""Who may record, decide and read the records that feed the rating, persona by persona, in one
table: a member of cell A1, the cell's secretary, the province's secretary (a leader, not an
office), the district's standing committee, the offices of the grassroots committee A1 and of
province A, the grassroots committee's inspection committee, and province B's office.

The subjects: a discipline decision of grassroots committee A1 about a member of cell A1, that
member's votes in a poll of the same committee, a suggestion of the committee to cell A1 with
its dossier, and a commitment of another member of the cell."""

import datetime

import pytest

from conftest import START, make_user
from kiemdiem.confidence import services as confidence_services
from kiemdiem.confidence.models import ConfidencePoll, ConfidenceResult
from kiemdiem.confidence.permissions import can_hold_poll, can_record_result
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.discipline import services as discipline_services
from kiemdiem.discipline.models import DisciplineCase, DisciplineForm
from kiemdiem.discipline.permissions import (
    can_annul_case,
    can_decide_case,
    can_record_discipline,
    can_resolve_appeal,
)
from kiemdiem.org import services as org_services
from kiemdiem.org.models import AccessRole
from kiemdiem.reviews import suggestions
from kiemdiem.reviews.models import Review, ReviewDossier, ReviewSuggestion
from kiemdiem.reviews.permissions import (
    can_answer_suggestion,
    can_file_commitment,
    can_prepare_dossier,
    can_suggest_for,
    can_vet_dossier,
)

D = datetime.date
PERSONAS = [
    "member",
    "cell_secretary",
    "unit_head",
    "overseer",
    "appraiser",
    "office",
    "inspector",
    "outsider",
]


@pytest.fixture
def inspector(org_tree):
    """Inspection committee of grassroots committee A1 (ủy ban kiểm tra đảng ủy)."""
    user = make_user("ubkt_cs")
    org_services.access_grant(
        user=user,
        unit=org_tree.grassroots_a1,
        role=AccessRole.INSPECTION,
        by=SYSTEM,
        valid_from=START,
    )
    return user


@pytest.fixture
def people(member, cell_secretary, unit_head, overseer, appraiser, office, inspector, outsider):
    return {
        "member": member,
        "cell_secretary": cell_secretary,
        "unit_head": unit_head,
        "overseer": overseer,
        "appraiser": appraiser,
        "office": office,
        "inspector": inspector,
        "outsider": outsider,
    }


@pytest.fixture
def records(org_tree, open_cycle, office):
    subject = org_tree.members_a1[0]  # the persona "member"
    case = discipline_services.case_record(
        by=office,
        deciding_unit=org_tree.grassroots_a1,
        authority="standing",
        person=subject,
        violation="Vi phạm quy định về đảng phí",
        violation_on=D(2025, 9, 1),
        violation_area="discipline",
        form=DisciplineForm.WARNING,
        decision_number="12-QĐ/ĐU",
        decided_on=D(2025, 12, 1),
    )
    poll = confidence_services.poll_create(
        by=office,
        title="Lấy phiếu tín nhiệm",
        body_unit=org_tree.grassroots_a1,
        held_on=D(2025, 11, 20),
        convened_count=9,
        present_count=9,
    )
    result = confidence_services.result_add(
        poll=poll,
        person=subject,
        by=office,
        title="Ủy viên",
        appointed_on=D(2020, 10, 1),
        high_count=9,
    )
    review = Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    suggestion = suggestions.suggestion_issue(
        review=review,
        by=office,
        issuing_unit=org_tree.grassroots_a1,
        document_number="45-CV/ĐU",
        document_date=D(2026, 1, 8),
        grounds=["disunity"],
        items=["Làm rõ tình trạng mất đoàn kết"],
    )
    dossier = ReviewDossier.objects.get(cycle=open_cycle, unit=org_tree.cell_a1)
    return {"case": case, "poll": poll, "result": result, "suggestion": suggestion, "d": dossier}


def who(people, check) -> set[str]:
    return {name for name, user in people.items() if check(user)}


def test_who_may_record_decide_and_read(org_tree, people, records):
    case, result, dossier = records["case"], records["result"], records["d"]
    expulsion = DisciplineCase(
        person=case.person, unit=case.unit, deciding_unit=case.deciding_unit, form="expulsion"
    )
    item = records["suggestion"].items.get()
    other_member = org_tree.members_a1[2]
    body = org_tree.grassroots_a1
    expected = {
        # discipline: recorded by the body's office or inspection committee (or above them)...
        "record a case": (
            lambda u: can_record_discipline(u, body),
            {"appraiser", "office", "inspector"},
        ),
        # ...an expulsion, which ends the membership, by the office keeping the member's records
        "decide an expulsion": (
            lambda u: can_decide_case(u, expulsion),
            {"appraiser", "office"},
        ),
        # an appeal is settled by the level above the deciding body, not by the body itself
        "settle an appeal": (lambda u: can_resolve_appeal(u, case), {"office"}),
        "annul a wrongful decision": (
            lambda u: can_annul_case(u, case),
            {"appraiser", "office", "inspector"},
        ),
        # read: the body's office and inspection committee, those above, the person; not the
        # cell's secretary, the province's secretary or the district's standing committee
        "read the case": (
            lambda u: DisciplineCase.objects.visible_to(u).filter(pk=case.pk).exists(),
            {"member", "appraiser", "office", "inspector"},
        ),
        # confidence votes: the poll is held by the committee's Organization Board
        "hold a poll": (lambda u: can_hold_poll(u, body), {"appraiser", "office"}),
        "enter a person's votes": (
            lambda u: can_record_result(u, result),
            {"appraiser", "office"},
        ),
        "read a person's votes": (
            lambda u: ConfidenceResult.objects.visible_to(u).filter(pk=result.pk).exists(),
            {"member", "appraiser", "office", "inspector"},
        ),
        # the poll itself (numbers of the conference, no one's votes): the subtree's readers
        "see the poll": (
            lambda u: ConfidencePoll.objects.visible_to(u).filter(pk=result.poll_id).exists(),
            {"member", "unit_head", "overseer", "appraiser", "office", "inspector"},
        ),
        # suggestions: issued by the upper committee, answered by the cell, vetted above it
        "issue a suggestion": (lambda u: can_suggest_for(u, body), {"appraiser", "office"}),
        "read the suggestion": (
            lambda u: ReviewSuggestion.objects.visible_to(u).exists(),
            {"member", "cell_secretary", "unit_head", "overseer", "appraiser", "office"}
            | {"inspector"},
        ),
        # (the leaders of the cell and of the committees above it, the offices over it; the
        # inspection committee sees the subtree but writes no review)
        "answer a suggested point": (
            lambda u: can_answer_suggestion(u, item),
            {"cell_secretary", "unit_head", "overseer", "appraiser", "office"},
        ),
        "send the dossier": (
            lambda u: can_prepare_dossier(u, dossier),
            {"cell_secretary", "unit_head", "overseer", "appraiser", "office"},
        ),
        "vet the dossier": (lambda u: can_vet_dossier(u, dossier), {"appraiser", "office"}),
        # a commitment: the member, the cell's leaders (and those above) and the offices over it
        "file another member's commitment": (
            lambda u: can_file_commitment(u, other_member),
            {"cell_secretary", "unit_head", "overseer", "appraiser", "office"},
        ),
    }
    found = {action: who(people, check) for action, (check, _allowed) in expected.items()}
    assert found == {action: allowed for action, (_check, allowed) in expected.items()}
