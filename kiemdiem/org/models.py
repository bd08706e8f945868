"""The organization tree, people, their cell memberships, positions and access grants."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.models import BaseModel
from kiemdiem.core.summaries import chunks

# A unit's path is its ancestors' ids and its own, each as 6 base-36 digits and a dot:
# "00000a.0000k2.". A subtree is one indexed prefix lookup (path LIKE 'prefix%').
PATH_SEGMENT = 6
PATH_STEP = PATH_SEGMENT + 1


def path_segment(pk: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    n = pk
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out.rjust(PATH_SEGMENT, "0") + "."


def ancestor_paths(path: str, floor: str = "") -> list[str]:
    """`path` and its ancestors, root first, leaving out those above `floor` (a path prefix:
    the scope of a cycle or round, whose summaries stop there)."""
    start = max(len(floor), PATH_STEP)
    return [path[:end] for end in range(start, len(path) + 1, PATH_STEP)]


def path_depth(path: str) -> int:
    """Depth of the unit with this path (as Unit.depth: the root is 0)."""
    return len(path) // PATH_STEP - 1


class UnitKind(models.TextChoices):
    CENTRAL_COMMITTEE = "central_committee", _("Ban Chấp hành Trung ương")
    POLITBURO = "politburo", _("Bộ Chính trị")
    SECRETARIAT = "secretariat", _("Ban Bí thư")
    CENTRAL_LEVEL_COMMITTEE = "central_level_committee", _("Đảng bộ trực thuộc Trung ương")
    PROVINCE = "province", _("Đảng bộ tỉnh, thành phố")
    DISTRICT = "district", _("Huyện ủy, thị ủy, quận ủy (trước 01/7/2025)")
    COMMUNE = "commune", _("Đảng bộ xã, phường, đặc khu")
    UPPER_GRASSROOTS = "upper_grassroots", _("Cấp ủy cấp trên trực tiếp cơ sở")
    BLOC_COMMITTEE = "bloc_committee", _("Đảng ủy khối")
    SECTORAL_COMMITTEE = "sectoral_committee", _("Đảng bộ cơ quan (Đảng, Chính quyền, MTTQ)")
    GRASSROOTS_COMMITTEE = "grassroots_committee", _("Đảng bộ cơ sở")
    GRASSROOTS_CELL = "grassroots_cell", _("Chi bộ cơ sở")
    PARTIAL_COMMITTEE = "partial_committee", _("Đảng bộ bộ phận")
    SUBORDINATE_CELL = "subordinate_cell", _("Chi bộ trực thuộc")
    PARTY_GROUP = "party_group", _("Tổ đảng")
    PARTY_DELEGATION = "party_delegation", _("Đảng đoàn")
    PARTY_AFFAIRS_COMMITTEE = "party_affairs_committee", _("Ban cán sự đảng")
    ADVISORY_BOARD = "advisory_board", _("Ban đảng, cơ quan tham mưu")
    MASS_ORG = "mass_org", _("Mặt trận Tổ quốc, đoàn thể")
    STATE_AGENCY = "state_agency", _("Tập thể lãnh đạo cơ quan, đơn vị")


# Kinds whose members hold party activity there (a person's cell).
CELL_KINDS = frozenset({UnitKind.GRASSROOTS_CELL, UnitKind.SUBORDINATE_CELL, UnitKind.PARTY_GROUP})
GRASSROOTS_KINDS = frozenset({UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL})
# Kinds that are not Party organizations but are reviewed under the same directives.
NON_PARTY_KINDS = frozenset({UnitKind.MASS_ORG, UnitKind.STATE_AGENCY})


class UnitQuerySet(models.QuerySet):
    def subtree(self, unit: "Unit") -> "UnitQuerySet":
        return self.filter(path__startswith=unit.path)

    def valid_on(self, day: datetime.date) -> "UnitQuerySet":
        return self.filter(Q(valid_from__lte=day) | Q(valid_from__isnull=True)).filter(
            Q(valid_to__gte=day) | Q(valid_to__isnull=True)
        )

    def ids_by_path(self, paths: Iterable[str]) -> dict[str, int]:
        """Current unit id of each path (a path no unit has any more is left out)."""
        found: dict[str, int] = {}
        for chunk in chunks(sorted(set(paths))):
            found.update(self.filter(path__in=chunk).values_list("path", "pk"))
        return found


class Unit(BaseModel):
    """A node of the organization tree: a committee, organization, cell, board or collective."""

    code = models.CharField(_("mã đơn vị"), max_length=40, unique=True)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    kind = models.CharField(_("loại đơn vị"), max_length=40, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("đường dẫn"), max_length=255, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("cấp"), default=0, editable=False)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("sáp nhập vào"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    # Official administrative-unit code (province/commune code since 01/7/2025), when it has one.
    admin_code = models.CharField(_("mã hành chính"), max_length=10, blank=True)
    search_text = models.CharField(max_length=400, editable=False, default="")

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]
        indexes = [
            # serves every subtree query (scoping, counts, dashboards): path LIKE 'prefix%'
            models.Index(
                fields=["path"], name="org_unit_path_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["parent", "name"], name="org_unit_parent_idx"),
            # serves ORDER BY path (issue 17): lists sorted by unit path walk the units in
            # order and stop after a page (PostgreSQL: Incremental Sort); the pattern index
            # above cannot give the database collation's order. On SQLite, where opclasses do
            # not exist, a second plain index on path.
            models.Index(fields=["path"], name="org_unit_path_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="org_unit_valid_range",
                violation_error_message=_("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:unit-detail", args=[self.pk])

    @property
    def is_current(self) -> bool:
        return self.valid_to is None or self.valid_to >= timezone.localdate()

    @property
    def is_cell(self) -> bool:
        return self.kind in CELL_KINDS

    def ancestor_paths(self) -> list[str]:
        """Paths of this unit's ancestors and itself, root first."""
        return ancestor_paths(self.path)


