"""Statistics of the yearly classification, read from summaries (as the campaign dashboard).

`RatingSummary` holds, per round and per unit of the round's scope, how many ratings of the
unit's subtree fall in each cell (kind of subject, bucket, decided level, downgrade by the
appraisal: `tally.Cell`). The rating lifecycle appends ±1 change records (`StatisticsDelta`) in
the user's transaction; `merge_pending()` — the background worker, every minute — folds them into
the rows of the unit and of every ancestor inside the round's scope and deletes them.
`recompute()` derives the same figures from the ratings; `rebuild()` replaces a round's rows
with it (command `rebuild_classification_statistics`). A page reads the merged rows and adds the
few change records not merged yet under the unit, so what it shows is exact.

Past years are read with their own round's scheme: nothing is recomputed with newer rules.
"""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemdiem.classification import rules
from kiemdiem.classification.models import (
    Bucket,
    Rating,
    RatingRound,
    RatingStatus,
    RatingSummary,
    StatisticsDelta,
    SubjectKind,
)
from kiemdiem.classification.states import DONE, OPEN
from kiemdiem.classification.tally import APPRAISED_STATES, DECIDED_BUCKETS, LOWEST, Cell, cell
from kiemdiem.core.bulk import Table, insert_rows
from kiemdiem.core.permissions import Actor
from kiemdiem.core.summaries import chunks, merge_until_done, rebuild_in_snapshot
from kiemdiem.org.models import Unit, ancestor_paths, path_depth
from kiemdiem.org.scoping import access_for

logger = logging.getLogger(__name__)

KEY = ("subject_kind", "bucket", "level", "down_from", "down_to", "twice")
_COLUMNS = ("round_id", "unit_id", "unit_path", "depth", *KEY, "n")
# How many earlier years the year-on-year comparison shows.
YEARS_BACK = 4

Figures = dict[str, Counter]  # unit path → Counter[Cell]


# --- keeping the summaries --------------------------------------------------------------------


def _upsert_sql() -> str:
    """INSERT … ON CONFLICT DO UPDATE adding to the stored count (both databases): two merges
    touching one ancestor row wait for each other's row lock and add to its result."""
    q = connection.ops.quote_name
    table = q(RatingSummary._meta.db_table)
    conflict = ", ".join(q(c) for c in ["round_id", "unit_id", *KEY])
    return (
        f"INSERT INTO {table} ({', '.join(q(c) for c in _COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {q('n')} = {table}.{q('n')} + excluded.{q('n')}"
    )


def _add(cells: dict[tuple[int, str, Cell], int]) -> None:
    ids = Unit.objects.ids_by_path(path for _r, path, _c in cells)
    rows = sorted(
        (round_id, ids[path], path, path_depth(path), *c, n)
        for (round_id, path, c), n in cells.items()
        if n and path in ids
    )
    missing = {path for _r, path, _c in cells if path not in ids}
    if missing:
        logger.warning("thống kê xếp loại: %d đơn vị không còn đường dẫn cũ", len(missing))
    sql = _upsert_sql()
    with connection.cursor() as cursor:
        for chunk in chunks(rows, 2000):
            cursor.executemany(sql, chunk)


def merge_pending(*, batch: int = 5000) -> int:
    """Fold up to `batch` change records into the summaries; returns how many were merged.
    Claims them with SKIP LOCKED on PostgreSQL so that several workers can run at once."""
    with transaction.atomic():
        claim = StatisticsDelta.objects.order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            claim = claim.select_for_update(skip_locked=True)
        records = list(claim.values_list("pk", "round_id_ref", "unit_path", *KEY, "n")[:batch])
        if not records:
            return 0
        scopes = dict(
            RatingRound.objects.filter(pk__in={r[1] for r in records}).values_list(
                "pk", "scope_unit__path"
            )
        )
        cells: dict[tuple[int, str, Cell], int] = defaultdict(int)
        for _pk, round_id, path, *key, n in records:
            floor = scopes.get(round_id)
            if floor is None or not path.startswith(floor):
                continue
            for ancestor in ancestor_paths(path, floor):
                cells[(round_id, ancestor, Cell(*key))] += n
        _add(cells)
        for chunk in chunks([r[0] for r in records]):
            StatisticsDelta.objects.filter(pk__in=chunk).delete()
    return len(records)


def merge_all(*, batch: int = 5000) -> int:
    return merge_until_done(lambda n: merge_pending(batch=n), batch=batch)


