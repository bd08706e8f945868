"""The one place that decides what a user can see: visible subtrees of the organization tree.

A user sees
- everything, if they are a system administrator (superuser);
- the subtree of every unit where they hold a current access grant (committee office, standing
  committee member, unit head) or a current leading position (secretary, deputy, standing member,
  head or deputy head);
- the subtree of every unit they oversee: assigned to a working group they sit in, or to them in
  person (a committee member assigned to an area): to read, appraise and assess, not to write the
  unit's own records;
- as an ordinary member: themself and their current cell.
Everything else answers 404: views fetch through `visible_to`, which calls into this module.
An inspection-committee grant gives its subtree too, but no unit to write for or plans to
appraise. Discipline cases and a person's votes are narrower (`scope_sensitive`).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.contrib.auth.models import User
from django.db import connection, connections
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.http import Http404
from django.utils import timezone

from kiemdiem.core.audit import SENSITIVE_TYPES
from kiemdiem.core.models import Notification
from kiemdiem.core.permissions import SYSTEM, Actor
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.org.models import (
    GROUP_SPEAKERS,
    LEADER_ROLES,
    AccessGrant,
    AccessRole,
    Membership,
    OversightAssignment,
    Person,
    Position,
    PositionRole,
    Unit,
    WorkingGroup,
    WorkingGroupMember,
)

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Access:
    """What one user may see, computed once per request."""

    everything: bool = False
    # Subtree prefixes (unit paths) the user leads or serves; nested ones are collapsed.
    unit_paths: tuple[str, ...] = ()
    # Subtrees where the user holds the committee-office role (may manage the tree there).
    office_paths: tuple[str, ...] = ()
    # Subtrees where the user serves on the inspection committee (ủy ban kiểm tra).
    inspection_paths: tuple[str, ...] = ()
    # The member's own cell(s): visible, but not a leadership scope.
    cell_paths: tuple[str, ...] = ()
    person_id: int | None = None
    # The linked person's full name, for the top bar (saves a query on every page).
    display_name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    # Exact units (not subtrees) the user leads or serves: a grant on the unit itself or a
    # leading post there. The unit's own reports are theirs to write.
    own_unit_ids: frozenset[int] = field(default_factory=frozenset)
    # Exact units the user acts for as a plan's recipient (appraisal, verification): a grant on
    # the unit itself (office, standing, head) or a standing-committee post there. An office of a
    # higher ancestor sees the plans but does not act for the parent committee.
    recipient_unit_ids: frozenset[int] = field(default_factory=frozenset)
    # Subtrees the user oversees (see the module docstring): visible, and their history
    # readable, but not theirs to write (`leads` does not cover them).
    oversight_paths: tuple[str, ...] = ()
    # Working groups the user sits in today, and those they speak for (leader or deputy).
    group_ids: frozenset[int] = field(default_factory=frozenset)
    speaker_group_ids: frozenset[int] = field(default_factory=frozenset)
    # Exact units assigned to those groups; (unit, committee) assigned to the user in person (a
    # committee member "phụ trách" a unit acts for that committee on the unit's plans).
    group_unit_ids: frozenset[int] = field(default_factory=frozenset)
    assigned_pairs: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    # Unread notifications, for the bell (read in the same round trip).
    unread_notifications: int = 0

    @property
    def visible_paths(self) -> tuple[str, ...]:
        return collapse(
            self.unit_paths + self.inspection_paths + self.cell_paths + self.oversight_paths
        )

    @property
    def audit_paths(self) -> tuple[str, ...]:
        return collapse(self.unit_paths + self.inspection_paths + self.oversight_paths)

    @property
    def can_read_audit(self) -> bool:
        return self.everything or bool(self.audit_paths)

    @property
    def assigned_unit_ids(self) -> frozenset[int]:
        return frozenset(unit_id for unit_id, _committee in self.assigned_pairs)

    def oversees(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.oversight_paths)

    def covers(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.visible_paths)

    def leads(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.unit_paths)

    def manages(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.office_paths)

    def inspects(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.inspection_paths)

    @property
    def sensitive_paths(self) -> tuple[str, ...]:
        """Subtrees whose bodies' sensitive records (discipline, votes) the user may read: those
        of the committee offices and inspection committees they serve on."""
        return collapse(self.office_paths + self.inspection_paths)


# Posts that sit on a committee's standing committee and may act for it as a plan's recipient.
STANDING_ROLES = frozenset(
    {PositionRole.SECRETARY, PositionRole.DEPUTY_SECRETARY, PositionRole.STANDING_MEMBER}
)


def collapse(paths: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Drop paths that lie inside another path of the list."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


# Grants, leading positions, cell memberships, working-group seats with their groups' assigned
# units, personal oversight assignments, the linked person and the unread notifications in one
# round trip. Written as SQL because this runs on every request and building the ORM querysets
# costs ~7 ms of Python, against ~0.1 ms for the database (measured on the province demo).
# Columns: source, role, path (or text), an id (person, group or count), unit id.
# Parameters: %(u)s the user's id, %(d)s the day the rows must be valid on.
_ACCESS_SQL = f"""
SELECT 'grant', g.role, u.path, NULL, u.id
  FROM {AccessGrant._meta.db_table} g JOIN {Unit._meta.db_table} u ON u.id = g.unit_id
 WHERE g.user_id = %(u)s AND g.valid_from <= %(d)s AND (g.valid_to IS NULL OR g.valid_to >= %(d)s)
