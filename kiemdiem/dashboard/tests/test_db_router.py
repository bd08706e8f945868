"""The read-replica router (core/db_router.py) on one database: which reads it would send to
the replica, and the read-your-writes pin. The real streaming standby is exercised by
`make reliability` (R14); here the replica alias is mapped back to the test database and every
decision is recorded."""

import os
import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from kiemdiem import settings as settings_module
from kiemdiem.core import db_router
from kiemdiem.core.db_router import PIN_COOKIE, REPLICA, ReplicaRouter, replica_reads
from kiemdiem.dashboard.tests.helpers import unit_url
from kiemdiem.exports.models import ExportJob
from kiemdiem.org.models import Unit
from kiemdiem.remediation.models import RemediationPlan

DECISIONS: list[tuple[str, str]] = []  # (model label, "replica" | "default")


class RecordingRouter(ReplicaRouter):
    """Decides like ReplicaRouter, records it, and reads the "replica" from the test database."""

    def db_for_read(self, model, **hints):
        chosen = super().db_for_read(model, **hints)
        DECISIONS.append((model._meta.label, chosen))
        return "default"


def _middleware() -> list[str]:
    stack = list(settings.MIDDLEWARE)
    stack.insert(
        stack.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "kiemdiem.core.db_router.ReplicaMiddleware",
    )
    return stack


@pytest.fixture
def routed():
    DECISIONS.clear()
    with override_settings(
        DATABASE_ROUTERS=[f"{__name__}.RecordingRouter"],
        MIDDLEWARE=_middleware(),
        KIEMDIEM_REPLICA_PIN_SECONDS=10,
    ):
        yield DECISIONS
    DECISIONS.clear()


def _to_replica(decisions) -> set[str]:
    return {label for label, chosen in decisions if chosen == REPLICA}


def test_router_rules():
    router = ReplicaRouter()
    assert router.db_for_read(Unit) == "default"  # outside a request and a scope
    with replica_reads():
        assert router.db_for_read(Unit) == REPLICA
        from django.contrib.auth import get_user_model
        from django.contrib.sessions.models import Session

        assert router.db_for_read(Session) == "default"  # login state: never from the replica
        assert router.db_for_read(get_user_model()) == "default"
        assert router.db_for_write(RemediationPlan) == "default"  # writes: always the primary
        assert router.db_for_read(RemediationPlan) == "default"  # read back what it wrote
        assert router.db_for_read(Unit) == REPLICA  # other tables still from the replica
    assert db_router.current() is None  # the block's own state is gone
    assert router.allow_migrate(REPLICA, "org", "unit") is False
    assert router.allow_migrate("default", "org", "unit") is True


def test_an_unreachable_replica_sends_reads_to_the_primary(monkeypatch):
    monkeypatch.setattr(db_router, "_down_until", 0.0)
    router = ReplicaRouter()
    db_router.replica_down()  # what a failed connection or health check records
    with replica_reads():
        assert router.db_for_read(Unit) == "default"
    monkeypatch.setattr(db_router, "_down_until", 0.0)  # the DOWN_SECONDS are over
    with replica_reads():
        assert router.db_for_read(Unit) == REPLICA


def test_without_a_replica_url_nothing_is_routed(monkeypatch):
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    built = runpy.run_path(settings_module.__file__)  # a fresh copy; the live one untouched
    assert "replica" not in built["DATABASES"]
    assert "DATABASE_ROUTERS" not in built  # Django's default: no router
    assert "kiemdiem.core.db_router.ReplicaMiddleware" not in built["MIDDLEWARE"]
    # and the suite itself always runs on one database
    assert "replica" not in settings.DATABASES and settings.DATABASE_ROUTERS == []


