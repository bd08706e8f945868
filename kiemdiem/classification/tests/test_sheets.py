"""A province's own scoring sheet under a scheme: checked against the scheme's groups, used by
the ratings of its subtree (the nearest sheet), fixed when the rating is opened."""

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.classification import services
from kiemdiem.classification.models import SubjectKind
from kiemdiem.classification.services import RuleRefused
from kiemdiem.classification.tests.conftest import rating_of
from kiemdiem.core.errors import DomainError
from kiemdiem.core.permissions import SYSTEM

SHEET = [
    {"code": "chinh_tri", "label": "Chính trị tư tưởng", "group": "general", "max_points": 15},
    {"code": "ky_luat", "label": "Kỷ luật, kỷ cương", "group": "general", "max_points": 15},
    {"code": "san_pham", "label": "Sản phẩm cụ thể", "group": "task_results", "max_points": 70},
]


def test_a_province_sheet_is_used_by_the_ratings_of_its_subtree(org_tree, office, today):
    sheet = services.sheet_create(
        by=office,
        unit=org_tree.province_a,
        scheme="qd366_2025",
        subject_kind="member",
        title="Bảng điểm đảng viên tỉnh Thanh Hóa",
        criteria=SHEET,
    )
    round_ = services.round_open(by=office, title="", year=2025, scope_unit=org_tree.province_a)
    rating = rating_of(round_, person=org_tree.members_a1[0])
    assert rating.sheet == sheet
    assert rating_of(round_, unit=org_tree.cell_a1).sheet is None  # organizations: no sheet
    with pytest.raises(DomainError, match="Tiêu chí “tasks” không có"):
        services.rating_self_assess(
            rating=rating,
            by=SYSTEM,
            level="good",
            reasons="Tự đánh giá",
            version=rating.version,
            scores={"tasks": "50"},
        )
    services.rating_self_assess(
        rating=rating,
        by=SYSTEM,
        level="good",
        reasons="Tự đánh giá",
        version=rating.version,
        scores={"chinh_tri": "12", "ky_luat": "13", "san_pham": "55.5"},
    )
    rating.refresh_from_db()
    assert str(rating.self_total) == "80.50"


def test_a_sheet_that_does_not_add_up_or_a_foreign_office_is_refused(org_tree, office, outsider):
    bad = [dict(SHEET[0], max_points=10), SHEET[1], SHEET[2]]
    with pytest.raises(RuleRefused) as refused:
        services.sheet_create(
            by=office,
            unit=org_tree.province_a,
            scheme="qd366_2025",
            subject_kind=SubjectKind.MEMBER,
            title="Sai",
            criteria=bad,
        )
    assert any("30 điểm" in p for p in refused.value.problems)
    with pytest.raises(DomainError, match="không chấm điểm"):
        services.sheet_create(
            by=office,
            unit=org_tree.province_a,
            scheme="qd132_2018",
            subject_kind=SubjectKind.MEMBER,
            title="132",
            criteria=SHEET,
        )
    with pytest.raises(PermissionDenied):
        services.sheet_create(
            by=outsider,
            unit=org_tree.province_a,
            scheme="qd366_2025",
            subject_kind=SubjectKind.MEMBER,
            title="Ngoài",
            criteria=SHEET,
        )
