"""Answers for htmx requests."""

import json

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


def htmx_done(request: HttpRequest, *, events: list[str], fallback: str) -> HttpResponse:
    """204 + HX-Trigger for htmx; a redirect to `fallback` for a plain form post."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Trigger"] = json.dumps({event: None for event in events})
        return response
    return HttpResponseRedirect(fallback)
