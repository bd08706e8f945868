"""REST endpoints of oversight: working groups and assignments, programmes and activities,
assessments and group reports, implementation plans with their drafts, comments, tasks and
reports, and the caller's notifications. Same scoping (out of scope → 404), same services
(403 with the reason, 400 with the rule, 409 for a stale version) as the pages."""

from django.db.models import F, Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from kiemdiem.api.base import Filter, Pagination, VersionField, if_match_parameter, lookup
from kiemdiem.api.serializers import ScopedPrimaryKey, free_text
from kiemdiem.api.views import ScopedViewSet, listing, parse, values, versioned_action
from kiemdiem.core import notifications
from kiemdiem.core.models import Notification
from kiemdiem.org import groups as group_services
from kiemdiem.org.models import (
    GroupRole,
    OversightAssignment,
    Person,
    WorkingGroup,
    WorkingGroupMember,
)
from kiemdiem.org.scoping import access_for, paths_q, visible_groups, visible_people, visible_units
from kiemdiem.oversight import selectors, services
from kiemdiem.oversight.models import (
    Activity,
    ActivityKind,
    Assessment,
    AssessmentStatus,
    CommentDecision,
    ConferenceLevel,
    DirectiveTask,
    DraftComment,
    GroupReport,
    ImplementationPlan,
    ImplementationReport,
    TaskStatus,
    WorkProgramme,
)
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reports.models import PeriodKind, ReportPeriod
from kiemdiem.reviews.models import FindingArea

# --- serializers --------------------------------------------------------------------------------


class MemberSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)

    class Meta:
        model = WorkingGroupMember
        fields = [
            "id",
            "group",
            "person",
            "person_name",
            "role",
            "valid_from",
            "valid_to",
            "version",
        ]


class AssignmentSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = OversightAssignment
        fields = [
            "id",
            "committee",
            "working_group",
            "person",
            "unit",
            "unit_name",
            "field",
            "valid_from",
            "valid_to",
            "decision_number",
            "decision_date",
            "version",
        ]


class GroupSerializer(serializers.ModelSerializer):
    members = MemberSerializer(many=True, read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = WorkingGroup
        fields = [
            "id",
            "committee",
            "name",
            "decision_number",
            "decision_date",
            "valid_from",
            "valid_to",
            "duties",
            "members",
            "assignments",
            "version",
        ]


class GroupCreateSerializer(serializers.Serializer):
    committee = ScopedPrimaryKey(visible_units)
    name = serializers.CharField(max_length=200)
    decision_number = serializers.CharField(max_length=60)
    decision_date = serializers.DateField()
    valid_from = serializers.DateField()
    duties = free_text()


class GroupUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    decision_number = serializers.CharField(max_length=60, required=False)
    decision_date = serializers.DateField(required=False)
    duties = free_text()
    version = VersionField()


class MemberCreateSerializer(serializers.Serializer):
    group = ScopedPrimaryKey(visible_groups)
    person = ScopedPrimaryKey(visible_people)
    role = serializers.ChoiceField(choices=GroupRole.choices, default=GroupRole.MEMBER)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)


class EndSerializer(serializers.Serializer):
    valid_to = serializers.DateField()
    reason = free_text(2000)
    version = VersionField()


class AssignmentCreateSerializer(serializers.Serializer):
    working_group = ScopedPrimaryKey(visible_groups, required=False, allow_null=True)
    person = ScopedPrimaryKey(visible_people, required=False, allow_null=True)
    committee = ScopedPrimaryKey(visible_units, required=False, allow_null=True)
    unit = ScopedPrimaryKey(visible_units)
    field = free_text(200)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)
    decision_number = serializers.CharField(max_length=60)
    decision_date = serializers.DateField()


class ReassignSerializer(serializers.Serializer):
    working_group = ScopedPrimaryKey(visible_groups)
    starts_on = serializers.DateField()
    decision_number = serializers.CharField(max_length=60)
    decision_date = serializers.DateField()
    version = VersionField()


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkProgramme
        fields = [
            "id",
            "group",
            "title",
            "starts_on",
            "ends_on",
            "status",
            "agreed_on",
            "agreed_with",
            "note",
            "version",
        ]


class ProgrammeCreateSerializer(serializers.Serializer):
    group = ScopedPrimaryKey(visible_groups)
    title = serializers.CharField(max_length=255)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    note = free_text()


class ProgrammeUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    note = free_text()
    version = VersionField()


class AgreeSerializer(serializers.Serializer):
    agreed_on = serializers.DateField()
    agreed_with = serializers.CharField(max_length=2000)
    version = VersionField()


class ReasonSerializer(serializers.Serializer):
    reason = free_text(2000)
    version = VersionField()


class ActivitySerializer(serializers.ModelSerializer):
    followups = serializers.SerializerMethodField()

    class Meta:
        model = Activity
        fields = [
            "id",
            "programme",
            "unit",
            "kind",
            "planned_on",
            "status",
            "held_on",
            "minutes",
            "remarks",
            "closing_reason",
            "followups",
            "version",
        ]

    def get_followups(self, obj) -> list[int]:
        return [f.action_id for f in obj.followups.all()]


class ActivityCreateSerializer(serializers.Serializer):
    programme = serializers.IntegerField()
    unit = ScopedPrimaryKey(visible_units)
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    planned_on = serializers.DateField()


class OutcomeSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    minutes = free_text()
    remarks = free_text()
    version = VersionField()


class FollowupCreateSerializer(serializers.Serializer):
    plan = serializers.IntegerField(help_text="Kế hoạch khắc phục của đơn vị (id).")
    content = serializers.CharField(max_length=5000)
    due_date = serializers.DateField()
    responsible_unit = ScopedPrimaryKey(visible_units, required=False, allow_null=True)
    finding_text = free_text(5000)
    finding_area = serializers.ChoiceField(choices=FindingArea.choices, default=FindingArea.OTHER)


class AssessmentSerializer(serializers.ModelSerializer):
    is_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "group",
            "person",
            "unit",
            "period",
            "status",
            "figures",
            "figures_as_of",
            "remarks",
            "recommendations",
            "submitted_on",
            "is_late",
            "acknowledged_at",
            "response",
            "version",
        ]


class AssessmentCreateSerializer(serializers.Serializer):
    group = ScopedPrimaryKey(visible_groups, required=False, allow_null=True)
    unit = ScopedPrimaryKey(visible_units)
    period = serializers.IntegerField()


class AssessmentUpdateSerializer(serializers.Serializer):
    remarks = free_text()
    recommendations = free_text()
    refresh = serializers.BooleanField(default=False)
    version = VersionField()


class AcknowledgeSerializer(serializers.Serializer):
    response = free_text()
    version = VersionField()


class VersionOnlySerializer(serializers.Serializer):
    version = VersionField()


class GroupReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = GroupReport
        fields = [
            "id",
            "group",
            "kind",
            "year",
            "starts_on",
            "ends_on",
            "due_on",
            "status",
            "figures",
            "narrative",
            "submitted_on",
            "version",
        ]


class PeriodCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    kind = serializers.ChoiceField(choices=PeriodKind.choices)


class GroupReportCreateSerializer(PeriodCreateSerializer):
    group = ScopedPrimaryKey(visible_groups)


class NarrativeSerializer(serializers.Serializer):
    narrative = free_text()
    refresh = serializers.BooleanField(default=False)
    version = VersionField()


class CommentSerializer(serializers.ModelSerializer):
    draft_number = serializers.IntegerField(source="draft.number", read_only=True)

    class Meta:
        model = DraftComment
        fields = [
            "id",
            "plan",
            "draft_number",
            "author",
            "author_unit",
            "received_on",
            "channel",
            "text",
            "decision",
            "response",
            "version",
        ]


class TaskSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = DirectiveTask
        fields = [
            "id",
            "plan",
            "position",
            "content",
            "lead_unit",
            "coordinating_units",
            "due_date",
            "status",
            "percent",
            "verified_on",
            "closing_reason",
            "overdue",
            "version",
        ]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


class ImplementationSerializer(serializers.ModelSerializer):
    drafts = serializers.SerializerMethodField()
    comment_count = serializers.IntegerField(source="comments.count", read_only=True)

    class Meta:
        model = ImplementationPlan
        fields = [
            "id",
            "committee",
            "title",
            "directive",
            "number",
            "issued_on",
            "status",
            "objectives",
            "drafts",
            "comment_count",
            "version",
        ]

    def get_drafts(self, obj) -> list[dict]:
        return [
            {"number": d.number, "text": d.text, "note": d.note, "created_at": d.created_at}
            for d in obj.drafts.all()
        ]


