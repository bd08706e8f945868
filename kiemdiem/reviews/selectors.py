"""Reads of review cycles, self-reviews and conferences that span relations or the user's scope."""

import datetime
import functools
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kiemdiem.core.dates import today
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.paging import filter_unindexed
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.core.summaries import summed
from kiemdiem.org.models import (
    LEADER_ROLES,
    Membership,
    MembershipKind,
    Person,
    Position,
    Unit,
    ancestor_paths,
)
from kiemdiem.org.scoping import access_for, visible_people, visible_subtrees, within
from kiemdiem.org.selectors import overseers_of, subtree_people
from kiemdiem.reviews import commitment_counts
from kiemdiem.reviews.models import (
    Commitment,
    CommitmentItem,
    DossierStatus,
    Finding,
    Fulfilment,
    Review,
    ReviewCycle,
    ReviewDossier,
    ReviewMeeting,
    ReviewSuggestion,
    SubjectKind,
    SuggestionStatus,
    UnitCommitmentCount,
)
from kiemdiem.reviews.states import ReviewStatus


def cycles_for(user) -> QuerySet[ReviewCycle]:
    """Cycles the user may open: those run inside their scope and those that cover their scope.

    `ReviewCycle.objects.visible_to` keeps only cycles whose scope unit lies inside a visible
    subtree, so the secretary of a commune (or a member of a cell) would not see the provincial
    cycle that reviews them. A cycle also covers the user when its scope unit is an ancestor of
    one of their visible paths: one indexed `path IN (...)` on the scope unit.
    """
    paths = visible_subtrees(access_for(user))
    return cycles_within(paths, covering_paths(paths))


