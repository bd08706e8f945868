"""The remediation tests' plan of cell A1 and its item (one shared set of fixtures)."""

from kiemdiem.remediation.tests.conftest import action, plan

__all__ = ["action", "plan"]