def test_a_replica_url_adds_the_database_router_and_middleware(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@127.0.0.1:5432/kiemdiem")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://app@127.0.0.1:5433/kiemdiem")
    monkeypatch.setenv("KIEMDIEM_DB_SERVER_SIDE_BINDING", "0")
    built = runpy.run_path(settings_module.__file__)  # a fresh copy; the live one untouched
    replica = built["DATABASES"]["replica"]
    assert replica["PORT"] == 5433 and replica["TEST"] == {"MIRROR": "default"}
    assert replica["OPTIONS"]["server_side_binding"] is False
    # behind a transaction pooler, server-side cursors go with the binding
    assert replica["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert built["DATABASES"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert built["DATABASE_ROUTERS"] == ["kiemdiem.core.db_router.ReplicaRouter"]
    stack = built["MIDDLEWARE"]
    middleware = stack.index("kiemdiem.core.db_router.ReplicaMiddleware")
    assert middleware + 1 == stack.index("django.contrib.sessions.middleware.SessionMiddleware")


def test_dashboard_reads_from_the_replica_until_the_user_writes(
    routed, client, merged, org_tree, office
):
    client.force_login(office)
    page = unit_url(merged, org_tree.province_a)
    routed.clear()
    response = client.get(page)
    assert response.status_code == 200
    # the summaries (raw SQL through reading()) and the page's rows came from the replica;
    # the session and the user from the primary; the GET wrote nothing, so no pin
    assert {"dashboard.CycleSummary", "reviews.ReviewCycle"} <= _to_replica(routed)
    assert not {"sessions.Session", "auth.User"} & _to_replica(routed)
    assert PIN_COOKIE not in response.cookies

    # an export is a write (its job and audit row), but the list's rows come from the replica
    routed.clear()
    response = client.post(
        reverse("exports:create"),
        {
            "kind": "dashboard.metric-rows",
            "next": "/",
            "p_cycle": merged.pk,
            "p_unit": org_tree.province_a.pk,
            "p_metric": "plans_expected",
        },
    )
    assert response.status_code == 200 and ExportJob.objects.count() == 1
    assert "remediation.RemediationPlan" in _to_replica(routed)
    assert "exports.ExportJob" not in _to_replica(routed)
    assert response.cookies[PIN_COOKIE]["max-age"] == 10

    # read-your-writes: for the next requests this browser reads from the primary
    routed.clear()
    assert client.get(page).status_code == 200
    assert routed and not _to_replica(routed)

    # a cookie that is not signed by us (or has expired) pins nothing
    client.cookies[PIN_COOKIE] = "1:forged:signature"
    routed.clear()
    assert client.get(page).status_code == 200
    assert "dashboard.CycleSummary" in _to_replica(routed)


def test_classification_statistics_read_from_the_replica(routed, client, admin):
    client.force_login(admin)
    response = client.get(reverse("classification:statistics"))
    assert response.status_code == 200
    assert "classification.RatingRound" in _to_replica(routed)


def test_pages_not_marked_read_from_the_primary(routed, client, merged, office):
    client.force_login(office)
    assert client.get(reverse("remediation:plan-list")).status_code == 200
    assert routed and not _to_replica(routed)


def test_postgres_sessions_run_without_jit_unless_asked(monkeypatch):
    """JIT compiling cost the national audit page ~1.2 s of 1.4 s (settings.tune_postgres)."""
    monkeypatch.setenv("DATABASE_URL", "postgres://app@127.0.0.1:5432/kiemdiem")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://app@127.0.0.1:5433/kiemdiem")
    built = runpy.run_path(settings_module.__file__)
    for alias in ("default", "replica"):
        assert built["DATABASES"][alias]["OPTIONS"]["options"] == "-c jit=off"
    # libpq ignores PGOPTIONS once `options` is given: what it sets is kept
    monkeypatch.setenv("PGOPTIONS", "-c statement_timeout=60000")
    built = runpy.run_path(settings_module.__file__)
    options = built["DATABASES"]["default"]["OPTIONS"]["options"]
    assert options == "-c statement_timeout=60000 -c jit=off"
    monkeypatch.delenv("PGOPTIONS")
    monkeypatch.setenv("KIEMDIEM_DB_JIT", "1")
    assert (
        "options" not in runpy.run_path(settings_module.__file__)["DATABASES"]["default"]["OPTIONS"]
    )


def _unset_gunicorns_variables(monkeypatch) -> None:
    """Unset what gunicorn.conf.py sets for its process, and restore it after the test."""
    for name in ("KIEMDIEM_DB_PARALLEL_WORKERS", "KIEMDIEM_PAGE_CACHE_SHARED"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def test_the_web_workers_plan_without_parallel_workers(monkeypatch):
    """gunicorn.conf.py asks for no parallel plans; the setting reaches the sessions' options
    (with JIT on or off), and the task worker, started without it, keeps the server's."""
    monkeypatch.setenv("DATABASE_URL", "postgres://app@127.0.0.1:5432/kiemdiem")
    _unset_gunicorns_variables(monkeypatch)
    assert "parallel" not in runpy.run_path(settings_module.__file__)["DATABASES"]["default"][
        "OPTIONS"
    ].get("options", "")
    runpy.run_path(str(Path(settings_module.__file__).parent.parent / "gunicorn.conf.py"))
    assert os.environ["KIEMDIEM_DB_PARALLEL_WORKERS"] == "0"
    options = runpy.run_path(settings_module.__file__)["DATABASES"]["default"]["OPTIONS"]
    assert options["options"] == "-c jit=off -c max_parallel_workers_per_gather=0"
    monkeypatch.setenv("KIEMDIEM_DB_JIT", "1")
    options = runpy.run_path(settings_module.__file__)["DATABASES"]["default"]["OPTIONS"]
    assert options["options"] == "-c max_parallel_workers_per_gather=0"


def test_the_web_workers_share_their_kept_pages_on_postgres_only(monkeypatch, tmp_path):
    """gunicorn.conf.py turns the shared store on; the settings then keep the pages in files
    under var/pages on PostgreSQL, and in each process's memory on SQLite (core/page_cache.py)."""
    _unset_gunicorns_variables(monkeypatch)
    monkeypatch.setenv("KIEMDIEM_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://app@127.0.0.1:5432/kiemdiem")
    assert "LocMem" in runpy.run_path(settings_module.__file__)["CACHES"]["pages"]["BACKEND"]
    runpy.run_path(str(Path(settings_module.__file__).parent.parent / "gunicorn.conf.py"))
    pages = runpy.run_path(settings_module.__file__)["CACHES"]["pages"]
    assert pages["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert pages["LOCATION"] == str(tmp_path / "pages")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/kiemdiem.sqlite3")
    assert "LocMem" in runpy.run_path(settings_module.__file__)["CACHES"]["pages"]["BACKEND"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_suites_postgres_session_has_jit_off(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
