"""One object of each classification resource in province A, for the tests that walk every
endpoint (scoping, fuzzing): the 2025 round published and a re-check of it (today in 2026)."""

from kiemdiem.classification.models import Rating, SubjectKind

# basename → URL prefix
PREFIXES = {
    "rating-round": "rating-rounds",
    "rating": "ratings",
    "recheck-campaign": "recheck-campaigns",
    "recheck-task": "recheck-tasks",
    "recheck-item": "recheck-items",
}


def classification_of_province_a(org_tree) -> dict:
    from kiemdiem.classification.tests.recheck_helpers import recheck_of_province_a

    campaign = recheck_of_province_a(org_tree)
    rating = Rating.objects.get(
        person=org_tree.members_a1[0], subject_kind=SubjectKind.MEMBER, round__year=2025
    )
    task = campaign.tasks.get(unit=rating.deciding_unit)
    return {
        "rating-round": rating.round,
        "rating": rating,
        "recheck-campaign": campaign,
        "recheck-task": task,
        "recheck-item": task.items.get(rating=rating),
    }
