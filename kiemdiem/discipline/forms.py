"""Forms of discipline cases; every choice narrowed to what the user may pick."""

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.forms import StyledForm, VersionedForm, VnDateField
from kiemdiem.discipline import selectors
from kiemdiem.discipline.models import (
    MEMBER_FORMS,
    ORGANIZATION_FORMS,
    DecidingAuthority,
    DisciplineCase,
    DisciplineForm,
    DisciplineStatus,
)
from kiemdiem.org.models import Position, Unit
from kiemdiem.org.scoping import access_for
from kiemdiem.org.selectors import unit_in_scope
from kiemdiem.reviews.models import Finding, FindingArea, SubjectKind

TEXTAREA = {"rows": 3}


def deciding_units(user, subject_unit: Unit, *, collective: bool) -> QuerySet[Unit]:
    """The levels that may decide on the subject (itself or above; an organization only from
    above) and whose office or inspection committee the user serves on, or one above it."""
    access = access_for(user)
    paths = subject_unit.ancestor_paths()
    if collective:
        paths = paths[:-1]
    units = Unit.objects.filter(path__in=paths)
    if not access.everything:
        units = units.filter(
            pk__in=[u.pk for u in units if access.manages(u.path) or access.inspects(u.path)]
        )
    return units.order_by("-depth")


def _form_choices(collective: bool) -> list[tuple[str, str]]:
    allowed = ORGANIZATION_FORMS if collective else MEMBER_FORMS
    return [(c, label) for c, label in DisciplineForm.choices if c in allowed]


class SubjectSearchForm(StyledForm):
    """Step one of recording a case: find the member or the organization by name."""

    kind = forms.ChoiceField(
        label=_("Đối tượng"), choices=SubjectKind.choices, initial=SubjectKind.INDIVIDUAL
    )
    q = forms.CharField(
        label=_("Họ tên, số thẻ đảng viên hoặc tên tổ chức đảng"),
        max_length=100,
        help_text=_("Gõ không dấu cũng được."),
    )


class DecisionFields(forms.Form):
    """The fields of a decision (shared by recording and deciding)."""

    form = forms.ChoiceField(label=_("Hình thức kỷ luật"), choices=DisciplineForm.choices)
    position = forms.ModelChoiceField(
        label=_("Chức vụ bị cách (khi cách chức)"),
        queryset=Position.objects.none(),
        required=False,
    )
    decision_number = forms.CharField(
        label=_("Số, ký hiệu quyết định"),
        max_length=60,
        help_text=_("Ví dụ: 12-QĐ/UBKTTU"),
    )
    decided_on = VnDateField(label=_("Ngày quyết định"))
    effective_on = VnDateField(
        label=_("Ngày có hiệu lực"),
        required=False,
        help_text=_("Để trống nếu có hiệu lực từ ngày quyết định."),
    )
    no_limitation = forms.BooleanField(
        label=_("Vi phạm thuộc trường hợp không áp dụng thời hiệu kỷ luật"), required=False
    )

    def narrow_decision(self, case: DisciplineCase, posts: list[Position]) -> None:
        today = timezone.localdate()
        for name in ("decided_on", "effective_on"):
            self.fields[name].set_range(case.violation_on, today)
        self.fields["form"].choices = _form_choices(case.person_id is None)
        if case.person_id is None:
            del self.fields["position"]
        else:
            self.fields["position"].queryset = Position.objects.filter(
                pk__in=[p.pk for p in posts]
            ).select_related("unit")


