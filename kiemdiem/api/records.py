"""REST endpoints of the records that feed the yearly rating: discipline cases, confidence polls
and results, suggested reviews with their dossiers, and commitments.

Same shape as `api.views`: reads through the models' `visible_to(user)` (out of scope → 404;
discipline cases and a person's votes under the sensitive rule), bodies parsed here, every rule
in the services (403 with the reason, 400, 409 on a stale version). Every discipline case or
vote result returned by a list or a retrieve is recorded as read, as on the pages.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from kiemdiem.api.base import (
    Filter,
    VersionField,
    expected_version,
    if_match_parameter,
    lookup,
    with_etag,
)
from kiemdiem.api.serializers import ScopedPrimaryKey, free_text
from kiemdiem.api.views import ScopedViewSet, listing, parse, subtree_of, values, versioned_action
from kiemdiem.confidence import selectors as confidence_selectors
from kiemdiem.confidence import services as confidence_services
from kiemdiem.confidence.models import (
    ConfidencePoll,
    ConfidenceResult,
    ExclusionReason,
    LowFlag,
    LowShareBase,
    PollStatus,
)
from kiemdiem.discipline import services as discipline_services
from kiemdiem.discipline.models import (
    IN_FORCE,
    DecidingAuthority,
    DisciplineCase,
    DisciplineForm,
    DisciplineStatus,
)
from kiemdiem.org.models import Position
from kiemdiem.org.scoping import visible_people, visible_units
from kiemdiem.reviews import commitments, suggestions
from kiemdiem.reviews.models import (
    Commitment,
    CommitmentItem,
    DossierStatus,
    Finding,
    FindingArea,
    Fulfilment,
    Review,
    ReviewDossier,
    ReviewSuggestion,
    SubjectKind,
    SuggestionGround,
    SuggestionItem,
    SuggestionStatus,
)

READ_VIA_API = "API"


class AuditedReads:
    """List and retrieve record what they return as read: `record_reads(objs, by=, where=)` is
    the app's service that writes the READ audit rows."""

    record_reads: staticmethod

    def read(self, objs: list) -> None:
        self.record_reads(objs, by=self.request.user, where=READ_VIA_API)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        self.read(list(page))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self.read([obj])
        return with_etag(Response(self.get_serializer(obj).data), obj)


# --- discipline ---------------------------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    form_in_force_label = serializers.CharField(source="get_form_in_force_display", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True, default=None)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = DisciplineCase
        fields = [
            "id",
            "subject_kind",
            "unit",
            "unit_name",
            "person",
            "person_name",
            "member_status",
            "violation",
            "violation_on",
            "violation_area",
            "duty_related",
            "self_reported",
            "finding",
            "review",
            "inspection_ref",
            "deciding_unit",
            "authority",
            "proposed_form",
            "form",
            "position",
            "decision_number",
            "decided_on",
            "effective_on",
            "limitation_years",
            "no_limitation",
            "appeal_lodged_on",
            "appeal_grounds",
            "appeal_unit",
            "review_decision_number",
            "review_decided_on",
            "changed_form",
            "rectification",
            "form_in_force",
            "form_in_force_label",
            "status",
            "status_label",
            "version",
        ]
        read_only_fields = fields


def _positions(user):
    return Position.objects.filter(person__in=visible_people(user))


def _findings(user):
    return Finding.objects.visible_to(user)


class CaseCreateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[DisciplineStatus.PROPOSED, DisciplineStatus.DECIDED],
        help_text="proposed: đang xem xét; decided: ghi nhận quyết định đã ban hành.",
    )
    person = ScopedPrimaryKey(visible_people, required=False, allow_null=True)
    unit = ScopedPrimaryKey(
        visible_units, required=False, allow_null=True, help_text="Tổ chức đảng bị kỷ luật."
    )
    deciding_unit = ScopedPrimaryKey(visible_units)
    authority = serializers.ChoiceField(choices=DecidingAuthority.choices)
    violation = serializers.CharField(max_length=20_000)
    violation_on = serializers.DateField()
    violation_area = serializers.ChoiceField(choices=FindingArea.choices)
    duty_related = serializers.BooleanField(required=False, default=False)
    self_reported = serializers.BooleanField(required=False, default=False)
    finding = ScopedPrimaryKey(_findings, required=False, allow_null=True)
    inspection_ref = free_text(255)
    proposed_form = serializers.ChoiceField(
        choices=DisciplineForm.choices, required=False, allow_blank=True
    )
    form = serializers.ChoiceField(choices=DisciplineForm.choices, required=False)
    position = ScopedPrimaryKey(_positions, required=False, allow_null=True)
    decision_number = free_text(60)
    decided_on = serializers.DateField(required=False, allow_null=True)
    effective_on = serializers.DateField(required=False, allow_null=True)
    no_limitation = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        if data["status"] == DisciplineStatus.DECIDED:
            missing = [k for k in ("form", "decision_number", "decided_on") if not data.get(k)]
            if missing:
                raise serializers.ValidationError(
                    {k: ["Bắt buộc khi đã có quyết định."] for k in missing}
                )
        return data


class CaseDecideSerializer(serializers.Serializer):
    form = serializers.ChoiceField(choices=DisciplineForm.choices)
    decision_number = serializers.CharField(max_length=60)
    decided_on = serializers.DateField()
    effective_on = serializers.DateField(required=False, allow_null=True)
    position = ScopedPrimaryKey(_positions, required=False, allow_null=True)
    no_limitation = serializers.BooleanField(required=False, default=False)
    note = free_text(2000)
    version = VersionField()


class RecordReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    version = VersionField()


class AppealSerializer(serializers.Serializer):
    lodged_on = serializers.DateField()
    grounds = serializers.CharField(max_length=20_000)
    appeal_unit = ScopedPrimaryKey(visible_units, required=False, allow_null=True)
    version = VersionField()


class SettleSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[DisciplineStatus.UPHELD, DisciplineStatus.CHANGED, DisciplineStatus.ANNULLED]
    )
    decision_number = serializers.CharField(max_length=60)
    decided_on = serializers.DateField()
    changed_form = serializers.ChoiceField(
        choices=DisciplineForm.choices, required=False, allow_blank=True
    )
    position = ScopedPrimaryKey(_positions, required=False, allow_null=True)
    reason = free_text(5000)
    rectification = free_text(5000)
    version = VersionField()


class CaseUpdateSerializer(serializers.Serializer):
    violation = serializers.CharField(max_length=20_000, required=False)
    violation_area = serializers.ChoiceField(choices=FindingArea.choices, required=False)
    duty_related = serializers.BooleanField(required=False)
    self_reported = serializers.BooleanField(required=False)
    inspection_ref = free_text(255)
    decision_number = serializers.CharField(max_length=60, required=False)
    reason = free_text(5000)
    version = VersionField()


def _decided_in(qs, year: int):
    if not 1 <= year <= 9999:
        return qs.none()
    return qs.filter(decided_on__year=year)


def _form_in_force(qs, form: str):
    return qs.filter(form_in_force=form, status__in=sorted(IN_FORCE))


CASE_FILTERS = [
    Filter(
        "unit",
        OpenApiTypes.INT,
        "Đơn vị bị kỷ luật hoặc nơi sinh hoạt: cả cây con (id).",
        subtree_of("unit__path"),
    ),
    lookup("person", OpenApiTypes.INT, "Đảng viên (id).", "person_id"),
    Filter("year", OpenApiTypes.INT, "Năm quyết định.", _decided_in),
    lookup(
        "status",
        OpenApiTypes.STR,
        "Trạng thái.",
        "status",
        choices=values(DisciplineStatus.choices),
    ),
    Filter(
        "form",
        OpenApiTypes.STR,
        "Hình thức đang có hiệu lực.",
        _form_in_force,
        choices=values(DisciplineForm.choices),
    ),
    lookup(
        "subject_kind",
        OpenApiTypes.STR,
        "Tổ chức đảng hay đảng viên.",
        "subject_kind",
        choices=values(SubjectKind.choices),
    ),
]