class ImplementationCreateSerializer(serializers.Serializer):
    committee = ScopedPrimaryKey(visible_units)
    title = serializers.CharField(max_length=300)
    directive = serializers.CharField(max_length=300)
    objectives = free_text()
    draft_text = serializers.CharField(max_length=100_000)


class ImplementationUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False)
    directive = serializers.CharField(max_length=300, required=False)
    objectives = free_text()
    version = VersionField()


class AdoptSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60)
    issued_on = serializers.DateField()
    version = VersionField()


class DraftCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=100_000)
    note = free_text()


class CommentCreateSerializer(serializers.Serializer):
    author = serializers.CharField(max_length=200)
    author_unit = ScopedPrimaryKey(visible_units, required=False, allow_null=True)
    received_on = serializers.DateField()
    channel = free_text(200)
    text = serializers.CharField(max_length=20_000)


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[c for c in CommentDecision.choices if c[0] != CommentDecision.PENDING]
    )
    response = free_text()
    version = VersionField()


class ConferenceCreateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=ConferenceLevel.choices)
    unit = ScopedPrimaryKey(visible_units, required=False, allow_null=True)
    title = serializers.CharField(max_length=255)
    held_on = serializers.DateField()
    days = serializers.IntegerField(min_value=1, max_value=365, default=1)
    attendance = serializers.IntegerField(min_value=0, max_value=10_000_000, default=0)
    note = free_text()


class TaskCreateSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    content = serializers.CharField(max_length=20_000)
    lead_unit = ScopedPrimaryKey(visible_units, required=False, allow_null=True)
    coordinating_units = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=100
    )
    due_date = serializers.DateField(required=False, allow_null=True)


class TaskProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(TaskStatus.IN_PROGRESS, "in_progress"), (TaskStatus.DONE, "done")]
    )
    percent = serializers.IntegerField(min_value=0, max_value=100)
    narrative = serializers.CharField(max_length=20_000)
    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=20)
    version = VersionField()


class TaskVerifySerializer(serializers.Serializer):
    accept = serializers.BooleanField(default=True)
    note = free_text()
    version = VersionField()


class ImplementationReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImplementationReport
        fields = [
            "id",
            "plan",
            "kind",
            "year",
            "starts_on",
            "ends_on",
            "due_on",
            "status",
            "figures",
            "narrative",
            "version",
        ]


class ImplementationReportCreateSerializer(PeriodCreateSerializer):
    plan = serializers.IntegerField()


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "created_at", "read_at"]


class ReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=500)


class EmailSettingSerializer(serializers.Serializer):
    email_enabled = serializers.BooleanField(
        help_text="Nhận thông báo cả qua thư điện tử (tắt: thông báo chỉ hiện trong hệ thống)."
    )


# --- viewsets -----------------------------------------------------------------------------------


def _bool(qs, flag: bool, q):
    return qs.filter(q) if flag else qs.exclude(q)


GROUP_FILTERS = [
    lookup("committee", OpenApiTypes.INT, "Cấp ủy thành lập (id).", "committee_id"),
]


@listing(GROUP_FILTERS, responses=GroupSerializer)
class WorkingGroupViewSet(ScopedViewSet):
    """Working groups (tổ công tác) with their members and assignments, history included."""

    serializer_class = GroupSerializer
    filters = GROUP_FILTERS

    def scoped(self):
        return visible_groups(self.request.user).prefetch_related(
            "members__person", "assignments__unit"
        )

    @extend_schema(request=GroupCreateSerializer, responses={201: GroupSerializer})
    def create(self, request):
        """Set up a group by the committee's decision (its office)."""
        data = parse(GroupCreateSerializer, request)
        group = group_services.group_create(by=request.user, **data)
        return self.reply(group, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=GroupUpdateSerializer, responses=GroupSerializer, parameters=[if_match_parameter()]
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            GroupUpdateSerializer,
            lambda group, data, version: group_services.group_update(
                group=group, by=request.user, expected_version=version, **data
            ),
        )


