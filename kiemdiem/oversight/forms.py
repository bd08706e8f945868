"""Forms of the oversight pages. Choices are narrowed to what the service accepts: a group's
members are people of the committee and its boards, its units lie under the committee."""

from django import forms
from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.forms import StyledForm, VersionedForm, VnDateField
from kiemdiem.org.forms import ScopedForm, UnitChoiceField
from kiemdiem.org.groups import COMMITTEE_POSTS, member_sources
from kiemdiem.org.models import GroupRole, Person, Position, Unit, UnitKind, WorkingGroup
from kiemdiem.oversight.models import (
    ActivityKind,
    CommentDecision,
    ConferenceLevel,
    TaskStatus,
)
from kiemdiem.remediation.forms import MultipleFileField
from kiemdiem.reports.models import PeriodKind, ReportPeriod
from kiemdiem.reviews.models import FindingArea

TEXTAREA = {"rows": 3}


class CreationForm(ScopedForm):
    """A form that only ever creates (a group, an assignment, a follow-up, a comment, a task):
    it carries no version (core.forms.VersionedForm requires one of every form that edits)."""

    def __init__(self, *args, **kwargs):
        kwargs["new"] = True
        super().__init__(*args, **kwargs)


def units_below(committee: Unit) -> QuerySet[Unit]:
    """The units directly under a committee (what its groups and members are assigned to)."""
    return committee.children.filter(valid_to__isnull=True).order_by("kind", "name")


def committee_people(committee: Unit) -> QuerySet[Person]:
    """People with a current post in the committee or one of its advisory boards."""
    holders = Position.objects.current().filter(unit__in=member_sources(committee))
    return Person.objects.filter(pk__in=holders.values("person_id")).order_by("sort_key", "pk")


def committee_members(committee: Unit) -> QuerySet[Person]:
    """People holding a post on the committee itself (assignable in person)."""
    holders = Position.objects.current().filter(unit=committee, role__in=COMMITTEE_POSTS)
    return Person.objects.filter(pk__in=holders.values("person_id")).order_by("sort_key", "pk")


class UnitPickForm(CreationForm):
    """A unit below the committee, chosen by name (accents ignored) with the unit picker."""

    id_prefix = "unit_pick"
    unit = UnitChoiceField(label=_("Đơn vị, địa bàn"))

    def __init__(self, *args, committee: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].limit_to(self.user, committee)


