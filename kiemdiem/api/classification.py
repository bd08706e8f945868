"""REST endpoints of the yearly quality classification: rounds, ratings with their steps
(self-assess, appraise, return, decide, publish, cancel and re-rate), re-check campaigns with
their units' tasks and the results re-checked, and the workbook imports of past years (the
records importer of `transfer`, whose other kinds come along).

Same shape as `api.views`: reads through the classification's selectors — a rating only by the
person rated and those who manage them (QĐ 366 Art. 15; anyone else gets 404) — bodies parsed
here, every rule in the services (403 with the reason, 400 naming the rule, 409 on a stale
version).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.api.base import Filter, VersionField, lookup
from kiemdiem.api.serializers import ScopedPrimaryKey, free_text
from kiemdiem.api.views import ScopedViewSet, listing, parse, subtree_of, values, versioned_action
from kiemdiem.classification import cases, recheck, rules, selectors, services
from kiemdiem.classification.case_checks import quarters_of
from kiemdiem.classification.models import (
    ExemptReason,
    MemberDecider,
    Mitigation,
    PeerGroup,
    QuarterResult,
    Rating,
    RatingRound,
    RatingStatus,
    RoundPeriod,
    SpecialCase,
    SubjectKind,
    TermRollup,
)
from kiemdiem.classification.recheck_models import (
    RecheckCampaign,
    RecheckItem,
    RecheckOutcome,
    RecheckTask,
    RecheckTaskStatus,
)
from kiemdiem.classification.terms import years_of
from kiemdiem.core.permissions import require
from kiemdiem.org.scoping import visible_units
from kiemdiem.transfer import records_jobs
from kiemdiem.transfer.models import RecordImport
from kiemdiem.transfer.records_views import can_import_records

LEVELS = values(rules.LEVEL_CHOICES)

# --- rounds -------------------------------------------------------------------------------------


class RatingRoundSerializer(serializers.ModelSerializer):
    scheme_label = serializers.CharField(source="get_scheme_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    scope_unit_name = serializers.CharField(source="scope_unit.name", read_only=True)

    class Meta:
        model = RatingRound
        fields = [
            "id",
            "title",
            "period",
            "term_first",
            "year",
            "scheme",
            "scheme_label",
            "term_rollup",
            "scope_unit",
            "scope_unit_name",
            "quota_rounding",
            "head_rule",
            "member_decider",
            "cutoff_on",
            "deadline",
            "imported",
            "status",
            "status_label",
            "version",
        ]
        read_only_fields = fields


class RatingRoundCreateSerializer(serializers.Serializer):
    title = free_text(255)
    period = serializers.ChoiceField(
        choices=RoundPeriod.choices,
        required=False,
        default=RoundPeriod.YEAR,
        help_text="Năm (mặc định) hoặc nhiệm kỳ (từ Quy định 366).",
    )
    term_first = serializers.IntegerField(
        min_value=2014,
        max_value=2100,
        required=False,
        allow_null=True,
        help_text="Năm đầu nhiệm kỳ.",
    )
    year = serializers.IntegerField(
        min_value=2014, max_value=2100, help_text="Năm đánh giá; nhiệm kỳ: năm cuối nhiệm kỳ."
    )
    term_rollup = serializers.ChoiceField(
        choices=TermRollup.choices,
        required=False,
        allow_blank=True,
        help_text="Kết quả các năm vào nhiệm kỳ; để trống: theo cấu hình.",
    )
    scope_unit = ScopedPrimaryKey(visible_units, help_text="Phạm vi (id).")
    scheme = serializers.ChoiceField(
        choices=rules.SCHEME_CHOICES,
        required=False,
        allow_blank=True,
        help_text="Để trống: quy định của năm đánh giá.",
    )
    quota_rounding = serializers.ChoiceField(choices=rules.Rounding.CHOICES, required=False)
    head_rule = serializers.BooleanField(required=False, default=True)
    member_decider = serializers.ChoiceField(choices=MemberDecider.choices, required=False)
    deadline = serializers.DateField(required=False, allow_null=True)


class RatingVersionSerializer(serializers.Serializer):
    version = VersionField()


ROUND_FILTERS = [
    lookup("year", OpenApiTypes.INT, "Năm đánh giá.", "year"),
    lookup("scheme", OpenApiTypes.STR, "Quy định.", "scheme", choices=list(rules.SCHEMES)),
    Filter(
        "unit",
        OpenApiTypes.INT,
        "Phạm vi trong cây con của đơn vị (id).",
        subtree_of("scope_unit__path"),
    ),
    lookup("imported", OpenApiTypes.BOOL, "Nhập từ hồ sơ năm trước.", "imported"),
    lookup("period", OpenApiTypes.STR, "Kỳ đánh giá.", "period", choices=list(RoundPeriod.values)),
]


@listing(ROUND_FILTERS, responses=RatingRoundSerializer)
class RatingRoundViewSet(ScopedViewSet):
    """Rating rounds: the classification of one year over a subtree, under that year's rulebook."""

    serializer_class = RatingRoundSerializer
    filters = ROUND_FILTERS
    ordering = ("-year", "scope_unit__path", "pk")

    def scoped(self):
        return selectors.rounds_for(self.request.user)

    @extend_schema(request=RatingRoundCreateSerializer, responses={201: RatingRoundSerializer})
    def create(self, request):
        """Open a round (and a rating for every subject of the subtree)."""
        data = parse(RatingRoundCreateSerializer, request)
        round_ = services.round_open(
            by=request.user,
            title=data.get("title", ""),
            year=data["year"],
            scope_unit=data["scope_unit"],
            scheme=data.get("scheme") or "",
            quota_rounding=data.get("quota_rounding") or rules.Rounding.DOWN,
            head_rule=data["head_rule"],
            member_decider=data.get("member_decider") or MemberDecider.GRASSROOTS,
            deadline=data.get("deadline"),
            period=data["period"],
            term_first=data.get("term_first"),
            term_rollup=data.get("term_rollup") or None,
        )
        return self.reply(round_, status_code=status.HTTP_201_CREATED)

    @versioned_action(RatingVersionSerializer, RatingRoundSerializer)
    def close(self, request, pk=None):
        """End the round once every subject is decided or exempt (the unfinished ones are
        listed in `problems`). A closed round still carries its re-ratings (Mẫu 03)."""
        return self.change(
            request,
            RatingVersionSerializer,
            lambda round_, data, version: cases.round_close(
                round_=round_, by=request.user, version=version
            ),
        )


