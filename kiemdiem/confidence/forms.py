"""Forms of confidence polls and results; choices narrowed to the user's scope."""

from django import forms
from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiemdiem.confidence import selectors
from kiemdiem.confidence.models import (
    ConfidencePoll,
    ConfidenceResult,
    ExclusionReason,
    LowFlag,
    LowShareBase,
    PollStatus,
)
from kiemdiem.core.forms import StyledForm, VersionedForm, VnDateField
from kiemdiem.org.models import CELL_KINDS, Position, Unit
from kiemdiem.org.scoping import access_for, paths_q
from kiemdiem.org.selectors import unit_in_scope


def poll_bodies(user) -> QuerySet[Unit]:
    """Committees whose polls the user may record: those whose office they are and the two
    levels below them (not cells)."""
    access = access_for(user)
    units = Unit.objects.exclude(kind__in=CELL_KINDS)
    if access.everything:
        return units.filter(depth__lte=2).order_by("path")
    roots = Unit.objects.filter(path__in=access.office_paths).values_list("path", "depth")
    q = paths_q(access.office_paths, "path")
    max_depth = max((d for _p, d in roots), default=0) + 2
    return units.filter(q, depth__lte=max_depth).order_by("path")


class PollForm(VersionedForm):
    title = forms.CharField(
        label=_("Tên hội nghị lấy phiếu"),
        max_length=255,
        help_text=_("Ví dụ: Lấy phiếu tín nhiệm giữa nhiệm kỳ đối với Ban Thường vụ Tỉnh ủy"),
    )
    body_unit = forms.ModelChoiceField(
        label=_("Cấp ủy, cơ quan tổ chức lấy phiếu"), queryset=Unit.objects.none()
    )
    held_on = VnDateField(label=_("Ngày lấy phiếu"))
    document_ref = forms.CharField(
        label=_("Văn bản, kế hoạch lấy phiếu"), max_length=255, required=False
    )
    convened_count = forms.IntegerField(label=_("Số người được triệu tập"), min_value=1)
    present_count = forms.IntegerField(
        label=_("Số người có mặt"),
        min_value=0,
        help_text=_("Hội nghị chỉ hợp lệ khi có mặt ít nhất 2/3 số được triệu tập."),
    )
    low_share_base = forms.ChoiceField(
        label=_("Tỉ lệ tín nhiệm thấp tính trên"),
        choices=LowShareBase.choices,
        help_text=_("Quy định 96 chưa nêu rõ mẫu số; mặc định là số phiếu hợp lệ."),
    )
    two_year_rule = forms.BooleanField(
        label=_("Áp dụng quy định hai năm liền tín nhiệm thấp thì xem xét cho thôi chức vụ"),
        required=False,
    )
    reason = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, poll: ConfidencePoll | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].set_range(None, timezone.localdate())
        if poll is None:
            self.fields["body_unit"].queryset = poll_bodies(user)
            self.fields["low_share_base"].initial = settings.KIEMDIEM_CONFIDENCE_LOW_SHARE_BASE
            self.fields["two_year_rule"].initial = settings.KIEMDIEM_CONFIDENCE_TWO_YEARS_LOW
        else:
            self.fields["body_unit"].queryset = Unit.objects.filter(pk=poll.body_unit_id)
            self.fields["body_unit"].disabled = True


def poll_initial(poll: ConfidencePoll) -> dict:
    names = [n for n in PollForm.base_fields if n not in ("reason", "version")]
    initial = {name: getattr(poll, name) for name in names}
    initial.update(body_unit=poll.body_unit_id, version=poll.version)
    return initial


class PersonSearchForm(StyledForm):
    q = forms.CharField(
        label=_("Họ tên hoặc số thẻ đảng viên"),
        max_length=100,
        help_text=_("Gõ không dấu cũng được."),
    )


