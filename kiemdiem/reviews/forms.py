"""Forms of review cycles, self-reviews, findings and conferences; choices narrowed to the scope."""

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.forms import VersionedForm, VnDateField
from kiemdiem.org.models import CELL_KINDS, Unit, UnitKind
from kiemdiem.org.scoping import access_for
from kiemdiem.org.selectors import unit_in_scope
from kiemdiem.reviews import selectors
from kiemdiem.reviews.models import (
    DEGRADATION_TAGS,
    CarryAssessment,
    CauseKind,
    CycleKind,
    Finding,
    FindingArea,
    FindingSource,
    Fulfilment,
    Review,
    ReviewCycle,
    Severity,
    SuggestionGround,
    SuggestionItem,
    SuggestionStatus,
)
from kiemdiem.reviews.states import CycleStatus

TEXTAREA = {"rows": 3}
# Fields fixed once a cycle is open (the service refuses to change them).
CYCLE_SCOPE_FIELDS = ("scope_unit", "participating_kinds", "include_individuals", "previous_cycle")


class ChecksWidget(forms.CheckboxSelectMultiple):
    """Checkboxes styled by the template (StyledForm would give them `form-control`)."""


def _restyle_checks(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, ChecksWidget | forms.RadioSelect):
            field.widget.attrs["class"] = "form-check-input"


def cycle_scope_units(user) -> QuerySet[Unit]:
    """Units the user may open a cycle for: the committees whose office they are and the
    committees directly under them (an ad hoc review of one commune). Administrators: the
    central and provincial level. Bounded so the select stays short.
    """
    access = access_for(user)
    if access.everything:
        units = Unit.objects.filter(depth__lte=1)
    else:
        paths = list(access.office_paths)
        units = Unit.objects.filter(Q(path__in=paths) | Q(parent__path__in=paths))
    return units.exclude(kind__in=CELL_KINDS).order_by("path")