# --- ratings ------------------------------------------------------------------------------------


class RatingSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="round.year", read_only=True)
    scheme = serializers.CharField(source="round.scheme", read_only=True)
    subject_label = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    downgraded = serializers.BooleanField(read_only=True)
    rerating = serializers.SerializerMethodField()

    class Meta:
        model = Rating
        fields = [
            "id",
            "round",
            "year",
            "scheme",
            "subject_kind",
            "subject_label",
            "unit",
            "person",
            "deciding_unit",
            "peer_group",
            "status",
            "status_label",
            "exempt_reason",
            "special_case",
            "self_scores",
            "self_total",
            "self_level",
            "self_reasons",
            "self_conditions",
            "appraisal_scores",
            "appraisal_total",
            "appraised_level",
            "appraisal_reasons",
            "appraising_body",
            "downgraded",
            "mitigation",
            "complaints",
            "verification",
            "decided_level",
            "decision_number",
            "decided_on",
            "decision_note",
            "overrides",
            "published_on",
            "cancel_decision_number",
            "cancelled_on",
            "cancelled_by_unit",
            "rerating_of",
            "rerating",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_rerating(self, obj: Rating) -> int | None:
        """The re-rating that replaces a cancelled result (id)."""
        if obj.status != RatingStatus.CANCELLED:
            return None
        rerating = getattr(obj, "rerating", None)  # read with the row (RatingViewSet.scoped)
        return rerating.pk if rerating is not None else None


def _scores_field():
    return serializers.DictField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text="Điểm (số) hoặc cấp độ theo mã tiêu chí của bảng điểm.",
    )


