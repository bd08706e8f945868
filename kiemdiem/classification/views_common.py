"""What the classification's pages share: the posted data, a service run from a form with its
message, and a refused one-button form said as a message on the page it returns to."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kiemdiem.core.forms import run_service


def posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def submitted(
    request: HttpRequest, form: forms.Form, call: Callable[[dict], Any], done: str
) -> Any:
    """On a valid post: the service called with the form's data and, when it agrees, the
    message `done` and its result (True when it returns nothing). None otherwise: nothing
    posted, an invalid form, or a refusal (then on the form, as `run_service` puts it)."""
    if request.method != "POST" or not form.is_valid():
        return None
    result = run_service(form, lambda: call(form.cleaned_data) or True)
    if result is not None:
        messages.success(request, done)
    return result


def refused(request: HttpRequest, form: forms.Form) -> None:
    """The errors of a form posted from a page that only redirects back, as one message."""
    errors = [str(e) for e in form.non_field_errors()]
    errors += [
        f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items() if f in form.fields
    ]
    messages.error(request, " ".join(errors) or _("Chưa thực hiện được."))


def act(request: HttpRequest, form: forms.Form, call: Callable[[dict], Any], done: str) -> None:
    """A one-button action: the service with the form's data, its message, or the refusal."""
    if submitted(request, form, call, done) is None:
        refused(request, form)
