"""Answers for htmx requests."""

import json

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from kiemdiem.core.permissions import Decision


def htmx_done(request: HttpRequest, *, events: list[str], fallback: str) -> HttpResponse:
    """204 + HX-Trigger for htmx; a redirect to `fallback` for a plain form post."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Trigger"] = json.dumps({event: None for event in events})
        return response
    return HttpResponseRedirect(fallback)


def refused(request: HttpRequest, decision: Decision) -> HttpResponse:
    """403 with the reason; htmx swaps no error, so its request gets the reason as a message
    too (the page's message box shows it: app.js)."""
    response = render(request, "403.html", {"exception": decision.reason}, status=403)
    if getattr(request, "htmx", False):
        message = {"level": "error", "text": decision.reason}
        response["HX-Trigger"] = json.dumps({"messages": [message]})
    return response