def _conditions_field():
    return serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=40
    )


class RatingSelfAssessSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=rules.LEVEL_CHOICES)
    reasons = serializers.CharField(max_length=20_000)
    scores = _scores_field()
    conditions = _conditions_field()
    special_case = serializers.ChoiceField(
        choices=SpecialCase.choices, required=False, allow_blank=True
    )
    version = VersionField()


class RatingAppraiseSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=rules.LEVEL_CHOICES)
    reasons = serializers.CharField(max_length=20_000)
    scores = _scores_field()
    conditions = _conditions_field()
    body = free_text(255)
    mitigation = serializers.ChoiceField(
        choices=Mitigation.choices, required=False, allow_blank=True
    )
    mitigation_note = free_text(5000)
    complaints = free_text(5000)
    special_note = free_text(5000)
    version = VersionField()


class RatingDecideSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=rules.LEVEL_CHOICES)
    decision_number = free_text(60)
    decided_on = serializers.DateField(required=False, allow_null=True)
    note = free_text(5000)
    overrides = serializers.DictField(
        child=serializers.CharField(max_length=5000),
        required=False,
        help_text="Mã kiểm tra → lý do quyết định khác (chỉ với kiểm tra quy định cho phép).",
    )
    version = VersionField()


class RatingReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    version = VersionField()


class RatingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    decision_number = serializers.CharField(max_length=60, help_text="Số quyết định (Mẫu 03).")
    cancelled_on = serializers.DateField(required=False, allow_null=True)
    version = VersionField()


class RatingExemptSerializer(serializers.Serializer):
    exempt_reason = serializers.ChoiceField(choices=ExemptReason.choices)
    note = free_text(5000)
    version = VersionField()


class TermYearSerializer(serializers.Serializer):
    """One year of a term rating (QĐ 366): its published result, under that year's rulebook."""

    year = serializers.IntegerField()
    rating = serializers.IntegerField(source="rating.pk", allow_null=True, default=None)
    level = serializers.CharField()
    level_label = serializers.CharField(source="label")
    scheme = serializers.CharField(help_text="Quy định của năm đó.")
    missing = serializers.CharField(help_text="Vì sao chưa có kết quả (năm thiếu).")


class QuarterResultSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = QuarterResult
        fields = ["id", "quarter", "level", "level_label", "total", "note", "version"]
        read_only_fields = fields


class QuarterRecordSerializer(serializers.Serializer):
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    level = serializers.ChoiceField(choices=rules.LEVEL_CHOICES)
    total = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True
    )
    note = free_text(5000)
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="Phiên bản kết quả quý đã đọc, khi sửa; bỏ trống khi ghi quý mới.",
    )


RATING_FILTERS = [
    lookup("round", OpenApiTypes.INT, "Đợt (id).", "round_id"),
    lookup("year", OpenApiTypes.INT, "Năm đánh giá.", "round__year"),
    Filter("unit", OpenApiTypes.INT, "Đơn vị: cả cây con (id).", subtree_of("unit__path")),
    lookup("person", OpenApiTypes.INT, "Đảng viên, cán bộ (id).", "person_id"),
    lookup(
        "subject_kind",
        OpenApiTypes.STR,
        "Đối tượng.",
        "subject_kind",
        choices=values(SubjectKind.choices),
    ),
    lookup(
        "status", OpenApiTypes.STR, "Trạng thái.", "status", choices=values(RatingStatus.choices)
    ),
    lookup(
        "decided_level", OpenApiTypes.STR, "Mức đã quyết định.", "decided_level", choices=LEVELS
    ),
]


