"""One object of each resource of the records API in province A, for the tests that walk every
endpoint (scoping, fuzzing)."""

import datetime

from kiemdiem.reviews.models import Review

# basename → URL prefix
PREFIXES = {
    "discipline-case": "discipline-cases",
    "confidence-poll": "confidence-polls",
    "confidence-result": "confidence-results",
    "suggestion": "suggestions",
    "review-dossier": "review-dossiers",
    "commitment": "commitments",
}


def records_of_province_a(cycle, org_tree, office) -> dict:
    """By basename: a proposed case, a draft poll with one result, a suggestion (and its
    dossier), a commitment."""
    from kiemdiem.confidence import services as confidence_services
    from kiemdiem.discipline import services as discipline_services
    from kiemdiem.reviews import commitments, suggestions

    person = org_tree.members_a1[0]
    case = discipline_services.case_open(
        by=office,
        deciding_unit=org_tree.grassroots_a1,
        authority="inspection",
        person=person,
        violation="Vi phạm quy chế",
        violation_on=datetime.date(2025, 10, 1),
        violation_area="discipline",
    )
    poll = confidence_services.poll_create(
        by=office,
        title="Lấy phiếu",
        body_unit=org_tree.grassroots_a1,
        held_on=datetime.date(2026, 1, 9),
        convened_count=10,
        present_count=9,
    )
    result = confidence_services.result_add(
        poll=poll, person=person, by=office, title="Ủy viên", appointed_on=datetime.date(2025, 7, 1)
    )
    review = Review.objects.get(cycle=cycle, person=org_tree.members_a1[1])
    suggestion = suggestions.suggestion_issue(
        review=review,
        by=office,
        issuing_unit=org_tree.province_a,
        document_number="1-CV/TU",
        document_date=datetime.date(2026, 1, 8),
        grounds=["violations"],
        items=["Nội dung"],
    )
    commitment = commitments.commitment_file(person=person, year=2026, items=["Một"], by=office)
    return {
        "discipline-case": case,
        "confidence-poll": poll,
        "confidence-result": result,
        "suggestion": suggestion,
        "review-dossier": cycle.dossiers.get(),
        "commitment": commitment,
    }