@listing(CASE_FILTERS, responses=CaseSerializer)
class DisciplineCaseViewSet(AuditedReads, ScopedViewSet):
    """Discipline cases (Quy định 69-QĐ/TW). Read only by the deciding body's office and
    inspection committee (and those above it) and the person; each read is recorded."""

    serializer_class = CaseSerializer
    filters = CASE_FILTERS
    ordering = ("-decided_on", "-pk")

    def scoped(self):
        return DisciplineCase.objects.visible_to(self.request.user).select_related(
            "unit", "person", "deciding_unit"
        )

    record_reads = staticmethod(discipline_services.cases_read)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def create(self, request):
        """Open a case (status proposed) or record a decision already taken (decided)."""
        data = parse(CaseCreateSerializer, request)
        decided = data.pop("status") == DisciplineStatus.DECIDED
        decision = {
            k: data.pop(k, None)
            for k in ("form", "decision_number", "decided_on", "effective_on", "position")
        }
        no_limitation = data.pop("no_limitation", False)
        if decided:
            case = discipline_services.case_record(
                by=request.user, no_limitation=no_limitation, **data, **decision
            )
        else:
            case = discipline_services.case_open(by=request.user, **data)
        return self.reply(case, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=CaseUpdateSerializer, responses=CaseSerializer, parameters=[if_match_parameter()]
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            CaseUpdateSerializer,
            lambda case, data, version: discipline_services.case_update(
                case=case, by=request.user, expected_version=version, **data
            ),
        )

    @versioned_action(CaseDecideSerializer, CaseSerializer)
    def decide(self, request, pk=None):
        """The competent body decided on a proposed case."""
        return self.change(
            request,
            CaseDecideSerializer,
            lambda case, data, version: discipline_services.case_decide(
                case=case, by=request.user, version=version, **data
            ),
        )

    @versioned_action(RecordReasonSerializer, CaseSerializer)
    def drop(self, request, pk=None):
        """No discipline (the reason is required)."""
        return self.change(
            request,
            RecordReasonSerializer,
            lambda case, data, version: discipline_services.case_drop(
                case=case, by=request.user, reason=data["reason"], version=version
            ),
        )

    @versioned_action(AppealSerializer, CaseSerializer)
    def appeal(self, request, pk=None):
        """Record an appeal lodged against the decision."""
        return self.change(
            request,
            AppealSerializer,
            lambda case, data, version: discipline_services.case_appeal(
                case=case, by=request.user, version=version, **data
            ),
        )

    @versioned_action(SettleSerializer, CaseSerializer)
    def settle(self, request, pk=None):
        """Settle an appeal (upheld, changed, annulled) or annul a wrongful decision."""
        return self.change(
            request,
            SettleSerializer,
            lambda case, data, version: discipline_services.case_settle(
                case=case,
                by=request.user,
                version=version,
                outcome=data.pop("outcome"),
                changed_form=data.pop("changed_form", "") or "",
                **data,
            ),
        )


# --- confidence ---------------------------------------------------------------------------------


class PollSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    quorum_met = serializers.BooleanField(read_only=True)

    class Meta:
        model = ConfidencePoll
        fields = [
            "id",
            "title",
            "body_unit",
            "held_on",
            "year",
            "document_ref",
            "convened_count",
            "present_count",
            "quorum_met",
            "low_share_base",
            "two_year_rule",
            "status",
            "status_label",
            "version",
        ]
        read_only_fields = fields


class PollFieldsSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    held_on = serializers.DateField()
    document_ref = free_text(255)
    convened_count = serializers.IntegerField(min_value=0, max_value=1_000_000)
    present_count = serializers.IntegerField(min_value=0, max_value=1_000_000)
    low_share_base = serializers.ChoiceField(choices=LowShareBase.choices, required=False)
    two_year_rule = serializers.BooleanField(required=False)


class PollCreateSerializer(PollFieldsSerializer):
    body_unit = ScopedPrimaryKey(visible_units)