@listing([], responses=MemberSerializer)
class GroupMemberViewSet(ScopedViewSet):
    """Seats in working groups: add one, end one (the seat stays in the history)."""

    serializer_class = MemberSerializer

    def scoped(self):
        groups = visible_groups(self.request.user).values("pk")
        return WorkingGroupMember.objects.filter(group__in=groups).select_related(
            "person", "group", "group__committee"
        )

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def create(self, request):
        data = parse(MemberCreateSerializer, request)
        seat = group_services.member_add(by=request.user, **data)
        return self.reply(seat, status_code=status.HTTP_201_CREATED)

    @versioned_action(EndSerializer, MemberSerializer)
    def end(self, request, pk=None):
        return self.change(
            request,
            EndSerializer,
            lambda seat, data, version: group_services.member_end(
                seat=seat,
                valid_to=data["valid_to"],
                reason=data.get("reason", ""),
                by=request.user,
                expected_version=version,
            ),
        )


ASSIGNMENT_FILTERS = [
    lookup("unit", OpenApiTypes.INT, "Đơn vị được theo dõi (id).", "unit_id"),
    lookup("working_group", OpenApiTypes.INT, "Tổ công tác (id).", "working_group_id"),
    lookup("person", OpenApiTypes.INT, "Cấp ủy viên được phân công (id).", "person_id"),
]


@listing(ASSIGNMENT_FILTERS, responses=AssignmentSerializer)
class AssignmentViewSet(ScopedViewSet):
    """Assignments of groups and committee members to units: current and past."""

    serializer_class = AssignmentSerializer
    filters = ASSIGNMENT_FILTERS

    def scoped(self):
        access = access_for(self.request.user)
        qs = OversightAssignment.objects.select_related("unit", "committee", "working_group")
        if access.everything:
            return qs
        return qs.filter(
            paths_q(access.visible_paths, "committee__path")
            | paths_q(access.visible_paths, "unit__path")
        )

    @extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer})
    def create(self, request):
        data = parse(AssignmentCreateSerializer, request)
        assignment = group_services.assignment_add(
            group=data.pop("working_group", None), by=request.user, **data
        )
        return self.reply(assignment, status_code=status.HTTP_201_CREATED)

    @versioned_action(EndSerializer, AssignmentSerializer)
    def end(self, request, pk=None):
        return self.change(
            request,
            EndSerializer,
            lambda a, data, version: group_services.assignment_end(
                assignment=a,
                valid_to=data["valid_to"],
                reason=data.get("reason", ""),
                by=request.user,
                expected_version=version,
            ),
        )

    @versioned_action(ReassignSerializer, {201: AssignmentSerializer})
    def reassign(self, request, pk=None):
        """End this assignment the day before `starts_on`; the unit goes to another group."""
        holder: dict = {}

        def call(a, data, version):
            holder["new"] = group_services.assignment_reassign(
                assignment=a,
                group=data["working_group"],
                starts_on=data["starts_on"],
                decision_number=data["decision_number"],
                decision_date=data["decision_date"],
                by=request.user,
                expected_version=version,
            )

        self.change(request, ReassignSerializer, call)
        return self.reply(holder["new"], status_code=status.HTTP_201_CREATED)


@listing(
    [lookup("group", OpenApiTypes.INT, "Tổ công tác (id).", "group_id")],
    responses=ProgrammeSerializer,
)
class ProgrammeViewSet(ScopedViewSet):
    """Working groups' work programmes."""

    serializer_class = ProgrammeSerializer
    filters = [lookup("group", OpenApiTypes.INT, "Tổ công tác (id).", "group_id")]

    def scoped(self):
        return selectors.programmes_visible_to(self.request.user)

    @extend_schema(request=ProgrammeCreateSerializer, responses={201: ProgrammeSerializer})
    def create(self, request):
        data = parse(ProgrammeCreateSerializer, request)
        programme = services.programme_create(by=request.user, **data)
        return self.reply(programme, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProgrammeUpdateSerializer,
        responses=ProgrammeSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            ProgrammeUpdateSerializer,
            lambda p, data, version: services.programme_update(
                programme=p, by=request.user, expected_version=version, **data
            ),
        )

    @versioned_action(AgreeSerializer, ProgrammeSerializer)
    def agree(self, request, pk=None):
        """Record that the programme was agreed with the units' leaders (leader or deputy)."""
        return self.change(
            request,
            AgreeSerializer,
            lambda p, data, version: services.programme_agree(
                programme=p,
                agreed_on=data["agreed_on"],
                agreed_with=data["agreed_with"],
                by=request.user,
                expected_version=version,
            ),
        )

    @versioned_action(ReasonSerializer, ProgrammeSerializer)
    def close(self, request, pk=None):
        return self.change(
            request,
            ReasonSerializer,
            lambda p, data, version: services.programme_close(
                programme=p,
                reason=data.get("reason", ""),
                by=request.user,
                expected_version=version,
            ),
        )


