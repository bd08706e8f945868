"""REST endpoints: the same scoping, permissions and services as the web pages.

Every viewset reads through the model's `visible_to(user)` (out of scope → 404), parses the body
and calls the same service as the page; the service decides who may act (→ 403 with the reason),
refuses a broken rule (→ 400 with its message) or a stale version (→ 409).
"""

from abc import ABCMeta, abstractmethod

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.api import serializers as s
from kiemdiem.api.base import (
    Filter,
    Pagination,
    apply_filters,
    expected_version,
    if_match_parameter,
    lookup,
    with_etag,
)
from kiemdiem.dashboard import selectors as dashboard_selectors
from kiemdiem.dashboard.metrics import METRIC_NAMES
from kiemdiem.org import selectors as org_selectors
from kiemdiem.org import services as org_services
from kiemdiem.org.models import Membership, Position, PositionRole, Unit, UnitKind
from kiemdiem.org.scoping import scope, visible_people, visible_units
from kiemdiem.oversight.selectors import overseers_dashboard
from kiemdiem.remediation import selectors as plan_selectors
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import PlanAction, ProgressUpdate, RemediationPlan
from kiemdiem.remediation.states import ActionStatus, PlanStatus, items_overdue_q
from kiemdiem.reports import services as report_services
from kiemdiem.reports.models import PeriodicReport, ReportPeriod, ReportStatus
from kiemdiem.reviews import selectors as review_selectors
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import Finding, FindingArea, FindingStatus, Review, SubjectKind
from kiemdiem.reviews.states import CycleStatus, ReviewStatus


def parse(serializer_class, request, **kwargs) -> dict:
    """The request body checked by `serializer_class` (400 with every field's problem)."""
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def values(request) -> list:
    return [c for c, _label in request]


class ScopedViewSet(viewsets.GenericViewSet, metaclass=ABCMeta):
    """List (paginated, filtered) and retrieve within the caller's scope."""

    pagination_class = Pagination
    filters: list[Filter] = []
    ordering: tuple[str, ...] = ("pk",)

    @abstractmethod
    def scoped(self):
        """The rows the caller may read (each viewset asks its app's selector)."""

    def get_queryset(self):
        qs = self.scoped()
        if self.action == "list":
            qs = apply_filters(qs, self.request.query_params, self.filters)
        return qs.order_by(*self.ordering)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return with_etag(Response(self.get_serializer(obj).data), obj)

    def change(self, request, serializer_class, call, *, status_code=status.HTTP_200_OK):
        """The shape of every write to an existing object: fetch it in scope (404), parse the
        body (400), take the edited version (428), call the service (403 for a user without the
        right, 400 or 409) and answer with the object as it is now."""
        obj = self.get_object()
        data = parse(serializer_class, request)
        version = expected_version(request, data.pop("version", None))
        call(obj, data, version)
        return self.reply(obj, status_code=status_code)

    def reply(self, obj, serializer_class=None, status_code=status.HTTP_200_OK) -> Response:
        """The object as it is now (re-read within scope), with its new ETag."""
        obj = self.scoped().get(pk=obj.pk)
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(obj, context=self.get_serializer_context()).data
        return with_etag(Response(data, status=status_code), obj)


def listing(filters: list[Filter], **kwargs):
    """Schema of a list + retrieve viewset with its filters."""
    return extend_schema_view(
        list=extend_schema(parameters=[f.parameter() for f in filters], **kwargs),
        retrieve=extend_schema(**kwargs),
    )


def versioned_action(request, responses, **kwargs):
    """A POST on one object that changes it through its service (its body usually goes to
    `ScopedViewSet.change`): the action, with the body, the answer and If-Match in the schema."""

    def decorate(method):
        method = action(detail=True, methods=["post"], **kwargs)(method)
        schema = extend_schema(
            request=request, responses=responses, parameters=[if_match_parameter()]
        )
        return schema(method)

    return decorate


def under(qs, unit_id: int, field: str = "path"):
    """Rows in the subtree of unit `unit_id` (nothing if there is no such unit)."""
    path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
    if path is None:
        return qs.none()
    return qs.filter(**{f"{field}__startswith": path})


