"""Filters of the dashboard's drill-down lists."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.forms import StyledForm
from kiemdiem.org.models import Unit


class MetricFilterForm(StyledForm):
    """The rows behind a figure, narrowed to one child unit's subtree and one status.

    The child must be one of the unit's children the user can see (`children`); anything else
    is refused with a Vietnamese message and the list stays unfiltered.
    """

    id_prefix = "rows"
    child = forms.ChoiceField(label=_("Đơn vị trực thuộc"), required=False)
    status = forms.ChoiceField(label=_("Trạng thái"), required=False)

    def __init__(self, *args, children: list[Unit], statuses: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.children = {str(u.pk): u for u in children}
        self.fields["child"].choices = [("", _("Tất cả đơn vị trực thuộc"))] + [
            (str(u.pk), u.name) for u in children
        ]
        self.fields["child"].error_messages["invalid_choice"] = _(
            "Đơn vị “%(value)s” không phải đơn vị trực thuộc mà đồng chí được xem: danh sách "
            "chưa lọc theo đơn vị."
        )
        if statuses:
            self.fields["status"].choices = [("", _("Mọi trạng thái")), *statuses]
        else:
            del self.fields["status"]

    def clean_child(self) -> Unit | None:
        return self.children.get(self.cleaned_data.get("child") or "")
