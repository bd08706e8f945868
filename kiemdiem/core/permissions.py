"""Decisions: the answer to `can_<verb>_<noun>` checks, with a reason to show when denied."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, cast

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


class SystemActor:
    """The system itself, acting on no person's behalf: data loaders, test fixtures, migrations.

    Every decision allows it (`org.scoping.access_for` gives it everything) and the audit trail
    records it as "hệ thống" (no actor). A person's request never carries it: pages and the API
    pass the signed-in user, and an anonymous or missing user (`None`) is refused.
    """

    pk = None
    is_authenticated = False
    is_active = True
    is_superuser = False

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    # Whoever acts: a signed-in user, an anonymous visitor, the system itself, or nobody.
    Actor: TypeAlias = User | AnonymousUser | SystemActor | None
else:
    Actor = object


def acting_user(by: Actor) -> "User | None":
    """The signed-in user to record as the one who did something (None: the system, nobody)."""
    return cast("User | None", by if getattr(by, "pk", None) is not None else None)


def actor_id(user: Actor) -> int | None:
    """The user's id (None for nobody, an anonymous visitor or the system)."""
    return getattr(user, "pk", None)
