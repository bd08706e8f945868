"""Reads of the organization tree that span relations, and of the audit trail page."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.dates import today
from kiemdiem.core.forms import VnDateField
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.paging import rows_by_key, rows_in_order
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.core.sorting import natural_key
from kiemdiem.core.text import fold
from kiemdiem.org import member_counts
from kiemdiem.org.models import (
    LEADER_ROLES,
    AccessGrant,
    AccessRole,
    Membership,
    MembershipKind,
    OversightAssignment,
    Person,
    Position,
    PositionRole,
    Unit,
    UnitSuccession,
    WorkingGroup,
    WorkingGroupMember,
    ancestor_paths,
)
from kiemdiem.org.scoping import (
    access_for,
    audit_in_subtrees,
    collapse,
    scope_audit,
    visible_people,
    visible_subtrees,
    visible_units,
    within,
)

CHILD_ROW_FIELDS = ("id", "code", "name", "kind", "path", "parent_id", "valid_to")


def children_with_member_counts(unit: Unit, *, include_past: bool = False) -> list[Unit]:
    """Children of `unit` valid today (all, with `include_past`), each with `.member_count` =
    current memberships in its subtree, and `unit.member_count` (its whole subtree) from the
    same reads (subtree_member_counts: the summary and one small read, whatever the size of
    the subtree)."""
    children_qs = unit.children.all() if include_past else unit.children.valid_on(today())
    # What the rows show (org/jinja2/org/child_rows.html, tree_rows.html): a province's ~200
    # children read whole cost ~4 ms of Python.
    children_qs = children_qs.only(*CHILD_ROW_FIELDS)
    return _with_member_counts(unit, _natural_order(children_qs))


def _natural_order(children) -> list[Unit]:
    """Natural order within each kind: "Chi bộ thôn 2" before "Chi bộ thôn 10" (ties by path,
    the order the children are read in)."""
    return sorted(children, key=lambda u: (u.kind, natural_key(u.name), u.path))


def _with_member_counts(unit: Unit, children: list[Unit]) -> list[Unit]:
    """`children`, each with `.member_count`, and `unit.member_count`, in one read."""
    counts = subtree_member_counts([unit, *children])
    for each in (unit, *children):
        each.member_count = sum(counts[each.pk])
    return children


def subtree_member_count(unit: Unit) -> int:
    """Current memberships (official and temporary) in the unit's subtree."""
    return sum(subtree_member_counts([unit])[unit.pk])


# What subtree_member_counts reads, in one statement (its docstring). Written as SQL: the
# summary's rows by unit id need no join, and building the three QuerySets cost ~2 ms a page.
_SUBTREE_MEMBERS_SQL = f"""
SELECT unit_id, NULL, official, temporary FROM {member_counts.TABLE} WHERE unit_id IN ({{ids}})
UNION ALL
SELECT NULL, SUBSTR(u.path, 1, {{deepest}}), SUM(c.official), SUM(c.temporary)
  FROM {member_counts.CHANGES} c JOIN org_unit u ON u.id = c.unit_id
 WHERE {{inside}}
 GROUP BY 2
UNION ALL
SELECT NULL, SUBSTR(u.path, 1, {{deepest}}),
       SUM(CASE WHEN m.kind = 'official' THEN {{sign}} ELSE 0 END),
       SUM(CASE WHEN m.kind <> 'official' THEN {{sign}} ELSE 0 END)
  FROM org_membership m JOIN org_unit u ON u.id = m.unit_id
 WHERE ({{inside}})
   AND (m.valid_to IS NULL AND m.valid_from > %s
        OR m.valid_to IS NOT NULL AND m.valid_to >= %s AND m.valid_from <= %s)
 GROUP BY 2
"""


