"""A check of the rulebook at decision time: shared by checks.py and case_checks.py."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One rule applied to one decision: passed, or why not."""

    code: str
    title: str
    source: str
    passed: bool
    message: str = ""
    overridable: bool = False


def _ok(code: str, title: str, source: str, message: str = "") -> Check:
    return Check(code, title, source, True, message)


def _fail(code: str, title: str, source: str, message: str, overridable: bool = False) -> Check:
    return Check(code, title, source, False, message, overridable)
