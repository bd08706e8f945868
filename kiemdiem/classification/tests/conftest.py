"""A rated year over province A: the 2025 round (QĐ 366), its deciders and helpers."""

import datetime
from decimal import Decimal

import pytest

from conftest import START, make_user
from kiemdiem.classification import rules, services
from kiemdiem.classification.models import Rating, RatingStatus, SubjectKind
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.org.models import AccessRole
from kiemdiem.org.tests.factories import PersonFactory

D = datetime.date
TODAY = D(2025, 12, 20)


@pytest.fixture
def today(travel_to):
    travel_to(TODAY)
    return TODAY


def grant(unit, role, name):
    user = make_user(name)
    org_services.access_grant(user=user, unit=unit, role=role, by=SYSTEM, valid_from=START)
    return user


@pytest.fixture
def grassroots_standing(org_tree):
    """Standing committee of the grassroots committee A1: decides its members and cells."""
    return grant(org_tree.grassroots_a1, AccessRole.STANDING, "btv_coso")


@pytest.fixture
def grassroots_office(org_tree):
    """Organization board of the grassroots committee A1: appraises."""
    return grant(org_tree.grassroots_a1, AccessRole.OFFICE, "bantochuc_coso")


@pytest.fixture
def commune_standing(org_tree):
    """Standing committee of commune A1: directly above the grassroots committee."""
    return grant(org_tree.district_a1, AccessRole.STANDING, "btv_xa")


@pytest.fixture
def round_2025(org_tree, office, today):
    return services.round_open(
        by=office, title="Đánh giá, xếp loại năm 2025", year=2025, scope_unit=org_tree.province_a
    )


def rating_of(round_, *, unit=None, person=None, kind=None):
    qs = Rating.objects.standing().filter(round=round_)
    if person is not None:
        qs = qs.filter(person=person, subject_kind=kind or SubjectKind.MEMBER)
    else:
        qs = qs.filter(unit=unit, subject_kind=kind or SubjectKind.ORGANIZATION)
    return qs.get()


def fake_rating(round_, peer, level, *, status=RatingStatus.DECIDED, unit=None):
    """A peer of the rated member, already at `level` (the quota counts it)."""
    person = PersonFactory()
    return Rating.objects.create(
        round=round_,
        subject_kind=SubjectKind.MEMBER,
        unit=unit or peer.unit,
        person=person,
        deciding_unit=peer.deciding_unit,
        peer_group=peer.peer_group,
        status=status,
        self_level=level,
        appraised_level=level,
        decided_level=level if status in (RatingStatus.DECIDED, RatingStatus.PUBLISHED) else "",
    )


def even_scores(total):
    """Scores of the default QĐ 366 sheet with two decimals adding up to `total`."""
    total = Decimal(str(total))
    general = min(total, Decimal(30))
    rest = total - general
    tasks = min(rest, Decimal(50))
    return {
        "politics": "10" if general >= 10 else str(general),
        "discipline": str(min(Decimal(10), max(Decimal(0), general - 10))),
        "remediation": str(max(Decimal(0), general - 20)),
        "tasks": str(tasks),
        "quality": str(rest - tasks),
    }


def walk_to_appraised(rating, *, self_by, appraise_by, level, total=None, appraised=None, **extra):
    rating.refresh_from_db()
    scores = even_scores(
        total
        if total is not None
        else {"excellent": 95, "good": 80, "completed": 60, "not_completed": 40}[level]
    )
    services.rating_self_assess(
        rating=rating,
        by=self_by,
        level=level,
        reasons="Tự đánh giá",
        version=rating.version,
        scores=scores,
    )
    rating.refresh_from_db()
    services.rating_appraise(
        rating=rating,
        by=appraise_by,
        level=appraised or level,
        reasons="Thẩm định: đồng ý",
        version=rating.version,
        **extra,
    )
    rating.refresh_from_db()
    return rating


__all__ = ["D", "TODAY", "fake_rating", "rating_of", "rules", "walk_to_appraised"]
