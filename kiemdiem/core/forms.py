"""Form helpers shared by every app."""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest
from django.template import engines
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.errors import DomainError

T = TypeVar("T")

DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"})


class VnDateField(forms.DateField):
    """A date typed as dd/mm/yyyy (or picked from the calendar of the "Lịch" button beside it),
    with a Vietnamese error; `set_range` shows the allowed days before saving and refuses the
    others."""

    widget = DATE_WIDGET
    default_error_messages = {
        "invalid": _("Ngày không hợp lệ: hãy nhập theo dạng dd/mm/yyyy."),
        "out_of_range": _("Ngày %(day)s nằm ngoài khoảng cho phép: từ %(min)s đến %(max)s."),
        "too_early": _("Ngày %(day)s sớm hơn ngày sớm nhất cho phép (%(min)s)."),
        "too_late": _("Ngày %(day)s muộn hơn ngày muộn nhất cho phép (%(max)s)."),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%d/%m/%Y", "%Y-%m-%d"])
        super().__init__(*args, **kwargs)
        self.min_date: datetime.date | None = None
        self.max_date: datetime.date | None = None
        # static/kiemdiem/forms.js puts the "Lịch" button (a calendar) beside inputs marked so.
        self.widget.attrs.update({"data-datepicker": "", "autocomplete": "off"})

    def set_range(self, min_date: datetime.date | None, max_date: datetime.date | None) -> None:
        """Allow only days from `min_date` to `max_date` (either may be None): the calendar
        greys out the others and the help text names the range before anything is saved."""
        self.min_date, self.max_date = min_date, max_date
        attrs = self.widget.attrs
        if min_date:
            attrs["data-min"] = min_date.strftime("%d/%m/%Y")
        if max_date:
            attrs["data-max"] = max_date.strftime("%d/%m/%Y")
        if min_date and max_date:
            self.help_text = _("Trong khoảng %(min)s – %(max)s.") % {
                "min": attrs["data-min"],
                "max": attrs["data-max"],
            }
        elif min_date:
            self.help_text = _("Từ ngày %(min)s trở đi.") % {"min": attrs["data-min"]}
        elif max_date:
            self.help_text = _("Đến ngày %(max)s là muộn nhất.") % {"max": attrs["data-max"]}

    def validate(self, value) -> None:
        super().validate(value)
        if value is None:
            return
        params = {
            "day": value.strftime("%d/%m/%Y"),
            "min": self.min_date.strftime("%d/%m/%Y") if self.min_date else "",
            "max": self.max_date.strftime("%d/%m/%Y") if self.max_date else "",
        }
        early = self.min_date is not None and value < self.min_date
        late = self.max_date is not None and value > self.max_date
        if (early or late) and self.min_date and self.max_date:
            raise forms.ValidationError(
                self.error_messages["out_of_range"], code="out_of_range", params=params
            )
        if early:
            raise forms.ValidationError(
                self.error_messages["too_early"], code="too_early", params=params
            )
        if late:
            raise forms.ValidationError(
                self.error_messages["too_late"], code="too_late", params=params
            )


class StyledForm(forms.Form):
    """Bootstrap classes on every widget.

    No `required` attribute: the browser would stop the form with its own message, in the
    browser's language; the server's Vietnamese message shows instead, next to the field, and
    `aria-required` still tells screen readers (the label carries a visible *).
    """

    use_required_attribute = False
    # Several forms on one page need distinct element ids ("return_remarks", "accept_remarks"):
    # a form class names its prefix here.
    id_prefix = ""

    def __init__(self, *args, **kwargs):
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.required:
                field.widget.attrs.setdefault("aria-required", "true")
            widget = field.widget
            if isinstance(widget, Picker):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class VersionedForm(StyledForm):
    """A form that carries the version of the object it edits (optimistic locking).

    The version is required, as the API requires it: a post without one (a stale page of an
    older release, a hand-made request) would otherwise overwrite whatever is stored now. A form
    that creates an object has none (`new=True`).
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, new: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if new:
            del self.fields["version"]

    def clean(self):
        data = super().clean()
        if "version" in self.fields and data.get("version") is None:
            # A hidden field's error shows nowhere: say it for the whole form.
            self.add_error(
                None,
                _(
                    "Trang này thiếu phiên bản của dữ liệu đang sửa nên chưa lưu gì (để không ghi "
                    "đè thay đổi của người khác). Hãy tải lại trang rồi làm lại."
                ),
            )
        return data


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
        else:  # a rare case (entering paper records): last, after what the form is for
            self.order_fields([name for name in self.fields if name != "effective_on"])


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


@dataclass(frozen=True)
class PickOption:
    """One choice of a picker: the value posted, the name shown, a hint to tell namesakes apart."""

    value: str
    label: str
    hint: str = ""


class Picker(forms.Widget):
    """Choose one unit or person by name instead of a code: a search box that looks up as you
    type (htmx, accents ignored) above a short list of radio buttons, the current choice first.

    No JavaScript library: the results are radio buttons, so a keyboard, a screen reader and a
    phone all work as with any form, and without htmx the first options are still there. The
    field sets `search_url` (an endpoint answering with `includes/picker_options.html`), the
    current choice (`selected`, a PickOption) and the first `options` shown before typing.

    Rendered by Jinja2 (`core/jinja2/core/picker.html`, kiemdiem/core/jinja.py), not Django's
    template engine: its 25 first options cost ~2 ms of a form's page through Django's
    (issue 17, the import and export page).
    """

    template_name = "core/picker.html"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs)
        self.search_url = ""
        self.placeholder = ""
        self.legend = ""
        self.options: list[PickOption] = []
        self.describe: Callable[[object], PickOption | None] = lambda value: None

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_q" if id_ else id_

    def render(self, name: str, value, attrs=None, renderer=None) -> str:
        # Jinja escapes every value itself (autoescape), so the result is safe.
        template = engines["jinja2"].get_template(self.template_name).template
        return mark_safe(template.render(self.get_context(name, value, attrs)))  # noqa: S308

    def value_from_datadict(self, data, files, name: str):
        return data.get(name) or None

    def get_context(self, name: str, value, attrs) -> dict:
        context = super().get_context(name, value, attrs)
        selected = self.describe(value) if value not in (None, "") else None
        query = urlencode({"name": name, "id": context["widget"]["attrs"].get("id", name)})
        sep = "&" if "?" in self.search_url else "?"
        context["widget"].update(
            {
                "search_url": f"{self.search_url}{sep}{query}",
                "placeholder": self.placeholder,
                "legend": self.legend,
                "selected": selected,
                "options": [o for o in self.options if not selected or o.value != selected.value],
            }
        )
        return context


_PICKER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}$")
# Results a picker's search shows at once (type more letters to narrow them).
PICKER_RESULTS = 20


def picker_context(request: HttpRequest) -> dict:
    """The field name, element id and typed text of a picker's search request (the ids are
    checked to be plain identifiers: they are written back into the page)."""
    name = request.GET.get("name", "")
    element = request.GET.get("id", "")
    if not _PICKER_NAME.match(name) or not _PICKER_NAME.match(element):
        raise Http404(_("Ô chọn không hợp lệ."))
    return {"name": name, "id": element, "query": request.GET.get(f"{name}_q", "").strip()}
