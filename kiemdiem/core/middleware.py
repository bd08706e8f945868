"""htmx glue: Django messages travel in HX-Trigger; login redirects become HX-Redirect."""

import json
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse


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
