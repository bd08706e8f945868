"""Errors as JSON: a machine code, a Vietnamese message, and details where they help.

    {"code": "stale", "message": "Dữ liệu … vừa được người khác thay đổi …", "current_version": 4}

Every error of the API goes through `api_exception_handler`, so a client parses one shape.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kiemdiem.core.errors import DomainError, StaleObject


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "version_required"
    default_detail = "Thiếu phiên bản"


def error_response(status_code: int, code: str, message: str, **details) -> Response:
    return Response({"code": code, "message": message, **details}, status=status_code)


def _messages(detail) -> object:
    """DRF's nested ErrorDetail structure as plain strings."""
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_messages(value) for value in detail]
    return str(detail)


def _domain(exc: DomainError) -> Response:
    if isinstance(exc, StaleObject):
        return error_response(
            status.HTTP_409_CONFLICT,
            "stale",
            exc.message,
            current_version=getattr(exc.obj, "version", None),
        )
    details = {}
    if exc.field:
        details["field"] = exc.field
    problems = getattr(exc, "problems", None)
    if problems:
        details["problems"] = [str(p) for p in problems]
    code = getattr(exc, "code", None) or ("incomplete" if problems else "rule_violation")
    return error_response(status.HTTP_400_BAD_REQUEST, code, str(exc.message), **details)


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return _domain(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handler logs it
    headers = {k: v for k, v in response.headers.items() if k in ("WWW-Authenticate", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "message": _("Dữ liệu gửi lên không hợp lệ: xem chi tiết từng trường."),
            "fields": _messages(exc.detail),
        }
    else:
        body = {"code": _code(exc), "message": _message(exc)}
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            body["retry_after"] = int(exc.wait)
    return Response(body, status=response.status_code, headers=headers)


def _code(exc: exceptions.APIException) -> str:
    return {
        exceptions.NotAuthenticated: "not_authenticated",
        exceptions.AuthenticationFailed: "authentication_failed",
        exceptions.PermissionDenied: "forbidden",
        exceptions.NotFound: "not_found",
        exceptions.MethodNotAllowed: "method_not_allowed",
        exceptions.ParseError: "parse_error",
        exceptions.UnsupportedMediaType: "unsupported_media_type",
        exceptions.NotAcceptable: "not_acceptable",
        exceptions.Throttled: "throttled",
        PreconditionRequired: "version_required",
    }.get(type(exc), getattr(exc, "default_code", "error"))


def _message(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.NotAuthenticated):
        return _("Chưa xác thực: hãy gửi mã truy cập trong tiêu đề Authorization: Token <mã>.")
    if isinstance(exc, exceptions.AuthenticationFailed):
        return str(exc.detail)
    if isinstance(exc, exceptions.PermissionDenied):
        detail = str(exc.detail)
        default = str(exceptions.PermissionDenied.default_detail)
        return detail if detail != default else _("Bạn không có quyền thực hiện thao tác này.")
    if isinstance(exc, exceptions.NotFound):
        return _("Không tìm thấy, hoặc nằm ngoài phạm vi của bạn.")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("Địa chỉ này không nhận phương thức đó.")
    if isinstance(exc, exceptions.ParseError):
        return _("Không đọc được nội dung gửi lên (JSON hoặc biểu mẫu sai cú pháp).")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _("Kiểu nội dung gửi lên không được hỗ trợ: dùng application/json.")
    if isinstance(exc, exceptions.NotAcceptable):
        return _("Không có định dạng trả về phù hợp với tiêu đề Accept.")
    if isinstance(exc, exceptions.Throttled):
        return _("Quá nhiều yêu cầu: hãy thử lại sau.")
    if isinstance(exc, PreconditionRequired):
        return _(
            "Phải gửi phiên bản đang sửa (trường version hoặc tiêu đề If-Match) để không ghi "
            "đè thay đổi của người khác."
        )
    return str(exc.detail)