def subtree_member_counts(units: Sequence[Unit]) -> dict[int, tuple[int, int]]:
    """unit id → (official, temporary) memberships current today in its subtree, for any
    units: exactly what `Membership.objects.current()` over each subtree counts.

    One statement of three parts (issue 17: a COUNT over 5.6 M memberships at the root, 2 s):
    - the summary's open-ended memberships of each unit's subtree (UnitMemberCount, one row a
      unit);
    - the changes not yet merged into it (UnitMemberCountChange, PostgreSQL: a minute's
      writes): read with the summary in one snapshot, a merge committing meanwhile is
      counted once;
    - what the summary leaves out by the date: the open ones that start after today (−1 each)
      and the dated ones still running today (+1), through partial indexes that hold only
      such rows.
    The last two are grouped by path cut to the deepest unit's length and added to each unit
    at or above it."""
    found = {u.pk: [0, 0] for u in units}
    if not found:
        return {}
    by_path = {u.path: u.pk for u in units}
    # Each subtree as SUBSTR(path) = …, which no index serves: SQLite then starts from the two
    # partial indexes (MULTI-INDEX OR) instead of every membership of the subtree.
    scopes = collapse(list(by_path))
    sql = _SUBTREE_MEMBERS_SQL.format(
        ids=", ".join(["%s"] * len(found)),
        deepest=max(len(path) for path in by_path),
        inside=" OR ".join(f"SUBSTR(u.path, 1, {len(path)}) = %s" for path in scopes),
        sign="CASE WHEN m.valid_to IS NULL THEN -1 ELSE 1 END",
    )
    day = connection.ops.adapt_datefield_value(today())
    with connection.cursor() as cursor:
        cursor.execute(sql, [*found, *scopes, *scopes, day, day, day])
        rows = cursor.fetchall()
    for unit_id, path, official, temporary in rows:
        # a unit's whole subtree, or a path at or below the units (cut to the deepest one)
        if unit_id is not None:
            targets = [unit_id]
        else:
            targets = [by_path[above] for above in ancestor_paths(path) if above in by_path]
        for pk in targets:
            found[pk][0] += official
            found[pk][1] += temporary
    return {pk: (official, temporary) for pk, (official, temporary) in found.items()}


def subtree_people(unit: Unit) -> int:
    """People with a current membership in the unit's subtree today (each once).

    A person has one official cell at a time (services.membership_add, the imports), so they
    are the official memberships (subtree_member_counts) plus the people with a temporary one
    there and no official one in the subtree: read only when the subtree has temporary
    memberships, through the index that holds only those."""
    official, temporary = subtree_member_counts([unit])[unit.pk]
    if not temporary:
        return official
    today = timezone.localdate()
    official_here = (
        Membership.objects.current(today)
        .filter(kind=MembershipKind.OFFICIAL, person=OuterRef("person"))
        .filter(unit__path__startswith=unit.path)
    )
    others = (
        Membership.objects.current(today)
        .filter(kind=MembershipKind.TEMPORARY, unit__path__startswith=unit.path)
        .exclude(Exists(official_here))
        .values("person_id")
        .distinct()
        .count()
    )
    return official + others


# The unit page's small reads, each compiled once per process (core.precompiled): building
# and compiling them cost ~0.4-1.2 ms of Python each on the page (issue 17).
_POSITIONS_ON = Precompiled(
    lambda unit_id, day: (
        Position.objects.current(day).filter(unit_id=unit_id).select_related("person")
    )
)
_UNITS_AT = Precompiled(lambda paths: Unit.objects.filter(path__in=paths))
# The units around a unit's page in one read (issue 17: three round trips before), with what
# the page shows of them: its ancestors (the breadcrumb), its children, current and abolished.
# By name, then path: the abolished children's order (the current ones are sorted again).
_AROUND = Precompiled(
    lambda paths, unit_id: (
        Unit.objects.filter(Q(path__in=paths) | Q(parent_id=unit_id))
        .only(*CHILD_ROW_FIELDS, "valid_from")
        .order_by("name", "path")
    )
)
# Both directions of the unit's reorganizations in one read, in the order they were recorded.
_SUCCESSIONS = Precompiled(
    lambda unit_id: (
        UnitSuccession.objects.filter(Q(predecessor_id=unit_id) | Q(successor_id=unit_id))
        .select_related("predecessor", "successor")
        .order_by("pk")
    )
)
# The people of a unit's members list: their keys in the list's order, then a page's rows.
_MEMBER_KEYS = Precompiled(
    lambda unit_id, day: _members_of(unit_id, day).values_list("pk", flat=True)
)
_PEOPLE = rows_by_key(Person, lambda people: people)


def unit_leaders(unit: Unit, *, day: datetime.date | None = None) -> list[Position]:
    """Current leading positions of the unit, secretary first."""
    order = {role: i for i, role in enumerate(LEADER_ROLES)}
    positions = _POSITIONS_ON(unit.pk, day or timezone.localdate(), known={"unit": unit})
    return sorted(positions, key=lambda p: (order.get(p.role, 99), p.person.sort_key))


@dataclass
class Surroundings:
    """What a unit's page shows of the units around it."""

    ancestors: list[Unit]  # root first (the breadcrumb)
    children: list[Unit]  # valid today, in natural order, each with `.member_count`
    past_children: list[Unit]  # abolished before today, by name


