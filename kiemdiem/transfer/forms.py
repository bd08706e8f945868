"""Upload and export forms. The export unit is looked up inside the user's visible units."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.forms import StyledForm
from kiemdiem.org.forms import UnitCodeField
from kiemdiem.transfer.columns import ENTITIES, TABLES

ENTITY_CHOICES = [(e, TABLES[e].label) for e in ENTITIES]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (one workbook, or one CSV file per table)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else single(data, initial)


class UploadForm(StyledForm):
    id_prefix = "upload"
    files = MultipleFileField(
        label=_("Tệp dữ liệu (.xlsx, hoặc các tệp .csv)"),
        widget=MultipleFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    entity = forms.ChoiceField(
        label=_("Bảng của tệp CSV"),
        choices=[("", _("Tự nhận biết theo dòng tiêu đề")), *ENTITY_CHOICES],
        required=False,
    )


class ExportForm(StyledForm):
    id_prefix = "export"
    unit = UnitCodeField(label=_("Mã đơn vị gốc của nhánh cần xuất"))
    format = forms.ChoiceField(
        label=_("Định dạng"),
        choices=[("xlsx", _("Excel (.xlsx), cả bốn bảng")), ("csv", _("CSV, một bảng"))],
    )
    entity = forms.ChoiceField(
        label=_("Bảng (khi xuất CSV)"), choices=ENTITY_CHOICES, required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].user = user

    def clean(self):
        data = super().clean()
        if data.get("format") == "csv" and not data.get("entity"):
            self.add_error("entity", _("Hãy chọn bảng cần xuất ra CSV."))
        return data