class ResultForm(VersionedForm):
    position = forms.ModelChoiceField(
        label=_("Chức vụ được lấy phiếu"),
        queryset=Position.objects.none(),
        required=False,
        help_text=_(
            "Để trống nếu chức danh chưa có trong hệ thống: ghi chức danh và ngày bổ nhiệm."
        ),
    )
    title = forms.CharField(label=_("Chức danh"), max_length=255, required=False)
    appointed_on = VnDateField(label=_("Ngày được bầu, bổ nhiệm"), required=False)
    excluded_reason = forms.ChoiceField(
        label=_("Không lấy phiếu vì"),
        choices=[("", _("— Có lấy phiếu —")), *ExclusionReason.choices],
        required=False,
    )
    high_count = forms.IntegerField(label=_("Tín nhiệm cao"), min_value=0, required=False)
    normal_count = forms.IntegerField(label=_("Tín nhiệm"), min_value=0, required=False)
    low_count = forms.IntegerField(label=_("Tín nhiệm thấp"), min_value=0, required=False)
    invalid_count = forms.IntegerField(label=_("Phiếu không hợp lệ"), min_value=0, required=False)

    def __init__(self, *args, posts: list[Position], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].queryset = Position.objects.filter(
            pk__in=[p.pk for p in posts]
        ).select_related("unit")


def result_initial(result: ConfidenceResult) -> dict:
    names = [n for n in ResultForm.base_fields if n != "version"]
    initial = {name: getattr(result, name) for name in names}
    initial.update(position=result.position_id, version=result.version)
    return initial


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(VersionedForm):
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


FLAG_CHOICES = [
    ("", _("Tất cả")),
    ("any", _("Trên 1/2 tín nhiệm thấp")),
    *LowFlag.choices,
    ("two_years", _("Hai năm liền tín nhiệm thấp")),
]


class ResultFilterForm(forms.Form):
    don_vi = forms.IntegerField(required=False, widget=forms.HiddenInput)
    nam = forms.IntegerField(
        label=_("Năm lấy phiếu"), required=False, min_value=1945, max_value=9999
    )
    co = forms.ChoiceField(label=_("Hệ quả"), choices=FLAG_CHOICES, required=False)
    loai = forms.ChoiceField(
        label=_("Diện"),
        choices=[
            ("", _("Tất cả")),
            ("lay-phieu", _("Được lấy phiếu")),
            ("khong", _("Không lấy phiếu")),
        ],
        required=False,
    )
    q = forms.CharField(label=_("Tìm theo tên"), required=False, max_length=100)
    # Only finalized polls (the statistics count those).
    chot = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "loc_%s")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css


def result_filter(user, data) -> tuple[ResultFilterForm, selectors.ResultFilter]:
    """The result list's filters from the query string (also the Excel export's)."""
    form = ResultFilterForm(data)
    f = selectors.ResultFilter()
    if form.is_valid():
        data = form.cleaned_data
        f = selectors.ResultFilter(
            unit=unit_in_scope(user, data["don_vi"]),
            year=data["nam"],
            flag=data["co"],
            polled=data["loai"] == "lay-phieu",
            excluded=data["loai"] == "khong",
            finalized=data["chot"],
            q=data["q"],
        )
    return form, f


def polls_filtered(user, params) -> tuple[QuerySet[ConfidencePoll], Unit | None, str, bool]:
    """The poll list with its filters (`nam`, `don_vi`, `chot`), also the Excel export's."""
    polls = selectors.polls_for(user).annotate(n_results=Count("results"))
    year = str(params.get("nam", "") or "")
    if year.isdigit() and len(year) == 4:
        polls = polls.filter(year=int(year))
    unit = unit_in_scope(user, params.get("don_vi"))
    if unit is not None:
        polls = polls.filter(body_unit__path__startswith=unit.path)
    finalized = params.get("chot") == "1"
    if finalized:
        polls = polls.filter(status=PollStatus.FINALIZED)
    return polls.order_by("-held_on", "-id"), unit, year, finalized