class UnitSuccession(BaseModel):
    """Old → new mapping across a reorganization (merger, split, renaming)."""

    predecessor = models.ForeignKey(
        Unit, verbose_name=_("đơn vị cũ"), on_delete=models.PROTECT, related_name="successions"
    )
    successor = models.ForeignKey(
        Unit, verbose_name=_("đơn vị mới"), on_delete=models.PROTECT, related_name="predecessions"
    )
    effective_on = models.DateField(_("có hiệu lực từ"))
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("chuyển đổi đơn vị cũ → mới")
        verbose_name_plural = _("chuyển đổi đơn vị cũ → mới")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="org_succession_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class Gender(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class Person(BaseModel):
    """A Party member (or a leader reviewed under the same rules)."""

    full_name = models.CharField(_("họ và tên"), max_length=120)
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    gender = models.CharField(_("giới tính"), max_length=10, choices=Gender.choices, blank=True)
    party_card_number = models.CharField(
        _("số thẻ đảng viên"), max_length=20, unique=True, null=True, blank=True
    )
    admission_date = models.DateField(_("ngày vào Đảng"), null=True, blank=True)
    official_date = models.DateField(_("ngày chính thức"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    # Derived, kept by services: accent-free text for search, and the Vietnamese sort key.
    search_text = models.CharField(max_length=200, editable=False, default="", db_index=True)
    sort_key = models.CharField(max_length=255, editable=False, default="", db_index=True)

    class Meta:
        verbose_name = _("đảng viên")
        verbose_name_plural = _("đảng viên")
        ordering = ["sort_key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(official_date__isnull=True)
                | Q(admission_date__isnull=True)
                | Q(official_date__gte=models.F("admission_date")),
                name="org_person_official_after_admission",
                violation_error_message=_("Ngày chính thức phải sau ngày vào Đảng."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("org:person-detail", args=[self.pk])

    def refresh_derived(self) -> None:
        """Recompute the search text and sort key from the name and card number."""
        from kiemdiem.core.text import fold, name_sort_key, normalize_text

        self.full_name = normalize_text(self.full_name)
        self.search_text = f"{fold(self.full_name)} {self.party_card_number or ''}".strip()
        self.sort_key = name_sort_key(self.full_name)

    @property
    def is_probationary(self) -> bool:
        return self.admission_date is not None and self.official_date is None


class MembershipKind(models.TextChoices):
    OFFICIAL = "official", _("Sinh hoạt chính thức")
    TEMPORARY = "temporary", _("Sinh hoạt tạm thời")


class ActiveQuerySet(models.QuerySet):
    def current(self, day: datetime.date | None = None):
        day = day or timezone.localdate()
        return self.filter(valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class Membership(BaseModel):
    """A person's party activity in a cell over a period (official or temporary)."""

    person = models.ForeignKey(
        Person, verbose_name=_("đảng viên"), on_delete=models.PROTECT, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("chi bộ"), on_delete=models.PROTECT, related_name="memberships"
    )
    kind = models.CharField(
        _("hình thức"),
        max_length=12,
        choices=MembershipKind.choices,
        default=MembershipKind.OFFICIAL,
    )
    valid_from = models.DateField(_("từ ngày"))
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("sinh hoạt đảng")
        verbose_name_plural = _("sinh hoạt đảng")
        ordering = ["-valid_from"]
        indexes = [
            models.Index(fields=["unit", "valid_to"], name="org_membership_unit_idx"),
            # The members-per-unit summary (UnitMemberCount) counts open-ended memberships; the
            # page adds what it leaves out through these two (few rows each): open ones that
            # start after today, and dated ones that still run today.
            models.Index(
                fields=["valid_from"],
                name="org_membership_starts_idx",
                condition=Q(valid_to__isnull=True),
            ),
            models.Index(
                fields=["valid_to"],
                name="org_membership_ends_idx",
                condition=Q(valid_to__isnull=False),
            ),
            # The people behind the counts: a temporary membership may be a second one of a
            # person with an official cell in the same subtree (selectors.subtree_people).
            models.Index(
                fields=["person"],
                name="org_membership_temporary_idx",
                condition=Q(kind="temporary"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="org_membership_valid_range",
                violation_error_message=_("Ngày kết thúc phải sau ngày bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.unit}"


class UnitMemberCount(models.Model):
    """Open-ended memberships (valid_to empty) in the unit's whole subtree, official and
    temporary apart: the member counts of large subtrees without counting millions of rows.
    Written only by the database's triggers on org_membership (kiemdiem/org/member_counts.py);
    read by selectors.subtree_member_counts, which adds what changes at midnight."""

    unit = models.OneToOneField(
        Unit, primary_key=True, on_delete=models.CASCADE, related_name="member_count_row"
    )
    official = models.IntegerField(default=0)
    temporary = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("số đảng viên theo đơn vị")
        verbose_name_plural = _("số đảng viên theo đơn vị")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.official} + {self.temporary}"


class UnitMemberCountChange(models.Model):
    """A change of one unit's own open-ended memberships not yet added to its ancestors' totals
    (PostgreSQL): the triggers on org_membership append it in the writer's transaction, and the
    background merge (member_counts.merge_pending) adds it to the unit and every ancestor in
    UnitMemberCount and deletes it. So two membership writers never wait for each other on the
    root's row; the counts read the summary and the pending changes in one statement."""

    # No constraint: a change may outlive its unit until merged (the merge skips it then). No
    # index: the table holds a minute's changes, read whole; an index would cost every write.
    unit = models.ForeignKey(
        Unit, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    official = models.IntegerField(default=0)
    temporary = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("thay đổi số đảng viên chờ tổng hợp")
        verbose_name_plural = _("thay đổi số đảng viên chờ tổng hợp")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.official:+} {self.temporary:+}"


class PositionRole(models.TextChoices):
    SECRETARY = "secretary", _("Bí thư")
    DEPUTY_SECRETARY = "deputy_secretary", _("Phó Bí thư")
    STANDING_MEMBER = "standing_member", _("Ủy viên Ban Thường vụ")
    COMMITTEE_MEMBER = "committee_member", _("Cấp ủy viên")
    HEAD = "head", _("Thủ trưởng, người đứng đầu")
    DEPUTY_HEAD = "deputy_head", _("Cấp phó")


# Positions that lead a unit; ordered for display (secretary first).
LEADER_ROLES = [
    PositionRole.SECRETARY,
    PositionRole.DEPUTY_SECRETARY,
    PositionRole.STANDING_MEMBER,
    PositionRole.HEAD,
    PositionRole.DEPUTY_HEAD,
]


class Position(BaseModel):
    """A post a person holds in a unit over a period (may be concurrent)."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("người giữ chức vụ"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="positions"
    )
    role = models.CharField(_("chức vụ"), max_length=20, choices=PositionRole.choices)
    valid_from = models.DateField(_("từ ngày"))
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)
    is_concurrent = models.BooleanField(_("kiêm nhiệm"), default=False)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("chức vụ")
        verbose_name_plural = _("chức vụ")
        ordering = ["-valid_from"]
        indexes = [models.Index(fields=["unit", "role"], name="org_position_unit_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="org_position_valid_range",
                violation_error_message=_("Ngày kết thúc phải sau ngày bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.unit} — {self.person}"


class AccessRole(models.TextChoices):
    OFFICE = "office", _("Văn phòng / Ban Tổ chức cấp ủy")
    STANDING = "standing", _("Ủy viên Ban Thường vụ")
    HEAD = "head", _("Bí thư, người đứng đầu đơn vị")
    # The inspection committee (ủy ban kiểm tra) of the unit's level: reads and records the
    # discipline cases and confidence votes of its subtree; not a plan recipient, no reports.
    INSPECTION = "inspection", _("Ủy ban kiểm tra")


class AccessGrant(BaseModel):
    """An explicit role of a user account on a unit's subtree (e.g. the committee office)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.CASCADE,
        related_name="access_grants",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="access_grants"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=AccessRole.choices)
    valid_from = models.DateField(_("từ ngày"), default=timezone.localdate)
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="org_grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"


# --- oversight: working groups and assignments ------------------------------------------------


class GroupRole(models.TextChoices):
    LEADER = "leader", _("Tổ trưởng")
    DEPUTY = "deputy", _("Tổ phó")
    MEMBER = "member", _("Thành viên")


# Who speaks for a working group: submits its assessments and its own activity reports.
GROUP_SPEAKERS = frozenset({GroupRole.LEADER, GroupRole.DEPUTY})


class WorkingGroup(BaseModel):
    """A working group (tổ công tác) a committee sets up by decision to oversee assigned units:
    attend their reviews, appraise their plans, inspect and assess their remediation."""

    committee = models.ForeignKey(
        Unit,
        verbose_name=_("cấp ủy thành lập"),
        on_delete=models.PROTECT,
        related_name="working_groups",
    )
    name = models.CharField(_("tên tổ công tác"), max_length=200)
    decision_number = models.CharField(_("số, ký hiệu quyết định"), max_length=60)
    decision_date = models.DateField(_("ngày quyết định"))
    valid_from = models.DateField(_("hoạt động từ ngày"))
    valid_to = models.DateField(_("giải thể ngày"), null=True, blank=True)
    duties = models.TextField(_("nhiệm vụ được giao"), blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("tổ công tác")
        verbose_name_plural = _("tổ công tác")
        ordering = ["committee__path", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="org_group_valid_range",
                violation_error_message=_("Ngày giải thể phải sau ngày bắt đầu hoạt động."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("oversight:group-detail", args=[self.pk])

    @property
    def decision_label(self) -> str:
        return f"{self.decision_number} ngày {self.decision_date:%d/%m/%Y}"


class WorkingGroupMember(BaseModel):
    """A person's seat in a working group over a period (leader, deputy, member)."""

    group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("tổ công tác"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("thành viên"),
        on_delete=models.PROTECT,
        related_name="group_seats",
    )
    role = models.CharField(
        _("vai trò"), max_length=10, choices=GroupRole.choices, default=GroupRole.MEMBER
    )
    valid_from = models.DateField(_("từ ngày"))
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("thành viên tổ công tác")
        verbose_name_plural = _("thành viên tổ công tác")
        ordering = ["group", "role", "person__sort_key", "-valid_from"]
        indexes = [
            # serves Access: the seats of the signed-in person
            models.Index(fields=["person", "valid_to"], name="org_groupseat_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="org_groupseat_valid_range",
                violation_error_message=_("Ngày kết thúc phải sau ngày bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.group} — {self.person}"


class OversightAssignment(BaseModel):
    """A working group, or a committee member in person, assigned by the committee to oversee a
    unit (an area: the unit and what lies under it) or a field, over a period. Reassignment ends
    one assignment and starts another, so the history stays."""

    committee = models.ForeignKey(
        Unit,
        verbose_name=_("cấp ủy phân công"),
        on_delete=models.PROTECT,
        related_name="oversight_assignments_made",
    )
    working_group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("tổ công tác"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("cấp ủy viên được phân công"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="oversight_assignments",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị, địa bàn phụ trách"),
        on_delete=models.PROTECT,
        related_name="oversight_assignments",
    )
    field = models.CharField(_("lĩnh vực phụ trách"), max_length=200, blank=True)
    valid_from = models.DateField(_("từ ngày"))
    valid_to = models.DateField(_("đến ngày"), null=True, blank=True)
    decision_number = models.CharField(_("số, ký hiệu văn bản phân công"), max_length=60)
    decision_date = models.DateField(_("ngày văn bản phân công"))
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("phân công theo dõi, phụ trách")
        verbose_name_plural = _("phân công theo dõi, phụ trách")
        ordering = ["unit__path", "-valid_from", "pk"]
        indexes = [
            # serves "who oversees this unit" (plan recipients, conference supervisors)
            models.Index(fields=["unit", "valid_to"], name="org_assignment_unit_idx"),
            models.Index(fields=["working_group", "valid_to"], name="org_assignment_group_idx"),
            models.Index(fields=["person", "valid_to"], name="org_assignment_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(working_group__isnull=True, person__isnull=False)
                | Q(working_group__isnull=False, person__isnull=True),
                name="org_assignment_group_or_person",
                violation_error_message=_(
                    "Phân công cho một tổ công tác hoặc một cấp ủy viên, không cả hai."
                ),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="org_assignment_valid_range",
                violation_error_message=_("Ngày kết thúc phải sau ngày bắt đầu."),
            ),
        ]

    def __str__(self) -> str:
        who = self.working_group or self.person
        return f"{who} — {self.unit}"

    @property
    def overseer_label(self) -> str:
        return str(self.working_group or self.person)