class CaseForm(DecisionFields, VersionedForm):
    """A new case about one subject: a proposal being considered, or a decision taken."""

    MODES = [
        ("proposed", _("Đang xem xét, đề nghị kỷ luật")),
        ("decided", _("Đã có quyết định kỷ luật")),
    ]

    mode = forms.ChoiceField(
        label=_("Tình trạng"), choices=MODES, initial="decided", widget=forms.RadioSelect
    )
    deciding_unit = forms.ModelChoiceField(
        label=_("Cấp có thẩm quyền kỷ luật"), queryset=Unit.objects.none(), empty_label=None
    )
    authority = forms.ChoiceField(label=_("Cơ quan quyết định"), choices=DecidingAuthority.choices)
    violation = forms.CharField(label=_("Nội dung vi phạm"), widget=forms.Textarea(attrs=TEXTAREA))
    violation_on = VnDateField(label=_("Ngày vi phạm"))
    violation_area = forms.ChoiceField(label=_("Lĩnh vực vi phạm"), choices=FindingArea.choices)
    duty_related = forms.BooleanField(
        label=_("Vi phạm trong thực hiện chức trách, nhiệm vụ, công vụ"), required=False
    )
    self_reported = forms.BooleanField(
        label=_("Tự phát hiện, tự khắc phục hậu quả"), required=False
    )
    finding = forms.ModelChoiceField(
        label=_("Hạn chế, khuyết điểm phát hiện qua kiểm điểm (nếu có)"),
        queryset=Finding.objects.none(),
        required=False,
    )
    inspection_ref = forms.CharField(
        label=_("Kết luận kiểm tra, giám sát (số, ngày; nếu có)"), max_length=255, required=False
    )
    proposed_form = forms.ChoiceField(
        label=_("Hình thức đề nghị"), choices=[("", "—"), *DisciplineForm.choices], required=False
    )

    field_order = [
        "mode",
        "deciding_unit",
        "authority",
        "violation",
        "violation_on",
        "violation_area",
        "duty_related",
        "self_reported",
        "finding",
        "inspection_ref",
        "proposed_form",
        "form",
        "position",
        "decision_number",
        "decided_on",
        "effective_on",
        "no_limitation",
    ]
    DECISION = ("form", "decision_number", "decided_on")

    def __init__(self, *args, user, case: DisciplineCase, posts: list[Position], **kwargs):
        super().__init__(*args, **kwargs)
        collective = case.person_id is None
        self.fields["deciding_unit"].queryset = deciding_units(
            user, case.unit, collective=collective
        )
        self.narrow_decision(case, posts)
        today = timezone.localdate()
        self.fields["violation_on"].set_range(None, today)
        for name in ("decided_on", "effective_on"):
            self.fields[name].set_range(None, today)
        self.fields["proposed_form"].choices = [("", "—"), *_form_choices(collective)]
        findings = (
            Finding.objects.filter(review__person=case.person)
            if case.person_id
            else (Finding.objects.filter(unit=case.unit, review__person__isnull=True))
        )
        self.fields["finding"].queryset = findings.select_related("review__cycle")
        self.fields["finding"].label_from_instance = lambda f: f"{f.review.cycle.title}: {str(f)}"
        for name in self.DECISION:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if data.get("mode") == "decided":
            for name in self.DECISION:
                if not data.get(name):
                    self.add_error(name, _("Phải nhập khi đã có quyết định."))
        return data


