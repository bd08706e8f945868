"""Benchmark: the province's classification statistics page vs a raw GROUP BY over the ratings.

Loads the `province` demo scale (shared with the dashboard benchmark), opens the 2025 round
(QĐ 366) and the 2024 round (QĐ 124) over the main province, and writes a rated year set-based
for every subject of the province (organizations, leadership collectives, heads, members): most
results published, some decided or still open, members exempt, appraisal downgrades, results
cancelled beside their re-rating. Then brings the statistics summaries up to date (rebuild) and
measures in the same run:

- app: p95 of GET on the statistics page of the 2025 round over the province (with the 2024
  comparison and the two-years-lowest list) through django.test.Client, as the demo committee
  office ("vanphong"), after one warm-up request;
- baseline: p95 of one SQL statement grouping the ratings of both rounds under the province by
  kind, state, decided level and downgrade — the figures the page shows, from the raw rows.

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
from kiemdiem.classification.models import Rating, RatingRound, RatingStatus, SubjectKind
from kiemdiem.classification.services import HEAD_ROLES, ORGANIZATION_KINDS
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


def prepare() -> tuple[Unit, object, RatingRound, RatingRound]:
    province, office = load_province()
    current = RatingRound.objects.filter(scope_unit=province, year=2025).first()
    if current is not None:
        before = RatingRound.objects.get(scope_unit=province, year=2024)
        return province, office, current, before
    started = time.perf_counter()
    subjects = _subjects(province)
    rng = random.Random(SEED)
    rounds = []
    for year in (2024, 2025):
        round_ = services.round_open(
            by=SYSTEM, title=f"Xếp loại {year}", year=year, scope_unit=province, populate=False
        )
        rows = [r for s in subjects for r in _rating(round_, s, rng)]
        Rating.objects.bulk_create(rows, batch_size=5000)
        statistics.rebuild(round_)
        rounds.append(round_)
    log(f"classification: {len(subjects)} đối tượng × 2 năm, {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return province, office, rounds[1], rounds[0]


def baseline_sql() -> str:
    r = connection.ops.quote_name(Rating._meta.db_table)
    u = connection.ops.quote_name(Unit._meta.db_table)
    return f"""
    SELECT r.round_id, r.subject_kind, r.status, r.decided_level, r.self_level,
           r.appraised_level, count(*)
      FROM {r} r JOIN {u} u ON u.id = r.unit_id
     WHERE r.round_id IN (%(current)s, %(before)s) AND u.path LIKE %(prefix)s
     GROUP BY 1, 2, 3, 4, 5, 6
    """


def run_baseline(sql: str, params: dict) -> dict[int, Counter]:
    figures: dict[int, Counter] = {params["current"]: Counter(), params["before"]: Counter()}
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
    province, office, current, before = prepare()
    sql = baseline_sql()
    params = {"current": current.pk, "before": before.pk, "prefix": province.path + "%"}
    # The two sides must show the same numbers, or the comparison means nothing.
    summary = statistics.figures_of([current, before], province)
    baseline = run_baseline(sql, params)
    if {k: +v for k, v in summary.items()} != {k: +v for k, v in baseline.items()}:
        raise SystemExit("bench: số liệu tổng hợp xếp loại ≠ tính trực tiếp")
    log(f"classification: {sum(baseline[current.pk].values())} kết quả năm 2025 trong tỉnh")

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
