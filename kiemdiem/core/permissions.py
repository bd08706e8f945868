"""Decisions: the answer to `can_<verb>_<noun>` checks, with a reason to show when denied."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason: str) -> Decision:
    return Decision(False, reason)


def require(decision: Decision) -> None:
    """Raise PermissionDenied (403 with the reason) unless the decision allows."""
    if not decision:
        raise PermissionDenied(decision.reason)