def _rounds_of(year: int) -> list[int]:
    """The rounds of a year, by id: the ratings are then read through (round, level)."""
    return list(RatingRound.objects.filter(year=year, period="year").values_list("pk", flat=True))


def recompute(round_: RatingRound) -> Figures:
    """Every cell of every unit of the round's scope, from the ratings: one grouped query, and
    the few ratings at the lowest level one by one against the year before."""
    floor = round_.scope_unit.path
    lowest = Q(status__in=DONE, decided_level__in=LOWEST)
    columns = ("subject_kind", "status", "decided_level", "self_level", "appraised_level")
    grouped = (
        Rating.objects.filter(round=round_)
        .exclude(lowest)
        .order_by()
        .values_list("unit__path", *columns)
        .annotate(n=Count("pk"))
    )
    figures: Figures = defaultdict(Counter)
    for path, kind, status, decided, self_level, appraised, n in grouped:
        c = cell(kind, status, decided, self_level, appraised)
        if c is not None:
            for ancestor in ancestor_paths(path, floor):
                figures[ancestor][c] += n
    # A term round (QĐ 366) has no "year before" (tally.rating_moved neither).
    years_before = [] if round_.period == "term" else _rounds_of(round_.year - 1)
    before = Rating.objects.filter(lowest, round_id__in=years_before)
    people = set(before.filter(person__isnull=False).values_list("subject_kind", "person_id"))
    units = set(before.filter(person__isnull=True).values_list("subject_kind", "unit_id"))
    at_lowest = Rating.objects.filter(lowest, round=round_).values_list(
        "unit__path", *columns, "person_id", "unit_id"
    )
    for path, kind, status, decided, self_level, appraised, person_id, unit_id in at_lowest:
        twice = (kind, person_id) in people if person_id else (kind, unit_id) in units
        c = cell(kind, status, decided, self_level, appraised, twice)
        if c is not None:
            for ancestor in ancestor_paths(path, floor):
                figures[ancestor][c] += 1
    return figures


def stored(round_: RatingRound) -> Figures:
    """The round's summary rows as `recompute` returns them (empty cells left out)."""
    figures: Figures = defaultdict(Counter)
    for path, *key, n in RatingSummary.objects.filter(round=round_).values_list(
        "unit_path", *KEY, "n"
    ):
        if n:
            figures[path][Cell(*key)] += n
    return figures


def _rebuild_once(round_: RatingRound) -> int:
    figures = recompute(round_)
    StatisticsDelta.objects.filter(round_id_ref=round_.pk).delete()
    RatingSummary.objects.filter(round=round_).delete()
    ids = Unit.objects.ids_by_path(figures)
    insert_rows(
        connection,
        Table.columns_only(RatingSummary._meta.db_table, list(_COLUMNS)),
        (
            (round_.pk, ids[path], path, path_depth(path), *c, n)
            for path, counter in figures.items()
            if path in ids
            for c, n in counter.items()
            if n
        ),
    )
    return len(figures)


def rebuild(round_: RatingRound, *, attempts: int = 3) -> int:
    """Replace the round's summaries by `recompute()` and drop its pending change records, in
    one snapshot (core.summaries.rebuild_in_snapshot: a change committed meanwhile is either in
    the recomputation or still pending, never both). Returns the number of units with figures."""
    return rebuild_in_snapshot(
        lambda: _rebuild_once(round_),
        attempts=attempts,
        what=f"thống kê xếp loại: đợt {round_.pk}",
    )


# --- reading ----------------------------------------------------------------------------------


def may_see(user: Actor, unit: Unit) -> bool:
    """Statistics of a subtree are for those who manage it (QĐ 366 Art. 15: results are known
    to the rated and their managers): the same readers as every rating of the subtree."""
    access = access_for(user)
    return access.everything or any(unit.path.startswith(p) for p in access.audit_paths)


def may_see_any(user: Actor) -> bool:
    """Whether the user manages some subtree, hence has statistics to look at (the pages'
    "Thống kê" links are shown only then): the readers of the audit log, the same subtrees."""
    return access_for(user).can_read_audit


def rounds_over(unit: Unit) -> QuerySet[RatingRound]:
    """Year rounds whose scope holds the whole of `unit`'s subtree, newest year first (term
    rounds have no statistics pages)."""
    ancestors = unit.ancestor_paths()
    return (
        RatingRound.objects.filter(scope_unit__path__in=ancestors, period="year")
        .select_related("scope_unit")
        .order_by("-year", "-scope_unit__depth")
    )


