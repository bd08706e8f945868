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


class BackdatableForm(VersionedForm):
    """A form recording an event that may be entered from paper records with the day it took
    effect: the field is there only for those allowed to (`backdate=True`, an office)."""

    effective_on = VnDateField(
        label=_("Ngày có hiệu lực (khi nhập lại từ hồ sơ giấy)"),
        required=False,
        help_text=_("Để trống nếu việc diễn ra hôm nay. Không sau hôm nay, không trước đợt."),
    )

    def __init__(self, *args, backdate: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not backdate:
            del self.fields["effective_on"]


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
