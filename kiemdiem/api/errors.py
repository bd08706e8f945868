"""Errors as JSON: a machine code, a Vietnamese message, and details where they help.

    {"code": "stale", "message": "Dữ liệu … vừa được người khác thay đổi …", "current_version": 4,
     "last_saved_by": "bithu_chibo", "last_saved_at": "2026-01-10T09:00:00+00:00"}

Every error of the API goes through `api_exception_handler`, so a client parses one shape.
"""

import re
import sys

from django import db
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
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


# DRF's own `vi` catalog translates only a few field messages (LANGUAGE_CODE is "vi", and
# "This field is required." does come out Vietnamese), so the rest arrive in English. Each pair:
# DRF's English template (as in its fields' default_error_messages) → ours, same placeholders.
_DRF_MESSAGES: list[tuple[str, str]] = [
    ("This field is required.", gettext_lazy("Trường này là bắt buộc.")),
    ("This field may not be null.", gettext_lazy("Trường này không được để trống (null).")),
    ("This field may not be blank.", gettext_lazy("Trường này không được để trống.")),
    (
        "Ensure this field has no more than {max_length} characters.",
        gettext_lazy("Tối đa %(max_length)s ký tự."),
    ),
    (
        "Ensure this field has at least {min_length} characters.",
        gettext_lazy("Tối thiểu %(min_length)s ký tự."),
    ),
    (
        "Ensure this field has no more than {max_length} elements.",
        gettext_lazy("Tối đa %(max_length)s phần tử."),
    ),
    (
        "Ensure this field has at least {min_length} elements.",
        gettext_lazy("Tối thiểu %(min_length)s phần tử."),
    ),
    (
        "Ensure this value is less than or equal to {max_value}.",
        gettext_lazy("Giá trị phải nhỏ hơn hoặc bằng %(max_value)s."),
    ),
    (
        "Ensure this value is greater than or equal to {min_value}.",
        gettext_lazy("Giá trị phải lớn hơn hoặc bằng %(min_value)s."),
    ),
    (
        '"{input}" is not a valid choice.',
        gettext_lazy("“%(input)s” không phải là một lựa chọn hợp lệ."),
    ),
    ("This selection may not be empty.", gettext_lazy("Phải chọn ít nhất một giá trị.")),
    ("This list may not be empty.", gettext_lazy("Danh sách này không được rỗng.")),
    ("This dictionary may not be empty.", gettext_lazy("Không được để trống.")),
    (
        'Expected a list of items but got type "{input_type}".',
        gettext_lazy("Phải là một danh sách, không phải kiểu “%(input_type)s”."),
    ),
    (
        'Expected a dictionary of items but got type "{input_type}".',
        gettext_lazy("Phải là một đối tượng JSON, không phải kiểu “%(input_type)s”."),
    ),
    (
        "Invalid data. Expected a dictionary, but got {datatype}.",
        gettext_lazy("Dữ liệu sai: phải là một đối tượng JSON, không phải %(datatype)s."),
    ),
    ("A valid integer is required.", gettext_lazy("Phải là một số nguyên.")),
    ("A valid biginteger is required.", gettext_lazy("Phải là một số nguyên.")),
    ("A valid number is required.", gettext_lazy("Phải là một số.")),
    ("String value too large.", gettext_lazy("Số quá lớn.")),
    ("Integer value too large to convert to float", gettext_lazy("Số quá lớn.")),
    ("Must be a valid boolean.", gettext_lazy("Phải là true hoặc false.")),
    ("Not a valid string.", gettext_lazy("Phải là một chuỗi ký tự.")),
    ("Must be a valid UUID.", gettext_lazy("Phải là một UUID.")),
    (
        "Date has wrong format. Use one of these formats instead: {format}.",
        gettext_lazy("Ngày sai định dạng; hãy ghi theo một trong các dạng: %(format)s."),
    ),
    (
        "Datetime has wrong format. Use one of these formats instead: {format}.",
        gettext_lazy("Thời điểm sai định dạng; hãy ghi theo một trong các dạng: %(format)s."),
    ),
    (
        "Time has wrong format. Use one of these formats instead: {format}.",
        gettext_lazy("Giờ sai định dạng; hãy ghi theo một trong các dạng: %(format)s."),
    ),
    ("Expected a date but got a datetime.", gettext_lazy("Phải là ngày, không kèm giờ.")),
    ("Expected a datetime but got a date.", gettext_lazy("Phải là thời điểm (ngày và giờ).")),
    ("Datetime value out of range.", gettext_lazy("Thời điểm nằm ngoài khoảng cho phép.")),
    (
        'Invalid pk "{pk_value}" - object does not exist.',
        gettext_lazy("Không tìm thấy đối tượng số %(pk_value)s, hoặc nằm ngoài phạm vi của bạn."),
    ),
    (
        "Incorrect type. Expected pk value, received {data_type}.",
        gettext_lazy("Sai kiểu: phải là mã số của đối tượng, không phải %(data_type)s."),
    ),
    (
        "Object with {slug_name}={value} does not exist.",
        gettext_lazy("Không tìm thấy đối tượng có %(slug_name)s=%(value)s."),
    ),
    ("Invalid value.", gettext_lazy("Giá trị không hợp lệ.")),
    (
        "The submitted data was not a file. Check the encoding type on the form.",
        gettext_lazy("Dữ liệu gửi lên không phải tệp: hãy gửi multipart/form-data."),
    ),
    ("No filename could be determined.", gettext_lazy("Tệp gửi lên không có tên.")),
    (
        "Ensure this filename has at most {max_length} characters (it has {length}).",
        gettext_lazy("Tên tệp dài %(length)s ký tự, tối đa %(max_length)s."),
    ),
    ("This field must be unique.", gettext_lazy("Giá trị này đã có, phải là duy nhất.")),
    (
        "The fields {field_names} must make a unique set.",
        gettext_lazy("Bộ giá trị %(field_names)s đã có, phải là duy nhất."),
    ),
    (
        "Ensure that there are no more than {max_digits} digits in total.",
        gettext_lazy("Tối đa %(max_digits)s chữ số."),
    ),
    (
        "Ensure that there are no more than {max_decimal_places} decimal places.",
        gettext_lazy("Tối đa %(max_decimal_places)s chữ số sau dấu phẩy."),
    ),
    (
        "Ensure that there are no more than {max_whole_digits} digits before the decimal point.",
        gettext_lazy("Tối đa %(max_whole_digits)s chữ số trước dấu phẩy."),
    ),
]
# When a message is not one of those and has no Vietnamese letter (an English message from
# a library we have not listed), the code decides: the client still gets Vietnamese.
_BY_CODE = {
    "required": gettext_lazy("Trường này là bắt buộc."),
    "null": gettext_lazy("Trường này không được để trống (null)."),
    "blank": gettext_lazy("Trường này không được để trống."),
    "max_length": gettext_lazy("Quá dài."),
    "min_length": gettext_lazy("Quá ngắn."),
    "max_value": gettext_lazy("Giá trị quá lớn."),
    "min_value": gettext_lazy("Giá trị quá nhỏ."),
    "invalid_choice": gettext_lazy("Không phải là một lựa chọn hợp lệ."),
    "does_not_exist": gettext_lazy("Không tìm thấy đối tượng, hoặc nằm ngoài phạm vi của bạn."),
    "incorrect_type": gettext_lazy("Sai kiểu dữ liệu."),
    "unique": gettext_lazy("Giá trị này đã có, phải là duy nhất."),
}
_FALLBACK = gettext_lazy("Giá trị không hợp lệ.")