UNION ALL
SELECT 'position', p.role, u.path, p.person_id, u.id
  FROM {Position._meta.db_table} p
  JOIN {Person._meta.db_table} pe ON pe.id = p.person_id
  JOIN {Unit._meta.db_table} u ON u.id = p.unit_id
 WHERE pe.user_id = %(u)s AND p.valid_from <= %(d)s AND (p.valid_to IS NULL OR p.valid_to >= %(d)s)
   AND p.role IN ({", ".join(f"'{role.value}'" for role in LEADER_ROLES)})
UNION ALL
SELECT 'member', '', u.path, m.person_id, u.id
  FROM {Membership._meta.db_table} m
  JOIN {Person._meta.db_table} pe ON pe.id = m.person_id
  JOIN {Unit._meta.db_table} u ON u.id = m.unit_id
 WHERE pe.user_id = %(u)s AND m.valid_from <= %(d)s AND (m.valid_to IS NULL OR m.valid_to >= %(d)s)
UNION ALL
SELECT 'group', s.role, u.path, s.group_id, u.id
  FROM {WorkingGroupMember._meta.db_table} s
  JOIN {Person._meta.db_table} pe ON pe.id = s.person_id
  JOIN {WorkingGroup._meta.db_table} g ON g.id = s.group_id
  LEFT JOIN {OversightAssignment._meta.db_table} a ON a.working_group_id = g.id
       AND a.valid_from <= %(d)s AND (a.valid_to IS NULL OR a.valid_to >= %(d)s)
  LEFT JOIN {Unit._meta.db_table} u ON u.id = a.unit_id
 WHERE pe.user_id = %(u)s AND s.valid_from <= %(d)s AND (s.valid_to IS NULL OR s.valid_to >= %(d)s)
   AND g.valid_from <= %(d)s AND (g.valid_to IS NULL OR g.valid_to >= %(d)s)
UNION ALL
SELECT 'assigned', '', u.path, a.committee_id, u.id
  FROM {OversightAssignment._meta.db_table} a
  JOIN {Person._meta.db_table} pe ON pe.id = a.person_id
  JOIN {Unit._meta.db_table} u ON u.id = a.unit_id
 WHERE pe.user_id = %(u)s AND a.valid_from <= %(d)s AND (a.valid_to IS NULL OR a.valid_to >= %(d)s)
UNION ALL
SELECT 'person', '', pe.full_name, pe.id, NULL
  FROM {Person._meta.db_table} pe WHERE pe.user_id = %(u)s
UNION ALL
SELECT 'unread', '', NULL, COUNT(*), NULL
  FROM {Notification._meta.db_table} n WHERE n.user_id = %(u)s AND n.read_at IS NULL
