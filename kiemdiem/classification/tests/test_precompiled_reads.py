"""The rounds page's reads, precompiled (core.precompiled, issue 17 part 15c), give what the ORM
gave for every demo persona: the rounds of `rounds_for` in the page's order, and the members in
temporary activity waiting for their cell's comment."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.classification import actions, selectors
from kiemdiem.classification.models import Rating, RatingRound, RatingStatus
from kiemdiem.org.demo import DEMO_USERNAMES
from kiemdiem.org.scoping import access_for

pytestmark = pytest.mark.django_db


def _users():
    return [get_user_model().objects.get(username=name) for name in DEMO_USERNAMES]


def test_round_list_precompiled_agrees_with_rounds_for(demo_campaign):
    # an ordinary member rated in a round over a commune outside their own scope (their cell)
    member = get_user_model().objects.get(username="dangvien")
    person_id = access_for(member).person_id
    rating = Rating.objects.filter(person__isnull=False).order_by("pk").first()
    Rating.objects.filter(pk=rating.pk).update(person_id=person_id)
    assert not RatingRound.objects.visible_to(member).filter(pk=rating.round_id).exists()
    seen = {}
    for user in _users():
        access = access_for(user)
        assert selectors._ROUND_LIST.compiled(*selectors._round_list_values(access))
        rows = selectors.round_list(access)
        with CaptureQueriesContext(connection) as queries:  # the scope unit came with them
            lines = [(r.pk, r.title, r.scope_unit.name, r.get_absolute_url()) for r in rows]
        assert not queries
        orm = selectors.rounds_for(user).order_by("-year", "scope_unit__path")
        assert lines == [(r.pk, r.title, r.scope_unit.name, r.get_absolute_url()) for r in orm]
        seen[user.username] = [r.pk for r in rows]
    # the office sees more rounds than a cell, the other province's office none, the member
    # the round they are rated in
    assert len(seen["vanphong"]) > len(seen["bithuchibo"]) > 0 == len(seen["vanphong2"]), seen
    assert seen["dangvien"] == [rating.round_id]


def test_awaiting_comment_precompiled_agrees_with_the_orm(demo_campaign):
    secretary = get_user_model().objects.get(username="bithuchibo")
    cells = sorted(access_for(secretary).own_unit_ids)
    assert cells
    waiting = Rating.objects.filter(person__isnull=False).exclude(unit_id__in=cells).order_by("pk")
    Rating.objects.filter(pk__in=[r.pk for r in waiting[:3]]).update(
        special_case="temporary",
        special_note="",
        temporary_unit_id=cells[0],
        status=RatingStatus.SELF_ASSESSED,
    )
    seen = {}
    for user in _users():
        own = tuple(sorted(access_for(user).own_unit_ids))
        rows = actions.awaiting_temporary_comment(user)
        if own:
            assert actions._AWAITING_COMMENT.compiled(own)
        with CaptureQueriesContext(connection) as queries:
            lines = [(r.pk, r.person.full_name, r.unit.name, r.round.year) for r in rows]
        assert not queries
        orm = (
            Rating.objects.filter(
                special_case="temporary",
                special_note="",
                temporary_unit_id__in=own,
                status__in=[RatingStatus.DRAFT, RatingStatus.SELF_ASSESSED],
            )
            .select_related("person", "unit", "round")
            .order_by("round__year", "person__sort_key", "pk")[:20]
        )
        assert lines == [(r.pk, r.person.full_name, r.unit.name, r.round.year) for r in orm]
        seen[user.username] = len(rows)
    assert seen["bithuchibo"] == 3 and sum(seen.values()) == 3, seen
