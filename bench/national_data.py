"""The national data set of `make bench-national`, built set-based on PostgreSQL and kept.

`build()` (called by bench/national.py) returns the root, the administrator and the campaign's
cycle; the first run builds them, later runs reuse them:

1. `seed_demo --scale national` (set-based already: units, people, memberships, positions),
   all 34 provinces unless KIEMDIEM_BENCH_NATIONAL_PROVINCES says fewer;
2. a cycle over the Central Committee created through the services (`cycle_create`) and
   opened through `cycle_open` for its collectives (the transition, report periods, audit rows,
   counters); the members' reviews and plans (~5.6 million each) are then written with
   INSERT … SELECT from the same selection the service makes, with the audit rows the opening
   writes for each;
3. a campaign two months in, in the shape `dashboard.demo.generate_activity` gives the province
   demo and the services leave behind, every row an INSERT … SELECT over generate_series and
   joins, every choice a pseudo-random number from the row's ids (`hashint8extended`: the same
   data on every build): ~70 % of reviews submitted, conferences in ~80 % of the units (their
   reviews discussed or finalized), ~60 % of the concluded reviews' plans filed (a quarter late;
   returned, waiting, accepted, adopted) with their recipient, kept version and appraisal, 0–3
   findings per submitted review, 1–3 items per filed plan (open, in progress, done, verified,
   cancelled), 2–9 progress reports per item under way (the last one the item's state), and an
   audit row for every move the services would have recorded (review submitted, discussed,
   finalized; plan submitted and appraised; each progress report; each verification and
   cancellation), dated on the day it happened, all inside the campaign (this year);
4. the summaries rebuilt by the app's own `dashboard.summaries.rebuild`, then VACUUM ANALYZE.

Ids come from the tables' own sequences (`nextval` for the rows other rows point to, the
column default for progress and audit rows), so the app writes after it as after any import.
Columns not named here take the model's default (`_insert`), so a column added later does not
break the build.

A marker table (`bench_national_built`, written last, in the same transaction as nothing else)
says the build finished: a database without it, but with tables, was interrupted and is wiped
(`DROP SCHEMA public CASCADE`) and built again, never reused half-built. The log lists each
step's seconds, the rows per table and the size on disk.
"""

import datetime
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from bench.dashboard import log
from kiemdiem.campaign import services as campaign_services
from kiemdiem.core.audit import audit_record, created
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.dashboard.demo import cycle_fields
from kiemdiem.dashboard.summaries import rebuild
from kiemdiem.org.models import Membership, PositionRole, Unit
from kiemdiem.remediation.models import (
    Appraisal,
    PlanAction,
    PlanRecipient,
    PlanSubmission,
    ProgressUpdate,
    RemediationPlan,
)
from kiemdiem.remediation.states import ActionStatus, PlanStatus, ReturnGround
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import (
    Finding,
    Review,
    ReviewCycle,
    ReviewMeeting,
    SubjectKind,
)
from kiemdiem.reviews.states import FindingStatus, ReviewStatus

PROVINCES = int(os.environ.get("KIEMDIEM_BENCH_NATIONAL_PROVINCES", 34))
SEED = 1
ADMIN = "admin"
MARKER = "bench_national_built"
STAGING = ("bench_rv", "bench_items", "bench_findings")


def _u(expr: str, salt: int) -> str:
    """SQL: a pseudo-random number in [0, 1) from an integer expression and a salt."""
    return f"((hashint8extended(({expr})::bigint, {salt}) & 2147483647)::float8 / 2147483648.0)"


def _seq(model: type[Model]) -> str:
    return f"pg_get_serial_sequence('{model._meta.db_table}', 'id')"


def _insert(
    model: type[Model], given: dict[str, str], source: str, params: dict, *, note: str = ""
) -> int:
    """INSERT INTO model's table (given columns, then every other column from the model's
    default; auto_now fields get the build's `now`; nullable columns without a default are left
    NULL, the id to its sequence unless given) SELECT … `source` (FROM … WHERE …)."""
    columns, values = [], []
    extra: dict = {}
    names = {f.column for f in model._meta.concrete_fields}
    unknown = set(given) - names
    if unknown:
        raise ValueError(f"{model.__name__}: no column {unknown}")
    for field in model._meta.concrete_fields:
        column = field.column
        if column in given:
            columns.append(column)
            values.append(given[column])
        elif field.primary_key:
            continue
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            columns.append(column)
            values.append("%(now)s")
        elif field.has_default() or not field.null:
            value = field.get_default()
            if value is None and not field.null:
                raise ValueError(f"{model.__name__}.{field.name}: no value for a NOT NULL column")
            key = f"default_{column}"
            extra[key] = field.get_db_prep_save(value, connection)
            columns.append(column)
            values.append(f"%({key})s")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, **extra})
        return cursor.rowcount


