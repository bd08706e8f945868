"""Benchmark: the province's classification statistics page vs a raw GROUP BY over the ratings.

Loads the `province` demo scale (shared with the dashboard benchmark), opens the 2025 round
(QĐ 366) over the main province and writes a rated year set-based for every subject of the
province (organizations, leadership collectives, heads, members): most results published, some
decided or still open, members exempt, appraisal downgrades, results cancelled beside their
re-rating; then the four years before it (QĐ 124, QĐ 132) over the same subjects, as a province
with its past years imported has them. Brings the statistics summaries up to date (rebuild) and
measures in the same run:

- app: p95 of GET on the statistics page of 2025 over the province (levels and shares,
  downgrades, the comparison with the four years before, "two years running at the lowest
  level") through django.test.Client, as the demo committee office ("vanphong"), after one
  warm-up request;
- baseline: p95 of one SQL statement grouping the ratings of the five years under the province
  by year, kind, state, decided level and downgrade — the figures the page shows, from the raw
  rows.

Prints `BENCH classification-statistics app=… baseline=… ratio=… unit=ms`.
"""

import datetime
import gc
import random
import time
from collections import Counter

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench.dashboard import RUNS, SEED, load_province, log, p95, sig3, timed
from kiemdiem.classification import rules, services, statistics
from kiemdiem.classification.models import (
    Rating,
    RatingRound,
    RatingStatus,
    RatingSummary,
    SubjectKind,
)
from kiemdiem.classification.subjects import HEAD_ROLES, ORGANIZATION_KINDS
from kiemdiem.classification.tally import cell
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org.models import NON_PARTY_KINDS, Membership, MembershipKind, Position, Unit

LEVELS = [rules.EXCELLENT, rules.GOOD, rules.COMPLETED, rules.NOT_COMPLETED]
WEIGHTS = [18, 62, 15, 5]


def _subjects(province: Unit) -> list[tuple[str, int, int | None, int]]:
    """(kind, unit id, person id, deciding unit id) of every subject of the province."""
    units = list(
        Unit.objects.filter(path__startswith=province.path)
        .exclude(pk=province.pk)
        .values_list("pk", "kind", "parent_id")
    )
    subjects: list[tuple[str, int, int | None, int]] = []
    parents = {pk: parent for pk, _kind, parent in units}
    for pk, kind, parent in units:
        if kind in NON_PARTY_KINDS:
            subjects.append((SubjectKind.LEADERSHIP_COLLECTIVE, pk, None, parent or pk))
        elif kind in ORGANIZATION_KINDS:
            subjects.append((SubjectKind.ORGANIZATION, pk, None, parent or pk))
    heads = Position.objects.filter(
        unit__path__startswith=province.path, role__in=HEAD_ROLES, valid_to__isnull=True
    ).values_list("unit_id", "person_id")
    for unit_id, person_id in set(heads):
        if unit_id != province.pk:
            subjects.append(
                (SubjectKind.LEADER, unit_id, person_id, parents.get(unit_id) or unit_id)
            )
    members = (
        Membership.objects.filter(
            unit__path__startswith=province.path,
            kind=MembershipKind.OFFICIAL,
            valid_to__isnull=True,
        )
        .order_by("person_id", "-valid_from")
        .values_list("person_id", "unit_id")
    )
    seen: set[int] = set()
    for person_id, unit_id in members:
        if person_id not in seen:
            seen.add(person_id)
            subjects.append(
                (SubjectKind.MEMBER, unit_id, person_id, parents.get(unit_id) or unit_id)
            )
    return subjects


def _rating(round_: RatingRound, subject: tuple, rng: random.Random) -> list[Rating]:
    kind, unit_id, person_id, deciding = subject
    level = rng.choices(LEVELS, WEIGHTS)[0]
    roll = rng.random()
    base = dict(
        round=round_,
        subject_kind=kind,
        unit_id=unit_id,
        person_id=person_id,
        deciding_unit_id=deciding,
    )
    if kind == SubjectKind.MEMBER and roll < 0.02:
        return [Rating(**base, status=RatingStatus.EXEMPT, exempt_reason="new_member")]
    down = rng.random() < 0.05 and level != rules.EXCELLENT
    self_level = LEVELS[LEVELS.index(level) - 1] if down else level
    if roll < 0.08:
        return [Rating(**base, status=RatingStatus.SELF_ASSESSED, self_level=self_level)]
    if roll < 0.12:
        return [
            Rating(
                **base, status=RatingStatus.APPRAISED, self_level=self_level, appraised_level=level
            )
        ]
    status = RatingStatus.DECIDED if roll < 0.2 else RatingStatus.PUBLISHED
    decided = dict(
        self_level=self_level,
        appraised_level=level,
        decided_level=level,
        decided_on=datetime.date(round_.year + 1, 1, 15),
    )
    rows = [Rating(**base, status=status, **decided)]
    if roll > 0.995:  # cancelled (Mẫu 03), kept beside its re-rating
        rows.append(Rating(**base, status=RatingStatus.CANCELLED, **decided))
    return rows


# The rated year and the years before it the page compares (statistics.YEARS_BACK).
YEAR = 2025
EARLIER = (2024, 2023, 2022, 2021)


