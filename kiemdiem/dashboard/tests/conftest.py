"""Fixtures of the dashboard tests."""

import pytest

from kiemdiem.dashboard import summaries


@pytest.fixture
def merged(open_cycle):
    """The open cycle with its summaries merged."""
    summaries.merge_all()
    return open_cycle