@listing(RATING_FILTERS, responses=RatingSerializer)
class RatingViewSet(ScopedViewSet):
    """Ratings: readable only by the person rated and those who manage them; each step goes
    through the same service as the pages."""

    serializer_class = RatingSerializer
    filters = RATING_FILTERS
    ordering = ("round_id", "unit__path", "subject_kind", "person__sort_key", "pk")

    def scoped(self):
        # The re-rating (reverse one-to-one) joined, for the serializer's `rerating` of each row.
        return selectors.ratings_for(self.request.user).select_related("rerating")

    @versioned_action(RatingSelfAssessSerializer, RatingSerializer, url_path="self-assess")
    def self_assess(self, request, pk=None):
        """Step 1: scores, proposed level, reasons (redone freely until appraised)."""
        return self.change(
            request,
            RatingSelfAssessSerializer,
            lambda rating, data, version: services.rating_self_assess(
                rating=rating,
                by=request.user,
                version=version,
                level=data["level"],
                reasons=data["reasons"],
                scores=data.get("scores") or {},
                conditions=data.get("conditions") or [],
                special_case=data.get("special_case") or "",
            ),
        )

    @versioned_action(RatingAppraiseSerializer, RatingSerializer)
    def appraise(self, request, pk=None):
        """Step 2: the proposed level after appraisal (a downgrade keeps both levels)."""
        return self.change(
            request,
            RatingAppraiseSerializer,
            lambda rating, data, version: services.rating_appraise(
                rating=rating,
                by=request.user,
                version=version,
                level=data["level"],
                reasons=data["reasons"],
                scores=data.get("scores") or None,
                conditions=data.get("conditions") or [],
                body=data.get("body", ""),
                mitigation=data.get("mitigation") or "",
                mitigation_note=data.get("mitigation_note", ""),
                complaints=data.get("complaints", ""),
                special_note=data.get("special_note", ""),
            ),
        )

    @versioned_action(RatingReasonSerializer, RatingSerializer, url_path="return")
    def return_(self, request, pk=None):
        """Send a self-assessment back to be redone (the reason is required)."""
        return self.change(
            request,
            RatingReasonSerializer,
            lambda rating, data, version: services.rating_return(
                rating=rating, by=request.user, reason=data["reason"], version=version
            ),
        )

    @versioned_action(RatingDecideSerializer, RatingSerializer)
    def decide(self, request, pk=None):
        """Step 3: the competent level decides after the rulebook's checks (each refusal is
        listed in `problems`)."""
        return self.change(
            request,
            RatingDecideSerializer,
            lambda rating, data, version: services.rating_decide(
                rating=rating,
                by=request.user,
                version=version,
                level=data["level"],
                decision_number=data.get("decision_number", ""),
                decided_on=data.get("decided_on"),
                note=data.get("note", ""),
                overrides=data.get("overrides") or {},
            ),
        )

    @versioned_action(RatingVersionSerializer, RatingSerializer)
    def publish(self, request, pk=None):
        """Make a decided result known to the rated and their managers."""
        return self.change(
            request,
            RatingVersionSerializer,
            lambda rating, data, version: services.rating_publish(
                rating=rating, by=request.user, version=version
            ),
        )

    @versioned_action(RatingCancelSerializer, RatingSerializer)
    def cancel(self, request, pk=None):
        """The committee directly above the competent level cancels the result and orders a
        re-rating (Mẫu 03); the answer is the cancelled result, `rerating` the new one."""
        return self.change(
            request,
            RatingCancelSerializer,
            lambda rating, data, version: services.rating_cancel(
                rating=rating,
                by=request.user,
                version=version,
                reason=data["reason"],
                decision_number=data["decision_number"],
                cancelled_on=data.get("cancelled_on"),
            ),
        )

    @versioned_action(RatingExemptSerializer, RatingSerializer)
    def exempt(self, request, pk=None):
        """Mark a member not rated (QĐ 366 Art. 5: exempted, suspended, new member)."""
        return self.change(
            request,
            RatingExemptSerializer,
            lambda rating, data, version: services.rating_exempt(
                rating=rating,
                by=request.user,
                exempt_reason=data["exempt_reason"],
                note=data.get("note", ""),
                version=version,
            ),
        )

    @extend_schema(responses=TermYearSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="term-years")
    def term_years(self, request, pk=None):
        """A term rating's annual results, a row per year of the term (QĐ 366 Art. 15; empty
        for a year rating): the published result of each year, or why it is missing."""
        rating = self.get_object()
        return Response(TermYearSerializer(years_of(rating), many=True).data)

    @extend_schema(responses=QuarterResultSerializer(many=True))
    @action(detail=True, methods=["get"])
    def quarters(self, request, pk=None):
        """The subject's quarterly results of the year (QĐ 366 Art. 15)."""
        rating = self.get_object()
        return Response(QuarterResultSerializer(quarters_of(rating), many=True).data)

    @extend_schema(
        request=QuarterRecordSerializer,
        responses={200: QuarterResultSerializer, 201: QuarterResultSerializer},
    )
    @quarters.mapping.post
    def quarter_record(self, request, pk=None):
        """Record a quarter's result (201), or correct one with the `version` read (200; 409 if
        it changed since). By the subject's competent level or the round's office."""
        rating = self.get_object()
        data = parse(QuarterRecordSerializer, request)
        version = data.get("version")
        result = cases.quarter_record(
            rating=rating,
            by=request.user,
            quarter=data["quarter"],
            level=data["level"],
            total=data.get("total"),
            note=data.get("note", ""),
            version=version,
        )
        code = status.HTTP_200_OK if version is not None else status.HTTP_201_CREATED
        return Response(QuarterResultSerializer(result).data, status=code)


