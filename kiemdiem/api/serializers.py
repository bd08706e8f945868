"""What the API reads and writes. Output serializers show a row; input serializers only parse
and type-check a request: every rule of the domain stays in the services they feed.

Related objects are given by id; input ids resolve only inside the caller's scope (an id out of
scope is "does not exist", exactly as the web pages answer 404).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kiemdiem.api.base import VersionField
from kiemdiem.org.models import Gender, Person, Position, PositionRole, Unit, UnitKind
from kiemdiem.org.scoping import visible_people, visible_units
from kiemdiem.remediation.models import (
    Appraisal,
    Evidence,
    PlanAction,
    PlanSubmission,
    ProgressUpdate,
    RemediationPlan,
)
from kiemdiem.remediation.states import ActionStatus, ReturnGround
from kiemdiem.reports.models import PeriodicReport
from kiemdiem.reviews.models import (
    DEGRADATION_TAGS,
    CarryAssessment,
    CauseKind,
    Finding,
    FindingArea,
    FindingSource,
    Review,
    ReviewCycle,
    Severity,
)
from kiemdiem.reviews.states import ReviewStatus

TEXT_MAX = 20_000


def free_text(max_length: int = TEXT_MAX, **kwargs) -> serializers.CharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_blank", True)
    return serializers.CharField(max_length=max_length, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKey(serializers.PrimaryKeyRelatedField):
    """An id resolved in the requesting user's scope: `scoped(user)` gives the queryset."""

    default_error_messages = {
        "does_not_exist": _("Không có đối tượng id={pk_value} trong phạm vi của bạn."),
        "incorrect_type": _("Phải là một id (số nguyên), không phải {data_type}."),
        "required": _("Trường này là bắt buộc."),
        "null": _("Trường này không được để trống."),
    }

    def __init__(self, scoped, **kwargs):
        self.scoped = scoped
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scoped(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, int) and not -(2**63) < data < 2**63):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _units(user):
    return visible_units(user)


def _people(user):
    return visible_people(user)


# --- organization ---------------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "parent",
            "parent_code",
            "path",
            "depth",
            "valid_from",
            "valid_to",
            "admin_code",
            "version",
        ]
        read_only_fields = fields


class UnitCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=255)
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    parent = ScopedPrimaryKey(_units)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_to = serializers.DateField(required=False, allow_null=True)
    admin_code = free_text(10)
    reason = free_text(1000)


class UnitUpdateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, required=False)
    name = serializers.CharField(max_length=255, required=False)
    kind = serializers.ChoiceField(choices=UnitKind.choices, required=False)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_to = serializers.DateField(required=False, allow_null=True)
    admin_code = free_text(10)
    reason = free_text(1000)
    version = VersionField()


class UnitMoveSerializer(serializers.Serializer):
    parent = ScopedPrimaryKey(_units)
    reason = serializers.CharField(max_length=1000)
    version = VersionField()


class PersonSerializer(serializers.ModelSerializer):
    gender_label = serializers.CharField(source="get_gender_display", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "full_name",
            "birth_date",
            "gender",
            "gender_label",
            "party_card_number",
            "admission_date",
            "official_date",
            "version",
        ]
        read_only_fields = fields


class PersonFieldsSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=120)
    birth_date = serializers.DateField(required=False, allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    party_card_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, allow_null=True
    )
    admission_date = serializers.DateField(required=False, allow_null=True)
    official_date = serializers.DateField(required=False, allow_null=True)
    reason = free_text(1000)


class PersonCreateSerializer(PersonFieldsSerializer):
    cell = ScopedPrimaryKey(_units, help_text="Chi bộ nơi đảng viên sinh hoạt (id đơn vị).")


class PersonUpdateSerializer(PersonFieldsSerializer):
    full_name = serializers.CharField(max_length=120, required=False)
    version = VersionField()


class PositionSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Position
        fields = [
            "id",
            "person",
            "person_name",
            "unit",
            "unit_code",
            "role",
            "role_label",
            "valid_from",
            "valid_to",
            "is_concurrent",
            "version",
        ]
        read_only_fields = fields


class PositionCreateSerializer(serializers.Serializer):
    person = ScopedPrimaryKey(_people)
    unit = ScopedPrimaryKey(_units)
    role = serializers.ChoiceField(choices=PositionRole.choices)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)
    is_concurrent = serializers.BooleanField(required=False, default=False)
    reason = free_text(1000)


# --- reviews ---------------------------------------------------------------------------------


class CycleSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    scope_unit_code = serializers.CharField(source="scope_unit.code", read_only=True)

    class Meta:
        model = ReviewCycle
        fields = [
            "id",
            "title",
            "kind",
            "kind_label",
            "year",
            "directive_number",
            "directive_date",
            "directive_issuer",
            "scope_unit",
            "scope_unit_code",
            "participating_kinds",
            "include_individuals",
            "starts_on",
            "self_review_due",
            "conference_due",
            "plan_due",
            "horizon_end",
            "status",
            "status_label",
            "previous_cycle",
            "version",
        ]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True, default=None)

    class Meta:
        model = Review
        fields = [
            "id",
            "cycle",
            "subject_kind",
            "unit",
            "unit_name",
            "person",
            "person_name",
            "status",
            "status_label",
            "strengths",
            "shortcomings_summary",
            "causes_objective",
            "causes_subjective",
            "responsibility",
            "submitted_at",
            "finalized_at",
            "version",
        ]
        read_only_fields = fields


class ReviewUpdateSerializer(serializers.Serializer):
    strengths = free_text()
    shortcomings_summary = free_text()
    causes_objective = free_text()
    causes_subjective = free_text()
    responsibility = free_text()
    version = VersionField()


class ReviewTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=ReviewStatus.choices)
    note = free_text(2000)
    version = VersionField()


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = [
            "id",
            "review",
            "unit",
            "text",
            "area",
            "degradation_tags",
            "cause_kind",
            "severity",
            "source",
            "status",
            "carried_from",
            "carry_assessment",
            "carry_percent",
            "carry_cause",
            "resolved_at",
            "resolved_on",
            "version",
        ]
        read_only_fields = fields


class FindingFieldsSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=TEXT_MAX)
    area = serializers.ChoiceField(choices=FindingArea.choices)
    degradation_tags = serializers.ListField(
        child=serializers.ChoiceField(choices=DEGRADATION_TAGS), required=False, max_length=27
    )
    cause_kind = serializers.ChoiceField(choices=CauseKind.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    source = serializers.ChoiceField(choices=FindingSource.choices, required=False)
    reason = free_text(1000)


class CarryAssessSerializer(serializers.Serializer):
    """Whether a shortcoming carried over from the previous cycle was fixed, and why."""

    assessment = serializers.ChoiceField(choices=CarryAssessment.choices)
    percent = serializers.IntegerField(
        min_value=1,
        max_value=99,
        required=False,
        allow_null=True,
        help_text="Mức độ đã khắc phục (%), bắt buộc khi khắc phục một phần.",
    )
    cause = serializers.CharField(max_length=TEXT_MAX)
    version = VersionField()


def effective_date_field() -> serializers.DateField:
    return serializers.DateField(
        required=False,
        allow_null=True,
        help_text=(
            "Ngày việc có hiệu lực khi văn phòng cấp ủy nhập lại từ hồ sơ giấy; mặc định hôm nay. "
            "Không sau hôm nay, không trước ngày bắt đầu đợt."
        ),
    )


class FindingCreateSerializer(FindingFieldsSerializer):
    review = ScopedPrimaryKey(lambda user: Review.objects.visible_to(user))


class FindingUpdateSerializer(FindingFieldsSerializer):
    text = serializers.CharField(max_length=TEXT_MAX, required=False)
    area = serializers.ChoiceField(choices=FindingArea.choices, required=False)
    version = VersionField()


# --- remediation ------------------------------------------------------------------------------


class PlanItemSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "plan",
            "position",
            "content",
            "findings",
            "responsible_unit",
            "responsible_person",
            "due_date",
            "expected_result",
            "status",
            "status_label",
            "percent",
            "overdue",
            "verified_at",
            "verified_on",
            "closing_reason",
            "replaced_by",
            "version",
        ]
        read_only_fields = fields

    def get_overdue(self, item: PlanAction) -> bool:
        return item.is_overdue()


class PlanSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True, default=None)

    class Meta:
        model = RemediationPlan
        fields = [
            "id",
            "review",
            "cycle",
            "unit",
            "unit_name",
            "person",
            "person_name",
            "status",
            "status_label",
            "due_date",
            "first_submitted_at",
            "first_submitted_on",
            "decision_date",
            "decision_ref",
            "version",
        ]
        read_only_fields = fields


class AppraisalSerializer(serializers.ModelSerializer):
    """The appraiser's decision on one submission: why a plan came back, or that it passed."""

    decision_label = serializers.CharField(source="get_decision_display", read_only=True)
    grounds_labels = serializers.SerializerMethodField()
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)

    class Meta:
        model = Appraisal
        fields = [
            "decision",
            "decision_label",
            "grounds",
            "grounds_labels",
            "remarks",
            "recipient_kind",
            "decided_by",
            "decided_at",
            "effective_on",
        ]
        read_only_fields = fields

    def get_grounds_labels(self, appraisal: Appraisal) -> list[str]:
        labels = dict(ReturnGround.choices)
        return [str(labels.get(g, g)) for g in appraisal.grounds]


