"""Forms for preparing, appraising and tracking plans; every choice is narrowed to the scope."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.dates import today
from kiemdiem.core.forms import BackdatableForm, StyledForm, VersionedForm, VnDateField
from kiemdiem.org.forms import PersonChoiceField, ScopedForm, UnitChoiceField
from kiemdiem.org.models import Membership, Person, Position
from kiemdiem.org.scoping import scope_people, visible_groups
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.remediation.states import ActionStatus, PlanStatus, ReturnGround


def responsible_people(plan: RemediationPlan):
    """People who can be named responsible: the reviewed person, the unit's members and leaders."""
    unit = plan.unit
    # Their ids in one UNION ALL, the people by primary key: `id = … OR id IN (…) OR id IN (…)`
    # made PostgreSQL walk every person of the province by sort_key (13–60 ms on the province
    # bench) for the picker's first 25; this is a few index reads (< 1 ms).
    branches = [
        Membership.objects.current().filter(unit=unit).order_by().values("person_id"),
        Position.objects.current()
        .filter(unit__path__startswith=unit.path, unit__depth__lte=unit.depth + 1)
        .order_by()
        .values("person_id"),
    ]
    if plan.person_id is not None:
        branches.insert(0, Person.objects.filter(pk=plan.person_id).order_by().values("pk"))
    ids = branches[0].union(*branches[1:], all=True)
    return Person.objects.filter(pk__in=ids).distinct().order_by("sort_key")


class ActionForm(ScopedForm):
    id_prefix = "add"

    content = forms.CharField(
        label=_("Nội dung khắc phục"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    findings = forms.ModelMultipleChoiceField(
        label=_("Khắc phục hạn chế, khuyết điểm"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    responsible_unit = UnitChoiceField(label=_("Tổ chức chịu trách nhiệm"), required=False)
    responsible_person = PersonChoiceField(label=_("Cá nhân chịu trách nhiệm"), required=False)
    due_date = VnDateField(label=_("Thời hạn hoàn thành"), required=False)
    expected_result = forms.CharField(
        label=_("Kết quả dự kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, plan: RemediationPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = plan.review.findings.all()
        self.fields["findings"].widget.attrs["class"] = ""
        # Chosen by name among the plan's unit and its sub-units (the unit and person pickers),
        # the deadline inside the cycle: what the services accept, shown before saving.
        self.fields["responsible_unit"].limit_to(self.user, plan.unit)
        self.fields["responsible_person"].limit_to(
            responsible_people(plan),
            search_url=reverse("remediation:responsible-people", args=[plan.pk]),
        )
        self.fields["due_date"].set_range(plan.cycle.starts_on, plan.cycle.horizon_end)


class ReturnForm(BackdatableForm):
    id_prefix = "return"

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
    id_prefix = "accept"

    remarks = forms.CharField(
        label=_("Nhận xét"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdoptForm(VersionedForm):
    id_prefix = "adopt"

    decision_date = VnDateField(label=_("Ngày tập thể họp, quyết định"))
    decision_ref = forms.CharField(label=_("Số nghị quyết / biên bản"), max_length=120)

    def __init__(self, *args, accepted_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        # After the appraisal accepted the plan, and not in the future (plan_adopt's rule).
        self.fields["decision_date"].set_range(accepted_on, today())


class SubmitForm(BackdatableForm):
    id_prefix = "submit"

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
    id_prefix = "progress"

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
    id_prefix = "verify"

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
    id_prefix = "cancel"

    reason = forms.CharField(label=_("Lý do hủy"), widget=forms.Textarea(attrs={"rows": 2}))


class ReplaceForm(ActionForm):
    id_prefix = "replace"

    reason = forms.CharField(label=_("Lý do thay thế"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["findings"]


class PlanFilterForm(StyledForm):
    """The filters of the plan list (and of its Excel export)."""

    id_prefix = "plans"
    q = forms.CharField(
        label=_("Tên đơn vị, đảng viên"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("gõ không dấu cũng được")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Mọi trạng thái")), *PlanStatus.choices],
    )
    late = forms.BooleanField(label=_("Chỉ kế hoạch nộp muộn hoặc quá hạn nộp"), required=False)
    # The dashboard's oversight panel links here: the plans of one cycle and subtree that a
    # working group or a committee member assigned in person appraised (hidden: kept on refilter).
    cycle = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    unit = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    group = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    member = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def appraiser_note(self, user) -> str:
        """What the hidden filters narrow the list to, in words ("" when they are not used)."""
        data = self.cleaned_data if self.is_valid() else {}
        if not (data.get("group") or data.get("member")):
            return ""
        if data.get("group"):
            name = (
                visible_groups(user).filter(pk=data["group"]).values_list("name", flat=True).first()
            )
            who = name or _("tổ công tác")
        else:
            people = scope_people(Person.objects.filter(pk=data["member"]), user)
            who = people.values_list("full_name", flat=True).first() or _("cấp ủy viên")
        return _("Chỉ các kế hoạch do %(who)s thẩm định trong đợt và phạm vi đã chọn.") % {
            "who": who
        }
