"""htmx glue (messages in HX-Trigger, login redirects as HX-Redirect) and the request size cap."""

import json
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class HtmxMessagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False):
            return response
        # A session that expired answers an htmx request with a redirect to login: make the
        # whole page go there instead of swapping the login form into a panel.
        if response.status_code in (301, 302) and str(settings.LOGIN_URL) in response.get(
            "Location", ""
        ):
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = response["Location"]
            return redirect
        if response.status_code >= 300 and response.status_code != 204:
            return response
        pending = [
            {"level": m.level_tag, "text": str(m.message)} for m in messages.get_messages(request)
        ]
        if pending:
            trigger = json.loads(response.get("HX-Trigger", "{}") or "{}")
            if isinstance(trigger, str):
                trigger = {trigger: None}
            trigger["messages"] = pending
            response["HX-Trigger"] = json.dumps(trigger)  # ASCII: header values must be Latin-1
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request whose body is larger than KIEMDIEM_REQUEST_MAX_BYTES before anything
    reads it: every upload of one request together (several evidence files, an API multipart
    body) is capped, not only each file. Django reads no more than Content-Length, so the
    declared length bounds what is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = settings.KIEMDIEM_REQUEST_MAX_BYTES
        if declared <= limit:
            return self.get_response(request)
        message = _(
            "Nội dung gửi lên quá lớn (%(size)s MB): mỗi lần gửi tối đa %(max)s MB cho tất cả "
            "các tệp. Hãy gửi từng tệp một, hoặc chia nhỏ tệp."
        ) % {
            "size": f"{declared / 1048576:.1f}".replace(".", ","),
            "max": limit // 1048576,
        }
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "request_too_large", "message": message}, status=413)
        else:
            response = render(request, "413.html", {"message": message}, status=413)
        response["Connection"] = "close"  # the unread body must not be taken for a request
        return response
