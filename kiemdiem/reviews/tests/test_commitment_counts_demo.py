"""commitment_stats on the commitments-per-cell summary equals the figures counted from the
rows over the demo (its own module: the demo is loaded once for a module, conftest)."""

from kiemdiem.org.models import Unit
from kiemdiem.reviews import selectors
from kiemdiem.reviews.models import Commitment, UnitCommitmentCount
from kiemdiem.reviews.tests.test_commitment_counts import assert_exact


def test_demo_figures_equal_the_rows(demo_campaign, db):
    """The demo's commitments (seed_campaign: a cell's members, two without one), every unit."""
    years = set(Commitment.objects.values_list("year", flat=True))
    assert years and UnitCommitmentCount.objects.exists()
    assert_exact("demo", years=sorted(years))
    stats = selectors.commitment_stats(Unit.objects.get(parent=None), max(years))
    assert stats["filed"] == Commitment.objects.filter(year=max(years)).count() > 0