"""


# On PostgreSQL the statement above runs inside a PL/pgSQL function, which keeps its plan for the
# connection's life: planning the seven-part UNION took ~1.4 ms of the 2.2 ms it cost each
# request; the function's call costs ~0.2 ms (measured on the province bench, part 8c). A
# prepared statement would do the same but breaks behind PgBouncer in transaction mode; a
# function works through it. `install_access_function` (re)creates it after every `migrate`, so
# it always matches this module's SQL (org.apps).
ACCESS_FUNCTION = "kiemdiem_access"
_ACCESS_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {ACCESS_FUNCTION}(integer, date)
RETURNS TABLE (source text, role text, path text, ref bigint, unit_id bigint)
LANGUAGE plpgsql STABLE AS $access$
#variable_conflict use_column
BEGIN
    RETURN QUERY SELECT c1::text, c2::text, c3::text, c4::bigint, c5::bigint FROM (
{_ACCESS_SQL.replace("%(u)s", "$1").replace("%(d)s", "$2")}
    ) AS access_rows (c1, c2, c3, c4, c5);
END
$access$
"""


def install_access_function(using: str = "default", **_kwargs: Any) -> None:
    """Create or replace the access function on a PostgreSQL database (a post_migrate receiver)."""
    db = connections[using]
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(_ACCESS_FUNCTION_SQL)


def _access_rows(user_id: int, day: datetime.date) -> list[tuple]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT * FROM {ACCESS_FUNCTION}(%s, %s)", [user_id, day])
        else:
            cursor.execute(_ACCESS_SQL, {"u": user_id, "d": day})
        return cursor.fetchall()


def compute_access(user: Actor, day: datetime.date | None = None) -> Access:
    """Build the Access of `user` from grants, positions and memberships valid on `day`."""
    if user is SYSTEM:
        return Access(everything=True, roles=frozenset({"system"}))
    if user is None or not isinstance(user, User) or not user.is_active:
        return Access()
    if user.is_superuser:
        return Access(everything=True, roles=frozenset({"admin"}))
    day = day or timezone.localdate()
    rows = _access_rows(user.pk, day)
    roles: set[str] = set()
    lead: list[str] = []
    office: list[str] = []
    inspection: list[str] = []
    cells: list[str] = []
    own: set[int] = set()
    recipient: set[int] = set()
    overseen: list[str] = []
    groups: set[int] = set()
    speaking: set[int] = set()
    group_units: set[int] = set()
    assigned: set[tuple[int, int]] = set()
    unread = 0
    person_id = None
    display_name = ""
    for source, role, path, pid, unit_id in rows:
        if source == "group":  # the id column holds the group
            groups.add(pid)
            if role in GROUP_SPEAKERS:
                speaking.add(pid)
            if unit_id is not None:  # a group with no unit assigned today oversees nothing
                overseen.append(path)
                group_units.add(unit_id)
            continue
        if source == "unread":  # the id column holds the count
            unread = int(pid or 0)
            continue
        if source == "assigned":  # the id column holds the committee that assigned
            overseen.append(path)
            assigned.add((unit_id, pid))
            continue
        person_id = person_id or pid
        if source == "grant":
            roles.add(role)
            if role == AccessRole.INSPECTION:
                # Sees the subtree and its sensitive records, but leads nothing: writes no review,
                # conference, commitment or report, appraises no plan (not in `lead`).
                inspection.append(path)
                continue
            lead.append(path)
            own.add(unit_id)
            recipient.add(unit_id)
            if role == AccessRole.OFFICE:
                office.append(path)
        elif source == "position":
            roles.add(AccessRole.HEAD if role in ("secretary", "head") else AccessRole.STANDING)
            lead.append(path)
            own.add(unit_id)
            if role in STANDING_ROLES:
                recipient.add(unit_id)
        elif source == "member":
            roles.add("member")
            cells.append(path)
        elif source == "person":
            display_name = path  # the column holds the name on this row
    return Access(
        unit_paths=collapse(lead),
        office_paths=collapse(office),
        inspection_paths=collapse(inspection),
        cell_paths=collapse(cells),
        person_id=person_id,
        display_name=display_name,
        roles=frozenset(roles),
        own_unit_ids=frozenset(own),
        recipient_unit_ids=frozenset(recipient),
        oversight_paths=collapse(overseen),
        group_ids=frozenset(groups),
        speaker_group_ids=frozenset(speaking),
        group_unit_ids=frozenset(group_units),
        assigned_pairs=frozenset(assigned),
        unread_notifications=unread,
    )