def subtree_of(field: str):
    """A filter on `field` (a unit path): rows in the subtree of the unit given."""
    return lambda qs, unit_id: under(qs, unit_id, field)


def _current(qs, flag: bool):
    today = timezone.localdate()
    valid = Q(valid_from__lte=today) & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    return qs.filter(valid) if flag else qs.exclude(valid)


# --- organization ------------------------------------------------------------------------------

UNIT_FILTERS = [
    lookup("parent", OpenApiTypes.INT, "Đơn vị cấp trên trực tiếp (id).", "parent_id"),
    lookup("kind", OpenApiTypes.STR, "Loại đơn vị.", "kind", choices=values(UnitKind.choices)),
    lookup(
        "code",
        OpenApiTypes.STR,
        "Mã đơn vị (đúng từng ký tự, không phân biệt hoa thường).",
        "code__iexact",
    ),
    lookup("depth", OpenApiTypes.INT, "Cấp trong cây (gốc là 0).", "depth"),
    Filter("under", OpenApiTypes.INT, "Toàn bộ cây con của đơn vị (id), gồm cả đơn vị đó.", under),
    Filter(
        "q",
        OpenApiTypes.STR,
        "Tìm theo tên hoặc mã (không dấu cũng được).",
        org_selectors.units_search,
    ),
    Filter(
        "current", OpenApiTypes.BOOL, "Chỉ đơn vị đang hoạt động (true) hoặc đã giải thể.", _current
    ),
]


@listing(UNIT_FILTERS, responses=s.UnitSerializer)
class UnitViewSet(ScopedViewSet):
    """The organization tree: units in your scope; `under` gives a whole subtree."""

    serializer_class = s.UnitSerializer
    filters = UNIT_FILTERS
    ordering = ("path",)

    def scoped(self):
        return visible_units(self.request.user).select_related("parent")

    @extend_schema(request=s.UnitCreateSerializer, responses={201: s.UnitSerializer})
    def create(self, request):
        data = parse(s.UnitCreateSerializer, request)
        unit = org_services.unit_create(by=request.user, **data)
        return self.reply(unit, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.UnitUpdateSerializer,
        responses=s.UnitSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            s.UnitUpdateSerializer,
            lambda unit, data, version: org_services.unit_update(
                unit=unit, by=request.user, expected_version=version, **data
            ),
        )

    @versioned_action(s.UnitMoveSerializer, s.UnitSerializer)
    def move(self, request, pk=None):
        """Move the unit (and its subtree) under another parent; a reason is required."""
        unit = self.get_object()
        data = parse(s.UnitMoveSerializer, request)
        version = expected_version(request, data.get("version"))
        org_services.unit_move(
            unit=unit,
            new_parent=data["parent"],
            by=request.user,
            expected_version=version,
            reason=data["reason"],
        )
        return self.reply(unit)


def _people_under(qs, unit_id: int):
    path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
    if path is None:
        return qs.none()
    members = Membership.objects.current().filter(
        person=OuterRef("pk"), unit__path__startswith=path
    )
    return qs.filter(Exists(members))


PERSON_FILTERS = [
    Filter(
        "q",
        OpenApiTypes.STR,
        "Tìm theo họ tên hoặc số thẻ (không dấu cũng được).",
        org_selectors.people_search,
    ),
    lookup("party_card_number", OpenApiTypes.STR, "Số thẻ đảng viên.", "party_card_number"),
    Filter(
        "unit", OpenApiTypes.INT, "Đang sinh hoạt trong cây con của đơn vị (id).", _people_under
    ),
]


@listing(PERSON_FILTERS, responses=s.PersonSerializer)
class PersonViewSet(ScopedViewSet):
    """Party members in your scope."""

    serializer_class = s.PersonSerializer
    filters = PERSON_FILTERS
    ordering = ("sort_key", "pk")

    def scoped(self):
        return visible_people(self.request.user)

    @extend_schema(request=s.PersonCreateSerializer, responses={201: s.PersonSerializer})
    def create(self, request):
        """Register a member directly in a cell (the person and the membership together)."""
        data = parse(s.PersonCreateSerializer, request)
        cell = data.pop("cell")
        person = org_services.person_register(cell=cell, by=request.user, **data)
        return self.reply(person, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.PersonUpdateSerializer,
        responses=s.PersonSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            s.PersonUpdateSerializer,
            lambda person, data, version: org_services.person_update(
                person=person, by=request.user, expected_version=version, **data
            ),
        )


