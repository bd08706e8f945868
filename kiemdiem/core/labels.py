"""Stored values as people read them: no raw lists, dicts, True/False or code names on a page.

Audit rows and snapshots keep plain JSON (lists, {key: value} figures). Pages show them through
`readable`, which joins lists, writes booleans as Có/Không and names the keys of a mapping in
Vietnamese; apps register the keys they store (reports: its figures) with
`register_key_labels` in their AppConfig.ready().
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

KEY_LABELS: dict[str, str] = {}


def register_key_labels(labels: Mapping[str, Any]) -> None:
    KEY_LABELS.update({key: str(label) for key, label in labels.items()})


def key_label(key: str) -> str:
    return KEY_LABELS.get(key, key)


def readable(value: Any) -> str:
    """One line a person can read: "—" for nothing, lists joined by "; ", mappings as
    "Tên: giá trị; …" with their keys' Vietnamese names, Có/Không for booleans."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, int | float):
        return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)
    if isinstance(value, list | tuple):
        return "; ".join(readable(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{key_label(str(k))}: {readable(v)}" for k, v in value.items())
    return str(value)