def unit_surroundings(unit: Unit) -> Surroundings:
    """The unit's ancestors (`unit_ancestors`), its children valid today with their members
    (`children_with_member_counts`, and `unit.member_count`) and those abolished before today,
    by name: one read of the units and one of the counts. The units carry the fields the page
    shows (CHILD_ROW_FIELDS and `valid_from`)."""
    day = today()
    paths = unit.ancestor_paths()[:-1]
    ancestors: dict[str, Unit] = {}
    children, past = [], []
    for each in _AROUND(tuple(paths), unit.pk):
        if each.parent_id != unit.pk:
            ancestors[each.path] = each
        elif each.valid_to is not None and each.valid_to < day:
            past.append(each)
        elif each.valid_from is None or each.valid_from <= day:
            children.append(each)
    return Surroundings(
        ancestors=[ancestors[p] for p in paths if p in ancestors],
        children=_with_member_counts(unit, _natural_order(children)),
        past_children=past,
    )


def successions(unit: Unit) -> tuple[list[UnitSuccession], list[UnitSuccession]]:
    """The reorganizations the unit went through: (into its successors, from its predecessors)."""
    found = _SUCCESSIONS(unit.pk)
    return (
        [s for s in found if s.predecessor_id == unit.pk],
        [s for s in found if s.successor_id == unit.pk],
    )


def unit_members(unit: Unit, *, day: datetime.date | None = None) -> QuerySet[Person]:
    """People with a current membership in the unit itself, in Vietnamese name order."""
    return _members_of(unit.pk, day)


def _members_of(unit_id: int, day: datetime.date | None) -> QuerySet[Person]:
    return Person.objects.filter(
        pk__in=Membership.objects.current(day).filter(unit_id=unit_id).values("person_id")
    ).order_by("sort_key", "pk")


def unit_members_page(unit: Unit, number: object, per_page: int) -> Page:
    """Page `number` (as `Paginator.get_page` takes it) of `unit_members(unit)`: all their
    keys (a cell's members: tens, a few hundred at most) in one read, then the page's rows by
    key, both compiled once (issue 17: the count and the page compiled on each request,
    ~0.6 ms)."""
    page = Paginator(_MEMBER_KEYS(unit.pk, today()), per_page).get_page(number)
    page.object_list = rows_in_order(_PEOPLE, list(page.object_list), per_page)
    return page


def unit_ancestors(unit: Unit) -> list[Unit]:
    """Ancestors of `unit`, root first (the breadcrumb)."""
    paths = unit.ancestor_paths()[:-1]
    by_path = {u.path: u for u in _UNITS_AT(tuple(paths))}
    return [by_path[p] for p in paths if p in by_path]


def unit_children_sorted(unit: Unit, *, day: datetime.date | None = None) -> list[Unit]:
    """The unit's current children in natural order ("thôn 2" before "thôn 10")."""
    children = unit.children.valid_on(day or today())
    return sorted(children, key=lambda u: natural_key(u.name))


def first_children(unit: Unit, n: int, *, day: datetime.date | None = None) -> list[Unit]:
    """The first `n` of `unit_children_sorted(unit)`, with only their key, name and kind loaded
    (a picker's first options): one read of the names, compiled once (issue 17: a province's
    ~200 children as full rows cost ~10 ms a form; their names, then the rows by key, two round
    trips and ~1 ms compiling)."""
    rows = _CHILD_NAMES(unit.pk, day or today())
    first = sorted(rows, key=lambda row: natural_key(row[1]))[:n]
    return [Unit.from_db(Unit.objects.db, ["id", "name", "kind"], row) for row in first]


# The children valid on a day as (key, name, kind), in the order of their paths (the sort by
# name keeps it for namesakes, as unit_children_sorted does).
_CHILD_NAMES = Precompiled(
    lambda unit_id, day: (
        Unit.objects.filter(parent_id=unit_id)
        .valid_on(day)
        .order_by("path")
        .values_list("pk", "name", "kind")
    )
)


def units_search(qs: QuerySet[Unit], query: str) -> QuerySet[Unit]:
    """Units whose name or code contains every word of `query`, accents ignored."""
    q = Q()
    for word in fold(query).split():
        q &= Q(search_text__contains=word)
    return qs.filter(q).order_by("depth", "name")


def people_search(qs: QuerySet[Person], query: str) -> QuerySet[Person]:
    """People whose name or card number contains every word of `query`, accents ignored."""
    q = Q()
    for word in fold(query).split():
        q &= Q(search_text__contains=word)
    return qs.filter(q).order_by("sort_key", "pk")