ACTIVITY_FILTERS = [
    lookup("programme", OpenApiTypes.INT, "Chương trình (id).", "programme_id"),
    lookup("unit", OpenApiTypes.INT, "Đơn vị (id).", "unit_id"),
    lookup(
        "status",
        OpenApiTypes.STR,
        "Tình trạng.",
        "status",
        choices=["planned", "done", "cancelled"],
    ),
]


@listing(ACTIVITY_FILTERS, responses=ActivitySerializer)
class ActivityViewSet(ScopedViewSet):
    """Activities of the programmes and what came of them."""

    serializer_class = ActivitySerializer
    filters = ACTIVITY_FILTERS

    def scoped(self):
        return selectors.activities_visible_to(self.request.user).prefetch_related("followups")

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer})
    def create(self, request):
        data = parse(ActivityCreateSerializer, request)
        programme = get_object_or_404(
            selectors.programmes_visible_to(request.user), pk=data.pop("programme")
        )
        activity = services.activity_plan(programme=programme, by=request.user, **data)
        return self.reply(activity, status_code=status.HTTP_201_CREATED)

    @versioned_action(OutcomeSerializer, ActivitySerializer)
    def record(self, request, pk=None):
        """Record the day held, the minutes and the remarks."""
        return self.change(
            request,
            OutcomeSerializer,
            lambda a, data, version: services.activity_record(
                activity=a,
                held_on=data["held_on"],
                minutes=data.get("minutes", ""),
                remarks=data.get("remarks", ""),
                by=request.user,
                expected_version=version,
            ),
        )

    @versioned_action(ReasonSerializer, ActivitySerializer)
    def cancel(self, request, pk=None):
        return self.change(
            request,
            ReasonSerializer,
            lambda a, data, version: services.activity_cancel(
                activity=a, reason=data.get("reason", ""), by=request.user, expected_version=version
            ),
        )

    @extend_schema(request=FollowupCreateSerializer, responses={201: ActivitySerializer})
    @action(detail=True, methods=["post"])
    def followups(self, request, pk=None):
        """Add an item (and a new shortcoming) to the unit's accepted plan; returns the activity
        with the ids of its follow-up items."""
        activity = self.get_object()
        data = parse(FollowupCreateSerializer, request)
        plan = get_object_or_404(
            RemediationPlan.objects.visible_to(request.user), pk=data.pop("plan")
        )
        services.followup_add(
            activity=activity,
            plan=plan,
            by=request.user,
            responsible_unit=data.pop("responsible_unit", None) or activity.unit,
            **data,
        )
        return self.reply(activity, status_code=status.HTTP_201_CREATED)


def _late(qs, flag: bool):
    today = timezone.localdate()
    late = Q(submitted_on__gt=F("period__due_on")) | Q(
        status=AssessmentStatus.DRAFT, period__due_on__lt=today
    )
    return _bool(qs, flag, late)


ASSESSMENT_FILTERS = [
    lookup("unit", OpenApiTypes.INT, "Đơn vị (id).", "unit_id"),
    lookup("group", OpenApiTypes.INT, "Tổ công tác (id).", "group_id"),
    lookup("period", OpenApiTypes.INT, "Kỳ báo cáo (id).", "period_id"),
    lookup(
        "status",
        OpenApiTypes.STR,
        "Trạng thái.",
        "status",
        choices=values(AssessmentStatus.choices),
    ),
    Filter("late", OpenApiTypes.BOOL, "Gửi muộn hoặc quá hạn mà chưa gửi.", _late),
]


