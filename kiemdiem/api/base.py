"""What every endpoint shares: pagination, filters from the query string, versions (ETag)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response

from kiemdiem.api.errors import PreconditionRequired


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_page_message = "Không có trang này."

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "page": self.page.number,
                "pages": self.page.paginator.num_pages,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "page", "pages", "results"],
            "properties": {
                "count": {"type": "integer"},
                "page": {"type": "integer"},
                "pages": {"type": "integer"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


def _int(value: str) -> int:
    number = int(value)
    if not -(2**63) < number < 2**63:
        raise ValueError(value)
    return number


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "co", "có"):
        return True
    if lowered in ("0", "false", "no", "khong", "không"):
        return False
    raise ValueError(value)


PARSERS: dict[object, Callable[[str], object]] = {
    OpenApiTypes.INT: _int,
    OpenApiTypes.STR: str,
    OpenApiTypes.DATE: datetime.date.fromisoformat,
    OpenApiTypes.BOOL: _bool,
}
EXPECTED = {
    OpenApiTypes.INT: "một số nguyên",
    OpenApiTypes.DATE: "một ngày dạng YYYY-MM-DD",
    OpenApiTypes.BOOL: "true hoặc false",
    OpenApiTypes.STR: "một chuỗi",
}


@dataclass(frozen=True)
class Filter:
    """One query-string filter: `?name=value` narrows the list with `apply(qs, value)`."""

    name: str
    type: object
    description: str
    apply: Callable[[QuerySet, object], QuerySet]
    choices: list[str] = field(default_factory=list)

    def parameter(self) -> OpenApiParameter:
        return OpenApiParameter(
            self.name, self.type, description=self.description, enum=self.choices or None
        )


def lookup(name: str, type_: object, description: str, path: str, **kwargs) -> Filter:
    """A filter that is a plain field lookup."""
    return Filter(name, type_, description, lambda qs, v: qs.filter(**{path: v}), **kwargs)


def apply_filters(qs: QuerySet, params, filters: list[Filter]) -> QuerySet:
    """Narrow `qs` by the filters present in `params`; a bad value is a 400 naming the filter."""
    errors = {}
    for f in filters:
        raw = params.get(f.name)
        if raw is None or raw == "":
            continue
        try:
            value = PARSERS[f.type](raw)
            if "\x00" in str(value):
                raise ValueError(raw)
        except (ValueError, TypeError, OverflowError):
            errors[f.name] = [_("Phải là %(what)s.") % {"what": EXPECTED[f.type]}]
            continue
        if f.choices and value not in f.choices:
            errors[f.name] = [_("Giá trị không hợp lệ; chọn một trong: %s.") % ", ".join(f.choices)]
            continue
        qs = f.apply(qs, value)
    if errors:
        raise exceptions.ValidationError(errors)
    return qs


# --- versions ------------------------------------------------------------------------------


def etag(obj) -> str:
    return f'"{obj.version}"'


def with_etag(response: Response, obj) -> Response:
    response["ETag"] = etag(obj)
    return response


def expected_version(request, body_version: int | None) -> int:
    """The version the client edited: the If-Match header or the `version` field.

    Required on every write to an existing object, so a client that never read the object
    cannot overwrite someone else's change; a wrong one is refused by the service with 409.
    """
    header = request.headers.get("If-Match")
    header_version = None
    if header:
        text = header.strip().removeprefix("W/").strip('"')
        try:
            header_version = int(text)
        except ValueError as exc:
            raise exceptions.ValidationError(
                {"If-Match": [_('Phải là phiên bản nhận được trong ETag, ví dụ "3".')]}
            ) from exc
    if header_version is not None and body_version is not None and header_version != body_version:
        raise exceptions.ValidationError({"version": [_("Không khớp với tiêu đề If-Match.")]})
    version = header_version if header_version is not None else body_version
    if version is None:
        raise PreconditionRequired()
    return version


class VersionField(serializers.IntegerField):
    """The `version` of the object being changed (or send If-Match)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        kwargs.setdefault(
            "help_text",
            "Phiên bản đang sửa (từ trường version hoặc ETag); có thể gửi bằng tiêu đề If-Match.",
        )
        super().__init__(**kwargs)


def if_match_parameter() -> OpenApiParameter:
    return OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="Phiên bản đang sửa, như ETag đã nhận (thay cho trường version).",
    )
