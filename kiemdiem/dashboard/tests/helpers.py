"""Comparing stored summaries with a full recomputation."""

from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.dashboard.models import CycleSummary
from kiemdiem.dashboard.summaries import recompute


def stored(cycle) -> dict[str, dict[str, int]]:
    """The cycle's summary rows as {unit_path: {metric: value}}."""
    return {
        row["unit_path"]: {m: row[m] for m in METRIC_NAMES}
        for row in CycleSummary.objects.filter(cycle=cycle).values("unit_path", *METRIC_NAMES)
    }


def assert_summaries_match(cycle) -> None:
    """Every stored figure equals the recomputed one (a unit missing on one side counts zero)."""
    have = stored(cycle)
    want = recompute(cycle)
    zero = dict.fromkeys(METRIC_NAMES, 0)
    wrong = {
        path: {
            m: (have.get(path, zero)[m], want.get(path, zero)[m])
            for m in METRIC_NAMES
            if have.get(path, zero)[m] != want.get(path, zero)[m]
        }
        for path in set(have) | set(want)
    }
    wrong = {path: diff for path, diff in wrong.items() if diff}
    assert not wrong, f"stored ≠ recomputed as (stored, recomputed): {wrong}"


def unit_url(cycle, unit, metric=None):
    """The dashboard of `unit` in `cycle`, or the list behind one of its figures."""
    from django.urls import reverse

    if metric:
        return reverse("dashboard:metric-rows", args=[cycle.pk, unit.pk, metric])
    return reverse("dashboard:cycle-unit", args=[cycle.pk, unit.pk])