class PollUpdateSerializer(PollFieldsSerializer):
    title = serializers.CharField(max_length=255, required=False)
    held_on = serializers.DateField(required=False)
    convened_count = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    present_count = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    reason = free_text(5000)
    version = VersionField()


class NoteSerializer(serializers.Serializer):
    note = free_text(2000)
    version = VersionField()


POLL_FILTERS = [
    Filter(
        "unit",
        OpenApiTypes.INT,
        "Cấp tổ chức lấy phiếu: cả cây con (id).",
        subtree_of("body_unit__path"),
    ),
    lookup("year", OpenApiTypes.INT, "Năm lấy phiếu.", "year"),
    lookup("status", OpenApiTypes.STR, "Trạng thái.", "status", choices=values(PollStatus.choices)),
]


@listing(POLL_FILTERS, responses=PollSerializer)
class ConfidencePollViewSet(ScopedViewSet):
    """Confidence polls (Quy định 96-QĐ/TW): the conference; results are a separate resource."""

    serializer_class = PollSerializer
    filters = POLL_FILTERS
    ordering = ("-held_on", "-pk")

    def scoped(self):
        return ConfidencePoll.objects.visible_to(self.request.user).select_related("body_unit")

    @extend_schema(request=PollCreateSerializer, responses={201: PollSerializer})
    def create(self, request):
        data = parse(PollCreateSerializer, request)
        poll = confidence_services.poll_create(by=request.user, **data)
        return self.reply(poll, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=PollUpdateSerializer, responses=PollSerializer, parameters=[if_match_parameter()]
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            PollUpdateSerializer,
            lambda poll, data, version: confidence_services.poll_update(
                poll=poll, by=request.user, expected_version=version, **data
            ),
        )

    @versioned_action(NoteSerializer, PollSerializer)
    def finalize(self, request, pk=None):
        """Every polled cadre's ballots are in: the results count from now on."""
        return self.change(
            request,
            NoteSerializer,
            lambda poll, data, version: confidence_services.poll_finalize(
                poll=poll, by=request.user, note=data.get("note", ""), version=version
            ),
        )

    @versioned_action(RecordReasonSerializer, PollSerializer)
    def reopen(self, request, pk=None):
        """Open a finalized poll again to correct it (reason required)."""
        return self.change(
            request,
            RecordReasonSerializer,
            lambda poll, data, version: confidence_services.poll_reopen(
                poll=poll, by=request.user, reason=data["reason"], version=version
            ),
        )


class ResultSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    low_flag_label = serializers.CharField(source="get_low_flag_display", read_only=True)
    two_years_low = serializers.SerializerMethodField()

    class Meta:
        model = ConfidenceResult
        fields = [
            "id",
            "poll",
            "person",
            "person_name",
            "position",
            "title",
            "appointed_on",
            "year",
            "excluded_reason",
            "high_count",
            "normal_count",
            "low_count",
            "invalid_count",
            "base_count",
            "low_flag",
            "low_flag_label",
            "two_years_low",
            "version",
        ]
        read_only_fields = fields

    def get_two_years_low(self, result) -> bool:
        return confidence_selectors.two_years_low(result)


def _polls(user):
    return ConfidencePoll.objects.visible_to(user)


class ResultFieldsSerializer(serializers.Serializer):
    position = ScopedPrimaryKey(_positions, required=False, allow_null=True)
    title = free_text(255)
    appointed_on = serializers.DateField(required=False, allow_null=True)
    excluded_reason = serializers.ChoiceField(
        choices=ExclusionReason.choices, required=False, allow_blank=True
    )
    high_count = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    normal_count = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    low_count = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    invalid_count = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)


class ResultCreateSerializer(ResultFieldsSerializer):
    poll = ScopedPrimaryKey(_polls)
    person = ScopedPrimaryKey(visible_people)


class ResultUpdateSerializer(ResultFieldsSerializer):
    reason = free_text(5000)
    version = VersionField()


def _flag(qs, flag: str):
    if flag == "two_years":
        return qs.filter(confidence_selectors.two_years_q())
    return qs.filter(low_flag=flag)