POSITION_FILTERS = [
    lookup("person", OpenApiTypes.INT, "Đảng viên (id).", "person_id"),
    lookup("unit", OpenApiTypes.INT, "Đơn vị (id).", "unit_id"),
    lookup("role", OpenApiTypes.STR, "Chức vụ.", "role", choices=values(PositionRole.choices)),
    Filter("current", OpenApiTypes.BOOL, "Chỉ chức vụ đang đảm nhiệm.", _current),
]


@listing(POSITION_FILTERS, responses=s.PositionSerializer)
class PositionViewSet(ScopedViewSet):
    """Positions (secretary, deputy, committee member…) held in units of your scope."""

    serializer_class = s.PositionSerializer
    filters = POSITION_FILTERS
    ordering = ("unit__path", "-valid_from", "pk")

    def scoped(self):
        qs = Position.objects.select_related("person", "unit")
        return scope(qs, self.request.user, via="unit")

    @extend_schema(request=s.PositionCreateSerializer, responses={201: s.PositionSerializer})
    def create(self, request):
        data = parse(s.PositionCreateSerializer, request)
        position = org_services.position_add(by=request.user, **data)
        return self.reply(position, status_code=status.HTTP_201_CREATED)


# --- review cycles and reviews -------------------------------------------------------------------

CYCLE_FILTERS = [
    lookup(
        "status", OpenApiTypes.STR, "Trạng thái.", "status", choices=values(CycleStatus.choices)
    ),
    lookup("year", OpenApiTypes.INT, "Năm kiểm điểm.", "year"),
    lookup("scope_unit", OpenApiTypes.INT, "Đơn vị phạm vi (id).", "scope_unit_id"),
]


DASHBOARD_UNIT = OpenApiParameter(
    "unit",
    OpenApiTypes.INT,
    description="Đơn vị (id); mặc định là đơn vị cao nhất bạn xem được trong đợt.",
)


@listing(CYCLE_FILTERS, responses=s.CycleSerializer)
class CycleViewSet(ScopedViewSet):
    """Review cycles whose scope overlaps yours, with the campaign dashboard of each."""

    serializer_class = s.CycleSerializer
    filters = CYCLE_FILTERS
    ordering = ("-starts_on", "-pk")

    def scoped(self):
        return review_selectors.cycles_for(self.request.user).select_related("scope_unit")

    def _cycle_and_unit(self, request) -> tuple:
        """The cycle as its dashboard shows it to the caller, and the unit asked (`unit`) or the
        highest one they see in it; 404 for either outside their scope."""
        cycle = dashboard_selectors.cycle_visible_to(request.user, self.get_object().pk)
        if cycle is None:
            raise exceptions.NotFound()
        raw = request.query_params.get("unit")
        if raw:
            try:
                unit_id = int(raw)
            except ValueError as exc:
                raise exceptions.ValidationError({"unit": [_("Phải là một số nguyên.")]}) from exc
            units = dashboard_selectors.units_in_cycle_visible_to(request.user, cycle)
            unit = units.filter(pk=unit_id).first() if abs(unit_id) < 2**63 else None
        else:
            unit = dashboard_selectors.default_unit(request.user, cycle)
        if unit is None:
            raise exceptions.NotFound()
        return cycle, unit

    @extend_schema(parameters=[DASHBOARD_UNIT], responses=s.DashboardSerializer)
    @action(detail=True, methods=["get"])
    def dashboard(self, request, pk=None):
        """The campaign figures of a unit's subtree and of each of its children (as the page)."""
        cycle, unit = self._cycle_and_unit(request)
        along, children = dashboard_selectors.summaries_of_branch(cycle, unit)
        own = next((row for row in along if row["unit_id"] == unit.pk), None)

        def row(summary: dict | None, fallback: Unit | None = None) -> dict:
            figures = {m: (summary[m] if summary else 0) for m in METRIC_NAMES}
            if summary is None:
                return {
                    "unit": fallback.pk,
                    "name": fallback.name,
                    "kind": fallback.kind,
                    "figures": figures,
                }
            return {
                "unit": summary["unit_id"],
                "name": summary["name"],
                "kind": summary["kind"],
                "figures": figures,
            }

        pending = own["pending"] if own else dashboard_selectors.pending_changes(cycle, unit)
        data = {
            "cycle": cycle.pk,
            "unit": row(own, unit),
            "updated_at": own["fresh_at"] if own else None,
            "pending_changes": pending or 0,
            "children": [row(child) for child in children],
        }
        return Response(s.DashboardSerializer(data).data)

    @extend_schema(parameters=[DASHBOARD_UNIT], responses=s.OversightFiguresSerializer)
    @action(detail=True, methods=["get"])
    def oversight(self, request, pk=None):
        """Per working group and per member assigned in person over the unit's subtree: the
        units they oversee, the cycle's plans they appraised, their assessments sent on time,
        late and missing (the dashboard's oversight panel)."""
        cycle, unit = self._cycle_and_unit(request)
        rows = [{**vars(row), "id": row.pk} for row in overseers_dashboard(unit, cycle.pk)]
        data = {"cycle": cycle.pk, "unit": unit.pk, "overseers": rows}
        return Response(s.OversightFiguresSerializer(data).data)