@listing(ASSESSMENT_FILTERS, responses=AssessmentSerializer)
class AssessmentViewSet(ScopedViewSet):
    """Assessments of units' remediation by working groups and assigned members."""

    serializer_class = AssessmentSerializer
    filters = ASSESSMENT_FILTERS
    ordering = ("-period__ends_on", "unit__path", "pk")

    def scoped(self):
        return selectors.assessments_visible_to(self.request.user)

    @extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentSerializer})
    def create(self, request):
        """By the group given, or (without one) by the caller as an assigned member."""
        data = parse(AssessmentCreateSerializer, request)
        period = get_object_or_404(ReportPeriod, pk=data["period"])
        group = data.get("group")
        person = None
        if group is None:
            person = get_object_or_404(Person, pk=access_for(request.user).person_id or 0)
        assessment = services.assessment_create(
            group=group, person=person, unit=data["unit"], period=period, by=request.user
        )
        return self.reply(assessment, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=AssessmentUpdateSerializer,
        responses=AssessmentSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            AssessmentUpdateSerializer,
            lambda a, data, version: services.assessment_update(
                assessment=a,
                remarks=data.get("remarks"),
                recommendations=data.get("recommendations"),
                refresh=data.get("refresh", False),
                by=request.user,
                expected_version=version,
            ),
        )

    @versioned_action(VersionOnlySerializer, AssessmentSerializer)
    def submit(self, request, pk=None):
        """Send to the standing committee; the unit is notified."""
        return self.change(
            request,
            VersionOnlySerializer,
            lambda a, _data, version: services.assessment_submit(
                assessment=a, by=request.user, expected_version=version
            ),
        )

    @versioned_action(AcknowledgeSerializer, AssessmentSerializer)
    def acknowledge(self, request, pk=None):
        """The unit has read it (and answers, if it wishes)."""
        return self.change(
            request,
            AcknowledgeSerializer,
            lambda a, data, version: services.assessment_acknowledge(
                assessment=a,
                response=data.get("response", ""),
                by=request.user,
                expected_version=version,
            ),
        )


def _half_year_report_actions(serializer, update, submit) -> type:
    """PATCH (the narrative, optionally refreshing the figures) and POST …/submit/ of a draft
    half-year report: the same for a working group's activity report and an implementation
    plan's report, only the response serializer and the two services differ."""

    class HalfYearReportActions:
        @extend_schema(
            request=NarrativeSerializer,
            responses=serializer,
            parameters=[if_match_parameter()],
        )
        def partial_update(self, request, pk=None):
            return self.change(
                request,
                NarrativeSerializer,
                lambda r, data, version: update(
                    report=r,
                    narrative=data.get("narrative", r.narrative),
                    refresh=data.get("refresh", False),
                    by=request.user,
                    expected_version=version,
                ),
            )

        @versioned_action(VersionOnlySerializer, serializer)
        def submit(self, request, pk=None):
            return self.change(
                request,
                VersionOnlySerializer,
                lambda r, _data, version: submit(
                    report=r, by=request.user, expected_version=version
                ),
            )

    return HalfYearReportActions


@listing(
    [lookup("group", OpenApiTypes.INT, "Tổ công tác (id).", "group_id")],
    responses=GroupReportSerializer,
)
class GroupReportViewSet(
    _half_year_report_actions(
        GroupReportSerializer, services.group_report_update, services.group_report_submit
    ),
    ScopedViewSet,
):
    """Working groups' own activity reports (6-monthly and yearly)."""

    serializer_class = GroupReportSerializer
    filters = [lookup("group", OpenApiTypes.INT, "Tổ công tác (id).", "group_id")]

    def scoped(self):
        return selectors.group_reports_visible_to(self.request.user)

    @extend_schema(request=GroupReportCreateSerializer, responses={201: GroupReportSerializer})
    def create(self, request):
        data = parse(GroupReportCreateSerializer, request)
        report = services.group_report_create(by=request.user, **data)
        return self.reply(report, status_code=status.HTTP_201_CREATED)


