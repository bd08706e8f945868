"""Small helpers the oversight pages share."""

from django.contrib import messages
from django.http import HttpRequest


def form_errors_to_messages(request: HttpRequest, form) -> None:
    """A refused form posted from a page that redirects back: its errors as messages."""
    for error in [*form.non_field_errors(), *[f"{f.label}: {e}" for f in form for e in f.errors]]:
        messages.error(request, error)