RESULT_FILTERS = [
    lookup("poll", OpenApiTypes.INT, "Hội nghị lấy phiếu (id).", "poll_id"),
    lookup("person", OpenApiTypes.INT, "Người được lấy phiếu (id).", "person_id"),
    lookup("year", OpenApiTypes.INT, "Năm lấy phiếu.", "year"),
    Filter(
        "unit",
        OpenApiTypes.INT,
        "Cấp tổ chức lấy phiếu: cả cây con (id).",
        subtree_of("poll__body_unit__path"),
    ),
    Filter(
        "flag",
        OpenApiTypes.STR,
        "Hệ quả theo tỉ lệ tín nhiệm thấp.",
        _flag,
        choices=[*values(LowFlag.choices), "two_years"],
    ),
]


@listing(RESULT_FILTERS, responses=ResultSerializer)
class ConfidenceResultViewSet(AuditedReads, ScopedViewSet):
    """Each cadre's ballots in a poll. Read only by the polling body's office and inspection
    committee (and those above it) and the person; each read is recorded."""

    serializer_class = ResultSerializer
    filters = RESULT_FILTERS
    ordering = ("-year", "poll_id", "person__sort_key", "pk")

    def scoped(self):
        return confidence_selectors.results_for(self.request.user)

    record_reads = staticmethod(confidence_services.results_read)

    @extend_schema(request=ResultCreateSerializer, responses={201: ResultSerializer})
    def create(self, request):
        data = parse(ResultCreateSerializer, request)
        result = confidence_services.result_add(by=request.user, **data)
        return self.reply(result, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ResultUpdateSerializer,
        responses=ResultSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            ResultUpdateSerializer,
            lambda result, data, version: confidence_services.result_update(
                result=result, by=request.user, expected_version=version, **data
            ),
        )

    @versioned_action(RecordReasonSerializer, {204: None})
    def remove(self, request, pk=None):
        """Take a cadre entered by mistake off a draft poll (reason required)."""
        result = self.get_object()
        data = parse(RecordReasonSerializer, request)
        confidence_services.result_remove(
            result=result,
            by=request.user,
            reason=data["reason"],
            expected_version=expected_version(request, data.get("version")),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- suggestions and dossiers -------------------------------------------------------------------


class SuggestionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SuggestionItem
        fields = [
            "id",
            "position",
            "text",
            "account",
            "causes_objective",
            "causes_subjective",
            "responsibility_collective",
            "responsibility_personal",
            "answered_at",
            "version",
        ]
        read_only_fields = fields


class SuggestionSerializer(serializers.ModelSerializer):
    items = SuggestionItemSerializer(many=True, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ReviewSuggestion
        fields = [
            "id",
            "review",
            "cycle",
            "unit",
            "person",
            "issuing_unit",
            "document_number",
            "document_date",
            "grounds",
            "grounds_note",
            "delegation",
            "delegation_people",
            "status",
            "status_label",
            "items",
            "version",
        ]
        read_only_fields = fields


class SuggestionCreateSerializer(serializers.Serializer):
    review = ScopedPrimaryKey(lambda user: Review.objects.visible_to(user))
    issuing_unit = ScopedPrimaryKey(visible_units)
    document_number = serializers.CharField(max_length=60)
    document_date = serializers.DateField()
    grounds = serializers.ListField(
        child=serializers.ChoiceField(choices=SuggestionGround.choices), max_length=20
    )
    items = serializers.ListField(
        child=serializers.CharField(max_length=5000), min_length=1, max_length=50
    )
    grounds_note = free_text(5000)
    delegation = free_text(5000)
    delegation_people = serializers.ListField(
        child=ScopedPrimaryKey(visible_people), required=False, max_length=50
    )


class AnswerSerializer(serializers.Serializer):
    account = free_text()
    causes_objective = free_text()
    causes_subjective = free_text()
    responsibility_collective = free_text()
    responsibility_personal = free_text()
    version = VersionField()


SUGGESTION_FILTERS = [
    lookup("cycle", OpenApiTypes.INT, "Đợt kiểm điểm (id).", "cycle_id"),
    lookup("review", OpenApiTypes.INT, "Bản kiểm điểm (id).", "review_id"),
    lookup("year", OpenApiTypes.INT, "Năm kiểm điểm.", "cycle__year"),
    Filter(
        "unit", OpenApiTypes.INT, "Đơn vị được gợi ý: cả cây con (id).", subtree_of("unit__path")
    ),
    lookup(
        "status",
        OpenApiTypes.STR,
        "Trạng thái.",
        "status",
        choices=values(SuggestionStatus.choices),
    ),
]


@listing(SUGGESTION_FILTERS, responses=SuggestionSerializer)
class SuggestionViewSet(ScopedViewSet):
    """Upper-level suggestions (gợi ý kiểm điểm) with their points and the review's answers."""

    serializer_class = SuggestionSerializer
    filters = SUGGESTION_FILTERS
    ordering = ("-document_date", "-pk")

    def scoped(self):
        return ReviewSuggestion.objects.visible_to(self.request.user).prefetch_related(
            "items", "delegation_people"
        )

    @extend_schema(request=SuggestionCreateSerializer, responses={201: SuggestionSerializer})
    def create(self, request):
        data = parse(SuggestionCreateSerializer, request)
        suggestion = suggestions.suggestion_issue(by=request.user, **data)
        return self.reply(suggestion, status_code=status.HTTP_201_CREATED)

    @versioned_action(RecordReasonSerializer, SuggestionSerializer)
    def withdraw(self, request, pk=None):
        return self.change(
            request,
            RecordReasonSerializer,
            lambda s, data, version: suggestions.suggestion_withdraw(
                suggestion=s, by=request.user, reason=data["reason"], version=version
            ),
        )

    @versioned_action(
        AnswerSerializer, SuggestionSerializer, url_path=r"items/(?P<item_id>[0-9]+)/answer"
    )
    def answer(self, request, pk=None, item_id=None):
        """The review's answer to one point: what happened, causes, responsibility."""
        suggestion = self.get_object()
        item = get_object_or_404(SuggestionItem, suggestion=suggestion, pk=item_id)
        data = parse(AnswerSerializer, request)
        version = expected_version(request, data.pop("version", None))
        suggestions.suggestion_answer(item=item, by=request.user, version=version, **data)
        return self.reply(suggestion)


class DossierSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ReviewDossier
        fields = [
            "id",
            "cycle",
            "unit",
            "vetting_unit",
            "status",
            "status_label",
            "remarks",
            "submitted_at",
            "approved_on",
            "planned_on",
            "version",
        ]
        read_only_fields = fields


class RemarksSerializer(serializers.Serializer):
    remarks = serializers.CharField(max_length=5000)
    version = VersionField()


class ScheduleSerializer(serializers.Serializer):
    planned_on = serializers.DateField()
    version = VersionField()


DOSSIER_FILTERS = [
    lookup("cycle", OpenApiTypes.INT, "Đợt kiểm điểm (id).", "cycle_id"),
    Filter("unit", OpenApiTypes.INT, "Đơn vị: cả cây con (id).", subtree_of("unit__path")),
    lookup(
        "status", OpenApiTypes.STR, "Trạng thái.", "status", choices=values(DossierStatus.choices)
    ),
]


@listing(DOSSIER_FILTERS, responses=DossierSerializer)
class DossierViewSet(ScopedViewSet):
    """Dossiers of units under suggestion: vetted before the conference may be held."""

    serializer_class = DossierSerializer
    filters = DOSSIER_FILTERS
    ordering = ("cycle_id", "unit__path", "pk")

    def scoped(self):
        return ReviewDossier.objects.visible_to(self.request.user).select_related(
            "cycle", "unit", "vetting_unit"
        )

    @versioned_action(NoteSerializer, DossierSerializer)
    def submit(self, request, pk=None):
        """Send for vetting (every point answered)."""
        return self.change(
            request,
            NoteSerializer,
            lambda d, data, version: suggestions.dossier_submit(
                dossier=d, by=request.user, note=data.get("note", ""), version=version
            ),
        )

    @versioned_action(RemarksSerializer, DossierSerializer, url_path="return")
    def return_(self, request, pk=None):
        """Return with remarks: the unit prepares it again."""
        return self.change(
            request,
            RemarksSerializer,
            lambda d, data, version: suggestions.dossier_return(
                dossier=d, by=request.user, remarks=data["remarks"], version=version
            ),
        )

    @versioned_action(NoteSerializer, DossierSerializer)
    def approve(self, request, pk=None):
        """Approve: the conference may be scheduled and held from today."""
        return self.change(
            request,
            NoteSerializer,
            lambda d, data, version: suggestions.dossier_approve(
                dossier=d, by=request.user, note=data.get("note", ""), version=version
            ),
        )

    @versioned_action(ScheduleSerializer, DossierSerializer)
    def schedule(self, request, pk=None):
        """The planned day of the conference (only once approved)."""
        return self.change(
            request,
            ScheduleSerializer,
            lambda d, data, version: suggestions.dossier_schedule(
                dossier=d, by=request.user, planned_on=data["planned_on"], version=version
            ),
        )


# --- commitments -------------------------------------------------------------------------------


class CommitmentItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommitmentItem
        fields = ["id", "position", "text", "fulfilment", "note", "assessed_at", "version"]
        read_only_fields = fields


class CommitmentSerializer(serializers.ModelSerializer):
    items = CommitmentItemSerializer(many=True, read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)

    class Meta:
        model = Commitment
        fields = ["id", "person", "person_name", "year", "unit", "filed_on", "items", "version"]
        read_only_fields = fields


class CommitmentCreateSerializer(serializers.Serializer):
    person = ScopedPrimaryKey(visible_people)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    items = serializers.ListField(
        child=serializers.CharField(max_length=5000), min_length=1, max_length=30
    )


class CommitmentUpdateSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.CharField(max_length=5000), min_length=1, max_length=30
    )
    reason = free_text(5000)
    version = VersionField()


class AssessSerializer(serializers.Serializer):
    fulfilment = serializers.ChoiceField(choices=Fulfilment.choices)
    note = free_text(5000)
    version = VersionField()


COMMITMENT_FILTERS = [
    lookup("person", OpenApiTypes.INT, "Đảng viên (id).", "person_id"),
    lookup("year", OpenApiTypes.INT, "Năm.", "year"),
    Filter("unit", OpenApiTypes.INT, "Chi bộ: cả cây con (id).", subtree_of("unit__path")),
]


@listing(COMMITMENT_FILTERS, responses=CommitmentSerializer)
class CommitmentViewSet(ScopedViewSet):
    """Members' yearly commitments and the year-end assessment of each item."""

    serializer_class = CommitmentSerializer
    filters = COMMITMENT_FILTERS
    ordering = ("-year", "person__sort_key", "pk")

    def scoped(self):
        return Commitment.objects.visible_to(self.request.user).prefetch_related("items")

    @extend_schema(request=CommitmentCreateSerializer, responses={201: CommitmentSerializer})
    def create(self, request):
        data = parse(CommitmentCreateSerializer, request)
        commitment = commitments.commitment_file(by=request.user, **data)
        return self.reply(commitment, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=CommitmentUpdateSerializer,
        responses=CommitmentSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            CommitmentUpdateSerializer,
            lambda c, data, version: commitments.commitment_revise(
                commitment=c, by=request.user, version=version, **data
            ),
        )

    @versioned_action(
        AssessSerializer, CommitmentSerializer, url_path=r"items/(?P<item_id>[0-9]+)/assess"
    )
    def assess(self, request, pk=None, item_id=None):
        """How far one item was kept (fulfilled, partly, not) and why."""
        commitment = self.get_object()
        item = get_object_or_404(CommitmentItem, commitment=commitment, pk=item_id)
        data = parse(AssessSerializer, request)
        version = expected_version(request, data.pop("version", None))
        commitments.commitment_assess(item=item, by=request.user, version=version, **data)
        return self.reply(commitment)