def _template_pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*?)" for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$", re.DOTALL)


_PATTERNS = [(_template_pattern(en), vi) for en, vi in _DRF_MESSAGES]


def vietnamese(message: str, code: str | None = None) -> str:
    """A DRF field message in Vietnamese (ours and Django's translated ones pass unchanged)."""
    for pattern, translated in _PATTERNS:
        match = pattern.match(message)
        if match:
            return str(translated) % match.groupdict()
    if message.isascii() and any(c.isalpha() for c in message):
        return str(_BY_CODE.get(code or "", _FALLBACK))
    return message


def _messages(detail) -> object:
    """DRF's nested ErrorDetail structure as plain strings, in Vietnamese."""
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_messages(value) for value in detail]
    return vietnamese(str(detail), getattr(detail, "code", None))


def _domain(exc: DomainError) -> Response:
    if isinstance(exc, StaleObject):
        # Read after the refused write: a retry with current_version is not refused again.
        return error_response(
            status.HTTP_409_CONFLICT,
            "stale",
            exc.message,
            current_version=exc.current_version,
            last_saved_by=exc.saved_by or None,
            last_saved_at=exc.saved_at.isoformat() if exc.saved_at else None,
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
    return vietnamese(str(exc.detail), getattr(exc.detail, "code", None))


# --- outside DRF: unknown addresses and crashes under /api/ ------------------------------------
# Django's handlers (kiemdiem/urls.py: handler400/404/500) call these; other paths keep the
# site's HTML pages.


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _json(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"code": code, "message": message},
        status=status_code,
        json_dumps_params={"ensure_ascii": False},
    )


def bad_request(request, exception):
    if is_api(request):
        return _json(400, "bad_request", _("Yêu cầu không hợp lệ."))
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return _json(
            404,
            "not_found",
            _(
                "Không có địa chỉ này trong API (xem /api/v1/docs/), hoặc đối tượng nằm ngoài "
                "phạm vi của bạn."
            ),
        )
    return defaults.page_not_found(request, exception)


def database_down() -> bool:
    """The error being handled is the database not answering (stopped, restarting, unreachable)."""
    error = sys.exc_info()[1]
    return isinstance(error, db.OperationalError | db.InterfaceError)


def server_error(request):
    if database_down():
        # Nothing was written (the transaction never reached the database): say so, and when.
        message = _(
            "Cơ sở dữ liệu tạm thời không trả lời: yêu cầu chưa được thực hiện, dữ liệu không "
            "thay đổi. Hãy thử lại sau ít phút."
        )
        if is_api(request):
            response = _json(503, "database_unavailable", message)
        else:
            response = HttpResponse(
                loader.render_to_string("503.html", {"message": message}), status=503
            )
        response["Retry-After"] = "30"
        return response
    if is_api(request):
        return _json(
            500,
            "server_error",
            _("Lỗi máy chủ: yêu cầu chưa được thực hiện. Lỗi đã được ghi lại; hãy thử lại sau."),
        )
    return defaults.server_error(request)
