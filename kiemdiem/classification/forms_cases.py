"""Forms of the pages for peer-group quotas, exemptions, special cases, quarterly results,
scoring sheets and closing a round. They only parse: the services refuse by the rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.classification import rules
from kiemdiem.classification.models import ExemptReason, Rating, SpecialCase, SubjectKind
from kiemdiem.core.forms import VersionedForm
from kiemdiem.org.forms import UnitChoiceField
from kiemdiem.org.models import CELL_KINDS, Unit

SCORED_SCHEMES = [r for r in rules.SCHEMES.values() if r.scoring == "points"]
TEXT2 = forms.Textarea(attrs={"rows": 2})
TEXT3 = forms.Textarea(attrs={"rows": 3})


class GrantForm(VersionedForm):
    id_prefix = "nangtile"
    reason = forms.CharField(
        label=_("Kết quả nổi bật, vượt kế hoạch (căn cứ nâng tỉ lệ lên 25%)"),
        required=False,
        widget=TEXT3,
    )


class ExemptForm(VersionedForm):
    id_prefix = "khongxeploai"
    exempt_reason = forms.ChoiceField(
        label=_("Lý do không đánh giá, xếp loại"),
        choices=[("", "---------")] + list(ExemptReason.choices),
        error_messages={"required": _("Phải chọn lý do.")},
    )
    note = forms.CharField(
        label=_("Căn cứ (số quyết định, thời gian)"), required=False, widget=TEXT2
    )


class SpecialCaseForm(VersionedForm):
    id_prefix = "dacthu"
    special_case = forms.ChoiceField(
        label=_("Trường hợp đặc thù"),
        required=False,
        choices=[("", _("Không (bỏ trường hợp đặc thù)"))] + list(SpecialCase.choices),
    )
    reason = forms.CharField(
        label=_("Căn cứ: thời gian nghỉ và phần việc đã làm, nơi sinh hoạt tạm thời…"),
        required=False,
        widget=TEXT3,
    )
    temporary_unit = UnitChoiceField(
        label=_("Chi bộ nơi sinh hoạt tạm thời (nếu sinh hoạt tạm thời)"),
        required=False,
        kinds=sorted(CELL_KINDS),
    )

    def __init__(self, *args, user, scope: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["temporary_unit"].limit_to(user, scope)


class CommentForm(VersionedForm):
    id_prefix = "nhanxet"
    comment = forms.CharField(
        label=_("Nhận xét của chi bộ nơi sinh hoạt tạm thời"), required=False, widget=TEXT3
    )


class QuarterForm(VersionedForm):
    id_prefix = "quy"
    quarter = forms.TypedChoiceField(
        label=_("Quý"), coerce=int, choices=[(q, _("Quý %(q)s") % {"q": q}) for q in (1, 2, 3, 4)]
    )
    total = forms.CharField(
        label=_("Tổng điểm quý (nếu chấm điểm)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    note = forms.CharField(label=_("Nhận xét"), required=False, widget=TEXT2)

    def __init__(self, *args, rating: Rating, **kwargs):
        super().__init__(*args, **kwargs)
        levels = rating.round.rules.levels_for(rating.subject_kind)
        self.fields["level"] = forms.ChoiceField(
            label=_("Mức xếp loại quý"),
            choices=[("", "---------")] + [(lv.code, f"{lv.short} — {lv.label}") for lv in levels],
            error_messages={"required": _("Phải chọn mức xếp loại quý.")},
        )
        self.order_fields(["quarter", "level", "total", "note"])


class CloseForm(VersionedForm):
    id_prefix = "ketthuc"


class CriterionForm(forms.Form):
    """One row of a scoring sheet; an empty row is skipped."""

    code = forms.CharField(label=_("Mã"), required=False, max_length=40)
    label = forms.CharField(label=_("Tiêu chí"), required=False, max_length=255)
    group = forms.ChoiceField(
        label=_("Nhóm"), required=False, choices=[(k, v) for k, v in rules.GROUP_LABELS.items()]
    )
    max_points = forms.CharField(
        label=_("Điểm tối đa"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css


CriteriaFormSet = forms.formset_factory(CriterionForm, extra=3, max_num=40)


def criteria_of(formset) -> list[dict]:
    """The filled rows as a sheet's criteria (points as numbers where they parse)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not (data.get("code") or data.get("label") or data.get("max_points")):
            continue
        points: object = (data.get("max_points") or "").strip().replace(",", ".")
        try:
            points = float(points) if points else 0
            points = int(points) if float(points).is_integer() else points
        except ValueError:
            pass
        rows.append(
            {
                "code": (data.get("code") or "").strip(),
                "label": (data.get("label") or "").strip(),
                "group": data.get("group") or "",
                "max_points": points,
            }
        )
    return rows


class SheetForm(VersionedForm):
    id_prefix = "bangdiem"
    title = forms.CharField(label=_("Tên bảng điểm"), max_length=255, required=False)

    def __init__(self, *args, units: list[Unit] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:  # a new sheet: who issues it, under which scheme, for whom
            self.fields["unit"] = forms.ChoiceField(
                label=_("Cấp ban hành"), choices=[(str(u.pk), u.name) for u in units]
            )
            self.fields["scheme"] = forms.ChoiceField(
                label=_("Theo quy định"),
                choices=[
                    (r.code, r.title) for r in rules.SCHEMES.values() if r.scoring == "points"
                ],
            )
            self.fields["subject_kind"] = forms.ChoiceField(
                label=_("Đối tượng"), choices=SubjectKind.choices
            )
            for name in ("unit", "scheme", "subject_kind"):
                self.fields[name].widget.attrs["class"] = "form-select"
            self.order_fields(["unit", "scheme", "subject_kind", "title"])
