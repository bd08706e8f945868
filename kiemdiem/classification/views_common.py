"""What the classification's pages share: the posted data, a service run from a form with its
message, a refused one-button form said as a message on the page it returns to, a rating as
the user may read it and the page of one of its steps, the units an office opens rounds over,
and the page size of the lists."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kiemdiem.classification import selectors
from kiemdiem.classification.models import Rating
from kiemdiem.core.forms import run_service
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for

PER_PAGE = 50


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


def rating_of(request: HttpRequest, pk: int) -> Rating:
    """The rating, if the user may read it (404 otherwise)."""
    return get_object_or_404(selectors.ratings_for(request.user), pk=pk)


def office_scopes(user: Any) -> list[Unit]:
    """The units whose rounds and scoring sheets the user may open: the top ones for the whole
    system, else those whose office the user acts for."""
    access = access_for(user)
    if access.everything:
        return list(Unit.objects.filter(depth__lte=1).order_by("path"))
    return list(Unit.objects.filter(path__in=access.office_paths).order_by("path"))


def step_page(
    request: HttpRequest,
    rating: Rating,
    form: Any,
    title: str,
    call: Callable[[dict], Any],
    done: str,
    extra: dict | None = None,
) -> HttpResponse:
    """The page of one step of a rating: its form, the service on a valid post, back to the
    rating (or the rating the service returns)."""
    result = submitted(request, form, call, done)
    if result is not None:
        return redirect(result if isinstance(result, Rating) else rating)
    ctx = {"rating": rating, "form": form, "title": title, **(extra or {})}
    return render(request, "classification/rating_step.html", ctx)