# --- peer groups ---------------------------------------------------------------------------------


class PeerGroupSerializer(serializers.ModelSerializer):
    subject_kind_label = serializers.CharField(source="get_subject_kind_display", read_only=True)
    deciding_unit_name = serializers.CharField(source="deciding_unit.name", read_only=True)

    class Meta:
        model = PeerGroup
        fields = [
            "id",
            "round",
            "name",
            "subject_kind",
            "subject_kind_label",
            "deciding_unit",
            "deciding_unit_name",
            "quota_granted",
            "grant_reason",
            "version",
        ]
        read_only_fields = fields


PEER_GROUP_FILTERS = [
    lookup("round", OpenApiTypes.INT, "Đợt (id).", "round_id"),
    lookup("deciding_unit", OpenApiTypes.INT, "Cấp quyết định (id).", "deciding_unit_id"),
    lookup("quota_granted", OpenApiTypes.BOOL, "Được nâng tỉ lệ lên 25%.", "quota_granted"),
]


@listing(PEER_GROUP_FILTERS, responses=PeerGroupSerializer)
class PeerGroupViewSet(ScopedViewSet):
    """Peer groups of the rounds the caller sees: the quota of HTXSNV is counted per group."""

    serializer_class = PeerGroupSerializer
    filters = PEER_GROUP_FILTERS
    ordering = ("round_id", "deciding_unit__path", "subject_kind", "pk")

    def scoped(self):
        return PeerGroup.objects.filter(
            round__in=selectors.rounds_for(self.request.user)
        ).select_related("deciding_unit", "round")

    @versioned_action(RatingReasonSerializer, PeerGroupSerializer)
    def grant(self, request, pk=None):
        """The competent level raises the group's quota to 25% for outstanding, over-plan
        results (QĐ 366 Art. 11.1.5), with the reason."""
        return self.change(
            request,
            RatingReasonSerializer,
            lambda group, data, version: services.peer_group_grant(
                group=group, by=request.user, reason=data["reason"], version=version
            ),
        )


# --- re-check campaigns -------------------------------------------------------------------------


class RecheckCampaignSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = RecheckCampaign
        fields = [
            "id",
            "title",
            "unit",
            "unit_name",
            "year",
            "document_number",
            "instructions",
            "deadline",
            "status",
            "status_label",
            "closing_note",
            "closed_on",
            "version",
        ]
        read_only_fields = fields


class RecheckCampaignCreateSerializer(serializers.Serializer):
    unit = ScopedPrimaryKey(visible_units, help_text="Cấp ủy tổ chức rà soát (id).")
    year = serializers.IntegerField(min_value=2014, max_value=2100)
    deadline = serializers.DateField()
    title = free_text(255)
    document_number = free_text(60)
    instructions = free_text(20_000)


class RecheckNoteSerializer(serializers.Serializer):
    note = free_text(5000)
    version = VersionField()