REVIEW_FILTERS = [
    lookup("cycle", OpenApiTypes.INT, "Đợt kiểm điểm (id).", "cycle_id"),
    lookup("unit", OpenApiTypes.INT, "Đơn vị (id).", "unit_id"),
    lookup("person", OpenApiTypes.INT, "Đảng viên (id).", "person_id"),
    lookup(
        "status", OpenApiTypes.STR, "Trạng thái.", "status", choices=values(ReviewStatus.choices)
    ),
    lookup(
        "subject_kind",
        OpenApiTypes.STR,
        "Tập thể hay cá nhân.",
        "subject_kind",
        choices=values(SubjectKind.choices),
    ),
]


@listing(REVIEW_FILTERS, responses=s.ReviewSerializer)
class ReviewViewSet(ScopedViewSet):
    """Self-reviews of collectives and individuals."""

    serializer_class = s.ReviewSerializer
    filters = REVIEW_FILTERS
    ordering = ("cycle_id", "unit__path", "pk")

    def scoped(self):
        qs = Review.objects.visible_to(self.request.user)
        return qs.select_related("cycle", "unit", "person")

    @extend_schema(
        request=s.ReviewUpdateSerializer,
        responses=s.ReviewSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            s.ReviewUpdateSerializer,
            lambda review, data, version: review_services.review_update(
                review=review, by=request.user, expected_version=version, **data
            ),
        )

    @versioned_action(s.ReviewTransitionSerializer, s.ReviewSerializer)
    def transition(self, request, pk=None):
        """Move the review: submitted (to the conference), discussed, finalized, or to draft."""
        review = self.get_object()
        data = parse(s.ReviewTransitionSerializer, request)
        review_services.review_transition(
            review=review,
            to=data["to"],
            by=request.user,
            note=data.get("note", ""),
            expected_version=expected_version(request, data.get("version")),
        )
        return self.reply(review)


FINDING_FILTERS = [
    lookup("review", OpenApiTypes.INT, "Bản kiểm điểm (id).", "review_id"),
    lookup("unit", OpenApiTypes.INT, "Đơn vị (id).", "unit_id"),
    lookup(
        "status",
        OpenApiTypes.STR,
        "Tình trạng khắc phục.",
        "status",
        choices=values(FindingStatus.choices),
    ),
    lookup("area", OpenApiTypes.STR, "Lĩnh vực.", "area", choices=values(FindingArea.choices)),
]