@listing(
    [lookup("committee", OpenApiTypes.INT, "Cấp ủy (id).", "committee_id")],
    responses=ImplementationSerializer,
)
class ImplementationPlanViewSet(ScopedViewSet):
    """Implementation plans for a directive: draft, comments, adoption, closing."""

    serializer_class = ImplementationSerializer
    filters = [lookup("committee", OpenApiTypes.INT, "Cấp ủy (id).", "committee_id")]

    def scoped(self):
        return selectors.implementation_plans_visible_to(self.request.user).prefetch_related(
            "drafts"
        )

    @extend_schema(
        request=ImplementationCreateSerializer, responses={201: ImplementationSerializer}
    )
    def create(self, request):
        data = parse(ImplementationCreateSerializer, request)
        plan = services.implementation_create(by=request.user, **data)
        return self.reply(plan, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ImplementationUpdateSerializer,
        responses=ImplementationSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            ImplementationUpdateSerializer,
            lambda p, data, version: services.implementation_update(
                plan=p, by=request.user, expected_version=version, **data
            ),
        )

    @versioned_action(AdoptSerializer, ImplementationSerializer)
    def adopt(self, request, pk=None):
        """Adopt the plan; its tasks' bodies are notified."""
        return self.change(
            request,
            AdoptSerializer,
            lambda p, data, version: services.implementation_adopt(
                plan=p,
                number=data["number"],
                issued_on=data["issued_on"],
                by=request.user,
                expected_version=version,
            ),
        )

    @versioned_action(ReasonSerializer, ImplementationSerializer)
    def close(self, request, pk=None):
        return self.change(
            request,
            ReasonSerializer,
            lambda p, data, version: services.implementation_close(
                plan=p, reason=data.get("reason", ""), by=request.user, expected_version=version
            ),
        )

    @extend_schema(request=DraftCreateSerializer, responses={201: ImplementationSerializer})
    @action(detail=True, methods=["post"])
    def drafts(self, request, pk=None):
        """Keep a revised draft."""
        plan = self.get_object()
        data = parse(DraftCreateSerializer, request)
        services.draft_revise(plan=plan, by=request.user, **data)
        return self.reply(plan, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["post"])
    def comments(self, request, pk=None):
        """Record a comment on the latest draft (refused once the plan is adopted)."""
        plan = self.get_object()
        data = parse(CommentCreateSerializer, request)
        comment = services.comment_add(plan=plan, by=request.user, **data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConferenceCreateSerializer, responses={201: ImplementationSerializer})
    @action(detail=True, methods=["post"])
    def conferences(self, request, pk=None):
        plan = self.get_object()
        data = parse(ConferenceCreateSerializer, request)
        services.conference_add(plan=plan, by=request.user, **data)
        return self.reply(plan, status_code=status.HTTP_201_CREATED)


@listing(
    [lookup("plan", OpenApiTypes.INT, "Kế hoạch (id).", "plan_id")], responses=CommentSerializer
)
class DraftCommentViewSet(ScopedViewSet):
    """Comments on drafts, and whether they were taken in."""

    serializer_class = CommentSerializer
    filters = [lookup("plan", OpenApiTypes.INT, "Kế hoạch (id).", "plan_id")]

    def scoped(self):
        plans = selectors.implementation_plans_visible_to(self.request.user).values("pk")
        return DraftComment.objects.filter(plan__in=plans).select_related(
            "draft", "plan__committee"
        )

    @versioned_action(DecideSerializer, CommentSerializer)
    def decide(self, request, pk=None):
        return self.change(
            request,
            DecideSerializer,
            lambda c, data, version: services.comment_decide(
                comment=c,
                decision=data["decision"],
                response=data.get("response", ""),
                by=request.user,
                expected_version=version,
            ),
        )


def _overdue(qs, flag: bool):
    return _bool(
        qs, flag, Q(pk__in=selectors.tasks_overdue(DirectiveTask.objects.all()).values("pk"))
    )


TASK_FILTERS = [
    lookup("plan", OpenApiTypes.INT, "Kế hoạch (id).", "plan_id"),
    lookup("lead_unit", OpenApiTypes.INT, "Cơ quan chủ trì (id).", "lead_unit_id"),
    lookup("status", OpenApiTypes.STR, "Tình trạng.", "status", choices=values(TaskStatus.choices)),
    Filter("overdue", OpenApiTypes.BOOL, "Quá hạn (true) hoặc không.", _overdue),
]