def history(
    round_: RatingRound, unit: Unit, over: list[RatingRound] | None = None
) -> list[RatingRound]:
    """`round_` and, for each of the YEARS_BACK years before it, the round over `unit` of that
    year with the nearest scope (one per year). `over`: `rounds_over(unit)` if already read."""
    chosen: dict[int, RatingRound] = {}
    if over is None:
        over = list(
            rounds_over(unit).filter(year__lt=round_.year, year__gte=round_.year - YEARS_BACK)
        )
    for r in over:
        if round_.year - YEARS_BACK <= r.year < round_.year:
            chosen.setdefault(r.year, r)
    return [round_, *sorted(chosen.values(), key=lambda r: -r.year)]


def figures_of(rounds: list[RatingRound], unit: Unit) -> dict[int, Counter]:
    """The cells of `unit`'s subtree in each round: merged rows plus the change records not
    merged yet (two queries whatever the number of rounds)."""
    ids = [r.pk for r in rounds]
    result: dict[int, Counter] = {pk: Counter() for pk in ids}
    for round_id, *key, n in RatingSummary.objects.filter(round_id__in=ids, unit=unit).values_list(
        "round_id", *KEY, "n"
    ):
        result[round_id][Cell(*key)] += n
    pending = (
        StatisticsDelta.objects.filter(round_id_ref__in=ids, unit_path__startswith=unit.path)
        .order_by()
        .values_list("round_id_ref", *KEY)
        .annotate(total=Sum("n"))
    )
    for round_id, *key, n in pending:
        result[round_id][Cell(*key)] += n
    return result


@dataclass
class KindFigures:
    """One kind of subject in one round: decided counts and shares per level of its scale."""

    kind: str
    label: str
    levels: list[tuple[rules.Level, int, float]]  # level, count, share of the decided (%)
    decided: int = 0
    published: int = 0
    open: int = 0
    exempt: int = 0

    @property
    def rated(self) -> int:
        return self.decided + self.open


@dataclass
class Downgrade:
    kind: str
    noun: Any
    down_from: str
    down_to: str
    n: int

    @property
    def sentence(self) -> str:
        return _("%(who)s bị hạ từ mức %(a)s xuống %(b)s") % {
            "who": self.noun,
            "a": rules.short(self.down_from),
            "b": rules.short(self.down_to),
        }


@dataclass
class YearFigures:
    round: RatingRound
    rule_set: rules.RuleSet
    kinds: list[KindFigures] = field(default_factory=list)
    downgrades: list[Downgrade] = field(default_factory=list)
    # Subjects at the lowest level this year and the year before.
    twice: int = 0


# How a subject is named in a sentence ("2 tổ chức đảng bị hạ …").
NOUNS = {
    SubjectKind.ORGANIZATION: gettext_lazy("tổ chức đảng"),
    SubjectKind.LEADERSHIP_COLLECTIVE: gettext_lazy("tập thể lãnh đạo, quản lý"),
    SubjectKind.MEMBER: gettext_lazy("đảng viên"),
    SubjectKind.LEADER: gettext_lazy("cán bộ lãnh đạo, quản lý"),
}


def _share(n: int, total: int) -> float:
    return round(100 * n / total, 1) if total else 0.0


def year_figures(round_: RatingRound, cells: Counter) -> YearFigures:
    rule_set = round_.rules
    out = YearFigures(round=round_, rule_set=rule_set)
    out.twice = sum(n for c, n in cells.items() if c.twice)
    for kind, label in SubjectKind.choices:
        mine = {c: n for c, n in cells.items() if c.subject_kind == kind and n}
        per_level: Counter = Counter()
        kf = KindFigures(kind=kind, label=str(label), levels=[])
        for c, n in mine.items():
            if c.bucket in DECIDED_BUCKETS:
                per_level[c.level] += n
                kf.decided += n
                if c.bucket == Bucket.PUBLISHED:
                    kf.published += n
            elif c.bucket == Bucket.OPEN:
                kf.open += n
            elif c.bucket == Bucket.EXEMPT:
                kf.exempt += n
        kf.levels = [
            (lv, per_level.get(lv.code, 0), _share(per_level.get(lv.code, 0), kf.decided))
            for lv in rule_set.levels_for(kind)
        ]
        out.kinds.append(kf)
        downs: Counter = Counter()
        for c, n in mine.items():
            if c.down_from:
                downs[(c.down_from, c.down_to)] += n
        out.downgrades += [
            Downgrade(kind, NOUNS[SubjectKind(kind)], a, b, n)
            for (a, b), n in sorted(
                downs.items(), key=lambda item: (-rules.rank(item[0][0]), -rules.rank(item[0][1]))
            )
            if n
        ]
    return out