@listing(FINDING_FILTERS, responses=s.FindingSerializer)
class FindingViewSet(ScopedViewSet):
    """Shortcomings (hạn chế, khuyết điểm) named in reviews."""

    serializer_class = s.FindingSerializer
    filters = FINDING_FILTERS

    def scoped(self):
        return Finding.objects.visible_to(self.request.user).select_related("review")

    @extend_schema(request=s.FindingCreateSerializer, responses={201: s.FindingSerializer})
    def create(self, request):
        data = parse(s.FindingCreateSerializer, request)
        review = data.pop("review")
        finding = review_services.finding_add(review=review, by=request.user, **data)
        return self.reply(finding, status_code=status.HTTP_201_CREATED)

    @versioned_action(s.CarryAssessSerializer, s.FindingSerializer)
    def assess(self, request, pk=None):
        """A shortcoming carried over from the previous cycle: fixed, partly fixed (with the
        degree, in percent) or not fixed, and why."""
        return self.change(
            request,
            s.CarryAssessSerializer,
            lambda finding, data, version: review_services.carry_assess(
                finding=finding,
                assessment=data["assessment"],
                percent=data.get("percent"),
                cause=data["cause"],
                by=request.user,
                expected_version=version,
            ),
        )

    @extend_schema(
        request=s.FindingUpdateSerializer,
        responses=s.FindingSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            s.FindingUpdateSerializer,
            lambda finding, data, version: review_services.finding_update(
                finding=finding, by=request.user, expected_version=version, **data
            ),
        )


# --- remediation plans and items ---------------------------------------------------------------


PLAN_FILTERS = [
    lookup("cycle", OpenApiTypes.INT, "Đợt kiểm điểm (id).", "cycle_id"),
    lookup("unit", OpenApiTypes.INT, "Đơn vị (id).", "unit_id"),
    lookup("person", OpenApiTypes.INT, "Đảng viên (id).", "person_id"),
    lookup("status", OpenApiTypes.STR, "Trạng thái.", "status", choices=values(PlanStatus.choices)),
    Filter(
        "subject_kind",
        OpenApiTypes.STR,
        "Kế hoạch của tập thể hay của cá nhân.",
        lambda qs, kind: qs.filter(person__isnull=kind == SubjectKind.COLLECTIVE),
        choices=values(SubjectKind.choices),
    ),
]
AWAITING = "Chỉ kế hoạch đang chờ bạn thẩm định."


@extend_schema_view(
    list=extend_schema(
        parameters=[
            *(f.parameter() for f in PLAN_FILTERS),
            OpenApiParameter("awaiting", OpenApiTypes.BOOL, description=AWAITING),
        ],
        responses=s.PlanSerializer,
    ),
    retrieve=extend_schema(responses=s.PlanDetailSerializer),
)
class PlanViewSet(ScopedViewSet):
    """Remediation plans with their items, and their lifecycle: submit, return, accept, adopt."""

    ordering = ("-cycle__year", "unit__path", "pk")

    def get_serializer_class(self):
        return s.PlanSerializer if self.action == "list" else s.PlanDetailSerializer

    def scoped(self):
        qs = RemediationPlan.objects.visible_to(self.request.user)
        qs = qs.select_related("unit", "person", "cycle", "review")
        if self.action != "list":
            qs = qs.prefetch_related(
                "actions__findings",
                "submissions__submitted_by",
                "submissions__appraisal__decided_by",
            )
        return qs

    @property
    def filters(self) -> list[Filter]:
        user = self.request.user

        def awaiting(qs, flag: bool):
            return plan_selectors.plans_awaiting_appraisal_for(user, qs) if flag else qs

        return [*PLAN_FILTERS, Filter("awaiting", OpenApiTypes.BOOL, AWAITING, awaiting)]

    @versioned_action(s.PlanSubmitSerializer, s.PlanDetailSerializer)
    def submit(self, request, pk=None):
        """Submit for appraisal; refused (code "incomplete") with each problem per item."""
        return self.change(
            request,
            s.PlanSubmitSerializer,
            lambda plan, data, version: plan_services.plan_submit(
                plan=plan,
                by=request.user,
                note=data.get("note", ""),
                expected_version=version,
                effective_on=data.get("effective_on"),
            ),
        )

    @versioned_action(s.PlanReturnSerializer, s.PlanDetailSerializer, url_path="return")
    def return_(self, request, pk=None):
        """Send the plan back to be prepared again, with the grounds ticked and remarks."""
        return self.change(
            request,
            s.PlanReturnSerializer,
            lambda plan, data, version: plan_services.plan_return(
                plan=plan,
                grounds=data["grounds"],
                remarks=data.get("remarks", ""),
                by=request.user,
                expected_version=version,
                effective_on=data.get("effective_on"),
            ),
        )

    @versioned_action(s.PlanAcceptSerializer, s.PlanDetailSerializer)
    def accept(self, request, pk=None):
        """Accept the plan (it meets the requirements)."""
        return self.change(
            request,
            s.PlanAcceptSerializer,
            lambda plan, data, version: plan_services.plan_accept(
                plan=plan,
                remarks=data.get("remarks", ""),
                by=request.user,
                expected_version=version,
                effective_on=data.get("effective_on"),
            ),
        )

    @versioned_action(s.PlanAdoptSerializer, s.PlanDetailSerializer)
    def adopt(self, request, pk=None):
        """Record the collective's decision (meeting date, resolution) that finalizes the plan."""
        return self.change(
            request,
            s.PlanAdoptSerializer,
            lambda plan, data, version: plan_services.plan_adopt(
                plan=plan,
                decision_date=data["decision_date"],
                decision_ref=data["decision_ref"],
                by=request.user,
                expected_version=version,
            ),
        )