def access_for(user: Actor) -> Access:
    """The user's Access, cached on the user object for the request."""
    if user is None or user is SYSTEM:
        return compute_access(user)
    cached = getattr(user, "_kiemdiem_access", None)
    if cached is None:
        cached = compute_access(user)
        setattr(user, "_kiemdiem_access", cached)  # noqa: B010 - an attribute of the request's user
    return cached


def paths_q(paths: tuple[str, ...], field_name: str) -> Q:
    """OR of `field LIKE 'path%'` for each path: each an indexed range on unit.path."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field_name}__startswith": path})
    return q


def scope(qs: QuerySet, user: Actor, *, via: str) -> QuerySet:
    """Narrow `qs` to objects whose unit (reached through `via`, "" for Unit itself) is visible."""
    return scope_by(qs, access_for(user), via=via)


def scope_by(qs: QuerySet, access: Access, *, via: str) -> QuerySet:
    """`scope` for the holder of `access` (a read precompiled over an Access's fields)."""
    return within(qs, visible_subtrees(access), via=via)


def visible_subtrees(access: Access) -> tuple[str, ...] | None:
    """The subtrees `scope` keeps for the holder of `access` (None: everything)."""
    return None if access.everything else access.visible_paths


def within(qs: QuerySet, paths: tuple[str, ...] | None, *, via: str) -> QuerySet:
    """`qs` narrowed to objects whose unit (through `via`) lies in the subtrees `paths`, every
    object for None (`visible_subtrees`)."""
    if paths is None:
        return qs
    field_name = f"{via}__path" if via else "path"
    return qs.filter(paths_q(paths, field_name))


class VisibleByKey(Generic[M]):
    """One object by its primary key, if the user may see it (`scope`), else Http404 (as
    get_object_or_404): the query compiled once per process and number of the user's subtrees
    (core.precompiled), not on each request. A plan's, an item's or a review's page and every
    post on them look their object up so: building and compiling that query (five to seven
    joined tables) cost 1.0-1.7 ms of Python, as much as the database took to answer it
    (issue 17).

        plan = VisibleByKey(lambda: RemediationPlan.objects.select_related("unit"), via="unit")
        plan(request.user, pk)
    """

    def __init__(self, rows: Callable[[], QuerySet[M]], *, via: str) -> None:
        self._read: Precompiled[M] = Precompiled(
            lambda paths, pk: within(rows(), paths, via=via).filter(pk=pk)
        )

    def __call__(self, user: Actor, pk: int) -> M:
        found = self._read.first(visible_subtrees(access_for(user)), pk)
        if found is None:
            raise Http404
        return found


class ReadByAccess(Generic[M]):
    """A read whose rule takes the user's Access, compiled once per process and shape of the
    Access fields it reads (core.precompiled), not on each request. The rule stays written once,
    over an Access: the ORM path calls it with the whole Access, this one with an Access made of
    the named `fields` (the rest at their defaults, which grant nothing: a field left out
    narrows the read, it never widens it).

        _GROUPS = ReadByAccess(lambda access: visible_groups_by(access).order_by("name"),
                               fields=GROUP_FIELDS)
        _GROUPS(access_for(user))  # a list

    Further values after the Access are passed on to the rule as they come. As for any
    precompiled read, the rule must use the fields as they come (a lookup's value, a length, a
    truth): not a property computed from them, such as `visible_paths`.
    """

    def __init__(self, read: Callable[..., QuerySet[M]], *, fields: tuple[str, ...]) -> None:
        self.fields = fields
        named = len(fields)

        def build(*values: Any) -> QuerySet[M]:
            access = Access(**dict(zip(fields, values[:named], strict=True)))
            return read(access, *values[named:])

        self._read: Precompiled[M] = Precompiled(build)

    def __call__(self, access: Access, *values: Any) -> list[M]:
        return self._read(*self._values(access), *values)

    def compiled(self, access: Access, *values: Any) -> bool:
        """Whether the read runs precompiled for this Access and values."""
        return self._read.compiled(*self._values(access), *values)

    def _values(self, access: Access) -> tuple:
        return tuple(getattr(access, name) for name in self.fields)


def scope_people(qs: QuerySet, user: Actor) -> QuerySet:
    """People with a membership or position (past or present) in a visible subtree, and self."""
    access = access_for(user)
    if access.everything:
        return qs
    paths = access.visible_paths
    in_scope = Exists(
        Membership.objects.filter(person=OuterRef("pk")).filter(paths_q(paths, "unit__path"))
    ) | Exists(Position.objects.filter(person=OuterRef("pk")).filter(paths_q(paths, "unit__path")))
    own = Q(pk=access.person_id) if access.person_id else Q(pk__in=[])
    return qs.filter(in_scope | own)


def scope_sensitive(
    qs: QuerySet,
    user: Actor,
    *,
    body: str,
    person: str = "person",
    collective_unit: str | None = None,
) -> QuerySet:
    """The most sensitive records (discipline cases, a person's confidence-vote results): narrower
    than `scope`, which lets every leader of a subtree see it.

    A record is read by
    - the committee office and the inspection committee of the body that decided it (or held the
      vote), and those of every committee above that body (`body`: the path to that unit);
    - the person it is about (`person`: the path to the person);
    - for a record about a collective (`collective_unit`: the path to the disciplined unit, whose
      `person` is empty), that collective's own leaders and office;
    - administrators.
    Leaders of the person's cell or of a committee above it see nothing of it through their post:
    a secretary is not the discipline body. Everything else answers 404, like `scope`.
    """
    access = access_for(user)
    if access.everything:
        return qs
    q = paths_q(access.sensitive_paths, f"{body}__path")
    if access.person_id is not None:
        q |= Q(**{f"{person}_id": access.person_id})
    if collective_unit is not None and access.own_unit_ids:
        q |= Q(
            **{f"{person}__isnull": True, f"{collective_unit}_id__in": sorted(access.own_unit_ids)}
        )
    return qs.filter(q)


# Up to this many units, a subtree's ids go into the query as a list, which lets PostgreSQL read
# the few matching audit rows through the unit_ref index instead of walking the whole trail by date.
SMALL_SUBTREE = 2000


def audit_in_subtrees(qs: QuerySet, paths: tuple[str, ...]) -> QuerySet:
    """Audit rows about the subtrees `paths` of the current tree.

    A row belongs to the unit named by its unit_ref wherever that unit sits now, so a moved unit
    takes its history along (rows keep the path they were written with). Rows without a unit_ref
    fall back to their path (bulk writes) or, for a person's own record written before they had
    a cell, to the subtrees where the person has (or had) a membership or post.
    """
    units = Unit.objects.filter(paths_q(paths, "path"))
    ids = list(units.values_list("pk", flat=True)[: SMALL_SUBTREE + 1])
    small = len(ids) <= SMALL_SUBTREE
    people = Membership.objects.filter(paths_q(paths, "unit__path"))
    holders = Position.objects.filter(paths_q(paths, "unit__path"))
    if small:
        in_units, no_unit = Q(unit_ref__in=ids), Q(unit_ref__isnull=True)
        about_person = Q(person_id_ref__in=people.values("person_id")) | Q(
            person_id_ref__in=holders.values("person_id")
        )
    else:
        # A large subtree's rows are a large share of the trail: the page walks the trail
        # backwards by date (the (at, id) index) until it has 50, testing each row through one
        # primary-key or person index probe. `unit_ref IN (its units)` and `person_id_ref IN
        # (its members)` kept each set in a list that PostgreSQL scanned for every row once the
        # set outgrew work_mem: the central office's audit page (265k units, 5.6 M members,
        # 22.7 M rows) ran for minutes. `unit_ref + 0 IS NULL` keeps SQLite from gathering every
        # row through the unit_ref index and sorting them all (province bench: 53 → 2 ms).
        in_units = Q(Exists(units.filter(pk=OuterRef("unit_ref"))))
        no_unit = Q(IsNull(F("unit_ref") + 0, True))
        about_person = Q(Exists(people.filter(person_id=OuterRef("person_id_ref")))) | Q(
            Exists(holders.filter(person_id=OuterRef("person_id_ref")))
        )
    qs = qs.filter(
        in_units
        | (no_unit & (paths_q(paths, "unit_path") | (Q(object_type="org.person") & about_person)))
    )
    if small:
        # The same order (newest first), written so that no index on `at` serves it: with
        # ORDER BY at … LIMIT 50 PostgreSQL walked the whole trail backwards by date to find a
        # commune's few rows (140k rows read, 114 ms on the province demo); now it reads them
        # through the unit_ref index and sorts them (6 ms). Large subtrees keep the walk.
        qs = qs.order_by(Coalesce("at", "at").desc(), "-id")
    return qs


# object type → the ids (as text) of the records of that type a user may read.
_SENSITIVE: dict[str, Callable[[Actor], QuerySet]] = {}


def register_sensitive(object_type: str, readable_ids: Callable[[Actor], QuerySet]) -> None:
    """Declare a sensitive object type (an app's ready()): its audit rows are shown only to those
    who may read the record itself (`readable_ids(user)`: a values() queryset of text ids)."""
    _SENSITIVE[object_type] = readable_ids
    SENSITIVE_TYPES.add(object_type)


def scope_audit(qs: QuerySet, user: Actor) -> QuerySet:
    """Audit rows the user may read: those of the subtrees they lead, serve or oversee (not their
    own cells); of a sensitive record, only if the user may read the record itself."""
    access = access_for(user)
    if access.everything:
        return qs
    qs = audit_in_subtrees(qs, access.audit_paths)
    if not _SENSITIVE:
        return qs
    allowed = ~Q(object_type__in=sorted(_SENSITIVE))
    for object_type, readable_ids in _SENSITIVE.items():
        allowed |= Q(object_type=object_type, object_id__in=readable_ids(user))
    return qs.filter(allowed)


def visible_units(user: Actor) -> QuerySet[Unit]:
    """Units the user may open."""
    return scope(Unit.objects.all(), user, via="")


def visible_groups(user: Actor) -> QuerySet[WorkingGroup]:
    """Working groups the user may open: those of the committees they lead or serve, those they
    sit in, and those assigned (now or before) to a unit they lead."""
    return visible_groups_by(access_for(user))


# The Access fields `visible_groups_by` reads (a ReadByAccess over it names them).
GROUP_FIELDS = ("everything", "unit_paths", "group_ids")


def visible_groups_by(access: Access) -> QuerySet[WorkingGroup]:
    """`visible_groups` for the holder of `access` (reads only its GROUP_FIELDS)."""
    qs = WorkingGroup.objects.all()
    if access.everything:
        return qs
    assigned = OversightAssignment.objects.filter(working_group=OuterRef("pk")).filter(
        paths_q(access.unit_paths, "unit__path")
    )
    return qs.filter(
        paths_q(access.unit_paths, "committee__path")
        | Q(pk__in=sorted(access.group_ids))
        | Exists(assigned)
    )


def visible_people(user: Actor) -> QuerySet[Person]:
    """People the user may open (see scope_people)."""
    return scope_people(Person.objects.all(), user)


class ScopedQuerySet(QuerySet):
    """The queryset of every model scoped through a unit: `Model.SCOPE_VIA` names the unit."""

    def visible_to(self, user: Any) -> QuerySet:
        return scope(self, user, via=self.model.SCOPE_VIA)


def top_units(user: Actor) -> QuerySet:
    """The roots of the user's visible forest (the tree page starts there)."""
    return top_units_within(visible_subtrees(access_for(user)))


def top_units_within(paths: tuple[str, ...] | None) -> QuerySet:
    """`top_units` for the holder of the subtrees `paths` (visible_subtrees; None: the tree's
    roots), a value of a precompiled read."""
    if paths is None:
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(path__in=paths)


def top_units_of(user: Actor) -> list[Unit]:
    """`top_units(user)` by path (a handful: the roots of a scope), read through a query
    compiled once: the tree page, the reports page and where a page given no unit starts."""
    return _TOP_UNITS(visible_subtrees(access_for(user)))


def first_top_unit(user: Actor) -> Unit | None:
    """The first of `top_units_of(user)`, where a page given no unit starts (the records
    overview, the commitments, a unit picker over the whole scope)."""
    return next(iter(top_units_of(user)), None)


_TOP_UNITS = Precompiled(lambda paths: top_units_within(paths).order_by("path"))