class GroupForm(CreationForm):
    id_prefix = "group"

    name = forms.CharField(label=_("Tên tổ công tác"), max_length=200)
    decision_number = forms.CharField(
        label=_("Số, ký hiệu quyết định thành lập"),
        max_length=60,
        help_text=_("Ví dụ: 462-QĐ/TU"),
    )
    decision_date = VnDateField(label=_("Ngày quyết định"))
    valid_from = VnDateField(label=_("Hoạt động từ ngày"))
    duties = forms.CharField(
        label=_("Nhiệm vụ được giao"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class MemberForm(StyledForm):
    id_prefix = "member"

    person = forms.ModelChoiceField(label=_("Thành viên"), queryset=None)
    role = forms.ChoiceField(label=_("Vai trò"), choices=GroupRole.choices)
    valid_from = VnDateField(label=_("Từ ngày"))
    valid_to = VnDateField(label=_("Đến ngày"), required=False)

    def __init__(self, *args, group: WorkingGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = committee_people(group.committee)
        self.fields["person"].help_text = _(
            "Cấp ủy viên, cán bộ các ban của %(c)s (người có chức vụ tại cấp ủy hoặc các ban)."
        ) % {"c": group.committee}


class EndForm(VersionedForm):
    id_prefix = "end"

    valid_to = VnDateField(label=_("Ngày kết thúc"))
    reason = forms.CharField(label=_("Lý do, căn cứ"), required=False)


class GroupAssignForm(UnitPickForm):
    id_prefix = "group_assign"

    valid_from = VnDateField(label=_("Từ ngày"))
    decision_number = forms.CharField(label=_("Số, ký hiệu văn bản phân công"), max_length=60)
    decision_date = VnDateField(label=_("Ngày văn bản"))
    field = forms.CharField(label=_("Lĩnh vực (nếu có)"), max_length=200, required=False)


class MemberAssignForm(GroupAssignForm):
    id_prefix = "member_assign"

    person = forms.ModelChoiceField(label=_("Cấp ủy viên được phân công"), queryset=None)

    field_order = ["person", "unit", "field", "valid_from"]

    def __init__(self, *args, committee: Unit, **kwargs):
        super().__init__(*args, committee=committee, **kwargs)
        self.fields["person"].queryset = committee_members(committee)


class ReassignForm(VersionedForm):
    id_prefix = "reassign"

    group = forms.ModelChoiceField(label=_("Giao cho tổ công tác"), queryset=None)
    starts_on = VnDateField(label=_("Từ ngày"))
    decision_number = forms.CharField(label=_("Số, ký hiệu văn bản phân công"), max_length=60)
    decision_date = VnDateField(label=_("Ngày văn bản"))

    def __init__(self, *args, committee: Unit, exclude: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = (
            WorkingGroup.objects.current().filter(committee=committee).exclude(pk=exclude)
        )


class ProgrammeForm(VersionedForm):
    id_prefix = "programme"

    title = forms.CharField(label=_("Tên chương trình"), max_length=255)
    starts_on = VnDateField(label=_("Từ ngày"))
    ends_on = VnDateField(label=_("Đến ngày (ví dụ hết nhiệm kỳ)"))
    note = forms.CharField(
        label=_("Nội dung chương trình"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class AgreeForm(VersionedForm):
    id_prefix = "agree"

    agreed_on = VnDateField(label=_("Ngày trao đổi, thống nhất"))
    agreed_with = forms.CharField(
        label=_("Đã thống nhất với (lãnh đạo đơn vị nào)"), widget=forms.Textarea(attrs=TEXTAREA)
    )


class ReasonForm(VersionedForm):
    id_prefix = "reason"

    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(VersionedForm):
    id_prefix = "optional_reason"

    reason = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActivityForm(StyledForm):
    id_prefix = "activity"

    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=None)
    kind = forms.ChoiceField(label=_("Hoạt động"), choices=ActivityKind.choices)
    planned_on = VnDateField(label=_("Ngày dự kiến"))

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units])


class OutcomeForm(VersionedForm):
    id_prefix = "outcome"

    held_on = VnDateField(label=_("Ngày thực hiện"))
    minutes = forms.CharField(
        label=_("Biên bản"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    remarks = forms.CharField(
        label=_("Nhận xét, kết luận"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class FollowupForm(CreationForm):
    id_prefix = "followup"

    plan = forms.ModelChoiceField(label=_("Kế hoạch khắc phục của đơn vị"), queryset=None)
    content = forms.CharField(
        label=_("Nội dung cần khắc phục"), widget=forms.Textarea(attrs=TEXTAREA)
    )
    responsible_unit = UnitChoiceField(
        label=_("Tổ chức chịu trách nhiệm"),
        required=False,
        help_text=_("Để trống: chính đơn vị được kiểm tra."),
    )
    due_date = VnDateField(label=_("Thời hạn hoàn thành"))
    finding_text = forms.CharField(
        label=_("Hạn chế, khuyết điểm mới phát hiện (nếu có)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ghi vào bản kiểm điểm của đơn vị, nguồn: kết luận kiểm tra, giám sát."),
    )
    finding_area = forms.ChoiceField(
        label=_("Lĩnh vực của hạn chế"), choices=FindingArea.choices, initial=FindingArea.OTHER
    )

    def __init__(self, *args, plans, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = plans
        self.fields["responsible_unit"].limit_to(self.user, unit)
        self.fields["plan"].label_from_instance = lambda p: f"{p} ({p.cycle.title.strip()})"


class AssessmentCreateForm(StyledForm):
    id_prefix = "assessment_create"

    unit = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=None,
        error_messages={
            "invalid_choice": _(
                "Đơn vị này không được phân công theo dõi cho tổ hay đồng chí: chỉ nhận xét đơn "
                "vị được phân công."
            )
        },
    )
    period = forms.ModelChoiceField(label=_("Kỳ báo cáo"), queryset=None)

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=[u.pk for u in units])
        paths = [u.path for u in units]
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(cycle__scope_unit__path__in=[path[:i] for i in range(7, len(path) + 1, 7)])
        # Periods already started; the last ended one first (the one to assess now), then
        # the one running.
        today = timezone.localdate()
        self.fields["period"].queryset = (
            ReportPeriod.objects.filter(q, starts_on__lte=today)
            .alias(running=Case(When(ends_on__gte=today, then=1), default=0))
            .select_related("cycle")
            .order_by("running", "-ends_on")
        )
        self.fields["period"].label_from_instance = lambda p: f"{p.label} — {p.cycle.title.strip()}"
        self.fields["period"].empty_label = None
        self.fields["unit"].empty_label = None


class AssessmentForm(VersionedForm):
    id_prefix = "assessment"

    remarks = forms.CharField(
        label=_("Nhận xét, đánh giá việc khắc phục"), widget=forms.Textarea(attrs={"rows": 5})
    )
    recommendations = forms.CharField(
        label=_("Kiến nghị, đề xuất"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    refresh = forms.BooleanField(label=_("Cập nhật lại số liệu"), required=False)


class AcknowledgeForm(VersionedForm):
    id_prefix = "acknowledge"

    response = forms.CharField(
        label=_("Ý kiến của đơn vị (nếu có)"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class PeriodChoiceForm(StyledForm):
    id_prefix = "period_choice"

    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Kỳ"), choices=PeriodKind.choices)


class NarrativeForm(VersionedForm):
    id_prefix = "narrative"

    narrative = forms.CharField(
        label=_("Tình hình, kết quả, đánh giá"), widget=forms.Textarea(attrs={"rows": 5})
    )
    refresh = forms.BooleanField(label=_("Cập nhật lại số liệu"), required=False)


class ImplementationForm(StyledForm):
    id_prefix = "implementation"

    title = forms.CharField(label=_("Trích yếu"), max_length=300)
    directive = forms.CharField(
        label=_("Nghị quyết, chỉ thị được thực hiện"),
        max_length=300,
        help_text=_("Ví dụ: Nghị quyết số 12-NQ/TW ngày 16/01/2012 của Ban Chấp hành Trung ương"),
    )
    objectives = forms.CharField(
        label=_("Mục đích, yêu cầu"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    draft_text = forms.CharField(
        label=_("Nội dung dự thảo (lần 1)"), widget=forms.Textarea(attrs={"rows": 6})
    )


class DraftForm(StyledForm):
    id_prefix = "draft"

    text = forms.CharField(
        label=_("Nội dung dự thảo mới"), widget=forms.Textarea(attrs={"rows": 6})
    )
    note = forms.CharField(
        label=_("Những điểm tiếp thu, chỉnh sửa"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(CreationForm):
    id_prefix = "comment"

    author = forms.CharField(label=_("Người, đơn vị góp ý"), max_length=200)
    author_unit = UnitChoiceField(label=_("Đơn vị góp ý (nếu có)"), required=False)
    received_on = VnDateField(label=_("Ngày nhận"))
    channel = forms.CharField(
        label=_("Hình thức"),
        max_length=200,
        required=False,
        help_text=_("Ví dụ: tại hội nghị cán bộ chủ chốt, bằng văn bản"),
    )
    text = forms.CharField(label=_("Nội dung góp ý"), widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, committee: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["author_unit"].limit_to(self.user, committee)


class DecideForm(VersionedForm):
    id_prefix = "decide"

    decision = forms.ChoiceField(
        label=_("Tiếp thu"),
        choices=[c for c in CommentDecision.choices if c[0] != CommentDecision.PENDING],
    )
    response = forms.CharField(
        label=_("Giải trình, tiếp thu"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdoptPlanForm(VersionedForm):
    id_prefix = "adopt_plan"

    number = forms.CharField(label=_("Số, ký hiệu kế hoạch"), max_length=60)
    issued_on = VnDateField(label=_("Ngày ban hành"))


class TaskForm(CreationForm):
    id_prefix = "task"

    content = forms.CharField(label=_("Nội dung nhiệm vụ"), widget=forms.Textarea(attrs=TEXTAREA))
    lead_unit = UnitChoiceField(label=_("Cơ quan chủ trì"), required=False)
    coordinating_units = forms.ModelMultipleChoiceField(
        label=_("Cơ quan phối hợp"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Các ban, cơ quan tham mưu và đơn vị trực thuộc cấp ủy (không kể xã, phường)."),
    )
    due_date = VnDateField(label=_("Thời hạn hoàn thành"), required=False)

    def __init__(self, *args, committee: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].limit_to(self.user, committee)
        # The bodies a plan's task is shared with: boards, agencies, Front and mass
        # organizations directly under the committee (communes are many: the lead picker).
        self.fields["coordinating_units"].queryset = units_below(committee).exclude(
            kind=UnitKind.COMMUNE
        )
        self.fields["coordinating_units"].widget.attrs["class"] = ""


class ConferenceForm(StyledForm):
    id_prefix = "conference"

    level = forms.ChoiceField(label=_("Cấp"), choices=ConferenceLevel.choices)
    title = forms.CharField(label=_("Hội nghị"), max_length=255)
    held_on = VnDateField(label=_("Ngày tổ chức"))
    days = forms.IntegerField(label=_("Số ngày"), min_value=1, initial=1)
    attendance = forms.IntegerField(label=_("Số người dự"), min_value=0, initial=0)
    note = forms.CharField(label=_("Ghi chú"), required=False)


class TaskProgressForm(VersionedForm):
    id_prefix = "task_progress"

    status = forms.ChoiceField(
        label=_("Tình trạng"),
        choices=[
            (TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS.label),
            (TaskStatus.DONE, TaskStatus.DONE.label),
        ],
    )
    percent = forms.IntegerField(label=_("Mức độ hoàn thành (%)"), min_value=0, max_value=100)
    narrative = forms.CharField(label=_("Kết quả thực hiện"), widget=forms.Textarea(attrs=TEXTAREA))
    files = MultipleFileField(label=_("Tệp minh chứng"), required=False)


class VerifyTaskForm(VersionedForm):
    id_prefix = "verify_task"

    accept = forms.TypedChoiceField(
        label=_("Kết luận"),
        choices=[("1", _("Xác nhận hoàn thành")), ("0", _("Chưa đạt, yêu cầu tiếp tục"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label=_("Nhận xét"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