CAMPAIGN_FILTERS = [
    lookup("year", OpenApiTypes.INT, "Năm được rà soát.", "year"),
    Filter(
        "unit", OpenApiTypes.INT, "Cấp ủy trong cây con của đơn vị (id).", subtree_of("unit__path")
    ),
]


@listing(CAMPAIGN_FILTERS, responses=RecheckCampaignSerializer)
class RecheckCampaignViewSet(ScopedViewSet):
    """Re-check campaigns over a past year's published results, with a deadline."""

    serializer_class = RecheckCampaignSerializer
    filters = CAMPAIGN_FILTERS
    ordering = ("-year", "-pk")

    def scoped(self):
        return recheck.campaigns_for(self.request.user)

    @extend_schema(
        request=RecheckCampaignCreateSerializer, responses={201: RecheckCampaignSerializer}
    )
    def create(self, request):
        """Open a campaign: a task for each competent level that decided results in the year."""
        data = parse(RecheckCampaignCreateSerializer, request)
        campaign = recheck.campaign_open(by=request.user, **data)
        return self.reply(campaign, status_code=status.HTTP_201_CREATED)

    @versioned_action(RecheckNoteSerializer, RecheckCampaignSerializer)
    def close(self, request, pk=None):
        """End the campaign (a note is required while results are still pending)."""
        return self.change(
            request,
            RecheckNoteSerializer,
            lambda campaign, data, version: recheck.campaign_close(
                campaign=campaign, by=request.user, version=version, note=data.get("note", "")
            ),
        )


class RecheckTaskSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = RecheckTask
        fields = [
            "id",
            "campaign",
            "unit",
            "unit_name",
            "status",
            "status_label",
            "report",
            "reported_on",
            "version",
        ]
        read_only_fields = fields


class RecheckReportSerializer(serializers.Serializer):
    report = serializers.CharField(max_length=20_000)
    version = VersionField()


TASK_FILTERS = [
    lookup("campaign", OpenApiTypes.INT, "Đợt rà soát (id).", "campaign_id"),
    lookup(
        "status",
        OpenApiTypes.STR,
        "Trạng thái.",
        "status",
        choices=values(RecheckTaskStatus.choices),
    ),
]


@listing(TASK_FILTERS, responses=RecheckTaskSerializer)
class RecheckTaskViewSet(ScopedViewSet):
    """What each competent level has to re-check, and its report."""

    serializer_class = RecheckTaskSerializer
    filters = TASK_FILTERS
    ordering = ("campaign_id", "unit__path", "pk")

    def scoped(self):
        return recheck.tasks_visible(self.request.user)

    @versioned_action(RecheckReportSerializer, RecheckTaskSerializer)
    def report(self, request, pk=None):
        """The unit reports its re-check done (nothing may be pending)."""
        return self.change(
            request,
            RecheckReportSerializer,
            lambda task, data, version: recheck.task_report(
                task=task, by=request.user, version=version, report=data["report"]
            ),
        )

    @versioned_action(RecheckNoteSerializer, RecheckTaskSerializer, url_path="return")
    def return_(self, request, pk=None):
        """The campaign's committee sends the report back (the note is the reason)."""
        return self.change(
            request,
            RecheckNoteSerializer,
            lambda task, data, version: recheck.task_return(
                task=task, by=request.user, version=version, reason=data.get("note", "")
            ),
        )


class RecheckItemSerializer(serializers.ModelSerializer):
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    subject_label = serializers.CharField(source="rating.subject_label", read_only=True)
    after_level = serializers.CharField(read_only=True)

    class Meta:
        model = RecheckItem
        fields = [
            "id",
            "task",
            "rating",
            "subject_label",
            "before_level",
            "outcome",
            "outcome_label",
            "found_level",
            "after_level",
            "note",
            "rerating",
            "checked_on",
            "version",
        ]
        read_only_fields = fields


class RecheckCorrectSerializer(serializers.Serializer):
    found_level = serializers.ChoiceField(choices=rules.LEVEL_CHOICES)
    reason = serializers.CharField(max_length=5000)
    decision_number = serializers.CharField(max_length=60, help_text="Số quyết định (Mẫu 03).")
    decided_on = serializers.DateField(required=False, allow_null=True)
    version = VersionField()


