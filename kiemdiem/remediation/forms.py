"""Forms for preparing, appraising and tracking plans; every choice is narrowed to the scope."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.forms import BackdatableForm, StyledForm, VersionedForm, VnDateField
from kiemdiem.org.forms import ScopedForm, UnitCodeField
from kiemdiem.org.models import Membership, Person, Position
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.remediation.states import ActionStatus, ReturnGround


def responsible_people(plan: RemediationPlan):
    """People who can be named responsible: the reviewed person, the unit's members and leaders."""
    unit = plan.unit
    return (
        Person.objects.filter(
            Q(pk=plan.person_id)
            | Q(pk__in=Membership.objects.current().filter(unit=unit).values("person_id"))
            | Q(
                pk__in=Position.objects.current()
                .filter(unit__path__startswith=unit.path, unit__depth__lte=unit.depth + 1)
                .values("person_id")
            )
        )
        .distinct()
        .order_by("sort_key")
    )


class ActionForm(ScopedForm):
    content = forms.CharField(
        label=_("Nội dung khắc phục"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    findings = forms.ModelMultipleChoiceField(
        label=_("Khắc phục hạn chế, khuyết điểm"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    responsible_unit = UnitCodeField(
        label=_("Tổ chức chịu trách nhiệm (mã đơn vị)"), required=False
    )
    responsible_person = forms.ModelChoiceField(
        label=_("Cá nhân chịu trách nhiệm"), queryset=None, required=False
    )
    due_date = VnDateField(label=_("Thời hạn hoàn thành"), required=False)
    expected_result = forms.CharField(
        label=_("Kết quả dự kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, plan: RemediationPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = plan.review.findings.all()
        self.fields["responsible_person"].queryset = responsible_people(plan)
        self.fields["findings"].widget.attrs["class"] = ""


class ReturnForm(BackdatableForm):
    grounds = forms.MultipleChoiceField(
        label=_("Lý do trả lại"),
        choices=ReturnGround.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    remarks = forms.CharField(
        label=_("Nhận xét, yêu cầu"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grounds"].widget.attrs["class"] = ""


class AcceptForm(BackdatableForm):
    remarks = forms.CharField(
        label=_("Nhận xét"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdoptForm(VersionedForm):
    decision_date = VnDateField(label=_("Ngày tập thể họp, quyết định"))
    decision_ref = forms.CharField(label=_("Số nghị quyết / biên bản"), max_length=120)


class SubmitForm(BackdatableForm):
    note = forms.CharField(label=_("Ghi chú"), required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ProgressForm(BackdatableForm):
    status = forms.ChoiceField(
        label=_("Tình trạng"),
        choices=[
            (ActionStatus.IN_PROGRESS, ActionStatus.IN_PROGRESS.label),
            (ActionStatus.DONE, ActionStatus.DONE.label),
        ],
    )
    percent = forms.IntegerField(
        label=_("Mức độ hoàn thành (%)"),
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": _("Mức độ hoàn thành phải từ 0 đến 100%."),
            "max_value": _("Mức độ hoàn thành phải từ 0 đến 100%."),
            "invalid": _("Hãy nhập một số từ 0 đến 100."),
        },
    )
    narrative = forms.CharField(
        label=_("Kết quả thực hiện"), widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(label=_("Tệp minh chứng (PDF, Word, Excel, ảnh)"), required=False)


class VerifyForm(BackdatableForm):
    accept = forms.TypedChoiceField(
        label=_("Kết luận"),
        choices=[("1", _("Xác nhận hoàn thành")), ("0", _("Chưa đạt, yêu cầu tiếp tục"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Nhận xét"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accept"].widget.attrs["class"] = ""


class CancelForm(VersionedForm):
    reason = forms.CharField(label=_("Lý do hủy"), widget=forms.Textarea(attrs={"rows": 2}))


class ReplaceForm(ActionForm):
    reason = forms.CharField(label=_("Lý do thay thế"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["findings"]


class PlanFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("Trạng thái"), required=False)
    awaiting = forms.BooleanField(label=_("Chờ tôi thẩm định"), required=False)
