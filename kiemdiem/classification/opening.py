"""Opening the subjects of a round in bulk: a province holds hundreds of thousands of members,
so the ratings are built in memory from a few reads (the subtree, the posts, the memberships,
the peer groups and scoring sheets) and written with `bulk_create`, one audit row each through
`core.audit.BulkAudit`, in batches.

The same rules as `services.rating_add` (which opens one subject): the competent level per
HD 43 §3, the peer group per competent level and kind of subject, the nearest scoring sheet,
new members exempt (QĐ 366 Art. 5), a member in temporary party activity marked so (HD 43 §7).
Idempotent: a subject that already has a standing rating is skipped, so a second run (a job
delivered again, a round re-opened after the tree grew) opens only what is missing.
"""

import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.classification import subjects
from kiemdiem.classification.models import (
    COMMITTEE_KINDS,
    ExemptReason,
    MemberDecider,
    PeerGroup,
    Rating,
    RatingRound,
    RatingStatus,
    RoundStatus,
    ScoringSheet,
    SpecialCase,
    SubjectKind,
    committee_label,
)
from kiemdiem.classification.permissions import can_manage_round
from kiemdiem.core.audit import BulkAudit, created
from kiemdiem.core.bulk import Table, allocate_ids, insert_rows
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, require
from kiemdiem.org.models import (
    GRASSROOTS_KINDS,
    NON_PARTY_KINDS,
    Membership,
    MembershipKind,
    Position,
    Unit,
)

BATCH = 2000
# The columns a bulk opening writes; every other column of a rating takes its model default.
RATING_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "version",
    "round_id",
    "subject_kind",
    "unit_id",
    "person_id",
    "position_id",
    "deciding_unit_id",
    "peer_group_id",
    "sheet_id",
    "status",
    "exempt_reason",
    "special_case",
    "temporary_unit_id",
]


def _collective_label(kind: str, unit: Unit) -> str:
    return committee_label(unit) if kind == SubjectKind.LEADERSHIP_COLLECTIVE else str(unit)


def _year_span(year: int) -> Q:
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return Q(valid_from__lte=last) & (Q(valid_to__isnull=True) | Q(valid_to__gte=first))


class _Tree:
    """The scope's subtree in memory: the competent level and the nearest sheet of each unit
    without a query per subject."""

    def __init__(self, round_: RatingRound) -> None:
        self.round = round_
        scope = round_.scope_unit
        fields = ("id", "path", "parent_id", "kind", "depth", "name", "code")
        self.units = {u.pk: u for u in Unit.objects.subtree(scope).only(*fields).order_by("path")}
        # The scope's ancestors: a sheet issued above the scope still applies inside it.
        above = Unit.objects.filter(path__in=scope.ancestor_paths()).only(*fields)
        self.by_path = {u.path: u for u in list(self.units.values()) + list(above)}
        self.sheets: dict[tuple[str, str], ScoringSheet] = {}
        for sheet in ScoringSheet.objects.filter(scheme=round_.scheme).select_related("unit"):
            key = (sheet.subject_kind, sheet.unit.path)
            if key not in self.sheets or sheet.pk > self.sheets[key].pk:
                self.sheets[key] = sheet
        self._sheet_cache: dict[tuple[str, int], ScoringSheet | None] = {}

    def ancestors(self, unit: Unit) -> list[Unit]:
        """`unit` and its ancestors, nearest first."""
        parts = unit.path.split(".")[:-1]
        paths = [".".join(parts[:i]) + "." for i in range(len(parts), 0, -1)]
        return [self.by_path[p] for p in paths if p in self.by_path]

    def parent(self, unit: Unit) -> Unit:
        found = self.ancestors(unit)
        return found[1] if len(found) > 1 else unit

    def deciding(self, kind: str, unit: Unit) -> Unit:
        """services.deciding_unit_for, on the tree in memory."""
        if kind == SubjectKind.MEMBER:
            if self.round.member_decider == MemberDecider.CELL or unit.kind in GRASSROOTS_KINDS:
                return unit
            for ancestor in self.ancestors(unit)[1:]:
                if ancestor.kind in GRASSROOTS_KINDS:
                    return ancestor
        return self.parent(unit)

    def sheet(self, kind: str, unit: Unit) -> ScoringSheet | None:
        key = (kind, unit.pk)
        if key not in self._sheet_cache:
            found = None
            for ancestor in self.ancestors(unit):
                found = self.sheets.get((kind, ancestor.path))
                if found is not None:
                    break
            self._sheet_cache[key] = found
        return self._sheet_cache[key]