class DecideForm(DecisionFields, VersionedForm):
    note = forms.CharField(
        label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class DropForm(VersionedForm):
    reason = forms.CharField(label=_("Lý do không kỷ luật"), widget=forms.Textarea(attrs=TEXTAREA))


class AppealForm(VersionedForm):
    lodged_on = VnDateField(label=_("Ngày khiếu nại"))
    grounds = forms.CharField(label=_("Nội dung khiếu nại"), widget=forms.Textarea(attrs=TEXTAREA))
    appeal_unit = forms.ModelChoiceField(
        label=_("Cấp giải quyết khiếu nại"), queryset=Unit.objects.none(), empty_label=None
    )

    def __init__(self, *args, case: DisciplineCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lodged_on"].set_range(case.decided_on, timezone.localdate())
        body = case.deciding_unit
        above = [p for p in body.ancestor_paths() if p != body.path]
        self.fields["appeal_unit"].queryset = Unit.objects.filter(path__in=above).order_by("-depth")


class SettleForm(VersionedForm):
    OUTCOMES = [
        (DisciplineStatus.UPHELD, _("Giữ nguyên quyết định")),
        (DisciplineStatus.CHANGED, _("Thay đổi hình thức kỷ luật")),
        (DisciplineStatus.ANNULLED, _("Xóa bỏ quyết định (kỷ luật oan, sai)")),
    ]

    outcome = forms.ChoiceField(label=_("Kết quả"), choices=OUTCOMES, widget=forms.RadioSelect)
    changed_form = forms.ChoiceField(
        label=_("Hình thức mới (khi thay đổi)"), choices=DisciplineForm.choices, required=False
    )
    position = forms.ModelChoiceField(
        label=_("Chức vụ bị cách (khi đổi sang cách chức)"),
        queryset=Position.objects.none(),
        required=False,
    )
    decision_number = forms.CharField(label=_("Số, ký hiệu quyết định"), max_length=60)
    decided_on = VnDateField(label=_("Ngày quyết định"))
    reason = forms.CharField(
        label=_("Lý do, căn cứ"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    rectification = forms.CharField(
        label=_("Phục hồi quyền lợi (khi xóa bỏ)"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )

    def __init__(self, *args, case: DisciplineCase, posts: list[Position], appeal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        start = case.appeal_lodged_on if appeal else case.decided_on
        self.fields["decided_on"].set_range(start, timezone.localdate())
        collective = case.person_id is None
        self.fields["changed_form"].choices = [("", "—"), *_form_choices(collective)]
        if collective:
            del self.fields["position"]
        else:
            self.fields["position"].queryset = Position.objects.filter(
                pk__in=[p.pk for p in posts]
            ).select_related("unit")
        if not appeal:  # a rectification without an appeal only annuls
            self.fields["outcome"].choices = self.OUTCOMES[2:]
            self.fields["outcome"].initial = DisciplineStatus.ANNULLED
            del self.fields["changed_form"]
            self.fields.pop("position", None)


class CaseEditForm(VersionedForm):
    violation = forms.CharField(label=_("Nội dung vi phạm"), widget=forms.Textarea(attrs=TEXTAREA))
    violation_area = forms.ChoiceField(label=_("Lĩnh vực vi phạm"), choices=FindingArea.choices)
    duty_related = forms.BooleanField(
        label=_("Vi phạm trong thực hiện chức trách, nhiệm vụ, công vụ"), required=False
    )
    self_reported = forms.BooleanField(
        label=_("Tự phát hiện, tự khắc phục hậu quả"), required=False
    )
    inspection_ref = forms.CharField(
        label=_("Kết luận kiểm tra, giám sát (số, ngày)"), max_length=255, required=False
    )
    decision_number = forms.CharField(
        label=_("Số, ký hiệu quyết định"), max_length=60, required=False
    )
    reason = forms.CharField(
        label=_("Lý do sửa"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bắt buộc khi hồ sơ đã có quyết định."),
    )

    def __init__(self, *args, case: DisciplineCase, **kwargs):
        super().__init__(*args, **kwargs)
        if case.status == DisciplineStatus.PROPOSED:
            del self.fields["decision_number"]


def case_edit_initial(case: DisciplineCase) -> dict:
    names = ["violation", "violation_area", "duty_related", "self_reported", "inspection_ref"]
    initial = {name: getattr(case, name) for name in names}
    initial.update(decision_number=case.decision_number, version=case.version)
    return initial


class CaseFilterForm(forms.Form):
    """The list's filters (GET): each a plain value, so statistics can link to the list."""

    don_vi = forms.IntegerField(required=False, widget=forms.HiddenInput)
    nam = forms.IntegerField(
        label=_("Năm quyết định"), required=False, min_value=1945, max_value=9999
    )
    hinh_thuc = forms.ChoiceField(
        label=_("Hình thức đang có hiệu lực"),
        choices=[("", _("Tất cả")), *DisciplineForm.choices],
        required=False,
    )
    doi_tuong = forms.ChoiceField(
        label=_("Đối tượng"), choices=[("", _("Tất cả")), *SubjectKind.choices], required=False
    )
    trang_thai = forms.ChoiceField(
        label=_("Trạng thái"),
        choices=[("", _("Tất cả")), *DisciplineStatus.choices],
        required=False,
    )
    q = forms.CharField(label=_("Tìm theo tên"), required=False, max_length=100)
    # Only decisions in force (the statistics count those).
    hieu_luc = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "loc_%s")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css


def case_filter(user, data) -> tuple[CaseFilterForm, selectors.CaseFilter]:
    """The list's filters from the query string (also the Excel export's)."""
    form = CaseFilterForm(data)
    f = selectors.CaseFilter()
    if form.is_valid():
        data = form.cleaned_data
        f = selectors.CaseFilter(
            unit=unit_in_scope(user, data["don_vi"]),
            year=data["nam"],
            form=data["hinh_thuc"],
            subject_kind=data["doi_tuong"],
            status=data["trang_thai"],
            in_force=data["hieu_luc"],
            q=data["q"],
        )
    return form, f