ITEM_FILTERS = [
    lookup("task", OpenApiTypes.INT, "Nhiệm vụ rà soát của đơn vị (id).", "task_id"),
    lookup("campaign", OpenApiTypes.INT, "Đợt rà soát (id).", "task__campaign_id"),
    lookup(
        "outcome",
        OpenApiTypes.STR,
        "Kết quả rà soát.",
        "outcome",
        choices=values(RecheckOutcome.choices),
    ),
]


@listing(ITEM_FILTERS, responses=RecheckItemSerializer)
class RecheckItemViewSet(ScopedViewSet):
    """The results re-checked: pending, confirmed, or corrected (before → after)."""

    serializer_class = RecheckItemSerializer
    filters = ITEM_FILTERS
    ordering = ("task_id", "pk")

    def scoped(self):
        return recheck.items_visible(self.request.user)

    @versioned_action(RecheckNoteSerializer, RecheckItemSerializer)
    def confirm(self, request, pk=None):
        """The result is correct."""
        return self.change(
            request,
            RecheckNoteSerializer,
            lambda item, data, version: recheck.item_confirm(
                item=item, by=request.user, version=version, note=data.get("note", "")
            ),
        )

    @versioned_action(RecheckCorrectSerializer, RecheckItemSerializer)
    def correct(self, request, pk=None):
        """The result is wrong: cancelled by the directly higher committee (Mẫu 03) and
        re-rated; `found_level` is what the re-check found right."""
        return self.change(
            request,
            RecheckCorrectSerializer,
            lambda item, data, version: recheck.item_correct(
                item=item, by=request.user, version=version, **data
            ),
        )


# --- imports of past years (and of the other records) -------------------------------------------


class RecordImportSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    clean = serializers.BooleanField(read_only=True)

    class Meta:
        model = RecordImport
        fields = [
            "id",
            "kind",
            "kind_label",
            "file_name",
            "status",
            "status_label",
            "clean",
            "counts",
            "report",
            "created_at",
            "imported_at",
        ]
        read_only_fields = fields


class RecordImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=RecordImport.Kind.choices,
        help_text="rating: kết quả xếp loại các năm trước (tệp mẫu ở trang Nhập hồ sơ).",
    )
    file = serializers.FileField(help_text="Tệp Excel .xlsx theo tệp mẫu.")


class RecordImportConfirmSerializer(serializers.Serializer):
    pass


@listing([], responses=RecordImportSerializer)
class RecordImportViewSet(ScopedViewSet):
    """Workbooks of past years' ratings, discipline decisions or vote results: upload runs the
    dry run (the report lists each row's fate, nothing written); `confirm` writes all rows or
    none, only after a clean dry run. Each caller sees the imports they started."""

    serializer_class = RecordImportSerializer
    ordering = ("-created_at", "-id")

    def scoped(self):
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:  # the schema generator asks without one
            return RecordImport.objects.none()
        return RecordImport.objects.visible_to(user)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def _answer(self, record, status_code=status.HTTP_200_OK) -> Response:
        record = self.scoped().get(pk=record.pk)
        return Response(self.get_serializer(record).data, status=status_code)

    @extend_schema(request=RecordImportUploadSerializer, responses={201: RecordImportSerializer})
    def create(self, request):
        """Upload a workbook: its dry run runs now (or is queued: follow `status`)."""
        require(can_import_records(request.user))
        data = parse(RecordImportUploadSerializer, request)
        upload = data["file"]
        record, _job = records_jobs.start(
            by=request.user, kind=data["kind"], file_name=upload.name, content=upload.read()
        )
        return self._answer(record, status.HTTP_201_CREATED)

    @extend_schema(request=RecordImportConfirmSerializer, responses=RecordImportSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Write every row of a clean dry run (all or none); a second call writes nothing."""
        record = self.get_object()
        require(can_import_records(request.user))
        records_jobs.confirm(record=record, by=request.user)
        return self._answer(record)
