"""A re-check campaign over province A's published 2025 results, for tests of other apps (the
export list, the API walks)."""

import datetime

from kiemdiem.classification import recheck, services
from kiemdiem.classification.models import Rating, RatingRound, RatingStatus
from kiemdiem.core.permissions import SYSTEM


def publish_all(round_: RatingRound, level: str = "good") -> None:
    """The year's results as published (the rating steps are tested in test_services)."""
    Rating.objects.filter(round=round_).exclude(status=RatingStatus.EXEMPT).update(
        status=RatingStatus.PUBLISHED,
        self_level=level,
        appraised_level=level,
        decided_level=level,
        decided_on=datetime.date(2025, 12, 25),
        published_on=datetime.date(2025, 12, 26),
    )


def recheck_of_province_a(org_tree, deadline=datetime.date(2026, 11, 30)):
    """Round 2025 over province A, all published, and a re-check of it (today must be in 2026)."""
    round_ = RatingRound.objects.filter(year=2025, scope_unit=org_tree.province_a).first()
    if round_ is None:
        round_ = services.round_open(
            by=SYSTEM, title="Xếp loại 2025", year=2025, scope_unit=org_tree.province_a
        )
    publish_all(round_)
    return recheck.campaign_open(
        by=SYSTEM,
        unit=org_tree.province_a,
        year=2025,
        deadline=deadline,
        document_number="45-CV/TU",
    )


def cases_of_province_a(org_tree) -> dict:
    """Province A's 2025 round with a member's first quarter recorded and a scoring sheet, for
    the export lists of exports_cases.py."""
    from kiemdiem.classification import cases
    from kiemdiem.classification.models import SubjectKind
    from kiemdiem.classification.rules import GOOD
    from kiemdiem.classification.tests.test_sheets import SHEET

    round_ = RatingRound.objects.filter(year=2025, scope_unit=org_tree.province_a).first()
    if round_ is None:
        round_ = services.round_open(
            by=SYSTEM, title="Xếp loại 2025", year=2025, scope_unit=org_tree.province_a
        )
    rating = Rating.objects.standing().get(
        round=round_, person=org_tree.members_a1[0], subject_kind=SubjectKind.MEMBER
    )
    cases.quarter_record(rating=rating, by=SYSTEM, quarter=1, level=GOOD, total=78)
    services.sheet_create(
        by=SYSTEM,
        unit=org_tree.province_a,
        scheme="qd366_2025",
        subject_kind="member",
        title="Bảng điểm đảng viên",
        criteria=SHEET,
    )
    return {"round": round_.pk, "rating": rating.pk}