def _execute(sql: str, params: dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        return cursor.rowcount


class Steps:
    """Each step's seconds, logged as it ends and kept for the marker."""

    def __init__(self) -> None:
        self.done: list[tuple[str, float, str]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[dict]:
        started = time.perf_counter()
        info: dict = {}
        yield info
        seconds = time.perf_counter() - started
        detail = ", ".join(
            f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in info.items()
        )
        log(f"national data: {name}: {seconds:.1f} s" + (f" ({detail})" if detail else ""))
        self.done.append((name, round(seconds, 1), detail))


# --- reuse -----------------------------------------------------------------------------------


def _built() -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT provinces, seconds, steps FROM {MARKER}")
        row = cursor.fetchone()
    if row is None:
        return None
    return {"provinces": row[0], "seconds": row[1], "steps": row[2]}


def _wipe_if_half_built() -> None:
    """A database with tables but no marker was interrupted: start again from nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        if cursor.fetchone()[0]:
            log("national data: no marker of a finished build: wiping the half-built database")
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")


def build() -> tuple[Unit, object, ReviewCycle]:
    """The root, the administrator and the campaign's cycle: reused if a finished build is
    there, built otherwise."""
    done = _built()
    if done is not None:
        log(
            f"national data: reused (built with {done['provinces']} provinces in "
            f"{done['seconds']:.0f} s)"
        )
        call_command("migrate", verbosity=0, interactive=False)
        root = Unit.objects.get(parent__isnull=True)
        cycle = ReviewCycle.objects.filter(scope_unit=root).order_by("-pk").first()
        assert cycle is not None
        return root, get_user_model().objects.get(username=ADMIN), cycle
    _wipe_if_half_built()
    _tune()
    started = time.perf_counter()
    steps = Steps()
    with steps.step("migrate"):
        call_command("migrate", verbosity=0, interactive=False)
    with steps.step(f"seed_demo --scale national ({PROVINCES} provinces)"):
        call_command(
            "seed_demo",
            scale="national",
            seed=str(SEED),
            provinces=str(PROVINCES),
            stdout=StringIO(),
        )
    admin = get_user_model().objects.get(username=ADMIN)
    root = Unit.objects.get(parent__isnull=True)
    cycle = campaign(root, admin, steps)
    with steps.step("rebuild_summaries (dashboard.summaries.rebuild)") as info:
        info["rows"] = rebuild(cycle)
    with steps.step("VACUUM ANALYZE"):
        _execute("VACUUM ANALYZE")
    sizes()
    mark_built(time.perf_counter() - started, steps)
    return root, admin, cycle


def mark_built(seconds: float, steps: Steps) -> None:
    """The marker of a finished build (with its steps' seconds), written last."""
    with transaction.atomic():
        _execute(f"CREATE TABLE {MARKER} (provinces int, seconds float8, steps jsonb)")
        _execute(
            f"INSERT INTO {MARKER} VALUES (%(p)s, %(s)s, %(steps)s)",
            {"p": PROVINCES, "s": seconds, "steps": json.dumps(steps.done, ensure_ascii=False)},
        )
    log(f"national data: built in {seconds:.0f} s")


def _tune() -> None:
    """A bulk load: fewer checkpoints (the server's settings, kept in its data directory, which
    is this benchmark's own), more memory for sorts and index builds (this session)."""
    _execute("ALTER SYSTEM SET max_wal_size = '2GB'")
    _execute("ALTER SYSTEM SET checkpoint_timeout = '30min'")
    _execute("SELECT pg_reload_conf()")
    _execute("SET work_mem = '256MB'")
    _execute("SET maintenance_work_mem = '1GB'")


def sizes() -> None:
    """Rows per table (the campaign's tables) and the database's size on disk (a partitioned
    table's size is its partitions')."""
    tables = [
        Review,
        RemediationPlan,
        Finding,
        ReviewMeeting,
        PlanAction,
        PlanAction.findings.through,
        ProgressUpdate,
        PlanSubmission,
        PlanRecipient,
        Appraisal,
        AuditEvent,
        Membership,
        Unit,
    ]
    parts = []
    with connection.cursor() as cursor:
        for model in tables:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT count(*), pg_size_pretty(coalesce((SELECT sum(pg_total_relation_size("
                f"relid)) FROM pg_partition_tree('{table}')), pg_total_relation_size('{table}')))"
                f" FROM {table}"
            )
            rows, size = cursor.fetchone()
            parts.append(f"{table} {rows:,} ({size})")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        total = cursor.fetchone()[0]
    log("national data: " + "; ".join(parts))
    log(f"national data: database size {total}")


# --- the campaign ----------------------------------------------------------------------------


def campaign(root: Unit, admin: object, steps: Steps) -> ReviewCycle:
    with steps.step("cycle_create + cycle_open (services; the collectives)") as info:
        cycle = review_services.cycle_create(
            by=admin, **cycle_fields(root, "01-CV/TW", "Bộ Chính trị")
        )
        # The members' reviews are written below, set-based (the service would hold 5.6
        # million objects in memory): open the collectives through the service.
        ReviewCycle.objects.filter(pk=cycle.pk).update(include_individuals=False)
        cycle.refresh_from_db()
        counts = campaign_services.cycle_open(cycle=cycle, by=admin)
        ReviewCycle.objects.filter(pk=cycle.pk).update(include_individuals=True)
        cycle.refresh_from_db()
        info["collective reviews"] = counts["reviews"]
    members_and_activity(cycle, admin, steps)
    return cycle


def members_and_activity(cycle: ReviewCycle, admin: object, steps: Steps) -> None:
    """The members' reviews and plans, then the campaign's activity: one transaction."""
    params = _params(cycle, admin, timezone.localdate())
    with transaction.atomic():
        with steps.step("staging: a row per review with its fate") as info:
            info["rows"] = _stage_reviews(cycle, params)
        with steps.step("members' reviews (INSERT … SELECT) + collectives' updated") as info:
            info["inserted"], info["updated"] = _reviews(params)
            members = info["inserted"]
        with steps.step("plans") as info:
            info["inserted"], info["updated"] = _plans(params)
        with steps.step("audit rows of the opening (members' reviews and plans)") as info:
            info["rows"] = _opening_audit(cycle, params)
        _note_members_opened(cycle, admin, members)
        with steps.step("conferences") as info:
            info["rows"] = _meetings(params)
        with steps.step("staging: items and findings") as info:
            info["items"], info["findings"] = _stage_items(params)
        with steps.step("findings") as info:
            info["rows"] = _findings(params)
        with steps.step("plan items + their findings") as info:
            info["items"], info["links"] = _items(params)
        with steps.step("submissions, recipients, appraisals") as info:
            info["submissions"], info["recipients"], info["appraisals"] = _submissions(params)
        with steps.step("progress reports") as info:
            info["rows"] = _progress(params)
        with steps.step("audit rows of the activity") as info:
            info["rows"] = _activity_audit(params)
        for table in STAGING:
            _execute(f"DROP TABLE {table}")


def _params(cycle: ReviewCycle, admin: object, today: datetime.date) -> dict:
    return {
        "cycle": cycle.pk,
        "year": cycle.year,
        "tz": settings.TIME_ZONE,
        "now": timezone.now(),
        "today": today,
        "actor": getattr(admin, "pk", None),
        "starts_on": cycle.starts_on,
        "self_due": cycle.self_review_due,
        "conference_due": cycle.conference_due,
        "plan_due": cycle.plan_due,
        "horizon": (cycle.horizon_end - cycle.starts_on).days,
        "individual": SubjectKind.INDIVIDUAL.value,
        "individual_label": str(SubjectKind.INDIVIDUAL.label),
        "draft": ReviewStatus.DRAFT.value,
        "submitted": ReviewStatus.SUBMITTED.value,
        "discussed": ReviewStatus.DISCUSSED.value,
        "finalized": ReviewStatus.FINALIZED.value,
        "p_draft": PlanStatus.DRAFT.value,
        "p_submitted": PlanStatus.SUBMITTED.value,
        "p_returned": PlanStatus.RETURNED.value,
        "p_accepted": PlanStatus.ACCEPTED.value,
        "p_adopted": PlanStatus.ADOPTED.value,
        "a_open": ActionStatus.OPEN.value,
        "a_progress": ActionStatus.IN_PROGRESS.value,
        "a_done": ActionStatus.DONE.value,
        "a_verified": ActionStatus.VERIFIED.value,
        "a_cancelled": ActionStatus.CANCELLED.value,
        "a_replaced": ActionStatus.REPLACED.value,
        "f_open": FindingStatus.OPEN.value,
        "f_progress": FindingStatus.IN_PROGRESS.value,
        "f_resolved": FindingStatus.RESOLVED.value,
        "create": AuditAction.CREATE.value,
        "transition": AuditAction.TRANSITION.value,
        "update": AuditAction.UPDATE.value,
        "review_type": Review._meta.label_lower,
        "plan_type": RemediationPlan._meta.label_lower,
        "action_type": PlanAction._meta.label_lower,
        "finding_type": Finding._meta.label_lower,
        "plan_status": str(RemediationPlan._meta.get_field("status").default),
        "plan_due_text": cycle.plan_due.strftime("%d/%m/%Y"),
        "standing": PlanRecipient.Kind.STANDING_COMMITTEE.value,
        "returned_decision": Appraisal.Decision.RETURNED.value,
        "accepted_decision": Appraisal.Decision.ACCEPTED.value,
        "grounds": [choice.value for choice in ReturnGround],
        "secretary": PositionRole.SECRETARY.value,
        "areas": ["leadership", "working_style", "discipline", "ethics_lifestyle", "task_results"],
    }


def _at(day: str, hour: str = "09:00") -> str:
    """SQL: a local time on a date expression, as a timestamptz."""
    return f"(({day}) + time '{hour}') AT TIME ZONE %(tz)s"


def _stage_reviews(cycle: ReviewCycle, params: dict) -> int:
    """bench_rv: a row per review of the cycle (the collectives' ids as opened, the members'
    drawn from the sequences now, in the service's selection: official members on the start
    date in the cells of the subtree, except those admitted too recently) and its fate."""
    members = campaign_services.members_to_review(cycle).order_by("unit_id", "person_id")
    members_sql, members_params = members.query.sql_with_params()
    # Django's SQL has %s placeholders: render them literally (ints, dates, strings) with the
    # driver's own quoting, then embed it (its % doubled for the statement's own parameters).
    members_sql = connection.ops.compose_sql(members_sql, members_params).replace("%", "%%")
    rv = "b.review_id"
    unit = "b.unit_id"
    sql = f"""
    CREATE UNLOGGED TABLE bench_rv AS
    WITH base AS (
        SELECT r.id AS review_id, p.id AS plan_id, r.unit_id, NULL::bigint AS person_id
        FROM reviews_review r JOIN remediation_remediationplan p ON p.review_id = r.id
        WHERE r.cycle_id = %(cycle)s
        UNION ALL
        SELECT nextval({_seq(Review)}), nextval({_seq(RemediationPlan)}), m.unit_id, m.person_id
        FROM ({members_sql}) m
    )
    SELECT b.review_id, b.plan_id, b.unit_id, b.person_id, h.met, s.rstatus, s.sub_day,
        s.held_on, f.filed, f.pday,
        CASE WHEN NOT f.filed THEN %(p_draft)s
             WHEN {_u(rv, 18)} < 0.1 THEN %(p_returned)s
             WHEN {_u(rv, 18)} < 0.3 THEN %(p_submitted)s
             WHEN {_u(rv, 18)} < 0.8 THEN %(p_accepted)s
             ELSE %(p_adopted)s END AS pstatus,
        CASE WHEN s.rstatus = %(draft)s THEN 0
             ELSE (ARRAY[0, 1, 1, 1, 2, 3])[1 + floor({_u(rv, 20)} * 6)::int] END AS nfind,
        CASE WHEN f.filed THEN 1 + floor({_u(rv, 21)} * 3)::int ELSE 0 END AS nitems
    FROM base b
    CROSS JOIN LATERAL (
        SELECT {_u(unit, 11)} < 0.8 AS met, {_u(rv, 12)} < 0.7 AS sub) h
    CROSS JOIN LATERAL (
        SELECT CASE WHEN NOT h.sub THEN %(draft)s
                    WHEN NOT h.met THEN %(submitted)s
                    WHEN {_u(rv, 13)} < 0.5 THEN %(discussed)s
                    ELSE %(finalized)s END AS rstatus,
               %(self_due)s::date - floor({_u(rv, 14)} * 11)::int AS sub_day,
               %(conference_due)s::date - floor({_u(unit, 19)} * 15)::int AS held_on) s
    CROSS JOIN LATERAL (
        SELECT s.rstatus IN (%(discussed)s, %(finalized)s) AND {_u(rv, 15)} < 0.6 AS filed,
               %(plan_due)s::date + (CASE WHEN {_u(rv, 16)} < 0.25 THEN 1 ELSE -1 END)
                   * (1 + floor({_u(rv, 17)} * 15)::int) AS pday) f
    """
    _execute(sql, params)
    _execute("CREATE INDEX ON bench_rv (review_id)")
    _execute("ANALYZE bench_rv")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_rv")
        return cursor.fetchone()[0]


def _review_values() -> dict[str, str]:
    return {
        "status": "b.rstatus",
        "submitted_at": f"CASE WHEN b.rstatus <> %(draft)s THEN {_at('b.sub_day')} END",
        "finalized_at": f"CASE WHEN b.rstatus = %(finalized)s THEN {_at('b.held_on', '17:00')} END",
        "findings_locked": "b.pstatus IN (%(p_submitted)s, %(p_accepted)s, %(p_adopted)s)",
        # one version per move: submitted, discussed, finalized (draft → … → finalized)
        "version": "1 + CASE b.rstatus WHEN %(submitted)s THEN 1 WHEN %(discussed)s THEN 2 "
        "WHEN %(finalized)s THEN 3 ELSE 0 END",
    }


def _members_and_collectives(
    model: type[Model],
    key: str,
    columns: dict[str, str],
    values: dict[str, str],
    params: dict,
    where: str = "",
) -> tuple[int, int]:
    """The members' rows of `model` inserted (ids `b.<key>` from the staging table, `columns`
    and `values`), the collectives' rows (made by the services when the cycle opened) updated
    with `values`, each `version` counting on from the row's own."""
    table = model._meta.db_table
    inserted = _insert(
        model,
        {"id": f"b.{key}", **columns, **values},
        f"FROM bench_rv b WHERE b.person_id IS NOT NULL ORDER BY b.{key}",
        params,
    )
    version_on = {k: v.replace("1 + CASE", "t.version + CASE") for k, v in values.items()}
    sets = ", ".join(f"{k} = {v}" for k, v in version_on.items())
    updated = _execute(
        f"UPDATE {table} t SET {sets} FROM bench_rv b "
        f"WHERE t.id = b.{key} AND b.person_id IS NULL{where}",
        params,
    )
    return inserted, updated


def _reviews(params: dict) -> tuple[int, int]:
    columns = {
        "cycle_id": "%(cycle)s",
        "subject_kind": "%(individual)s",
        "unit_id": "b.unit_id",
        "person_id": "b.person_id",
    }
    where = " AND b.rstatus <> %(draft)s"
    return _members_and_collectives(Review, "review_id", columns, _review_values(), params, where)


def _plan_values() -> dict[str, str]:
    return {
        "status": "b.pstatus",
        "first_submitted_at": f"CASE WHEN b.filed THEN {_at('b.pday')} END",
        "first_submitted_on": "CASE WHEN b.filed THEN b.pday END",
        # its one submission (_submissions: number 1, submitted at the same time)
        "last_submitted_at": f"CASE WHEN b.filed THEN {_at('b.pday')} END",
        # due 20 days ago, never submitted: the overdue sweep has flagged it
        "missing_flagged": "NOT b.filed",
        # submitted, then returned/accepted, then adopted
        "version": "1 + CASE b.pstatus WHEN %(p_submitted)s THEN 1 WHEN %(p_returned)s THEN 2 "
        "WHEN %(p_accepted)s THEN 2 WHEN %(p_adopted)s THEN 3 ELSE 0 END",
    }


def _plans(params: dict) -> tuple[int, int]:
    columns = {
        "cycle_id": "%(cycle)s",
        "review_id": "b.review_id",
        "unit_id": "b.unit_id",
        "person_id": "b.person_id",
        "due_date": "%(plan_due)s",
    }
    return _members_and_collectives(RemediationPlan, "plan_id", columns, _plan_values(), params)


def _audit(given: dict[str, str], source: str, params: dict) -> int:
    """Audit rows (ids from the column default); `given` names at, action, object_type,
    object_id, object_repr, unit_path, person_id_ref, changes; reason '' unless given."""
    values = {
        "actor_id": "%(actor)s",
        "reason": "''",
        "unit_ref": "u.id",  # core.audit.unit_ref_from_path: the id the path ends with
        **given,
    }
    return _insert(AuditEvent, values, source, params)


def _opening_audit(cycle: ReviewCycle, params: dict) -> int:
    """What campaign.services._audit_opened writes for each member's review and plan."""
    source = (
        "FROM bench_rv b JOIN org_unit u ON u.id = b.unit_id "
        "JOIN org_person pe ON pe.id = b.person_id WHERE b.person_id IS NOT NULL"
    )
    common = {
        "at": "%(now)s",
        "action": "%(create)s",
        "unit_path": "u.path",
        "person_id_ref": "b.person_id",
    }
    rows = _audit(
        {
            **common,
            "object_type": "%(review_type)s",
            "object_id": "b.review_id::text",
            "object_repr": "left(pe.full_name || ' — ' || %(year)s, 300)",
            "changes": "jsonb_build_object('subject_kind', jsonb_build_array(NULL, "
            "%(individual_label)s::text), 'unit', jsonb_build_array(NULL, u.name), "
            "'person', jsonb_build_array(NULL, pe.full_name))",
        },
        source,
        params,
    )
    rows += _audit(
        {
            **common,
            "object_type": "%(plan_type)s",
            "object_id": "b.plan_id::text",
            "object_repr": "left('Kế hoạch khắc phục của ' || pe.full_name, 300)",
            "changes": "jsonb_build_object('status', jsonb_build_array(NULL, "
            "%(plan_status)s::text), 'due_date', jsonb_build_array(NULL, %(plan_due_text)s::text))",
        },
        source,
        params,
    )
    return rows


def _note_members_opened(cycle: ReviewCycle, admin: object, rows: int) -> None:
    """The trail is append-only: beside the opening's summary row on the cycle (which counted
    the collectives), one more row names the members' reviews and plans written here."""
    audit_record(
        obj=cycle,
        action=AuditAction.UPDATE,
        by=admin,
        changes=created({"reviews": rows, "plans": rows}),
        reason="Triển khai đợt: bản kiểm điểm và kế hoạch của đảng viên (nạp hàng loạt).",
        unit_path=cycle.scope_unit.path,
    )


def _meetings(params: dict) -> int:
    """Conferences in ~80 % of the collectives, chaired by the unit's secretary."""
    return _insert(
        ReviewMeeting,
        {
            "cycle_id": "%(cycle)s",
            "unit_id": "b.unit_id",
            "held_on": "b.held_on",
            "chair_id": "coalesce(sec.person_id, (SELECT person_id FROM org_position "
            "WHERE role = %(secretary)s ORDER BY id LIMIT 1))",
            "attendee_count": f"5 + floor({_u('b.unit_id', 23)} * 36)::int",
        },
        "FROM bench_rv b LEFT JOIN (SELECT DISTINCT ON (unit_id) unit_id, person_id "
        "FROM org_position WHERE role = %(secretary)s ORDER BY unit_id, id) sec "
        "ON sec.unit_id = b.unit_id WHERE b.person_id IS NULL AND b.met ORDER BY b.unit_id",
        params,
    )


def _stage_items(params: dict) -> tuple[int, int]:
    """bench_items: 1–3 items per filed plan with their fate and progress schedule; then
    bench_findings: 0–3 findings per submitted review, each with the state its items give it
    (resolved when all its live items are verified, in progress once one was reported on)."""
    i = "g.id"
    tracked = "b.pstatus IN (%(p_accepted)s, %(p_adopted)s)"
    _execute(
        f"""
        CREATE UNLOGGED TABLE bench_items AS
        SELECT g.*,
            CASE WHEN g.status IN (%(a_progress)s, %(a_done)s, %(a_verified)s)
                 THEN 2 + floor({_u(i, 25)} * 8)::int ELSE 0 END AS k,
            greatest(g.pday + 4, %(today)s::date - 1 - floor({_u(i, 26)} * 20)::int) AS dend,
            g.pday + 4 + floor({_u(i, 29)} * (%(today)s::date - g.pday - 4))::int AS closed_on
        FROM (
            SELECT nextval({_seq(PlanAction)}) AS id, b.plan_id, b.review_id, b.unit_id,
                b.person_id, b.pday, b.nfind, n AS position,
                %(starts_on)s::date + 40
                    + floor({_u("b.plan_id * 4 + n", 28)} * (%(horizon)s - 39))::int AS due,
                CASE WHEN NOT ({tracked}) THEN %(a_open)s
                     WHEN {_u("b.plan_id * 4 + n", 24)} < 0.30 THEN %(a_open)s
                     WHEN {_u("b.plan_id * 4 + n", 24)} < 0.60 THEN %(a_progress)s
                     WHEN {_u("b.plan_id * 4 + n", 24)} < 0.72 THEN %(a_done)s
                     WHEN {_u("b.plan_id * 4 + n", 24)} < 0.95 THEN %(a_verified)s
                     ELSE %(a_cancelled)s END AS status
            FROM bench_rv b CROSS JOIN generate_series(1, b.nitems) n
            WHERE b.nitems > 0
            ORDER BY b.plan_id, n
        ) g
        """,
        params,
    )
    _execute(
        "ALTER TABLE bench_items ADD COLUMN verified_on date, ADD COLUMN finding int",
        params,
    )
    _execute(
        f"""UPDATE bench_items SET
            verified_on = CASE WHEN status = %(a_verified)s THEN
                least(%(today)s::date, dend + 1 + floor({_u("id", 27)} * 3)::int) END,
            finding = CASE WHEN nfind > 0 THEN mod(position - 1, nfind) + 1 END""",
        params,
    )
    _execute(
        f"""
        CREATE UNLOGGED TABLE bench_findings AS
        SELECT nextval({_seq(Finding)}) AS id, b.review_id, b.unit_id, n AS number,
            (%(areas)s::text[])[1 + floor({_u("b.review_id * 4 + n", 22)} * 5)::int] AS area,
            CASE WHEN s.all_verified THEN %(f_resolved)s
                 WHEN s.reported THEN %(f_progress)s ELSE %(f_open)s END AS status,
            CASE WHEN s.all_verified THEN s.resolved_on END AS resolved_on,
            s.reported
        FROM bench_rv b CROSS JOIN generate_series(1, b.nfind) n
        LEFT JOIN (
            SELECT review_id, finding,
                bool_and(status = %(a_verified)s)
                    FILTER (WHERE status NOT IN (%(a_cancelled)s, %(a_replaced)s)) AS all_verified,
                bool_or(k > 0) AS reported,
                max(verified_on) AS resolved_on
            FROM bench_items WHERE finding IS NOT NULL GROUP BY review_id, finding
        ) s ON s.review_id = b.review_id AND s.finding = n
        WHERE b.nfind > 0
        ORDER BY b.review_id, n
        """,
        params,
    )
    _execute("CREATE INDEX ON bench_findings (review_id, number)")
    _execute("ANALYZE bench_items")
    _execute("ANALYZE bench_findings")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM bench_items), (SELECT count(*) FROM bench_findings)"
        )
        items, findings = cursor.fetchone()
    return items, findings


def _findings(params: dict) -> int:
    return _insert(
        Finding,
        {
            "id": "f.id",
            "review_id": "f.review_id",
            "unit_id": "f.unit_id",
            "text": "'Hạn chế, khuyết điểm số ' || f.number",
            "area": "f.area",
            "status": "f.status",
            "resolved_at": "CASE WHEN f.resolved_on IS NOT NULL "
            f"THEN {_at('f.resolved_on', '10:00')} END",
            "resolved_on": "f.resolved_on",
            # open → in progress (first progress report) → resolved (last item verified)
            "version": "1 + CASE f.status WHEN %(f_progress)s THEN 1 WHEN %(f_resolved)s THEN "
            "CASE WHEN f.reported THEN 2 ELSE 1 END ELSE 0 END",
        },
        "FROM bench_findings f ORDER BY f.id",
        params,
    )


def _items(params: dict) -> tuple[int, int]:
    items = _insert(
        PlanAction,
        {
            "id": "i.id",
            "plan_id": "i.plan_id",
            "position": "i.position",
            "content": "'Nội dung khắc phục ' || i.position",
            "responsible_unit_id": "i.unit_id",
            "due_date": "i.due",
            "status": "i.status",
            "percent": "CASE i.status WHEN %(a_verified)s THEN 100 WHEN %(a_done)s THEN 100 "
            "WHEN %(a_progress)s THEN 50 ELSE 0 END",
            "verified_at": "CASE WHEN i.verified_on IS NOT NULL "
            f"THEN {_at('i.verified_on', '10:00')} END",
            "verified_on": "i.verified_on",
            "closing_reason": "CASE WHEN i.status = %(a_cancelled)s "
            "THEN 'Không còn phù hợp (dữ liệu mẫu).' ELSE '' END",
            "overdue_flagged": "i.status IN (%(a_open)s, %(a_progress)s) AND i.due < %(today)s",
            # the last report (j = k) of a done or verified item is its "done" report
            "done_at": "CASE WHEN i.status IN (%(a_done)s, %(a_verified)s) AND i.k > 0 THEN "
            f"{_reported_at('i.k')} END",
            # one version per progress report, verification or cancellation
            "version": "1 + i.k + CASE WHEN i.status IN (%(a_verified)s, %(a_cancelled)s) "
            "THEN 1 ELSE 0 END",
        },
        "FROM bench_items i ORDER BY i.id",
        params,
    )
    links = _execute(
        f"INSERT INTO {PlanAction.findings.through._meta.db_table} (planaction_id, finding_id) "
        "SELECT i.id, f.id FROM bench_items i JOIN bench_findings f "
        "ON f.review_id = i.review_id AND f.number = i.finding ORDER BY i.id",
        params,
    )
    return items, links


def _submissions(params: dict) -> tuple[int, int, int]:
    """What plan_submit and the appraisal leave for every filed plan: the kept version (the
    items as filed), the recipient (the parent committee), the decision if taken."""
    submissions = _insert(
        PlanSubmission,
        {
            "plan_id": "b.plan_id",
            "number": "1",
            "submitted_at": _at("b.pday"),
            "effective_on": "b.pday",
            "snapshot": "jsonb_build_object('items', it.items)",
        },
        """FROM bench_rv b JOIN org_unit u ON u.id = b.unit_id
        JOIN (SELECT i.plan_id, jsonb_agg(jsonb_build_object(
                'id', i.id, 'content', 'Nội dung khắc phục ' || i.position,
                'responsible_unit', u2.name, 'responsible_person', '',
                'due_date', to_char(i.due, 'DD/MM/YYYY'), 'expected_result', '',
                'findings', CASE WHEN i.finding IS NULL THEN '[]'::jsonb
                    ELSE jsonb_build_array('Hạn chế, khuyết điểm số ' || i.finding) END,
                'status', %(a_open)s::text) ORDER BY i.position) AS items
              FROM bench_items i JOIN org_unit u2 ON u2.id = i.unit_id GROUP BY i.plan_id) it
        ON it.plan_id = b.plan_id
        WHERE b.filed ORDER BY b.plan_id""",
        params,
    )
    recipients = _insert(
        PlanRecipient,
        {"plan_id": "b.plan_id", "kind": "%(standing)s", "unit_id": "u.parent_id"},
        "FROM bench_rv b JOIN org_unit u ON u.id = b.unit_id "
        "WHERE b.filed AND u.parent_id IS NOT NULL ORDER BY b.plan_id",
        params,
    )
    appraisals = _insert(
        Appraisal,
        {
            "submission_id": "s.id",
            "decision": "CASE WHEN b.pstatus = %(p_returned)s THEN %(returned_decision)s "
            "ELSE %(accepted_decision)s END",
            "grounds": "CASE WHEN b.pstatus = %(p_returned)s THEN jsonb_build_array("
            f"(%(grounds)s::text[])[1 + floor({_u('b.plan_id', 30)} "
            "* cardinality(%(grounds)s::text[]))::int]) ELSE '[]'::jsonb END",
            "remarks": "CASE WHEN b.pstatus = %(p_returned)s "
            "THEN 'Đề nghị chuẩn bị lại cho cụ thể, khả thi hơn.' ELSE '' END",
            "recipient_kind": "%(standing)s",
            "decided_at": _at("b.pday + 3", "10:00"),
            "effective_on": "b.pday + 3",
        },
        "FROM bench_rv b JOIN remediation_plansubmission s ON s.plan_id = b.plan_id "
        "WHERE b.pstatus IN (%(p_returned)s, %(p_accepted)s, %(p_adopted)s) ORDER BY s.id",
        params,
    )
    return submissions, recipients, appraisals


# Progress report j of k of an item: its day (spread from four days after the plan was filed
# to the item's last report), status and percent (the last report is the item's state).
def _day(j: str = "j") -> str:
    return f"(i.pday + 4 + floor((({j}) - 1) * (i.dend - i.pday - 4)::float8 / (i.k - 1))::int)"


def _reported_at(j: str = "j") -> str:
    """The time of report j (_progress's reported_at)."""
    return f"{_at(_day(j))} + ({j}) * interval '1 minute'"


_DAY = _day()
_STATUS = (
    "CASE WHEN j = i.k AND i.status IN (%(a_done)s, %(a_verified)s) THEN %(a_done)s "
    "ELSE %(a_progress)s END"
)


def _percent(j: str = "j") -> str:
    return (
        f"CASE WHEN ({j}) = 0 THEN 0 "
        f"WHEN i.status = %(a_progress)s THEN round(50.0 * ({j}) / i.k)::int "
        f"WHEN ({j}) = i.k THEN 100 ELSE round(90.0 * ({j}) / i.k)::int END"
    )


_PERCENT = _percent()


def _progress(params: dict) -> int:
    return _insert(
        ProgressUpdate,
        {
            "action_id": "i.id",
            "status": _STATUS,
            "percent": _PERCENT,
            "narrative": "'Đã triển khai theo kế hoạch (dữ liệu mẫu), lần ' || j",
            "effective_on": _DAY,
            "reported_at": _reported_at(),
        },
        "FROM bench_items i CROSS JOIN generate_series(1, i.k) j WHERE i.k > 0",
        params,
    )


def _activity_audit(params: dict) -> int:
    """A row for the moves the services record: reviews submitted; plans submitted and
    appraised; items started, reported done, verified, cancelled. Dated the day it happened
    (recorded that day: no separate effective date, as audit_record leaves it).
    Left out to keep the data set under ~25 GB: the conference's moves of the reviews, the
    percent-only rows of progress reports, the findings' moves."""
    rows = 0
    review = {
        "object_type": "%(review_type)s",
        "object_id": "b.review_id::text",
        "unit_path": "u.path",
        "person_id_ref": "b.person_id",
        "action": "%(transition)s",
    }
    review_repr = "left(coalesce(pe.full_name, u.name) || ' — ' || %(year)s, 300)"
    base = (
        "FROM bench_rv b JOIN org_unit u ON u.id = b.unit_id "
        "LEFT JOIN org_person pe ON pe.id = b.person_id "
    )
    # The conference's moves (discussed, finalized) are left out: ~5 million rows, ~2.5 GB.
    moves = [("%(draft)s", "%(submitted)s", "b.sub_day", "b.rstatus <> %(draft)s")]
    for before, after, day, where in moves:
        rows += _audit(
            {
                **review,
                "at": _at(day),
                "object_repr": review_repr,
                "changes": "jsonb_build_object('status', "
                f"jsonb_build_array({before}::text, {after}::text))",
            },
            base + "WHERE " + where,
            params,
        )
    plan = {
        "object_type": "%(plan_type)s",
        "object_id": "b.plan_id::text",
        "unit_path": "u.path",
        "person_id_ref": "b.person_id",
        "action": "%(transition)s",
        "object_repr": "left('Kế hoạch khắc phục của ' || coalesce(pe.full_name, u.name), 300)",
    }
    rows += _audit(
        {
            **plan,
            "at": _at("b.pday"),
            "changes": "jsonb_build_object('status', jsonb_build_array(%(p_draft)s::text, "
            "%(p_submitted)s::text))",
        },
        base + "WHERE b.filed",
        params,
    )
    rows += _audit(
        {
            **plan,
            "at": _at("b.pday + 3", "10:00"),
            "changes": "jsonb_build_object('status', jsonb_build_array(%(p_submitted)s::text, "
            "CASE WHEN b.pstatus = %(p_returned)s THEN %(p_returned)s ELSE %(p_accepted)s END))",
        },
        base + "WHERE b.pstatus IN (%(p_returned)s, %(p_accepted)s, %(p_adopted)s)",
        params,
    )
    item = {
        "object_type": "%(action_type)s",
        "object_id": "i.id::text",
        "object_repr": "'Nội dung khắc phục ' || i.position",
        "unit_path": "u.path",
        "person_id_ref": "i.person_id",
    }
    items = "FROM bench_items i JOIN org_unit u ON u.id = i.unit_id "
    # The progress reports that moved the item: the first (from "open"), the last of a done
    # item (to "done"). The service also writes a row per change of percent: left out (~8
    # million rows, ~4 GB), as are the findings' moves.
    moved = f"(j = 1 OR ({_STATUS}) <> %(a_progress)s)"
    rows += _audit(
        {
            **item,
            "at": f"{_at(_DAY)} + j * interval '1 minute'",
            "action": "%(transition)s",
            "changes": "jsonb_build_object('status', jsonb_build_array("
            f"(CASE WHEN j = 1 THEN %(a_open)s ELSE %(a_progress)s END)::text, ({_STATUS})::text))",
            "reason": "'Đã triển khai theo kế hoạch (dữ liệu mẫu), lần ' || j",
        },
        items + f"CROSS JOIN generate_series(1, i.k) j WHERE i.k > 0 AND {moved}",
        params,
    )
    rows += _audit(
        {
            **item,
            "at": _at("i.verified_on", "10:00"),
            "action": "%(transition)s",
            "changes": "jsonb_build_object('status', jsonb_build_array(%(a_done)s::text, "
            "%(a_verified)s::text))",
        },
        items + "WHERE i.status = %(a_verified)s",
        params,
    )
    rows += _audit(
        {
            **item,
            "at": _at("i.closed_on", "10:00"),
            "action": "%(transition)s",
            "changes": "jsonb_build_object('status', jsonb_build_array(%(a_open)s::text, "
            "%(a_cancelled)s::text))",
            "reason": "'Không còn phù hợp (dữ liệu mẫu).'",
        },
        items + "WHERE i.status = %(a_cancelled)s",
        params,
    )
    return rows
