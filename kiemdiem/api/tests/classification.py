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
    "record-import": "record-imports",
    "peer-group": "peer-groups",
}


def rating_workbook(rows: list[list]) -> bytes:
    """A workbook of past ratings with the template's headers."""
    from kiemdiem.transfer.tests.test_records_import import workbook

    return workbook("rating", rows).read()


ORG_2016 = [2016, "", "Tổ chức đảng", "CS38A1", "", "", "TSVM", "", "", "", ""]


def classification_of_province_a(org_tree, office) -> dict:
    """Also a checked (not yet written) import of one 2016 result, started by `office`."""
    from kiemdiem.classification.tests.recheck_helpers import recheck_of_province_a
    from kiemdiem.transfer import records_jobs

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
        "peer-group": rating.peer_group,
        "record-import": records_jobs.start(
            by=office, kind="rating", file_name="xep-loai.xlsx", content=rating_workbook([ORG_2016])
        )[0],
    }