def person_current_cells(person: Person, *, day: datetime.date | None = None) -> QuerySet:
    return Membership.objects.current(day).filter(person=person).select_related("unit")


@dataclass
class AuditFilter:
    """The audit rows a user may read, narrowed by the page's filters, and what was wrong with
    the filters (each ignored with a Vietnamese message)."""

    events: QuerySet[AuditEvent]
    errors: list[str]
    unit: Unit | None = None


def _one_by_name(qs: QuerySet, typed: str, search, what: str):
    """The single object of `qs` whose name matches `typed` (accents ignored), or an error."""
    found = list(search(qs, typed)[:2])
    if len(found) == 1:
        return found[0], None
    if not found:
        return None, _("Không tìm thấy %(w)s nào tên như “%(t)s” trong phạm vi của đồng chí.") % {
            "w": what,
            "t": typed,
        }
    return None, _(
        "Có nhiều %(w)s tên như “%(t)s”: hãy gõ đầy đủ hơn (hoặc mở nhật ký từ trang của %(w)s đó)."
    ) % {"w": what, "t": typed}


# Words of a name typed in a filter: a name has a few.
NAME_WORDS = 8


def _too_long(typed: str) -> bool:
    return len(fold(typed).split()) > NAME_WORDS or len(typed) > 150


