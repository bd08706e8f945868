"""Forms of the classification pages: each step of a rating, and opening a round.

Levels and conditions are offered as the round's rulebook has them; whatever is posted goes to
the service, which names the rule when it refuses (a level the scheme does not have, a score
out of range)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.classification import rules
from kiemdiem.classification.checks import Check, criteria_for
from kiemdiem.classification.models import (
    Mitigation,
    QuarterRollup,
    Rating,
    RoundPeriod,
    SpecialCase,
    TermRollup,
)
from kiemdiem.core.forms import StyledForm, VersionedForm, VnDateField

LEVEL_REQUIRED = {"required": _("Phải chọn mức xếp loại.")}


def _level_field(rating: Rating, label: str) -> forms.CharField:
    levels = rating.round.rules.levels_for(rating.subject_kind)
    return forms.CharField(
        label=label,
        error_messages=LEVEL_REQUIRED,
        widget=forms.Select(
            choices=[("", "---------")] + [(lv.code, f"{lv.short} — {lv.label}") for lv in levels]
        ),
    )


def _score_fields(form: forms.Form, rating: Rating) -> None:
    scheme = rating.round.rules
    for c in criteria_for(rating):
        name = f"score_{c.code}"
        group = rules.GROUP_LABELS[c.group]
        if scheme.scoring == "grades":
            form.fields[name] = forms.CharField(
                label=f"{c.label} ({group})",
                required=False,
                widget=forms.Select(choices=[("", "---------")] + rules.GRADE_CHOICES),
            )
        else:
            form.fields[name] = forms.CharField(
                label=_("%(c)s (%(g)s, tối đa %(m)s điểm)")
                % {"c": c.label, "g": group, "m": c.max_points},
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )


# Computed from the units a leader leads (case_checks.task_share_check), not ticked.
COMPUTED = {(rules.LEADER, "tasks_below_70")}


def _condition_field(rating: Rating, label: str) -> forms.MultipleChoiceField:
    conditions = [
        c
        for c in rating.round.rules.conditions_for(rating.subject_kind)
        if (rating.subject_kind, c.code) not in COMPUTED
    ]
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=[(c.code, c.label) for c in conditions],
        widget=forms.CheckboxSelectMultiple,
    )


def _task_share_field(form: forms.Form, rating: Rating) -> None:
    """A collective's share of tasks completed under QĐ 366 (a leader's is computed from it)."""
    if rating.subject_kind in rules.COLLECTIVE_SUBJECTS and rating.round.rules.leader_units_rule:
        form.fields["task_share"] = forms.CharField(
            label=_("Tỉ lệ hoàn thành nhiệm vụ trong năm (%)"),
            required=False,
            help_text=_("Từ 0 đến 100; dưới 70% thì xếp loại KHTNV (QĐ 366 Điều 11)."),
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        )


def _style_added(form: forms.Form) -> None:
    """Bootstrap classes on the fields a form adds after StyledForm styled its own (a select
    without `form-select` takes the width of its longest option: wider than a phone)."""
    for field in form.fields.values():
        widget = field.widget
        if widget.attrs.get("class") or isinstance(
            widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
        ):
            continue
        widget.attrs["class"] = (
            "form-select" if isinstance(widget, forms.Select) else "form-control"
        )


class _Scored(VersionedForm):
    def scores(self) -> dict[str, str]:
        return {
            name.removeprefix("score_"): (value or "").strip()
            for name, value in self.cleaned_data.items()
            if name.startswith("score_") and (value or "").strip()
        }


class SelfAssessForm(_Scored):
    id_prefix = "tudanhgia"

    def __init__(self, *args, rating: Rating, **kwargs):
        super().__init__(*args, **kwargs)
        if rating.round.rules.scoring != "none":
            _score_fields(self, rating)
        self.fields["level"] = _level_field(rating, _("Mức tự xếp loại"))
        self.fields["reasons"] = forms.CharField(
            label=_("Ưu điểm, hạn chế, nguyên nhân, lý do tự xếp loại"),
            widget=forms.Textarea(attrs={"rows": 4}),
            required=False,
        )
        if rating.round.rules.conditions_for(rating.subject_kind):
            self.fields["conditions"] = _condition_field(
                rating, _("Tự nêu trường hợp không hoàn thành nhiệm vụ (nếu có)")
            )
        if rating.person_id:
            self.fields["special_case"] = forms.ChoiceField(
                label=_("Trường hợp đặc thù"),
                required=False,
                choices=[("", _("Không"))] + list(SpecialCase.choices),
            )
            self.fields["special_reason"] = forms.CharField(
                label=_("Căn cứ trường hợp đặc thù (thời gian nghỉ, phần việc đã làm)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        _task_share_field(self, rating)
        _style_added(self)


class AppraiseForm(_Scored):
    id_prefix = "thamdinh"

    def __init__(self, *args, rating: Rating, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"] = _level_field(rating, _("Mức đề xuất sau thẩm định"))
        self.fields["reasons"] = forms.CharField(
            label=_("Ý kiến thẩm định (bắt buộc nêu lý do nếu hạ mức)"),
            widget=forms.Textarea(attrs={"rows": 4}),
            required=False,
        )
        self.fields["body"] = forms.CharField(
            label=_("Cơ quan, tổ thẩm định"), required=False, max_length=255
        )
        if rating.round.rules.conditions_for(rating.subject_kind):
            self.fields["conditions"] = _condition_field(
                rating, _("Trường hợp không hoàn thành nhiệm vụ")
            )
        self.fields["mitigation"] = forms.ChoiceField(
            label=_("Tình tiết để cấp có thẩm quyền xem xét"),
            required=False,
            choices=[("", _("Không"))] + list(Mitigation.choices),
        )
        self.fields["mitigation_note"] = forms.CharField(
            label=_("Nội dung tình tiết"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
        self.fields["complaints"] = forms.CharField(
            label=_("Đơn thư, phản ánh, dấu hiệu mất đoàn kết (cần cấp trên xác minh)"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        _task_share_field(self, rating)
        if rating.special_case == SpecialCase.TEMPORARY:
            self.fields["special_note"] = forms.CharField(
                label=_("Nhận xét của chi bộ nơi sinh hoạt tạm thời"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        _style_added(self)


class DecideForm(VersionedForm):
    id_prefix = "quyetdinh"
    decision_number = forms.CharField(label=_("Số, ký hiệu quyết định"), required=False)
    decided_on = VnDateField(label=_("Ngày quyết định"), required=False)
    note = forms.CharField(
        label=_("Ghi chú, lý do (bắt buộc nếu khác mức đề xuất)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, rating: Rating, checks: list[Check], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"] = _level_field(rating, _("Mức quyết định"))
        self.order_fields(["level", "decision_number", "decided_on", "note"])
        for c in checks:
            if not c.passed and c.overridable:
                self.fields[f"override_{c.code}"] = forms.CharField(
                    label=_("Lý do quyết định khác (%(t)s)") % {"t": c.title},
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
        _style_added(self)

    def overrides(self) -> dict[str, str]:
        return {
            name.removeprefix("override_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("override_") and value
        }


class ReasonForm(VersionedForm):
    id_prefix = "lydo"
    reason = forms.CharField(
        label=_("Lý do"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class VerifyForm(VersionedForm):
    id_prefix = "xacminh"
    verification = forms.CharField(
        label=_("Kết quả kiểm tra, xác minh"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(VersionedForm):
    id_prefix = "huy"
    decision_number = forms.CharField(
        label=_("Số quyết định đánh giá, xếp loại lại (Mẫu 03)"), required=False
    )
    cancelled_on = VnDateField(label=_("Ngày quyết định"), required=False)
    reason = forms.CharField(
        label=_("Lý do hủy kết quả"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PublishForm(VersionedForm):
    id_prefix = "congkhai"


class RoundForm(StyledForm):
    id_prefix = "dot"
    period = forms.ChoiceField(
        label=_("Kỳ đánh giá"),
        choices=RoundPeriod.choices,
        initial=RoundPeriod.YEAR,
        required=False,
        help_text=_("Nhiệm kỳ: kết quả đã công khai của các năm là căn cứ (Quy định 366)."),
    )
    term_first = forms.IntegerField(
        label=_("Năm đầu nhiệm kỳ"),
        required=False,
        min_value=2014,
        max_value=2100,
        help_text=_("Chỉ khi đánh giá theo nhiệm kỳ (từ Quy định 366)."),
    )
    year = forms.IntegerField(
        label=_("Năm đánh giá"),
        min_value=2014,
        max_value=2100,
        help_text=_("Đánh giá theo nhiệm kỳ: năm cuối của nhiệm kỳ."),
    )
    title = forms.CharField(label=_("Tên đợt"), required=False, max_length=255)
    scheme = forms.ChoiceField(
        label=_("Quy định áp dụng"),
        required=False,
        choices=[("", _("Theo năm đánh giá"))] + rules.SCHEME_CHOICES,
    )
    quota_rounding = forms.ChoiceField(
        label=_("Làm tròn chỉ tiêu HTXSNV"), choices=rules.Rounding.CHOICES
    )
    head_rule = forms.BooleanField(
        label=_("Người đứng đầu, tập thể lãnh đạo không cao hơn đơn vị"),
        required=False,
        initial=True,
    )
    deadline = VnDateField(label=_("Hạn hoàn thành"), required=False)
    # UNCONFIRMED rules (rules.md §11.1, §1.12): the defaults come from the settings.
    cutoff_on = VnDateField(
        label=_("Ngày tính đủ 6 tháng tuổi đảng (đảng viên mới)"),
        required=False,
        help_text=_(
            "Để trống: theo cấu hình (mặc định 31/12 của năm); có thể là ngày họp kiểm điểm."
        ),
    )
    quarter_rollup = forms.ChoiceField(
        label=_("Kết quả các quý vào cả năm (Quy định 366)"),
        required=False,
        choices=[("", _("Theo cấu hình"))] + list(QuarterRollup.choices),
    )
    term_rollup = forms.ChoiceField(
        label=_("Kết quả các năm vào nhiệm kỳ (Quy định 366)"),
        required=False,
        choices=[("", _("Theo cấu hình"))] + list(TermRollup.choices),
    )