class SubmissionSerializer(serializers.ModelSerializer):
    """One round of submission, with the appraisal it received (none while it waits)."""

    submitted_by = serializers.CharField(
        source="submitted_by.username", read_only=True, default=None
    )
    appraisal = serializers.SerializerMethodField()

    class Meta:
        model = PlanSubmission
        fields = ["number", "submitted_at", "effective_on", "submitted_by", "note", "appraisal"]
        read_only_fields = fields

    @extend_schema_field(AppraisalSerializer(allow_null=True))
    def get_appraisal(self, submission: PlanSubmission) -> dict | None:
        appraisal = getattr(submission, "appraisal", None)
        return AppraisalSerializer(appraisal).data if appraisal is not None else None


class PlanDetailSerializer(PlanSerializer):
    items = PlanItemSerializer(source="actions", many=True, read_only=True)
    submissions = SubmissionSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "items", "submissions"]
        read_only_fields = fields


class PlanSubmitSerializer(serializers.Serializer):
    note = free_text(2000)
    effective_on = effective_date_field()
    version = VersionField()


class PlanReturnSerializer(serializers.Serializer):
    grounds = serializers.ListField(
        child=serializers.ChoiceField(choices=ReturnGround.choices), max_length=10
    )
    remarks = free_text(5000)
    effective_on = effective_date_field()
    version = VersionField()


class PlanAcceptSerializer(serializers.Serializer):
    remarks = free_text(5000)
    effective_on = effective_date_field()
    version = VersionField()


class PlanAdoptSerializer(serializers.Serializer):
    decision_date = serializers.DateField()
    decision_ref = serializers.CharField(max_length=100)
    version = VersionField()


class PlanItemFieldsSerializer(serializers.Serializer):
    content = free_text()
    findings = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62), required=False, max_length=200
    )
    responsible_unit = ScopedPrimaryKey(_units, required=False, allow_null=True)
    responsible_person = ScopedPrimaryKey(_people, required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    expected_result = free_text()


class PlanItemCreateSerializer(PlanItemFieldsSerializer):
    plan = ScopedPrimaryKey(lambda user: RemediationPlan.objects.visible_to(user))


class PlanItemUpdateSerializer(PlanItemFieldsSerializer):
    version = VersionField()


class ProgressCreateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(s, s.label) for s in (ActionStatus.IN_PROGRESS, ActionStatus.DONE)]
    )
    percent = serializers.IntegerField(min_value=0, max_value=100)
    narrative = serializers.CharField(max_length=TEXT_MAX)
    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)
    effective_on = effective_date_field()
    version = VersionField()


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "original_name", "content_type", "size", "sha256"]
        read_only_fields = fields


class ProgressSerializer(serializers.ModelSerializer):
    reported_by = serializers.CharField(source="reported_by.username", read_only=True, default=None)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressUpdate
        fields = ["id", "action", "reported_at", "effective_on", "reported_by", "status"]
        fields += ["percent", "narrative"]
        fields += ["evidence"]
        read_only_fields = fields


class VerifySerializer(serializers.Serializer):
    accept = serializers.BooleanField(default=True)
    note = free_text(5000)
    effective_on = effective_date_field()
    version = VersionField()


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    version = VersionField()


# --- reports and dashboard ----------------------------------------------------------------------


class ReportSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    period_label = serializers.CharField(source="period.label", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    figures = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = PeriodicReport
        fields = [
            "id",
            "period",
            "period_label",
            "unit",
            "unit_name",
            "status",
            "status_label",
            "figures",
            "figures_as_of",
            "narrative",
            "submitted_at",
            "version",
        ]
        read_only_fields = fields


class ReportCreateSerializer(serializers.Serializer):
    period = serializers.IntegerField(min_value=1, max_value=2**62)
    unit = ScopedPrimaryKey(_units)


class ReportUpdateSerializer(serializers.Serializer):
    narrative = free_text()
    refresh = serializers.BooleanField(
        required=False, default=False, help_text="Lấy lại số liệu từ dữ liệu hiện tại."
    )
    version = VersionField()


class ReportSubmitSerializer(serializers.Serializer):
    version = VersionField()


class FiguresRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    figures = serializers.DictField(child=serializers.IntegerField())


class DashboardSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    unit = FiguresRowSerializer(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    pending_changes = serializers.IntegerField()
    children = FiguresRowSerializer(many=True)


class OverseerRowSerializer(serializers.Serializer):
    """A working group or a member assigned in person, on a cycle's dashboard (issue 14)."""

    kind = serializers.ChoiceField(choices=["group", "member"])
    id = serializers.IntegerField(help_text="Tổ công tác hoặc cấp ủy viên (id).")
    label = serializers.CharField()
    units = serializers.ListField(child=serializers.CharField())
    plans_appraised = serializers.IntegerField()
    assessments_done = serializers.IntegerField(help_text="Nhận xét gửi đúng hạn.")
    assessments_late = serializers.IntegerField(help_text="Nhận xét gửi muộn.")
    assessments_missing = serializers.IntegerField(help_text="Quá hạn, chưa gửi.")


class OversightFiguresSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    unit = serializers.IntegerField()
    overseers = OverseerRowSerializer(many=True)