def _overdue(qs, flag: bool):
    late = items_overdue_q(timezone.localdate())
    return qs.filter(late) if flag else qs.exclude(late)


ITEM_FILTERS = [
    lookup("plan", OpenApiTypes.INT, "Kế hoạch (id).", "plan_id"),
    lookup(
        "status", OpenApiTypes.STR, "Tình trạng.", "status", choices=values(ActionStatus.choices)
    ),
    lookup(
        "responsible_person",
        OpenApiTypes.INT,
        "Người chịu trách nhiệm (id).",
        "responsible_person_id",
    ),
    Filter("overdue", OpenApiTypes.BOOL, "Quá hạn (true) hoặc không.", _overdue),
]


@listing(ITEM_FILTERS, responses=s.PlanItemSerializer)
class PlanItemViewSet(ScopedViewSet):
    """Items of remediation plans: add, edit, report progress with evidence, verify, cancel."""

    serializer_class = s.PlanItemSerializer
    filters = ITEM_FILTERS
    ordering = ("plan_id", "position", "pk")

    def scoped(self):
        qs = PlanAction.objects.select_related("plan", "plan__unit", "plan__cycle", "plan__review")
        return scope(qs.prefetch_related("findings"), self.request.user, via="plan__unit")

    @staticmethod
    def _findings(plan: RemediationPlan, ids: list[int] | None):
        if ids is None:
            return None
        found = list(plan.review.findings.filter(pk__in=ids))
        missing = sorted(set(ids) - {f.pk for f in found})
        if missing:
            raise exceptions.ValidationError(
                {
                    "findings": [
                        _("Không có hạn chế id=%(ids)s trong bản kiểm điểm của kế hoạch.")
                        % {"ids": ", ".join(map(str, missing))}
                    ]
                }
            )
        return found

    @extend_schema(request=s.PlanItemCreateSerializer, responses={201: s.PlanItemSerializer})
    def create(self, request):
        data = parse(s.PlanItemCreateSerializer, request)
        plan = data.pop("plan")
        data["findings"] = self._findings(plan, data.get("findings"))
        item = plan_services.action_add(plan=plan, by=request.user, **data)
        return self.reply(item, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.PlanItemUpdateSerializer,
        responses=s.PlanItemSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        def update(item, data, version):
            findings = self._findings(item.plan, data.pop("findings", None))
            plan_services.action_update(
                action=item, by=request.user, expected_version=version, findings=findings, **data
            )

        return self.change(request, s.PlanItemUpdateSerializer, update)

    @extend_schema(
        methods=["get"],
        responses=s.ProgressSerializer(many=True),
        description="Các lần báo cáo tiến độ, kèm tệp minh chứng.",
    )
    @extend_schema(
        methods=["post"],
        request={
            "multipart/form-data": s.ProgressCreateSerializer,
            "application/json": s.ProgressCreateSerializer,
        },
        responses={201: s.PlanItemSerializer},
        parameters=[if_match_parameter()],
    )
    @action(detail=True, methods=["get", "post"])
    def progress(self, request, pk=None):
        """Progress reports of the item; POST records one (multipart for evidence files)."""
        item = self.get_object()
        if request.method == "GET":
            updates = ProgressUpdate.objects.filter(action=item).select_related("reported_by")
            updates = updates.prefetch_related("evidence").order_by("reported_at", "pk")
            return Response(s.ProgressSerializer(updates, many=True).data)
        return self.change(
            request,
            s.ProgressCreateSerializer,
            lambda item, data, version: plan_services.action_record_progress(
                action=item,
                by=request.user,
                expected_version=version,
                files=data.pop("files", None) or [],
                **data,
            ),
            status_code=status.HTTP_201_CREATED,
        )

    @versioned_action(s.VerifySerializer, s.PlanItemSerializer)
    def verify(self, request, pk=None):
        """The appraiser confirms the item done (accept=true) or sends it back (false)."""
        return self.change(
            request,
            s.VerifySerializer,
            lambda item, data, version: plan_services.action_verify(
                action=item, by=request.user, expected_version=version, **data
            ),
        )

    @versioned_action(s.CancelSerializer, s.PlanItemSerializer)
    def cancel(self, request, pk=None):
        """Cancel the item; a reason is required."""
        return self.change(
            request,
            s.CancelSerializer,
            lambda item, data, version: plan_services.action_cancel(
                action=item, reason=data["reason"], by=request.user, expected_version=version
            ),
        )


# --- periodic reports --------------------------------------------------------------------------

REPORT_FILTERS = [
    lookup("period", OpenApiTypes.INT, "Kỳ báo cáo (id).", "period_id"),
    lookup("unit", OpenApiTypes.INT, "Đơn vị (id).", "unit_id"),
    lookup(
        "status", OpenApiTypes.STR, "Trạng thái.", "status", choices=values(ReportStatus.choices)
    ),
]


@listing(REPORT_FILTERS, responses=s.ReportSerializer)
class ReportViewSet(ScopedViewSet):
    """Each unit's 6-monthly and annual remediation reports."""

    serializer_class = s.ReportSerializer
    filters = REPORT_FILTERS
    ordering = ("period__starts_on", "unit__path", "pk")

    def scoped(self):
        qs = PeriodicReport.objects.visible_to(self.request.user)
        return qs.select_related("period", "unit")

    @extend_schema(request=s.ReportCreateSerializer, responses={201: s.ReportSerializer})
    def create(self, request):
        """Start the unit's report for a period, pre-filled from the data."""
        data = parse(s.ReportCreateSerializer, request)
        unit = data["unit"]
        period = get_object_or_404(
            ReportPeriod.objects.filter(cycle__in=review_selectors.cycles_for(request.user)),
            pk=data["period"],
        )
        report = report_services.report_create(period=period, unit=unit, by=request.user)
        return self.reply(report, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ReportUpdateSerializer,
        responses=s.ReportSerializer,
        parameters=[if_match_parameter()],
    )
    def partial_update(self, request, pk=None):
        return self.change(
            request,
            s.ReportUpdateSerializer,
            lambda report, data, version: report_services.report_update(
                report=report,
                narrative=data.get("narrative", report.narrative),
                refresh=data.get("refresh", False),
                by=request.user,
                expected_version=version,
            ),
        )

    @versioned_action(s.ReportSubmitSerializer, s.ReportSerializer)
    def submit(self, request, pk=None):
        """Submit the report to the parent committee."""
        return self.change(
            request,
            s.ReportSubmitSerializer,
            lambda report, _data, version: report_services.report_submit(
                report=report, by=request.user, expected_version=version
            ),
        )
