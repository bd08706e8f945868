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


class VietnameseNotFoundMiddleware:
    """With DEBUG on (`make run`), Django answers an unknown address or a 404 with its English
    technical page; people trying the app would hit it from any stale link. Serve the same
    Vietnamese page as production instead (set KIEMDIEM_DEBUG_404=1 to see Django's page).
    The API keeps its own errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and settings.DEBUG
            and not getattr(settings, "KIEMDIEM_DEBUG_404", False)
            and not request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
            and not getattr(response, "kiemdiem_page", False)
        ):
            page = render(request, "404.html", status=404)
            page.kiemdiem_page = True
            return page
        return response