def _collective_kinds(unit: Unit) -> list[str]:
    """The collectives a unit is rated as: an agency's leadership collective; a Party
    organization, and where it has a committee, that committee's collective too (the standing
    committee or the executive committee, QĐ 366 Art. 5)."""
    if unit.kind in NON_PARTY_KINDS:
        return [SubjectKind.LEADERSHIP_COLLECTIVE]
    if unit.kind in subjects.ORGANIZATION_KINDS:
        if unit.kind in COMMITTEE_KINDS:
            return [SubjectKind.LEADERSHIP_COLLECTIVE, SubjectKind.ORGANIZATION]
        return [SubjectKind.ORGANIZATION]
    return []


@transaction.atomic
def subjects_open(*, round_: RatingRound, by: Actor, progress: Any = None) -> dict[str, int]:
    """Open a rating for every subject of the round's scope not yet opened; returns the counts
    (`opened`, `exempt`, `temporary`). `progress(done, total)` is called between batches."""
    require(can_manage_round(by, round_))
    if round_.status == RoundStatus.CLOSED:
        raise DomainError(_("Đợt đánh giá, xếp loại đã kết thúc: không mở thêm đối tượng."))
    # One opening at a time per round: a second job waits, then finds everything opened.
    RatingRound.objects.select_for_update().filter(pk=round_.pk).first()
    tree = _Tree(round_)
    scope = round_.scope_unit
    span = _year_span(round_.year)
    existing = set(
        Rating.objects.standing()
        .filter(round=round_)
        .values_list("subject_kind", "unit_id", "person_id")
        .order_by()
    )
    # (kind, unit, person id, name, admission date, position id): plain values, not Person rows,
    # so a province's members fit in memory.
    found: list[tuple[str, Unit, int | None, str, datetime.date | None, int | None]] = []
    for unit in tree.units.values():
        if unit.pk == scope.pk:
            continue
        for kind in _collective_kinds(unit):
            found.append((kind, unit, None, "", None, None))
    posts = (
        Position.objects.filter(unit__path__startswith=scope.path, role__in=subjects.HEAD_ROLES)
        .exclude(unit=scope)
        .filter(span)
        .values_list("unit_id", "person_id", "person__full_name", "person__admission_date", "pk")
        .order_by("unit__path", "pk")
    )
    for unit_id, person_id, name, admitted, post_id in posts:
        unit = tree.units.get(unit_id)
        if unit is not None:
            found.append((SubjectKind.LEADER, unit, person_id, name, admitted, post_id))
    memberships = (
        Membership.objects.filter(unit__path__startswith=scope.path)
        .filter(span)
        .values_list("person_id", "unit_id", "kind", "person__full_name", "person__admission_date")
        .order_by("person_id", "-valid_from", "pk")
    )
    official: dict[int, tuple] = {}
    temporary: dict[int, int] = {}
    for person_id, unit_id, kind, name, admitted in memberships.iterator(chunk_size=BATCH):
        if kind == MembershipKind.OFFICIAL:
            official.setdefault(person_id, (unit_id, name, admitted))
        elif kind == MembershipKind.TEMPORARY:
            temporary.setdefault(person_id, unit_id)
    for person_id, (unit_id, name, admitted) in official.items():
        unit = tree.units.get(unit_id)
        if unit is not None:
            found.append((SubjectKind.MEMBER, unit, person_id, name, admitted, None))

    groups = {
        (g.subject_kind, g.deciding_unit_id): g
        for g in PeerGroup.objects.filter(round=round_).order_by("-pk")
    }
    names = set(PeerGroup.objects.filter(round=round_).values_list("name", flat=True))
    new_groups: list[PeerGroup] = []
    todo = [s for s in found if (s[0], s[1].pk, s[2]) not in existing]
    for kind, unit, *_rest in todo:
        deciding = tree.deciding(kind, unit)
        if (kind, deciding.pk) in groups:
            continue
        name = (
            _("%(kind)s do %(unit)s quyết định")
            % {"kind": SubjectKind(kind).label, "unit": deciding.name}
        )[:240]
        label = f"{name} ({deciding.code})" if name in names else name
        names.add(label)
        group = PeerGroup(round=round_, name=label, subject_kind=kind, deciding_unit=deciding)
        groups[(kind, deciding.pk)] = group
        new_groups.append(group)
    PeerGroup.objects.bulk_create(new_groups, batch_size=BATCH)

    exempt_new = subjects.new_members_exempt()
    audit = BulkAudit(by=by)
    rating_type = Rating._meta.label_lower
    kinds = dict(SubjectKind.choices)
    counts = {"opened": 0, "exempt": 0, "temporary": 0}
    # Plain rows (core.bulk), not model instances: Django's bulk_create spent ~0.6 ms per rating
    # preparing its ~50 columns (20,000 members: 12-16 s).
    table = Table(connection, Rating, RATING_COLUMNS)
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    for start in range(0, len(todo), BATCH):
        batch = todo[start : start + BATCH]
        rows = []
        for (kind, unit, person_id, name, admitted, post_id), pk in zip(
            batch, allocate_ids(Rating, len(batch)), strict=True
        ):
            deciding = tree.deciding(kind, unit)
            sheet = tree.sheet(kind, unit)
            status, exempt_reason, special, temporary_unit = RatingStatus.DRAFT, "", "", None
            if kind == SubjectKind.MEMBER and person_id is not None:
                if exempt_new and subjects.admitted_recently(round_, admitted):
                    status, exempt_reason = RatingStatus.EXEMPT, ExemptReason.NEW_MEMBER
                elif temporary.get(person_id) not in (None, unit.pk):
                    special, temporary_unit = SpecialCase.TEMPORARY, temporary[person_id]
            rows.append(
                (pk, stamp, stamp, 1, round_.pk, kind, unit.pk, person_id, post_id, deciding.pk)
                + (groups[(kind, deciding.pk)].pk, sheet.pk if sheet else None, status)
                + (str(exempt_reason), str(special), temporary_unit)
            )
            exempt = status == RatingStatus.EXEMPT
            counts["opened"] += 1
            counts["exempt"] += exempt
            counts["temporary"] += bool(special)
            label = name if person_id else _collective_label(kind, unit)
            audit.add(
                object_type=rating_type,
                object_id=pk,
                object_repr=f"{label} — {round_.year}",
                action=AuditAction.CREATE,
                changes=created(
                    {"status": str(status), "subject_kind": str(kind), "deciding_unit": deciding.pk}
                ),
                unit_path=unit.path,
                person_id=person_id,
                reason=str(ExemptReason.NEW_MEMBER.label) if exempt else "",
            )
        insert_rows(connection, table, rows)
        if progress is not None:
            progress(min(start + BATCH, len(todo)), len(todo))
    if counts["opened"]:
        audit.add_object(
            round_,
            action=AuditAction.UPDATE,
            changes=created({f"opened_{k}": v for k, v in counts.items()}),
            unit_path=scope.path,
            reason=_("Mở đánh giá, xếp loại cho các đối tượng trong phạm vi đợt (%(k)s).")
            % {"k": ", ".join(str(kinds[k]).lower() for k in sorted({s[0] for s in todo}))},
        )
    audit.flush()
    return counts
