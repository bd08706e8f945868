"""The one place that decides what a user can see: visible subtrees of the organization tree.

A user sees
- everything, if they are a system administrator (superuser);
- the subtree of every unit where they hold a current access grant (committee office, standing
  committee member, unit head) or a current leading position (secretary, deputy, standing member,
  head or deputy head);
- as an ordinary member: themself and their current cell.
Everything else answers 404: views fetch through `visible_to`, which calls into this module.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, CharField, Exists, OuterRef, Q, QuerySet, Value

from kiemdiem.org.models import (
    LEADER_ROLES,
    AccessGrant,
    AccessRole,
    Membership,
    Person,
    Position,
    Unit,
)


@dataclass(frozen=True)
class Access:
    """What one user may see, computed once per request."""

    everything: bool = False
    # Subtree prefixes (unit paths) the user leads or serves; nested ones are collapsed.
    unit_paths: tuple[str, ...] = ()
    # Subtrees where the user holds the committee-office role (may manage the tree there).
    office_paths: tuple[str, ...] = ()
    # The member's own cell(s): visible, but not a leadership scope.
    cell_paths: tuple[str, ...] = ()
    person_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def visible_paths(self) -> tuple[str, ...]:
        return collapse(self.unit_paths + self.cell_paths)

    @property
    def can_read_audit(self) -> bool:
        return self.everything or bool(self.unit_paths)

    def covers(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.visible_paths)

    def leads(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.unit_paths)

    def manages(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.office_paths)


def collapse(paths: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Drop paths that lie inside another path of the list."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def compute_access(user, day: datetime.date | None = None) -> Access:
    """Build the Access of `user` from grants, positions and memberships valid on `day`."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Access()
    if user.is_superuser:
        return Access(everything=True, roles=frozenset({"admin"}))
    day = day or datetime.date.today()
    # One round trip: grants, leading positions, cell memberships and the linked person.
    blank = Value("", output_field=CharField())
    no_person = Value(None, output_field=BigIntegerField())
    rows = (
        AccessGrant.objects.current(day)
        .filter(user=user)
        .order_by()
        .values_list(Value("grant"), "role", "unit__path", no_person)
        .union(
            Position.objects.current(day)
            .filter(person__user=user, role__in=LEADER_ROLES)
            .order_by()
            .values_list(Value("position"), "role", "unit__path", "person_id"),
            Membership.objects.current(day)
            .filter(person__user=user)
            .order_by()
            .values_list(Value("member"), blank, "unit__path", "person_id"),
            Person.objects.filter(user=user)
            .order_by()
            .values_list(Value("person"), blank, blank, "pk"),
            all=True,
        )
    )
    roles: set[str] = set()
    lead: list[str] = []
    office: list[str] = []
    cells: list[str] = []
    person_id = None
    for source, role, path, pid in rows:
        person_id = person_id or pid
        if source == "grant":
            roles.add(role)
            lead.append(path)
            if role == AccessRole.OFFICE:
                office.append(path)
        elif source == "position":
            roles.add(AccessRole.HEAD if role in ("secretary", "head") else AccessRole.STANDING)
            lead.append(path)
        elif source == "member":
            roles.add("member")
            cells.append(path)
    return Access(
        unit_paths=collapse(lead),
        office_paths=collapse(office),
        cell_paths=collapse(cells),
        person_id=person_id,
        roles=frozenset(roles),
    )


def access_for(user) -> Access:
    """The user's Access, cached on the user object for the request."""
    cached = getattr(user, "_kiemdiem_access", None)
    if cached is None:
        cached = compute_access(user)
        if user is not None:
            user._kiemdiem_access = cached
    return cached


def paths_q(paths: tuple[str, ...], field_name: str) -> Q:
    """OR of `field LIKE 'path%'` for each path: each an indexed range on unit.path."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field_name}__startswith": path})
    return q


def scope(qs: QuerySet, user, *, via: str) -> QuerySet:
    """Narrow `qs` to objects whose unit (reached through `via`, "" for Unit itself) is visible."""
    access = access_for(user)
    if access.everything:
        return qs
    field_name = f"{via}__path" if via else "path"
    return qs.filter(paths_q(access.visible_paths, field_name))


def scope_people(qs: QuerySet, user) -> QuerySet:
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


def visible_units(user) -> QuerySet:
    return scope(Unit.objects.all(), user, via="")


def top_units(user) -> QuerySet:
    """The roots of the user's visible forest (the tree page starts there)."""
    access = access_for(user)
    if access.everything:
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(path__in=access.visible_paths)