def covering_paths(paths: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The paths of the units above and at the subtrees `paths` (scoping.visible_subtrees), whose
    cycles cover them (None for None: every cycle)."""
    if paths is None:
        return None
    return tuple(sorted({a for p in paths for a in ancestor_paths(p)}))


def cycles_within(
    paths: tuple[str, ...] | None, covering: tuple[str, ...] | None
) -> QuerySet[ReviewCycle]:
    """`cycles_for` the holder of the subtrees `paths`, given their `covering_paths` (values
    of a precompiled read: the cycle page's lookup)."""
    qs = ReviewCycle.objects.all()
    if paths is None:
        return qs
    return qs.filter(
        Q(pk__in=within(ReviewCycle.objects.all(), paths, via=ReviewCycle.SCOPE_VIA).values("pk"))
        | Q(scope_unit__path__in=covering)
    )


def cycle_reviews(
    cycle: ReviewCycle, user, *, subject: str = "", status: str = ""
) -> QuerySet[Review]:
    """The cycle's reviews inside the user's scope (count their findings with
    `with_finding_counts`, read per page: grouping the whole list to sort it cost ~0.8 s on a
    province)."""
    # the cycle through `cycle_id + 0`: the page walks the scope's units in path order
    qs = filter_unindexed(Review.objects.visible_to(user), "cycle_id", [cycle.pk])
    if subject in SubjectKind.values:
        qs = qs.filter(subject_kind=subject)
    if status in ReviewStatus.values:
        qs = qs.filter(status=status)
    return qs.select_related("unit", "person").order_by(
        "unit__path", "subject_kind", "person__sort_key", "pk"
    )


# The columns of the cycle page's rows (jinja2/reviews/review_rows.html; cycle_detail loads only
# these: a review row carries the whole text of the review).
REVIEW_ROW_FIELDS = (
    "person_id",
    "unit_id",
    "subject_kind",
    "status",
    "submitted_at",
    "person__full_name",
    "unit__name",
)


def review_rows(reviews: QuerySet[Review]) -> QuerySet[Review]:
    """`reviews` as the cycle page's rows show them: REVIEW_ROW_FIELDS, with finding counts."""
    return with_finding_counts(reviews.select_related("unit", "person").only(*REVIEW_ROW_FIELDS))


def with_finding_counts(reviews: QuerySet[Review]) -> QuerySet[Review]:
    """`finding_count` on each review, counted row by row through the findings' review index
    when the rows are read: with KeysFirstPaginator only for the page's rows, and in the same
    query as them (a grouped query of its own before: one query more)."""
    count = (
        Finding.objects.filter(review=OuterRef("pk"))
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return reviews.annotate(finding_count=Coalesce(Subquery(count), 0))


def scope_paths(cycle: ReviewCycle, user) -> list[str]:
    """The unit subtrees whose summaries (core.summaries.summed) add up to the user's view of
    the cycle: the cycle's scope when the user sees all of it, else each visible subtree inside
    it (disjoint)."""
    scope = cycle.scope_unit.path
    access = access_for(user)
    if access.everything or any(scope.startswith(p) for p in access.visible_paths):
        return [scope]
    return [p for p in access.visible_paths if p.startswith(scope)]


def cycle_counts(cycle: ReviewCycle, user) -> dict:
    """Progress of the cycle inside the user's scope (reviews by status, findings, conferences).

    From the campaign summaries (dashboard.CycleSummary, kept per cycle and unit subtree by
    the background merge, read through core.summaries) when the cycle has them (one indexed
    read; the exact counts scanned the scope's reviews and findings: ~140 ms for a province on
    PostgreSQL).
    They lag the last minute's changes until the background merge folds them in: `as_of` says
    when they were brought up to date (None for exact counts).
    """
    figures = summed({cycle.pk: scope_paths(cycle, user)}).get(cycle.pk)
    if figures is not None:
        submitted = figures["reviews_submitted"]
        discussed = figures["reviews_discussed"]
        finalized = figures["reviews_finalized"]
        by_status = {
            ReviewStatus.DRAFT: figures["reviews_expected"] - submitted,
            ReviewStatus.SUBMITTED: submitted - discussed - finalized,
            ReviewStatus.DISCUSSED: discussed,
            ReviewStatus.FINALIZED: finalized,
        }
        return {
            "reviews": figures["reviews_expected"],
            "by_status": [(s, label, by_status[s]) for s, label in ReviewStatus.choices],
            "collective": figures["units_expected"],
            "individual": figures["reviews_expected"] - figures["units_expected"],
            "findings": figures["findings_total"],
            "meetings": figures["conferences_held"],
            "as_of": figures["as_of"],
        }
    return cycle_counts_exact(cycle, user)


def cycle_counts_exact(cycle: ReviewCycle, user) -> dict:
    """`cycle_counts` from the base rows (scans of the user's scope)."""
    reviews = Review.objects.visible_to(user).filter(cycle=cycle)
    # One scan of the scope's reviews for both splits (two scans before: ~60 ms each on the
    # province demo).
    by_status: dict[str, int] = {}
    per_kind: dict[str, int] = {}
    for status, kind, n in (
        reviews.values_list("status", "subject_kind").annotate(n=Count("id")).order_by()
    ):
        by_status[status] = by_status.get(status, 0) + n
        per_kind[kind] = per_kind.get(kind, 0) + n
    return {
        "reviews": sum(by_status.values()),
        "by_status": [(s, label, by_status.get(s, 0)) for s, label in ReviewStatus.choices],
        "collective": per_kind.get(SubjectKind.COLLECTIVE, 0),
        "individual": per_kind.get(SubjectKind.INDIVIDUAL, 0),
        "findings": Finding.objects.visible_to(user).filter(review__cycle=cycle).count(),
        "meetings": ReviewMeeting.objects.visible_to(user).filter(cycle=cycle).count(),
        "as_of": None,
    }


def own_reviews(cycle: ReviewCycle, user) -> list[Review]:
    """The user's own individual reviews in the cycle (a member looks for their own first);
    none, and no query, for an account with no person (an office's)."""
    person_id = access_for(user).person_id
    if person_id is None:
        return []
    return _OWN_REVIEWS(cycle.pk, person_id)


# On every cycle page: compiled once per process (core.precompiled; issue 17, part 16d).
_OWN_REVIEWS = Precompiled(
    lambda cycle_id, person_id: Review.objects.filter(
        cycle_id=cycle_id, person_id=person_id
    ).select_related("unit")
)


def review_findings(review: Review) -> QuerySet[Finding]:
    """Shortcomings named in this review (not those carried over from the previous cycle)."""
    return review.findings.filter(carried_from__isnull=True).order_by("id")


def review_carried(review: Review) -> QuerySet[Finding]:
    """Shortcomings carried over from the previous cycle, which the review must assess."""
    return (
        review.findings.filter(carried_from__isnull=False)
        .select_related("carried_from__review__cycle")
        .order_by("id")
    )


def unit_meeting(cycle: ReviewCycle, unit: Unit) -> ReviewMeeting | None:
    return (
        ReviewMeeting.objects.filter(cycle=cycle, unit=unit)
        .select_related("chair", "recorded_by")
        .first()
    )


def chair_candidates(unit: Unit, user) -> QuerySet[Person]:
    """Who may chair a unit's conference: its current members and leaders, within the scope."""
    members = Membership.objects.current().filter(unit=unit).values("person_id")
    leaders = Position.objects.current().filter(unit=unit, role__in=LEADER_ROLES)
    return (
        visible_people(user)
        .filter(Q(pk__in=members) | Q(pk__in=leaders.values("person_id")))
        .order_by("sort_key", "pk")
    )


def attendee_candidates(unit: Unit, user) -> QuerySet[Person]:
    """Who the conference form offers as attending: the unit's own current members and post
    holders, and the leaders of the units directly under it, within the user's scope.

    Not the whole subtree: a province committee's form would list 60,000 members. The service
    still accepts anyone of the subtree (_check_meeting_people), e.g. through the API.
    """
    members = Membership.objects.current().filter(unit=unit).values("person_id")
    holders = (
        Position.objects.current()
        .filter(Q(unit=unit) | Q(unit__parent=unit, role__in=LEADER_ROLES))
        .values("person_id")
    )
    return (
        visible_people(user)
        .filter(Q(pk__in=members) | Q(pk__in=holders))
        .order_by("sort_key", "pk")
    )


def upper_leaders(unit: Unit, day: datetime.date | None = None) -> dict[int, str]:
    """person id → "post committee" of the current leaders of the committees above the unit."""
    above = [p for p in unit.ancestor_paths() if p != unit.path]
    posts: dict[int, list[str]] = {}
    leaders = (
        Position.objects.current(day)
        .filter(unit__path__in=above, role__in=LEADER_ROLES)
        .select_related("unit")
        .order_by("-unit__depth", "role")
    )
    for position in leaders:
        posts.setdefault(position.person_id, []).append(
            f"{position.get_role_display()} {position.unit.name}"
        )
    return {person_id: "; ".join(labels) for person_id, labels in posts.items()}


def supervisor_posts(unit: Unit, day: datetime.date | None = None) -> dict[int, str]:
    """person id → why they may supervise the unit's conference on `day`: those assigned to it
    (members of the working group assigned to the unit or to an area above it, committee members
    assigned in person). Where nobody is assigned, the current leaders (secretaries, standing
    members, heads) of the committees above it, as before working groups were recorded."""
    return overseers_of(unit, day) or upper_leaders(unit, day)


def supervisor_candidates(unit: Unit, day: datetime.date | None = None) -> QuerySet[Person]:
    """The people `supervisor_posts` names. Not narrowed to the user's scope: the unit reports
    to them, and their names and posts are what the conference record must show."""
    return Person.objects.filter(pk__in=list(supervisor_posts(unit, day))).order_by(
        "sort_key", "pk"
    )


def review_history(review: Review, meeting: ReviewMeeting | None = None) -> QuerySet[AuditEvent]:
    """Audit rows of the review, of its findings (deleted ones too) and of its conference."""
    finding_type = Finding._meta.label_lower
    person_q = (
        Q(person_id_ref=review.person_id) if review.person_id else Q(person_id_ref__isnull=True)
    )
    finding_ids = [str(pk) for pk in review.findings.values_list("pk", flat=True)]
    q = Q(object_type=Review._meta.label_lower, object_id=str(review.pk))
    q |= Q(object_type=finding_type, object_id__in=finding_ids)
    # A deleted finding is gone from the review; its audit row kept the review's unit and person.
    q |= (
        Q(
            object_type=finding_type,
            action=AuditAction.DELETE,
            unit_path=review.unit.path,
            at__gte=review.created_at,
        )
        & person_q
    )
    if meeting is not None:
        q |= Q(object_type=ReviewMeeting._meta.label_lower, object_id=str(meeting.pk))
    return AuditEvent.objects.filter(q).select_related("actor", "actor__person")


# --- suggestions and commitments -----------------------------------------------------------


@dataclass(frozen=True)
class SuggestionFilter:
    unit: Unit | None = None
    year: int | None = None
    status: str = ""  # a SuggestionStatus
    stage: str = ""  # "vetting" (dossier not yet approved), "vetted", "held"


def _dossier_approved() -> Exists:
    return Exists(
        ReviewDossier.objects.filter(
            cycle=OuterRef("cycle"), unit=OuterRef("unit"), status=DossierStatus.APPROVED
        )
    )


def _meeting_held() -> Exists:
    return Exists(ReviewMeeting.objects.filter(cycle=OuterRef("cycle"), unit=OuterRef("unit")))


def suggestions_filtered(user, f: SuggestionFilter) -> QuerySet[ReviewSuggestion]:
    """Suggestions in the user's scope: a subtree, the cycle's year, the state, the stage."""
    return suggestions_within(visible_subtrees(access_for(user)), f)


def suggestions_within(
    paths: tuple[str, ...] | None, f: SuggestionFilter
) -> QuerySet[ReviewSuggestion]:
    """`suggestions_filtered` for the holder of the subtrees `paths` (scoping.visible_subtrees:
    `ReviewSuggestion.objects.visible_to`'s rule), values of a precompiled read (the records
    overview's figures)."""
    qs = within(ReviewSuggestion.objects.all(), paths, via=ReviewSuggestion.SCOPE_VIA)
    if f.unit is not None:
        qs = qs.filter(unit__path__startswith=f.unit.path)
    if f.year:
        qs = qs.filter(cycle__year=f.year)
    if f.status:
        qs = qs.filter(status=f.status)
    qs = suggestion_rows(qs)  # `vetted` and `held` for the stage's filter too
    if f.stage == "vetting":
        qs = qs.filter(vetted=False, held=False)
    elif f.stage == "vetted":
        qs = qs.filter(vetted=True)
    elif f.stage == "held":
        qs = qs.filter(held=True)
    return qs.order_by("-document_date", "-id")


def suggestion_rows(suggestions: QuerySet[ReviewSuggestion]) -> QuerySet[ReviewSuggestion]:
    """`suggestions` as the list and its export show them: with the cycle, the units and the
    person they name, whether the dossier was vetted (`vetted`) and the conference held
    (`held`). One function, so the list's rows read by key (suggestion_views) show the same."""
    return suggestions.select_related("cycle", "unit", "person", "issuing_unit").annotate(
        vetted=_dossier_approved(), held=_meeting_held()
    )


def _suggestion_stages_read(
    year: int, paths: tuple[str, ...] | None, unit_path: str
) -> QuerySet[ReviewSuggestion, tuple[bool, bool, int]]:
    """The issued suggestions of the year's cycles in the subtree `unit_path` among those of the
    subtrees `paths`, counted by (vetted, held)."""
    issued = SuggestionFilter(unit=Unit(path=unit_path), year=year, status=SuggestionStatus.ISSUED)
    return (
        suggestions_within(paths, issued)
        .order_by()
        .values_list("vetted", "held")
        .annotate(n=Count("pk"))
    )


@functools.lru_cache(maxsize=128)
def _suggestion_stages(year: int) -> Precompiled[tuple[bool, bool, int]]:
    """`_suggestion_stages_read` of `year`, compiled once per number of the user's subtrees
    (core.precompiled), not on each request. The year is written into its SQL: a cycle's year
    is a small int, which a precompiled read cannot take as a value (a stand-in overflows it)."""
    return Precompiled(functools.partial(_suggestion_stages_read, year))


def suggestion_stats(user, unit: Unit, year: int) -> dict[str, int]:
    """Suggestions issued in the year's cycles of a subtree, vetted, and whose conference was
    held; counted over the list the numbers link to."""
    # Grouped by the two Exists annotations, in one pass (three COUNTs before); an aggregate
    # filtered on them counted 0 on SQLite.
    counts = {"issued": 0, "vetted": 0, "held": 0}
    stages = _suggestion_stages(year)(visible_subtrees(access_for(user)), unit.path)
    for vetted, held, n in stages:
        counts["issued"] += n
        counts["vetted"] += n if vetted else 0
        counts["held"] += n if held else 0
    return counts


def members_of(unit: Unit, day: datetime.date | None = None) -> QuerySet[Person]:
    """People with a current membership in the unit's subtree.

    `pk IN (the subtree's current memberships)`, not `EXISTS (…)` per person: the EXISTS form
    checked every person of the database (the whole country at national scale) against the
    subtree, ~70 ms per count on the province demo; the IN form starts from the subtree's
    memberships (PostgreSQL: a semi-join; SQLite: one pass building a key set)."""
    current = Membership.objects.current(day).filter(unit__path__startswith=unit.path)
    return Person.objects.filter(pk__in=current.values("person_id"))


# The roster's filters (?tinh_trang=): who has not committed, who has, and how the year-end
# self-review went. The statistics count each of them over the very same query.
ROSTER_STATES = {
    "chua-co": "missing",
    "da-co": "filed",
    "hoan-thanh": "kept",
    "chua-dat": "short",
    "chua-danh-gia": "unassessed",
}


def members_walked(unit: Unit, day: datetime.date | None = None) -> QuerySet[Person]:
    """members_of(unit) written `EXISTS (a current membership in the subtree)` per person: the
    same people. A list of them in name order then reads the people through the name index and
    checks each one, stopping at the page's end, instead of collecting every member and sorting
    them (SQLite always plans the `pk IN (…)` form the second way; see roster_walks)."""
    current = Membership.objects.current(day).filter(
        person=OuterRef("pk"), unit__path__startswith=unit.path
    )
    return Person.objects.filter(Exists(current))


def _with_commitment(people: QuerySet[Person], year: int) -> QuerySet[Person]:
    """`people` joined to their commitment of the year (alias `c`; at most one a year:
    reviews_one_commitment_a_year), read through the (person, year) unique index."""
    return people.alias(c=FilteredRelation("commitments", condition=Q(commitments__year=year)))


def _roster_filters() -> dict[str, Q]:
    """ROSTER_STATES' filters over _with_commitment (commitment_stats counts the same states in
    SQL; test_commitment_stats_are_the_roster_lengths holds them equal)."""
    items = CommitmentItem.objects.filter(commitment=OuterRef("c"))
    filed = Q(c__isnull=False)  # first: no item is looked up for a member without a commitment
    return {
        "chua-co": Q(c__isnull=True),
        "da-co": filed,
        # a commitment has at least one item (commitments._items)
        "hoan-thanh": filed & ~Exists(items.exclude(fulfilment=Fulfilment.FULFILLED)),
        "chua-dat": filed
        & Exists(items.filter(fulfilment__in=[Fulfilment.PARTLY, Fulfilment.NOT])),
        "chua-danh-gia": filed & Exists(items.filter(fulfilment="")),
    }


def commitment_roster(
    unit: Unit, year: int, *, state: str = "", walk: bool = False
) -> QuerySet[Person]:
    """The unit's current members with their commitment of the year (`commitment_id`, None
    when they have none): the cell sees who has not committed. `state` (a key of
    ROSTER_STATES) keeps those without one, those with one, those who kept every item, those
    who kept one only partly or not, and those who have not assessed every item yet.
    `walk` (roster_walks) picks the members_walked form of the same list."""
    people = members_walked(unit) if walk else members_of(unit)
    qs = _with_commitment(people, year).annotate(commitment_id=F("c__id"))
    if state:
        qs = qs.filter(_roster_filters()[state])
    return qs.order_by("sort_key", "pk")


# Reading one person through the name index and checking their membership costs about this many
# times reading one membership of the subtree (SQLite, province demo: ~3.6 µs against ~0.5 µs).
WALK_COST = 8
# Shorter rosters are collected and sorted whatever the tree (cheap either way; no extra query).
WALK_FROM = 1000


def roster_walks(members: int, shown: int, upto: int) -> bool:
    """Whether a roster page (its rows up to the `upto`-th of `shown`, among the unit's
    `members`) is read in name order checking each person (members_walked) rather than by
    collecting every member and sorting them (members_of). The walk reads about upto × (all
    people / shown) people, the other form every member: a province's long list walks (SQLite:
    ~30 → 0.3 ms a page), a commune's few members inside a national tree are collected.
    PostgreSQL plans both forms alike (a semi-join); SQLite plans each as written."""
    if shown < WALK_FROM:
        return False
    people = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return upto * people / shown * WALK_COST < members


def commitment_stats(unit: Unit, year: int) -> dict[str, int]:
    """Members, and how many of them are in each state of the roster (each number is the
    length of the roster filtered so: test_commitment_stats_are_the_roster_lengths).

    The members come from the members-per-unit summary (org.selectors.subtree_people, exact
    for today), the other figures from the commitments-per-cell summary (UnitCommitmentCount,
    kept by triggers: reviews/commitment_counts.py): the subtree's cells' rows of the year,
    corrected in the same query for what the summary cannot know today. It counts each
    commitment in the cell of its person's open-ended official membership; the page counts the
    commitments of the people with any membership current today in the subtree. They differ
    only for people with an open-ended official membership starting after today, a dated one,
    or a temporary one there (read through the membership table's partial indexes): each such
    person's commitment is added if the page counts it and the summary does not, and taken off
    if the summary counts it and the page does not (test_commitment_counts). Issue 17: reading
    each commitment of the year and its items took 151 ms of SQL on the PostgreSQL province with
    every member's commitment filed (part 11c)."""
    day = today()
    cells, cells_params = (
        UnitCommitmentCount.objects.filter(year=year, unit__path__startswith=unit.path)
        .order_by()
        .values(*commitment_counts.COLUMNS)
        .query.sql_with_params()
    )
    q = connection.ops.quote_name
    memberships, units = q(Membership._meta.db_table), q(Unit._meta.db_table)
    commitments, items = q(Commitment._meta.db_table), q(CommitmentItem._meta.db_table)
    prefix = [len(unit.path), unit.path]
    # The people with an open-ended official membership starting later, a dated one running
    # today, or a temporary one, in the subtree: one SELECT per partial index (an OR of them
    # SQLite reads by scanning every membership; the kinds written out, as SQLite uses a partial
    # index only for a condition it can see), the subtree as SUBSTR(path) = … so that the
    # planners start from those indexes (org.selectors.subtree_member_counts).
    inside = (
        f"SELECT m.person_id FROM {memberships} m JOIN {units} u ON u.id = m.unit_id "
        "WHERE SUBSTR(u.path, 1, %s) = %s AND "
    )
    odd = " UNION ".join(
        inside + condition
        for condition in (
            f"m.valid_to IS NULL AND m.kind = '{MembershipKind.OFFICIAL}' AND m.valid_from > %s",
            "m.valid_to IS NOT NULL AND m.valid_to >= %s AND m.valid_from <= %s",
            f"m.kind = '{MembershipKind.TEMPORARY}'",  # any dates: EXISTS below sorts them
        )
    )
    odd_params = [*prefix, day, *prefix, day, day, *prefix]
    here = (
        f"EXISTS (SELECT 1 FROM {memberships} h JOIN {units} hu ON hu.id = h.unit_id "
        "WHERE h.person_id = o.person_id AND SUBSTR(hu.path, 1, %s) = %s AND "
    )
    current_here = here + "h.valid_from <= %s AND (h.valid_to IS NULL OR h.valid_to >= %s))"
    summarised_here = here + "h.kind = %s AND h.valid_to IS NULL)"
    flags = {
        "unkept": "i.fulfilment <> %s",
        "short": "i.fulfilment IN (%s, %s)",
        "unassessed": "i.fulfilment = %s",
    }
    has = ", ".join(
        f"COALESCE(SUM(p.s * CASE WHEN EXISTS (SELECT 1 FROM {items} i "
        f"WHERE i.commitment_id = c.id AND {condition}) THEN 1 ELSE 0 END), 0) AS {name}"
        for name, condition in flags.items()
    )
    # o: the people the summary may count wrongly today (a CTE used twice: PostgreSQL reads
    # it once); p: +1 for those the page counts and the summary does not, -1 the other way.
    sql = f"""
        WITH o AS ({odd})
        SELECT s.filed + x.filed, s.unkept + x.unkept, s.short + x.short,
               s.unassessed + x.unassessed
          FROM (SELECT COALESCE(SUM(filed), 0) AS filed, COALESCE(SUM(unkept), 0) AS unkept,
                       COALESCE(SUM(short), 0) AS short,
                       COALESCE(SUM(unassessed), 0) AS unassessed
                  FROM ({cells}) t) s,
               (SELECT COALESCE(SUM(p.s), 0) AS filed, {has}
                  FROM (SELECT o.person_id, 1 AS s FROM o
                         WHERE {current_here} AND NOT {summarised_here}
                        UNION ALL
                        SELECT o.person_id, -1 AS s FROM o
                         WHERE {summarised_here} AND NOT {current_here}) p
                  JOIN {commitments} c ON c.person_id = p.person_id AND c.year = %s) x
    """
    current, summarised = [*prefix, day, day], [*prefix, MembershipKind.OFFICIAL]
    params = [
        *odd_params,
        *cells_params,
        Fulfilment.FULFILLED,
        Fulfilment.PARTLY,
        Fulfilment.NOT,
        "",
        *current,
        *summarised,
        *summarised,
        *current,
        year,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        filed, unkept, short, unassessed = cursor.fetchone()
    n = subtree_people(unit)
    counts = {"missing": n - filed, "filed": filed, "kept": filed - unkept, "short": short}
    counts["unassessed"] = unassessed
    return {"members": n, **{name: counts[name] for name in ROSTER_STATES.values()}}
