"""Form helpers shared by every app."""

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.errors import DomainError

T = TypeVar("T")

DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"})


class VnDateField(forms.DateField):
    """A date typed as dd/mm/yyyy, with a Vietnamese error."""

    widget = DATE_WIDGET
    default_error_messages = {"invalid": _("Ngày không hợp lệ: hãy nhập theo dạng dd/mm/yyyy.")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%d/%m/%Y", "%Y-%m-%d"])
        super().__init__(*args, **kwargs)


class StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class VersionedForm(StyledForm):
    """A form that carries the version of the object it edits (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def run_service(form: forms.Form, call: Callable[[], T]) -> T | None:
    """Call a service; a DomainError becomes a form error (on its field when the form has it)."""
    try:
        return call()
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        problems = getattr(exc, "problems", None)
        if problems:  # a refusal listing each problem: one error line per problem
            form.add_error(None, str(exc.message).split(":", 1)[0] + ":")
            for problem in problems:
                form.add_error(None, problem)
        else:
            form.add_error(field, exc.message)
        return None