def audit_rows(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """Audit rows as the audit page and its export show them: with the user who acted."""
    return events.select_related("actor")


def audit_filtered(user, params) -> AuditFilter:
    """The audit trail the user may read (scoping.scope_audit), filtered by a unit's subtree (its
    code or name), a person (id or name), an actor (name or login, accents ignored) and dates.
    The audit page and its Excel export read this."""
    events = scope_audit(audit_rows(AuditEvent.objects.all()), user)
    errors: list[str] = []
    for key, label in (("unit", _("Tên đơn vị")), ("person", _("Tên đảng viên"))):
        if _too_long(params.get(key) or ""):
            errors.append(_("%(f)s quá dài: nhập tối đa %(n)s từ.") % {"f": label, "n": NAME_WORDS})
            return AuditFilter(events=events.none(), errors=errors)
    unit = None
    typed = (params.get("unit") or "").strip()
    if typed:
        units = visible_units(user)
        unit = units.filter(code=typed.upper()).first()
        if unit is None:
            unit, error = _one_by_name(units, typed, units_search, _("đơn vị"))
            if error:
                errors.append(error)
        if unit is not None:
            events = audit_in_subtrees(events, (unit.path,))
    typed = (params.get("person") or "").strip()
    if typed:
        people = visible_people(user)
        if typed.isdigit():  # from a person's page
            person = people.filter(pk=int(typed)).first()
            error = _("Không tìm thấy đảng viên này trong phạm vi của đồng chí.")
        else:
            person, error = _one_by_name(people, typed, people_search, _("đảng viên"))
        if person is None:
            errors.append(error)
        else:
            events = events.filter(person_id_ref=person.pk)
    actor = (params.get("actor") or "").strip()
    if _too_long(actor):
        # A name has a few words; hundreds would make a query SQLite refuses to build.
        errors.append(_("Tên người thực hiện quá dài: nhập tối đa %(n)s từ.") % {"n": NAME_WORDS})
    elif actor:
        # The name is matched accent-free, as the search does: "Nguyễn" and "nguyen" both find.
        name = Q()
        for word in fold(actor).split():
            name &= Q(person__search_text__contains=word)
        users = get_user_model().objects.filter(Q(username__iexact=actor) | name)
        events = events.filter(actor__in=users)
    for key, lookup in (("from", "at__date__gte"), ("to", "at__date__lte")):
        raw = (params.get(key) or "").strip()
        if raw:
            try:
                day = VnDateField().clean(raw)
            except ValidationError:
                errors.append(_("Ngày “%(d)s” không hợp lệ: hãy nhập dd/mm/yyyy.") % {"d": raw})
            else:
                events = events.filter(**{lookup: day})
    return AuditFilter(events=events, errors=errors, unit=unit)


def unit_in_scope(user, raw: object) -> Unit | None:
    """The unit a page's `?don_vi=` names, if the user may see it (else None: the page then
    falls back to the user's whole scope, never to someone else's subtree)."""
    text = str(raw or "")
    if not text.isdigit() or len(text) > 18:
        return None
    return _UNIT_IN_SCOPE.first(visible_subtrees(access_for(user)), int(text))


# `scope`'s rule (within the user's subtrees), compiled once (core.precompiled).
_UNIT_IN_SCOPE = Precompiled(lambda paths, pk: within(Unit.objects.filter(pk=pk), paths, via=""))


# --- oversight -------------------------------------------------------------------------------


def assignments_covering(unit: Unit, day: datetime.date | None = None) -> QuerySet:
    """Assignments valid on `day` of the unit itself or of an area above it (nearest first)."""
    day = day or timezone.localdate()
    return (
        OversightAssignment.objects.current(day)
        .filter(unit__path__in=unit.ancestor_paths())
        .select_related("unit", "working_group", "person", "committee")
        .order_by("-unit__depth", "pk")
    )


def groups_assigned_to(unit: Unit, day: datetime.date | None = None) -> list[WorkingGroup]:
    """The working groups assigned to the unit itself on `day` (its plans go to them)."""
    day = day or timezone.localdate()
    ids = (
        OversightAssignment.objects.current(day)
        .filter(unit=unit, working_group__isnull=False)
        .values("working_group_id")
    )
    return list(WorkingGroup.objects.current(day).filter(pk__in=ids).select_related("committee"))


def overseers_of(unit: Unit, day: datetime.date | None = None) -> dict[int, str]:
    """person id → what makes them an overseer of `unit` on `day`: a seat in a working group
    assigned to the unit (or to an area above it), or an assignment in person. Nearest first."""
    day = day or timezone.localdate()
    found: dict[int, list[str]] = {}
    assignments = list(assignments_covering(unit, day))
    group_ids = [a.working_group_id for a in assignments if a.working_group_id]
    seats: dict[int, list[WorkingGroupMember]] = {}
    for seat in (
        WorkingGroupMember.objects.current(day)
        .filter(group_id__in=group_ids)
        .select_related("person")
        .order_by("role", "person__sort_key")
    ):
        seats.setdefault(seat.group_id, []).append(seat)
    for assignment in assignments:
        if assignment.working_group_id:
            for seat in seats.get(assignment.working_group_id, []):
                found.setdefault(seat.person_id, []).append(
                    f"{seat.get_role_display()} {assignment.working_group}"
                )
        elif assignment.person_id:
            label = _("Phụ trách %(u)s") % {"u": assignment.unit.name}
            if assignment.field:
                label += f" ({assignment.field})"
            found.setdefault(assignment.person_id, []).append(str(label))
    return {pid: "; ".join(labels) for pid, labels in found.items()}


# Who answers for a unit's collective business (its plan, its assessments, its tasks): its
# secretary or head, and the unit-head and office access grants on the unit itself.
HEAD_ROLES = (PositionRole.SECRETARY, PositionRole.HEAD)
ANSWERING_GRANTS = (AccessRole.HEAD, AccessRole.OFFICE)
CHUNK = 900


def users_answering_for(
    unit_ids: set[int] | list[int],
    day: datetime.date | None = None,
    *,
    roles: Sequence[str] = HEAD_ROLES,
) -> dict[int, set[int]]:
    """unit id → the user ids answering for it on `day`: holders of `roles` (by default the
    secretary or head; LEADER_ROLES for every leader of it) and ANSWERING_GRANTS."""
    day = day or timezone.localdate()
    found: dict[int, set[int]] = {}
    ids = sorted(set(unit_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for unit_id, user_id in (
            Position.objects.current(day)
            .filter(unit_id__in=chunk, role__in=list(roles), person__user__isnull=False)
            .values_list("unit_id", "person__user_id")
        ):
            found.setdefault(unit_id, set()).add(user_id)
        for unit_id, user_id in (
            AccessGrant.objects.current(day)
            .filter(unit_id__in=chunk, role__in=ANSWERING_GRANTS)
            .values_list("unit_id", "user_id")
        ):
            found.setdefault(unit_id, set()).add(user_id)
    return found


def users_of_people(person_ids: set[int] | list[int]) -> dict[int, int]:
    """person id → their login's user id (people without a login are left out)."""
    found: dict[int, int] = {}
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), CHUNK):
        found.update(
            Person.objects.filter(
                pk__in=ids[start : start + CHUNK], user__isnull=False
            ).values_list("pk", "user_id")
        )
    return found


def group_member_users(
    group_ids: set[int] | list[int], day: datetime.date | None = None
) -> set[int]:
    """The user ids of the current members of the groups."""
    return set(
        WorkingGroupMember.objects.current(day)
        .filter(group_id__in=sorted(set(group_ids)), person__user__isnull=False)
        .values_list("person__user_id", flat=True)
    )