def lowest_two_years(round_: RatingRound, unit: Unit) -> QuerySet[Rating]:
    """Subjects of `unit`'s subtree decided at the lowest level in `round_` and also in the year
    before (any round, under that year's scheme): a member or leader by person, an organization
    or collective by unit. Read through the (round, decided level) index: few rows."""
    lowest_now = Rating.objects.filter(
        round=round_,
        decided_level__in=LOWEST,
        status__in=DONE,
        unit__path__startswith=unit.path,
    )
    before = Rating.objects.filter(
        round_id__in=_rounds_of(round_.year - 1), decided_level__in=LOWEST, status__in=DONE
    )
    same = Q(pk__in=[])
    for kind in SubjectKind.values:
        # The same subject: a person for members and leaders, a unit for collectives.
        key = "person_id" if kind in rules.INDIVIDUAL_SUBJECTS else "unit_id"
        earlier = before.filter(subject_kind=kind).values(key)
        same |= Q(subject_kind=kind, **{f"{key}__in": earlier})
    return (
        lowest_now.filter(same)
        .select_related("round", "unit", "person", "deciding_unit")
        .order_by("unit__path", "subject_kind", "person__sort_key", "pk")
    )


def children_of(round_: RatingRound, unit: Unit) -> list[dict]:
    """The decided counts per kind of each direct sub-unit with figures (a drill-down)."""
    rows = (
        RatingSummary.objects.filter(
            round=round_,
            depth=unit.depth + 1,
            unit_path__startswith=unit.path,
            bucket__in=DECIDED_BUCKETS,
        )
        .order_by()
        .values_list("unit_id", "subject_kind", "level")
        .annotate(total=Sum("n"))
    )
    lowest = set(LOWEST)
    per_unit: dict[int, dict] = {}
    for unit_id, kind, level, n in rows:
        entry = per_unit.setdefault(unit_id, {"kinds": Counter(), "lowest": 0, "total": 0})
        entry["kinds"][kind] += n
        entry["total"] += n
        if level in lowest:
            entry["lowest"] += n
    names = dict(Unit.objects.filter(pk__in=per_unit).values_list("pk", "name"))
    out = [
        {"unit_id": pk, "name": names.get(pk, ""), **entry}
        for pk, entry in per_unit.items()
        if entry["total"]
    ]
    out.sort(key=lambda row: row["name"])
    return out


# --- the list behind a number -----------------------------------------------------------------


def filtered_ratings(
    user: Actor,
    round_: RatingRound,
    unit: Unit,
    *,
    kind: str = "",
    bucket: str = "",
    level: str = "",
    down_from: str = "",
    down_to: str = "",
) -> QuerySet[Rating]:
    """The ratings a number of the statistics counts, read like the number (standing, in the
    subtree) and through the user's scope (`Rating.objects.visible_to`)."""
    qs = (
        Rating.objects.visible_to(user)
        .filter(round=round_, unit__path__startswith=unit.path)
        .exclude(status=RatingStatus.CANCELLED)
    )
    if kind:
        qs = qs.filter(subject_kind=kind)
    if bucket == "decided_all":
        qs = qs.filter(status__in=DONE)
    elif bucket == Bucket.OPEN:
        qs = qs.filter(status__in=OPEN)
    elif bucket == Bucket.EXEMPT:
        qs = qs.filter(status=RatingStatus.EXEMPT)
    elif bucket in (Bucket.DECIDED, Bucket.PUBLISHED):
        qs = qs.filter(status=bucket)
    if level:
        qs = qs.filter(decided_level=level, status__in=DONE)
    if down_from and down_to:
        qs = qs.filter(
            self_level=down_from,
            appraised_level=down_to,
            status__in=APPRAISED_STATES,
        )
    return qs.select_related("round", "unit", "person", "deciding_unit").order_by(
        "unit__path", "subject_kind", "person__sort_key", "pk"
    )