def _copy_year(current: RatingRound, round_: RatingRound) -> None:
    """An earlier year over the same subjects, in one INSERT … SELECT (seconds, not minutes):
    every standing result published at a level drawn like this year's, the exempt kept."""
    table = connection.ops.quote_name(Rating._meta.db_table)
    columns = [f.column for f in Rating._meta.concrete_fields if f.column != "id"]
    level = (
        "CASE WHEN src.status = 'exempt' THEN '' WHEN src.r < 0.18 THEN 'excellent' "
        "WHEN src.r < 0.80 THEN 'good' WHEN src.r < 0.95 THEN 'completed' "
        "ELSE 'not_completed' END"
    )
    override = {
        "round_id": "%(new)s",
        "status": "CASE WHEN src.status = 'exempt' THEN 'exempt' ELSE 'published' END",
        "self_level": level,
        "appraised_level": level,
        "decided_level": level,
        "position_id": "NULL",
        "peer_group_id": "NULL",
        "rerating_of_id": "NULL",
        "version": "1",
    }
    select = ", ".join(override.get(c, f"src.{c}") for c in columns)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [round_.year / 10000])
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM "
            f"(SELECT *, random() AS r FROM {table} WHERE round_id = %(current)s "
            f"AND status <> 'cancelled') src",
            {"new": round_.pk, "current": current.pk},
        )


def prepare() -> tuple[Unit, object, RatingRound, list[RatingRound]]:
    """The province with the rated year and the four years before it, summaries rebuilt;
    reused when this database already has them."""
    province, office = load_province()
    current = RatingRound.objects.filter(scope_unit=province, year=YEAR).first()
    if current is None:
        started = time.perf_counter()
        subjects = _subjects(province)
        rng = random.Random(SEED)
        current = services.round_open(
            by=SYSTEM, title=f"Xếp loại {YEAR}", year=YEAR, scope_unit=province, populate=False
        )
        rows = [r for s in subjects for r in _rating(current, s, rng)]
        Rating.objects.bulk_create(rows, batch_size=5000)
        for year in EARLIER:
            earlier = services.round_open(
                by=SYSTEM, title=f"Xếp loại {year}", year=year, scope_unit=province, populate=False
            )
            _copy_year(current, earlier)
        log(
            f"classification: {len(subjects)} đối tượng × {1 + len(EARLIER)} năm, "
            f"{time.perf_counter() - started:.1f} s"
        )
    earlier = list(RatingRound.objects.filter(scope_unit=province, year__in=EARLIER))
    if not RatingSummary.objects.filter(round=current).exists():
        for round_ in [*earlier, current]:
            statistics.rebuild(round_)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return province, office, current, earlier


def baseline_sql() -> str:
    """The figures of the page straight from the ratings of the five years under the province:
    one GROUP BY."""
    r = connection.ops.quote_name(Rating._meta.db_table)
    u = connection.ops.quote_name(Unit._meta.db_table)
    return f"""
    SELECT r.round_id, r.subject_kind, r.status, r.decided_level, r.self_level,
           r.appraised_level, count(*)
      FROM {r} r JOIN {u} u ON u.id = r.unit_id
     WHERE r.round_id = ANY(%(rounds)s) AND u.path LIKE %(prefix)s
     GROUP BY 1, 2, 3, 4, 5, 6
    """


def run_baseline(sql: str, params: dict) -> dict[int, Counter]:
    figures: dict[int, Counter] = {pk: Counter() for pk in params["rounds"]}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for round_id, kind, status, decided, self_level, appraised, n in cursor.fetchall():
            c = cell(kind, status, decided, self_level, appraised)
            if c is not None:
                figures[round_id][c] += n
    return figures


def run() -> str:
    if connection.vendor != "postgresql":
        raise SystemExit("bench: cần PostgreSQL (DATABASE_URL); hãy chạy `make bench`.")
    province, office, current, earlier = prepare()
    rounds = [current, *earlier]
    sql = baseline_sql()
    params = {"rounds": [r.pk for r in rounds], "prefix": province.path + "%"}
    # The two sides must show the same numbers, or the comparison means nothing.
    summary: dict[int, Counter] = {}
    for pk, cells in statistics.figures_of(rounds, province).items():
        summary[pk] = Counter()
        for c, n in cells.items():  # the raw aggregate has no "two years running"
            summary[pk][c._replace(twice=False)] += n
        summary[pk] = +summary[pk]
    baseline = run_baseline(sql, params)
    if summary != {k: +v for k, v in baseline.items()}:
        raise SystemExit("bench: số liệu tổng hợp xếp loại ≠ tính trực tiếp")
    log(
        f"classification: {sum(sum(c.values()) for c in baseline.values())} kết quả "
        f"{len(rounds)} năm trong tỉnh"
    )

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: hashed names
    client = Client(SERVER_NAME="localhost")
    client.force_login(office)
    url = f"{reverse('classification:statistics')}?dot={current.pk}&don_vi={province.pk}"

    def get_page() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"bench: GET {url} → {response.status_code}")
        if b"statistics-years" not in response.content:
            raise SystemExit("bench: trang thống kê thiếu bảng so sánh năm trước")

    gc.collect()
    gc.freeze()
    app_ms = timed(get_page, RUNS)
    baseline_ms = timed(lambda: run_baseline(sql, params), RUNS)
    gc.unfreeze()
    app, base = p95(app_ms), p95(baseline_ms)
    return (
        f"BENCH classification-statistics app={sig3(app)} baseline={sig3(base)} "
        f"ratio={sig3(app / base)} unit=ms"
    )
