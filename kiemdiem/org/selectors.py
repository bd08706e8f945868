"""Reads of the organization tree that span relations."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from kiemdiem.core.text import fold
from kiemdiem.org.models import LEADER_ROLES, PATH_STEP, Membership, Person, Position, Unit
from kiemdiem.org.scoping import scope


def children_with_member_counts(
    unit: Unit, *, day: datetime.date | None = None, include_past: bool = False
) -> list[Unit]:
    """Children of `unit` valid on `day` (all, with `include_past`), each with `.member_count` =
    current members of its subtree.

    One grouped query over the unit's subtree: members are grouped by the first segment of their
    cell's path below `unit` (prefix of length len(child.path)).
    """
    day = day or timezone.localdate()
    children_qs = unit.children.all() if include_past else unit.children.valid_on(day)
    children = list(children_qs.order_by("kind", "name"))
    if not children:
        return children
    prefix_len = len(unit.path) + PATH_STEP
    counts = dict(
        Membership.objects.current(day)
        .filter(unit__path__startswith=unit.path)
        .exclude(unit=unit)
        .annotate(prefix=Substr("unit__path", 1, prefix_len))
        .values_list("prefix")
        .annotate(n=Count("id"))
        .values_list("prefix", "n")
    )
    for child in children:
        child.member_count = counts.get(child.path, 0)
    return children


def subtree_member_count(unit: Unit, *, day: datetime.date | None = None) -> int:
    return Membership.objects.current(day).filter(unit__path__startswith=unit.path).count()


def unit_leaders(unit: Unit, *, day: datetime.date | None = None) -> list[Position]:
    """Current leading positions of the unit, secretary first."""
    order = {role: i for i, role in enumerate(LEADER_ROLES)}
    positions = list(Position.objects.current(day).filter(unit=unit).select_related("person"))
    return sorted(positions, key=lambda p: (order.get(p.role, 99), p.person.sort_key))


def unit_members(unit: Unit, *, day: datetime.date | None = None) -> QuerySet[Person]:
    """People with a current membership in the unit itself, in Vietnamese name order."""
    return Person.objects.filter(
        pk__in=Membership.objects.current(day).filter(unit=unit).values("person_id")
    ).order_by("sort_key", "pk")


def unit_ancestors(unit: Unit) -> list[Unit]:
    """Ancestors of `unit`, root first (the breadcrumb)."""
    paths = unit.ancestor_paths()[:-1]
    by_path = {u.path: u for u in Unit.objects.filter(path__in=paths)}
    return [by_path[p] for p in paths if p in by_path]


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


def unit_in_scope(user, raw: object) -> Unit | None:
    """The unit a page's `?don_vi=` names, if the user may see it (else None: the page then
    falls back to the user's whole scope, never to someone else's subtree)."""
    text = str(raw or "")
    if not text.isdigit() or len(text) > 18:
        return None
    return scope(Unit.objects.filter(pk=int(text)), user, via="").first()