class CycleForm(VersionedForm):
    title = forms.CharField(label=_("Tên đợt kiểm điểm"), max_length=255)
    kind = forms.ChoiceField(label=_("Loại"), choices=CycleKind.choices)
    year = forms.IntegerField(label=_("Kiểm điểm năm"), min_value=2000, max_value=2100)
    directive_number = forms.CharField(
        label=_("Số, ký hiệu văn bản chỉ đạo"), max_length=60, help_text=_("Ví dụ: 493-CV/TU")
    )
    directive_date = VnDateField(label=_("Ngày văn bản"))
    directive_issuer = forms.CharField(label=_("Cơ quan ban hành"), max_length=255)
    scope_unit = forms.ModelChoiceField(
        label=_("Phạm vi (đảng bộ)"), queryset=Unit.objects.none(), empty_label=None
    )
    participating_kinds = forms.MultipleChoiceField(
        label=_("Loại đơn vị tham gia"), choices=UnitKind.choices, widget=ChecksWidget
    )
    include_individuals = forms.BooleanField(
        label=_("Kiểm điểm cả cá nhân đảng viên"), required=False, initial=True
    )
    starts_on = VnDateField(label=_("Bắt đầu"))
    self_review_due = VnDateField(label=_("Hạn tự kiểm điểm"))
    conference_due = VnDateField(label=_("Hạn tổ chức hội nghị kiểm điểm"))
    plan_due = VnDateField(label=_("Hạn nộp kế hoạch khắc phục"))
    horizon_end = VnDateField(label=_("Thời hạn khắc phục đến"))
    previous_cycle = forms.ModelChoiceField(
        label=_("Đợt kiểm điểm trước (chuyển hạn chế chưa khắc phục)"),
        queryset=ReviewCycle.objects.none(),
        required=False,
        empty_label=_("— Tự động: đợt gần nhất cùng phạm vi, cùng loại —"),
        help_text=_(
            "Để trống thì hệ thống lấy đợt gần nhất cùng phạm vi, cùng loại. Đợt trước phải kết "
            "thúc thì mới triển khai được đợt này."
        ),
    )
    reason = forms.CharField(
        label=_("Ghi chú, căn cứ"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, cycle: ReviewCycle | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _restyle_checks(self)
        units = cycle_scope_units(user)
        visible_cycles = ReviewCycle.objects.visible_to(user).select_related("scope_unit")
        if cycle is None:
            self.fields["scope_unit"].queryset = units
            self.fields["previous_cycle"].queryset = visible_cycles.filter(scope_unit__in=units)
        else:
            # Editing keeps the scope: its own unit is the only choice (it may lie outside the
            # short list above, e.g. an administrator's commune cycle).
            self.fields["scope_unit"].queryset = Unit.objects.filter(pk=cycle.scope_unit_id)
            self.fields["previous_cycle"].queryset = visible_cycles.filter(
                scope_unit=cycle.scope_unit_id
            ).exclude(pk=cycle.pk)
            if cycle.status != CycleStatus.DRAFT:
                for name in CYCLE_SCOPE_FIELDS:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Không đổi được sau khi đã triển khai.")


def cycle_initial(cycle: ReviewCycle) -> dict:
    names = [n for n in CycleForm.base_fields if n not in ("reason", "version")]
    initial = {name: getattr(cycle, name) for name in names}
    initial["scope_unit"] = cycle.scope_unit_id
    initial["previous_cycle"] = cycle.previous_cycle_id
    initial["version"] = cycle.version
    return initial


class ReasonForm(VersionedForm):
    """Confirm an action that must state its reason or basis (open or close a cycle)."""

    reason = forms.CharField(
        label=_("Lý do / căn cứ"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Hãy nêu lý do hoặc căn cứ."))
        return reason


class ReviewForm(VersionedForm):
    strengths = forms.CharField(
        label=_("Ưu điểm"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    shortcomings_summary = forms.CharField(
        label=_("Hạn chế, khuyết điểm (tóm tắt)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    causes_objective = forms.CharField(
        label=_("Nguyên nhân khách quan"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    causes_subjective = forms.CharField(
        label=_("Nguyên nhân chủ quan"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    responsibility = forms.CharField(
        label=_("Trách nhiệm của tập thể, cá nhân"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


def review_initial(review: Review) -> dict:
    names = [n for n in ReviewForm.base_fields if n != "version"]
    return {**{n: getattr(review, n) for n in names}, "version": review.version}


TAG_CHOICES = [(code, f"{code} — {label}") for code, label in DEGRADATION_TAGS]
SOURCE_CHOICES = [c for c in FindingSource.choices if c[0] != FindingSource.CARRIED_OVER]


class FindingForm(VersionedForm):
    # Required checks are left to the service so its Vietnamese message is the one shown.
    text = forms.CharField(
        label=_("Nội dung hạn chế, khuyết điểm"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    area = forms.ChoiceField(label=_("Lĩnh vực"), choices=FindingArea.choices)
    severity = forms.ChoiceField(
        label=_("Mức độ"), choices=Severity.choices, initial=Severity.LIMITATION
    )
    cause_kind = forms.ChoiceField(
        label=_("Nguyên nhân chủ yếu"), choices=CauseKind.choices, initial=CauseKind.SUBJECTIVE
    )
    source = forms.ChoiceField(label=_("Nguồn"), choices=SOURCE_CHOICES, initial=FindingSource.SELF)
    degradation_tags = forms.MultipleChoiceField(
        label=_("Biểu hiện suy thoái liên quan (Nghị quyết 04-NQ/TW)"),
        choices=TAG_CHOICES,
        required=False,
        widget=ChecksWidget,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _restyle_checks(self)


def finding_initial(finding: Finding) -> dict:
    names = [n for n in FindingForm.base_fields if n != "version"]
    return {**{n: getattr(finding, n) for n in names}, "version": finding.version}


class FindingDeleteForm(VersionedForm):
    reason = forms.CharField(
        label=_("Lý do xóa"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CarryAssessForm(VersionedForm):
    """Result of remedying one shortcoming carried over from the previous cycle."""

    assessment = forms.ChoiceField(
        label=_("Kết quả khắc phục"),
        choices=CarryAssessment.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    percent = forms.IntegerField(
        label=_("Mức độ đã khắc phục (%)"),
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("Chỉ khi khắc phục một phần: đã khắc phục được bao nhiêu phần trăm."),
    )
    cause = forms.CharField(
        label=_("Nguyên nhân"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _restyle_checks(self)


def carry_form(finding: Finding, data=None) -> CarryAssessForm:
    initial = {
        "assessment": finding.carry_assessment,
        "percent": finding.carry_percent,
        "cause": finding.carry_cause,
        "version": finding.version,
    }
    return CarryAssessForm(data, initial=initial, prefix=f"f{finding.pk}")


class TransitionForm(VersionedForm):
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=500)


class MeetingForm(VersionedForm):
    held_on = VnDateField(label=_("Ngày họp"))
    chair = forms.ModelChoiceField(
        label=_("Chủ trì hội nghị"), queryset=None, empty_label=_("— Chọn người chủ trì —")
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Người dự (đảng viên, cán bộ của đơn vị)"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Giữ Ctrl (⌘ trên Mac) để chọn nhiều người."),
    )
    supervisor_people = forms.ModelMultipleChoiceField(
        label=_("Lãnh đạo cấp ủy cấp trên dự, chỉ đạo"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    supervisors = forms.CharField(
        label=_("Đại biểu cấp trên khác (tổ công tác, khách mời)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    delegation = forms.CharField(
        label=_("Đoàn, tổ công tác cấp trên dự, chỉ đạo (đơn vị được gợi ý kiểm điểm)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attendee_count = forms.IntegerField(
        label=_("Số người dự"),
        min_value=0,
        initial=0,
        help_text=_("Để 0 thì lấy số người đã chọn trong danh sách."),
    )
    comments_count = forms.IntegerField(label=_("Số ý kiến góp ý"), min_value=0, initial=0)
    comments = forms.CharField(
        label=_("Ý kiến góp ý (tóm tắt)"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    minutes = forms.CharField(
        label=_("Biên bản hội nghị"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, user, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = selectors.chair_candidates(unit, user)
        self.fields["attendees"].queryset = selectors.attendee_candidates(unit, user)
        self.fields["supervisor_people"].queryset = selectors.supervisor_candidates(unit)
        posts = selectors.supervisor_posts(unit)  # "Phạm Văn A — Bí thư Đảng ủy xã …"
        self.fields["supervisor_people"].label_from_instance = lambda person: (
            f"{person.full_name} — {posts[person.pk]}" if person.pk in posts else person.full_name
        )


def meeting_initial(meeting) -> dict:
    names = [n for n in MeetingForm.base_fields if n not in ("version", "attendees")]
    initial = {n: getattr(meeting, n) for n in names if n != "supervisor_people"}
    initial["chair"] = meeting.chair_id
    initial["attendees"] = list(meeting.attendees.values_list("pk", flat=True))
    initial["supervisor_people"] = list(meeting.supervisor_people.values_list("pk", flat=True))
    initial["version"] = meeting.version
    return initial


# --- suggestions, dossiers, commitments ----------------------------------------------------


class SuggestionForm(VersionedForm):
    issuing_unit = forms.ModelChoiceField(
        label=_("Cấp ủy gợi ý (Ban Thường vụ)"), queryset=Unit.objects.none(), empty_label=None
    )
    document_number = forms.CharField(
        label=_("Số, ký hiệu văn bản gợi ý"), max_length=60, help_text=_("Ví dụ: 45-CV/TU")
    )
    document_date = VnDateField(label=_("Ngày văn bản"))
    grounds = forms.MultipleChoiceField(
        label=_("Căn cứ gợi ý"), choices=SuggestionGround.choices, widget=ChecksWidget
    )
    grounds_note = forms.CharField(
        label=_("Nêu cụ thể căn cứ"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    items = forms.CharField(
        label=_("Nội dung gợi ý kiểm điểm"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Mỗi nội dung một dòng; tập thể, cá nhân phải giải trình từng nội dung."),
    )
    delegation_people = forms.ModelMultipleChoiceField(
        label=_("Lãnh đạo cấp ủy dự, chỉ đạo kiểm điểm"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    delegation = forms.CharField(
        label=_("Đoàn, tổ công tác dự, chỉ đạo (thành viên khác)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, units, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        _restyle_checks(self)
        self.fields["document_date"].set_range(None, timezone.localdate())
        self.fields["issuing_unit"].queryset = units
        self.fields["delegation_people"].queryset = selectors.supervisor_candidates(unit)
        posts = selectors.supervisor_posts(unit)
        self.fields["delegation_people"].label_from_instance = lambda person: (
            f"{person.full_name} — {posts[person.pk]}" if person.pk in posts else person.full_name
        )

    def clean_items(self) -> list[str]:
        return [line for line in self.cleaned_data["items"].splitlines() if line.strip()]


class AnswerForm(VersionedForm):
    """The review's answer to one suggested point (Mẫu 01 §IV)."""

    account = forms.CharField(
        label=_("Giải trình: sự việc, nội dung"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    causes_objective = forms.CharField(
        label=_("Nguyên nhân khách quan"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    causes_subjective = forms.CharField(
        label=_("Nguyên nhân chủ quan"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    responsibility_collective = forms.CharField(
        label=_("Trách nhiệm của tập thể"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    responsibility_personal = forms.CharField(
        label=_("Trách nhiệm của cá nhân"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args, collective: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not collective:
            del self.fields["responsibility_collective"]


def answer_initial(item: SuggestionItem) -> dict:
    names = [n for n in AnswerForm.base_fields if n != "version"]
    return {**{n: getattr(item, n) for n in names}, "version": item.version}


class RemarksForm(VersionedForm):
    remarks = forms.CharField(
        label=_("Nhận xét, yêu cầu chuẩn bị lại"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ScheduleForm(VersionedForm):
    planned_on = VnDateField(label=_("Ngày dự kiến tổ chức hội nghị"))


class CommitmentForm(VersionedForm):
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    items = forms.CharField(
        label=_("Nội dung cam kết tu dưỡng, rèn luyện, phấn đấu"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mỗi nội dung một dòng."),
    )

    def clean_items(self) -> list[str]:
        return [line for line in self.cleaned_data["items"].splitlines() if line.strip()]


class FulfilmentForm(VersionedForm):
    fulfilment = forms.ChoiceField(
        label=_("Mức độ thực hiện"),
        choices=Fulfilment.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _restyle_checks(self)


def fulfilment_form(item, data=None) -> FulfilmentForm:
    initial = {"fulfilment": item.fulfilment, "note": item.note, "version": item.version}
    return FulfilmentForm(data, initial=initial, prefix=f"c{item.pk}")


SUGGESTION_STAGES = [
    ("", _("Tất cả")),
    ("vetting", _("Chưa thẩm định xong hồ sơ")),
    ("vetted", _("Hồ sơ đã thẩm định đạt")),
    ("held", _("Đã tổ chức hội nghị")),
]


def suggestion_filter(user, params) -> selectors.SuggestionFilter:
    """The list's filters from the query string (the statistics link with them)."""
    unit = unit_in_scope(user, params.get("don_vi"))
    year = params.get("nam", "")
    status = params.get("trang_thai", "")
    stage = params.get("giai_doan", "")
    return selectors.SuggestionFilter(
        unit=unit,
        year=int(year) if year.isdigit() and len(year) == 4 else None,
        status=status if status in SuggestionStatus.values else "",
        stage=stage if stage in dict(SUGGESTION_STAGES) else "",
    )
