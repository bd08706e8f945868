"""Every arrow of the rating lifecycle: an outsider may take none, an administrator each."""

import pytest

from kiemdiem.classification.states import RATING
from kiemdiem.classification.tests.conftest import rating_of
from kiemdiem.core.lifecycle import BORN

ARROWS = sorted(RATING.arrows.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1])))


@pytest.mark.parametrize(("move", "arrow"), ARROWS, ids=[f"{a}->{b}" for (a, b), _ in ARROWS])
def test_every_arrow_is_guarded(org_tree, round_2025, outsider, admin, move, arrow):
    rating = rating_of(round_2025, person=org_tree.members_a1[0])
    assert arrow.can is not None
    assert not arrow.can(outsider, rating)
    assert arrow.can(admin, rating)


def test_cancelling_and_sending_back_need_a_reason():
    needs = {move for move, arrow in RATING.arrows.items() if arrow.reason}
    assert ("published", "cancelled") in needs
    assert ("decided", "cancelled") in needs
    assert ("self_assessed", "draft") in needs
    assert (BORN, "exempt") in needs


def test_closing_a_round_is_the_office_of_its_scope(round_2025, outsider, admin, office):
    from kiemdiem.classification.states import ROUND

    [(move, arrow)] = ROUND.arrows.items()
    assert move == ("open", "closed")
    assert not arrow.can(outsider, round_2025)
    assert arrow.can(office, round_2025) and arrow.can(admin, round_2025)
