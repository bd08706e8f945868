import pytest

from kiemdiem.dashboard import selectors
from kiemdiem.reviews.models import ReviewCycle

PERSONAS = ["admin", "unit_head", "office", "overseer", "outsider", "member"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_one_cycle_check_agrees_with_the_cycle_list(open_cycle, persona, request):
    user = request.getfixturevalue(persona)
    listed = set(selectors.cycles_visible_to(user).values_list("pk", flat=True))
    for cycle in ReviewCycle.objects.all():
        assert (selectors.cycle_visible_to(user, cycle.pk) is not None) == (cycle.pk in listed)
    assert (open_cycle.pk in listed) == (persona != "outsider")


def test_draft_cycles_have_no_dashboard(open_cycle, admin):
    ReviewCycle.objects.filter(pk=open_cycle.pk).update(status="draft")
    assert selectors.cycle_visible_to(admin, open_cycle.pk) is None
    assert not selectors.cycles_visible_to(admin).exists()
