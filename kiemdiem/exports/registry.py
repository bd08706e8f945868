"""The lists that can be exported, by name: each app declares its own in its `exports.py`.

    @exporter("remediation.plans")
    def plans(user, params: dict[str, str]) -> Sheet:
        ...  # the same filters and the same scope as the list page

A builder validates `params` the way its list page does and reads through the scoping layer,
so an export holds exactly what the page shows the user; a filter naming a unit outside the
user's scope raises ExportRefused with a Vietnamese message. Builders run again when a
background job runs, with its owner's scope at that time.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kiemdiem.core.xlsx import Column


class ExportRefused(Exception):
    """The export was asked for with filters that cannot be honoured (message in Vietnamese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    """What to write: the sheet's title, the file's base name, the columns and the rows."""

    title: str
    filename: str
    columns: list[Column]
    rows: QuerySet | Iterable[Any]
    # The subtree the list is about, for the audit row of the export ("" if the whole scope).
    unit_path: str = ""

    def count(self) -> int:
        if isinstance(self.rows, QuerySet):
            return self.rows.count()
        self.rows = list(self.rows)
        return len(self.rows)

    def iter_rows(self) -> Iterable[Any]:
        if isinstance(self.rows, QuerySet):
            # Chunked reads; prefetches need a chunk size on Django 5.
            return self.rows.iterator(chunk_size=2000)
        return self.rows


def one_of(qs: QuerySet, raw_id: str, refusal: str) -> Any:
    """The object of `qs` (already narrowed to the user's scope) whose id a parameter names, or
    an ExportRefused with `refusal`: an id outside the scope is refused like a missing one."""
    found = qs.filter(pk=int(raw_id)).first() if str(raw_id or "").isdigit() else None
    if found is None:
        raise ExportRefused(refusal)
    return found


Builder = Callable[[Any, dict[str, str]], Sheet]
EXPORTS: dict[str, Builder] = {}


def exporter(kind: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        EXPORTS[kind] = builder
        return builder

    return register


def build(kind: str, user, params: dict[str, str]) -> Sheet:
    builder = EXPORTS.get(kind)
    if builder is None:
        raise ExportRefused(_("Không có danh sách “%(k)s” để xuất.") % {"k": kind})
    return builder(user, params)
