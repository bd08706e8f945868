"""The API's JSON parser: DRF's, refusing bodies nested deeper than any request of ours needs
(a body nested a thousand levels deep made the standard library raise RecursionError: a 500)."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 20


def depth(value) -> int:
    """How deeply lists and objects nest in `value`, walked without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            items = item.values()
        elif isinstance(item, list):
            items = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in items)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("Dữ liệu JSON lồng nhau quá sâu.")) from exc
        if depth(data) > MAX_DEPTH:
            raise ParseError(
                _("Dữ liệu JSON lồng nhau quá sâu (tối đa %(n)s cấp).") % {"n": MAX_DEPTH}
            )
        return data