@listing(TASK_FILTERS, responses=TaskSerializer)
class DirectiveTaskViewSet(ScopedViewSet):
    """Tasks of implementation plans, tracked like remediation items."""

    serializer_class = TaskSerializer
    filters = TASK_FILTERS
    ordering = ("plan_id", "position", "pk")
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scoped(self):
        return selectors.tasks_visible_to(self.request.user).prefetch_related("coordinating_units")

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer})
    def create(self, request):
        data = parse(TaskCreateSerializer, request)
        plan = get_object_or_404(
            selectors.implementation_plans_visible_to(request.user), pk=data["plan"]
        )
        coordinating = list(
            visible_units(request.user).filter(pk__in=data.get("coordinating_units", []))
        )
        task = services.task_add(
            plan=plan,
            content=data["content"],
            lead_unit=data.get("lead_unit"),
            due_date=data.get("due_date"),
            coordinating_units=coordinating,
            by=request.user,
        )
        return self.reply(task, status_code=status.HTTP_201_CREATED)

    @versioned_action(TaskProgressSerializer, TaskSerializer)
    def progress(self, request, pk=None):
        """Report progress (multipart with `files` for evidence)."""
        return self.change(
            request,
            TaskProgressSerializer,
            lambda t, data, version: services.task_report_progress(
                task=t,
                status=data["status"],
                percent=data["percent"],
                narrative=data["narrative"],
                files=data.get("files") or [],
                by=request.user,
                expected_version=version,
            ),
        )

    @versioned_action(TaskVerifySerializer, TaskSerializer)
    def verify(self, request, pk=None):
        return self.change(
            request,
            TaskVerifySerializer,
            lambda t, data, version: services.task_verify(
                task=t,
                accept=data.get("accept", True),
                note=data.get("note", ""),
                by=request.user,
                expected_version=version,
            ),
        )

    @versioned_action(ReasonSerializer, TaskSerializer)
    def cancel(self, request, pk=None):
        return self.change(
            request,
            ReasonSerializer,
            lambda t, data, version: services.task_cancel(
                task=t, reason=data.get("reason", ""), by=request.user, expected_version=version
            ),
        )


@listing(
    [lookup("plan", OpenApiTypes.INT, "Kế hoạch (id).", "plan_id")],
    responses=ImplementationReportSerializer,
)
class ImplementationReportViewSet(
    _half_year_report_actions(
        ImplementationReportSerializer,
        services.implementation_report_update,
        services.implementation_report_submit,
    ),
    ScopedViewSet,
):
    """6-monthly and yearly reports on implementation plans."""

    serializer_class = ImplementationReportSerializer
    filters = [lookup("plan", OpenApiTypes.INT, "Kế hoạch (id).", "plan_id")]

    def scoped(self):
        return selectors.implementation_reports_visible_to(self.request.user)

    @extend_schema(
        request=ImplementationReportCreateSerializer,
        responses={201: ImplementationReportSerializer},
    )
    def create(self, request):
        data = parse(ImplementationReportCreateSerializer, request)
        plan = get_object_or_404(
            selectors.implementation_plans_visible_to(request.user), pk=data["plan"]
        )
        report = services.implementation_report_create(
            plan=plan, year=data["year"], kind=data["kind"], by=request.user
        )
        return self.reply(report, status_code=status.HTTP_201_CREATED)


class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's own notifications (newest first); `unread=true` for the unread ones."""

    serializer_class = NotificationSerializer
    pagination_class = Pagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is built without a user
            return Notification.objects.none()
        qs = Notification.objects.filter(user=self.request.user).order_by("-created_at", "-id")
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Chỉ chưa đọc.")],
        responses=NotificationSerializer(many=True),
    )
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=NotificationSerializer)
    def retrieve(self, request, pk=None):
        """One of the caller's notifications (anyone else's does not exist: 404)."""
        note = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(note).data)

    @extend_schema(request=ReadSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def read(self, request):
        """Mark the notifications `ids` read (all of them without `ids`)."""
        data = parse(ReadSerializer, request)
        count = notifications.mark_read(user_id=request.user.pk, ids=data.get("ids"))
        return Response({"read": count, "unread": notifications.unread_count(request.user.pk)})

    @extend_schema(methods=["GET"], responses=EmailSettingSerializer)
    @extend_schema(
        methods=["PUT"], request=EmailSettingSerializer, responses=EmailSettingSerializer
    )
    @action(detail=False, methods=["get", "put"])
    def email(self, request):
        """Whether the caller's notifications also come by e-mail; PUT turns it on or off."""
        if request.method == "PUT":
            data = parse(EmailSettingSerializer, request)
            notifications.set_email(
                user_id=request.user.pk, enabled=data["email_enabled"], by=request.user
            )
        enabled = notifications.email_enabled(request.user.pk)
        return Response(EmailSettingSerializer({"email_enabled": enabled}).data)
