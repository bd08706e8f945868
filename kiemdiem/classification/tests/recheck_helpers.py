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
