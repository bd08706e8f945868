"""Test settings: in-memory SQLite unless DATABASE_URL names PostgreSQL; MD5 hasher; locmem mail."""

from kiemdiem.settings import *  # noqa: F403
from kiemdiem.settings import DATABASES, env_int, tune_sqlite

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    tune_sqlite(DATABASES["default"])
    # In-memory databases cannot use WAL.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA case_sensitive_like=ON;"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "loggers": {"django-q": {"level": "ERROR"}},
}
# Tasks run in the test's own process and transaction (a test drains the queue itself when it
# wants to see a job waiting: KIEMDIEM_TASKS_EAGER = False, then kiemdiem.core.tasks.run_queued).
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
KIEMDIEM_TASKS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The suite checks the policy as production serves it (enforced), whatever KIEMDIEM_ENV says.
if not CSP_ENFORCE:  # noqa: F405
    CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY_REPORT_ONLY  # noqa: F405
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None

# The suite runs on one database even if DATABASE_REPLICA_URL is set: the replica router is tested
# by dashboard/tests/test_db_router.py (decisions recorded) and by make reliability R14 (a real
# standby).
DATABASES.pop("replica", None)
DATABASE_ROUTERS: list[str] = []
MIDDLEWARE = [m for m in MIDDLEWARE if m != "kiemdiem.core.db_router.ReplicaMiddleware"]  # noqa: F405

# Kept pages on, as in production (settings.py turns them off under DEBUG, the development
# server's default): every test that reads a page, writes and reads again checks that the kept
# page is not served stale. Tests that count a view's queries use the built_pages fixture.
KIEMDIEM_PAGE_CACHE_SECONDS = env_int("KIEMDIEM_PAGE_CACHE_SECONDS", 600)
