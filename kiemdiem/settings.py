"""kiemdiem settings: one env-driven file (KIEMDIEM_*).

SQLite (var/kiemdiem.sqlite3) unless DATABASE_URL names another database. KIEMDIEM_ENV=production
switches on the production hardening and refuses to start with the development SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KIEMDIEM_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the file named by NAME_FILE (for secrets mounted as files)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ENVIRONMENT = env_str("KIEMDIEM_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
SECRET_KEY = env_secret("KIEMDIEM_SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("KIEMDIEM_DEBUG", not PRODUCTION)
# With DEBUG, 404s still show the Vietnamese page unless this is set (Django's technical page).
KIEMDIEM_DEBUG_404 = env_bool("KIEMDIEM_DEBUG_404", False)
ALLOWED_HOSTS = env_list("KIEMDIEM_ALLOWED_HOSTS", "127.0.0.1,localhost")

if PRODUCTION:
    # A production server with a known key would let anyone forge sessions and password resets.
    # The same bar as Django's security.W009: long, varied, and not a generated dev key.
    if (
        SECRET_KEY == DEV_SECRET_KEY
        or len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith("django-insecure-")
    ):
        raise ImproperlyConfigured(
            "KIEMDIEM_SECRET_KEY phải được đặt khi chạy môi trường production: ít nhất 50 ký tự, "
            "ít nhất 5 ký tự khác nhau, không bắt đầu bằng “django-insecure-”."
        )
    if DEBUG:
        raise ImproperlyConfigured("Không được bật KIEMDIEM_DEBUG trong môi trường production.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "kiemdiem.core",
    "kiemdiem.exports",
    "kiemdiem.org",
    "kiemdiem.reviews",
    "kiemdiem.remediation",
    "kiemdiem.discipline",
    "kiemdiem.confidence",
    "kiemdiem.reports",
    "kiemdiem.oversight",
    "kiemdiem.classification",
    "kiemdiem.documents",
    "kiemdiem.dashboard",
    "kiemdiem.campaign",
    "kiemdiem.api",
    "kiemdiem.transfer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the collected static files (hashed names, gzip) from the WSGI process, with
    # far-future cache headers; no separate file server to configure on an intranet machine.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kiemdiem.core.middleware.RequestSizeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kiemdiem.core.middleware.HtmxMessagesMiddleware",
    "kiemdiem.core.middleware.VietnameseNotFoundMiddleware",
    # AxesMiddleware must come after the others: it turns lockouts into the lockout page.
    "axes.middleware.AxesMiddleware",
    # Innermost: a kept page still passes out through every middleware above.
    "kiemdiem.core.page_cache.PageCacheMiddleware",
]

ROOT_URLCONF = "kiemdiem.urls"
WSGI_APPLICATION = "kiemdiem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kiemdiem" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kiemdiem.dashboard.context_processors.navigation",
            ],
            # fastdate: the `date` filter without dateformat's cost for the pages' formats
            "builtins": [
                "template_partials.templatetags.partials",
                "kiemdiem.core.templatetags.fastdate",
            ],
        },
    },
    # The rows of the busiest lists (kiemdiem/core/jinja.py): `<app>/jinja2/<app>/…` only.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "kiemdiem.core.jinja.environment"},
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kiemdiem.sqlite3'}"),
        conn_max_age=env_int("KIEMDIEM_DB_CONN_MAX_AGE", 60),
        # A kept connection is checked before a request reuses it, so after the database
        # restarts each worker reconnects by itself instead of failing once.
        conn_health_checks=True,
    )
}


def tune_sqlite(db: dict) -> None:
    """SQLite: wait for locks, take the write lock up front, let LIKE use the path index."""
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return
    db["CONN_MAX_AGE"] = 0
    db.setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # case_sensitive_like lets `path LIKE 'x%'` use the plain index on org_unit.path.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA case_sensitive_like=ON;",
        }
    )


def tune_postgres(db: dict) -> None:
    """PostgreSQL: bind parameters on the server (psycopg's server-side binding; the province
    dashboard's p95 went from ~14.8 to ~9.2 ms in make bench). Django leaves psycopg's
    prepare_threshold unset, so no named statement is prepared and the binding also works
    behind PgBouncer in transaction mode (make reliability R15). KIEMDIEM_DB_SERVER_SIDE_BINDING=0
    turns it off, and with it, unless told otherwise, the server-side cursors (end of file),
    which a transaction pool does break.

    JIT compilation is off for the app's sessions (KIEMDIEM_DB_JIT=1 turns it back on): on the
    national data set PostgreSQL compiled the audit page's two queries for ~1.2 s of its 1.4 s
    (their cost estimates pass jit_above_cost even though each reads a few thousand rows).
    Sent as a startup option (after whatever PGOPTIONS says, which libpq would otherwise
    ignore), which PgBouncer drops (ignore_startup_parameters = options): behind it set
    `jit = off` in postgresql.conf instead.

    KIEMDIEM_DB_PARALLEL_WORKERS=N sets max_parallel_workers_per_gather for the sessions (the
    same way). gunicorn.conf.py sets it to 0 for the web workers: a page reads small index
    ranges, and a parallel plan takes cores that the other requests are waiting for (part 8c of
    docs/performance.md: a commune's audit page 53 → 7 ms of SQL under load); the task worker's
    jobs (statistics, reports, rebuilds) keep the server's setting."""
    if db["ENGINE"] != "django.db.backends.postgresql":
        return
    binding = env_bool("KIEMDIEM_DB_SERVER_SIDE_BINDING", True)
    options = db.setdefault("OPTIONS", {})
    options["server_side_binding"] = binding
    startup = [] if env_bool("KIEMDIEM_DB_JIT", False) else ["-c jit=off"]
    if env_str("KIEMDIEM_DB_PARALLEL_WORKERS"):
        workers = env_int("KIEMDIEM_DB_PARALLEL_WORKERS", 0)
        startup.append(f"-c max_parallel_workers_per_gather={workers}")
    if startup:
        # libpq reads PGOPTIONS only when no `options` is given: keep what it says as well
        given = [env_str("PGOPTIONS"), options.get("options", "")]
        options["options"] = " ".join(filter(None, [*given, *startup]))


tune_sqlite(DATABASES["default"])
tune_postgres(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: an account is locked after repeated failures from any address, an address after
# more failures for any accounts (kiemdiem/core/logins.py). Every attempt is in the audit trail.
KIEMDIEM_LOGIN_FAILURE_LIMIT = env_int("KIEMDIEM_LOGIN_FAILURE_LIMIT", 5)
KIEMDIEM_LOGIN_IP_FAILURE_LIMIT = env_int("KIEMDIEM_LOGIN_IP_FAILURE_LIMIT", 30)
KIEMDIEM_LOGIN_COOLOFF_MINUTES = env_int("KIEMDIEM_LOGIN_COOLOFF_MINUTES", 30)
AXES_FAILURE_LIMIT = "kiemdiem.core.logins.failure_limit"
AXES_COOLOFF_TIME = KIEMDIEM_LOGIN_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "kiemdiem.core.logins.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Behind the reverse proxy the client's address is the last one it adds to X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = env_int("KIEMDIEM_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["kiemdiem.formats"]
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from the npm registry (package.json, pinned) and are served by the app.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "kiemdiem" / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    # Chart.js draws the dashboard's progress chart (MIT, ~200 kB, canvas with the same numbers
    # in a table beside it); vanillajs-datepicker shows dd/mm/yyyy and the allowed range.
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/datepicker", NODE_MODULES / "vanillajs-datepicker" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic writes each file under a name with its content hash plus a .gz copy;
    # with DEBUG on (development) templates still get the plain names, no collectstatic needed.
    # (kiemdiem.core.storage: whitenoise's CompressedManifestStaticFilesStorage, URLs remembered)
    "staticfiles": {"BACKEND": "kiemdiem.core.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("KIEMDIEM_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

EMAIL_BACKEND = env_str("KIEMDIEM_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("KIEMDIEM_FROM_EMAIL", "kiemdiem@localhost")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_AGE = env_int("KIEMDIEM_SESSION_SECONDS", 8 * 3600)
SESSION_ENGINE = "kiemdiem.core.sessions"  # Django's database store, its read compiled once
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and style sheets only from this server, so an
# injected <script> or on*="" attribute never runs. Inline style="" attributes stay allowed
# (style-src-attr): they cannot run code, and a few layout widths and the import progress bar
# use them. Bootstrap draws its form icons as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Enforced in production (and in the test suite); the development server (`make run`) only
# reports violations in the browser console, so that page-checking tools which inject their own
# script (axe-core through ../shared/tools/look.py) can still run against the demo.
CSP_ENFORCE = env_bool("KIEMDIEM_CSP_ENFORCE", PRODUCTION)
if not CSP_ENFORCE:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("KIEMDIEM_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("KIEMDIEM_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("KIEMDIEM_HSTS_PRELOAD", True)
    CSRF_TRUSTED_ORIGINS = env_list("KIEMDIEM_CSRF_TRUSTED_ORIGINS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KIEMDIEM_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- REST API (kiemdiem.api) ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kiemdiem.api.authentication.ApiTokenAuthentication",
        # The browsable pages and the API docs' "Try it out" inside a signed-in browser.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "kiemdiem.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kiemdiem.api.errors.api_exception_handler",
    "DATE_INPUT_FORMATS": ["iso-8601", "%d/%m/%Y"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("KIEMDIEM_API_RATE", "6000/hour")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "kiemdiem API",
    "DESCRIPTION": (
        "API của kiemdiem: cây tổ chức, đảng viên, chức vụ, đợt kiểm điểm, bản kiểm điểm, hạn "
        "chế khuyết điểm, kế hoạch khắc phục và nội dung (nộp, trả lại, đạt, báo cáo tiến độ, "
        "xác nhận), báo cáo định kỳ và số liệu theo dõi. Xác thực bằng mã truy cập cá nhân: "
        "`Authorization: Token <mã>`. Lỗi trả về JSON {code, message, ...}; ghi đè bản cũ bị từ "
        "chối với 409 (gửi version hoặc If-Match)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # 27 resources: a box filters the operations by tag (the UI renders only those on screen).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "filter": True},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "RatingLevelEnum": "kiemdiem.classification.rules.LEVEL_CHOICES",
        "RatingSubjectKindEnum": "kiemdiem.classification.models.SubjectKind",
        "RatingRoundPeriodEnum": "kiemdiem.classification.models.RoundPeriod",
        "SubjectKindEnum": "kiemdiem.reviews.models.SubjectKind",
        "RecordImportKindEnum": "kiemdiem.transfer.models.RecordImport.Kind",
        "RecordImportStatusEnum": "kiemdiem.transfer.models.RecordImport.Status",
        "UnitKindEnum": "kiemdiem.org.models.UnitKind",
        "CycleKindEnum": "kiemdiem.reviews.models.CycleKind",
        "CycleStatusEnum": "kiemdiem.reviews.states.CycleStatus",
        "ReviewStatusEnum": "kiemdiem.reviews.states.ReviewStatus",
        "FindingStatusEnum": "kiemdiem.reviews.models.FindingStatus",
        "CarryAssessmentEnum": "kiemdiem.reviews.models.CarryAssessment",
        "PlanStatusEnum": "kiemdiem.remediation.states.PlanStatus",
        "ActionStatusEnum": "kiemdiem.remediation.states.ActionStatus",
        "ReportStatusEnum": "kiemdiem.reports.models.ReportStatus",
        "PeriodKindEnum": "kiemdiem.reports.models.PeriodKind",
        "PositionRoleEnum": "kiemdiem.org.models.PositionRole",
        "GroupRoleEnum": "kiemdiem.org.models.GroupRole",
        "FindingAreaEnum": "kiemdiem.reviews.models.FindingArea",
        "DisciplineFormEnum": "kiemdiem.discipline.models.DisciplineForm",
        "DisciplineStatusEnum": "kiemdiem.discipline.models.DisciplineStatus",
        "PollStatusEnum": "kiemdiem.confidence.models.PollStatus",
        "LowFlagEnum": "kiemdiem.confidence.models.LowFlag",
        "ProgrammeStatusEnum": "kiemdiem.oversight.models.ProgrammeStatus",
        "ActivityKindEnum": "kiemdiem.oversight.models.ActivityKind",
        "ActivityStatusEnum": "kiemdiem.oversight.models.ActivityStatus",
        "AssessmentStatusEnum": "kiemdiem.oversight.models.AssessmentStatus",
        "OversightReportStatusEnum": "kiemdiem.oversight.models.ReportStatus",
        "DirectivePlanStatusEnum": "kiemdiem.oversight.models.DirectivePlanStatus",
        "CommentDecisionEnum": "kiemdiem.oversight.models.CommentDecision",
        "TaskStatusEnum": "kiemdiem.oversight.models.TaskStatus",
        "ConferenceLevelEnum": "kiemdiem.oversight.models.ConferenceLevel",
    },
}

# Largest request body (all files of one upload together), refused unread above it; one file
# of the largest allowed size (20 MB: evidence, an import) still fits with its form fields.
KIEMDIEM_REQUEST_MAX_BYTES = env_int("KIEMDIEM_REQUEST_MAX_BYTES", 21 * 1024 * 1024)

# --- Kept pages (kiemdiem/core/page_cache.py; docs/performance.md, part 9) ------------------
# A signed-in page read again with nothing written to the database in between is served from
# the web process's memory. SECONDS bounds an entry's life (0: off), ENTRIES the number each
# process keeps, MAX_BYTES the largest page kept. Off by default under DEBUG (the development
# server): a template edited while it runs must show at the next reload.
KIEMDIEM_PAGE_CACHE_SECONDS = env_int("KIEMDIEM_PAGE_CACHE_SECONDS", 0 if DEBUG else 600)
KIEMDIEM_PAGE_CACHE_MAX_BYTES = env_int("KIEMDIEM_PAGE_CACHE_MAX_BYTES", 512 * 1024)
# Dashboards and statistics (core.page_cache.may_lag): a kept page served for this long after
# it was built, although written since, to anyone who changed nothing meanwhile; 0: never.
KIEMDIEM_PAGE_LAG_SECONDS = env_int("KIEMDIEM_PAGE_LAG_SECONDS", 30)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "kiemdiem-pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("KIEMDIEM_PAGE_CACHE_ENTRIES", 300)},
    },
}
# Shared by the web workers of this machine (gunicorn.conf.py turns it on): a page kept by one
# worker is served by the others, from files in var/pages (readable by this user only). Only
# on PostgreSQL, whose per-table versions are the same for every process; SQLite's are one
# process's own (core/page_cache.py).
KIEMDIEM_PAGE_CACHE_SHARED = env_bool("KIEMDIEM_PAGE_CACHE_SHARED", False)
if KIEMDIEM_PAGE_CACHE_SHARED and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "pages"),
        "OPTIONS": {"MAX_ENTRIES": env_int("KIEMDIEM_PAGE_CACHE_ENTRIES", 2000)},
    }

# --- Import and export of the organization tree and people (kiemdiem.transfer) -------------
# Largest upload (all files of one import together); larger requests are refused unread.
KIEMDIEM_IMPORT_MAX_BYTES = env_int("KIEMDIEM_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
KIEMDIEM_IMPORT_MAX_ROWS = env_int("KIEMDIEM_IMPORT_MAX_ROWS", 500_000)
# Blank rows are skipped but counted: past this many a file is refused (an "XLSX bomb" of
# millions of blank rows compresses to a few hundred KB).
KIEMDIEM_IMPORT_MAX_BLANK_ROWS = env_int("KIEMDIEM_IMPORT_MAX_BLANK_ROWS", 10_000)
# A workbook whose XML inflates past this is refused before it is parsed.
KIEMDIEM_IMPORT_MAX_XML_BYTES = env_int("KIEMDIEM_IMPORT_MAX_XML_BYTES", 400 * 1024 * 1024)
KIEMDIEM_IMPORT_BATCH = env_int("KIEMDIEM_IMPORT_BATCH", 2000)
# A step delivered this many times (its worker was killed each time) fails the job.
KIEMDIEM_IMPORT_MAX_ATTEMPTS = env_int("KIEMDIEM_IMPORT_MAX_ATTEMPTS", 3)
# Rows of the dry-run report kept for the page (rejected rows first).
KIEMDIEM_IMPORT_REPORT_ROWS = env_int("KIEMDIEM_IMPORT_REPORT_ROWS", 5000)

# --- Task queue (django-q2 with its ORM broker: the database is the queue) -------------------
# `manage.py worker` (make run starts one) runs the cluster: a sentinel process that keeps
# KIEMDIEM_TASK_WORKERS worker processes alive, feeds them queued tasks and the periodic
# schedules below. Several clusters (on several machines) may share one PostgreSQL database: a
# task is taken with a conditional UPDATE, and schedules with SELECT … FOR UPDATE.
Q_CLUSTER = {
    "name": "kiemdiem",
    "orm": "default",
    "workers": env_int("KIEMDIEM_TASK_WORKERS", 2),
    # A task still running after `timeout` seconds is stopped; one not acknowledged after
    # `retry` seconds (its worker died, the machine restarted, or it raised) is delivered again,
    # up to `max_attempts` times. retry must exceed timeout, or a slow task would run twice.
    "timeout": env_int("KIEMDIEM_TASK_TIMEOUT", 1800),
    "retry": env_int("KIEMDIEM_TASK_RETRY", 1860),
    "max_attempts": env_int("KIEMDIEM_TASK_MAX_ATTEMPTS", 5),
    "ack_failures": False,
    "poll": env_int("KIEMDIEM_TASK_POLL_SECONDS", 1),
    "catch_up": False,  # after a stop, a periodic task runs once, not once per missed period
    # Successful tasks kept for the "Tiến trình nền" page (failed ones are all kept); pruning
    # reads this many rows on every save, so it stays small.
    "save_limit": 500,
    "recycle": 200,  # a worker process is replaced after this many tasks
    "label": "Tiến trình nền",
}
# Run queued tasks at once, in the caller (tests; never in production).
KIEMDIEM_TASKS_EAGER = False
# The periodic work: name -> (task, every N minutes, or "HH:MM" once a day, local time).
KIEMDIEM_SCHEDULES = {
    "summary-merge": ("kiemdiem.dashboard.tasks.summaries_merge", 1),
    "overdue-sweep": ("kiemdiem.remediation.tasks.overdue_sweep", 15),
    "reminders": ("kiemdiem.dashboard.tasks.reminders_send", 60),
    # notifications of events (a plan returned, an assessment sent) mailed soon after
    "notifications-mail": ("kiemdiem.core.tasks.notifications_mail", 5),
    "audit-seal": ("kiemdiem.core.tasks.audit_seal", 1),
    # PostgreSQL: the kept pages' per-table write counts of ended database processes, folded
    "table-writes-merge": ("kiemdiem.core.tasks.table_writes_merge", 1),
    # jobs whose worker was killed on the queue's last delivery are ended with a message
    "jobs-expire": ("kiemdiem.core.tasks.jobs_expire", 15),
    "audit-verify": ("kiemdiem.core.tasks.audit_verify", "02:30"),
    "classification-statistics-merge": ("kiemdiem.classification.tasks.statistics_merge", 1),
    # PostgreSQL: membership changes added to the members-per-unit totals of every ancestor
    "member-counts-merge": ("kiemdiem.org.tasks.member_counts_merge", 1),
    # ZIPs of a subtree's documents are copies: their files go after a few days
    "documents-bundles-expire": ("kiemdiem.documents.bundles.bundles_expire", "03:10"),
    # PostgreSQL: next year's partitions of the audit trail and progress reports, in advance
    "partitions-ensure": ("kiemdiem.core.tasks.partitions_ensure", "03:40"),
}

# --- Exports of lists to Excel (kiemdiem.exports) ------------------------------------------
# Lists up to this many rows are written during the request; longer ones become a background
# job with progress and a download link.
KIEMDIEM_EXPORT_INLINE_MAX_ROWS = env_int("KIEMDIEM_EXPORT_INLINE_MAX_ROWS", 2000)
KIEMDIEM_EXPORT_LEASE_SECONDS = env_int("KIEMDIEM_EXPORT_LEASE_SECONDS", 300)
KIEMDIEM_EXPORT_MAX_ATTEMPTS = env_int("KIEMDIEM_EXPORT_MAX_ATTEMPTS", 3)

# --- Records that feed the yearly rating (kiemdiem.discipline, kiemdiem.confidence) ---------


def _years_by_form(raw: str) -> dict[str, int | None]:
    """ "reprimand=5,warning=10,expulsion=" → {"reprimand": 5, "warning": 10, "expulsion": None}."""
    years: dict[str, int | None] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        form, _sep, value = part.partition("=")
        years[form.strip()] = int(value) if value.strip() else None
    return years


# Discipline limitation periods (Quy định 69-QĐ/TW Art. 4), in years per form; empty = none.
# Organizations: reprimand and warning as for members, dissolution like expulsion (no limit).
KIEMDIEM_DISCIPLINE_LIMITATION_YEARS = _years_by_form(
    env_str(
        "KIEMDIEM_DISCIPLINE_LIMITATION_YEARS",
        "reprimand=5,warning=10,removal_from_post=10,expulsion=,dissolution=",
    )
)
# Confidence polls (Quy định 96-QĐ/TW): what the share of low-confidence ballots is counted over
# (UNCONFIRMED in the sources: valid_ballots, ballots_cast, present or convened), and whether
# new polls apply the local rule "low confidence two years running" (seed 001, Thái Nguyên).
KIEMDIEM_CONFIDENCE_LOW_SHARE_BASE = env_str("KIEMDIEM_CONFIDENCE_LOW_SHARE_BASE", "valid_ballots")
KIEMDIEM_CONFIDENCE_TWO_YEARS_LOW = env_bool("KIEMDIEM_CONFIDENCE_TWO_YEARS_LOW", False)
# Rows of one discipline or confidence-vote workbook (checked and written inside the request).
KIEMDIEM_RECORDS_IMPORT_MAX_ROWS = env_int("KIEMDIEM_RECORDS_IMPORT_MAX_ROWS", 2000)

# --- Yearly classification: UNCONFIRMED rules as settings (rules.md §11, §1.10, §1.12) -------
# Members admitted less than 6 months before the cut-off: "exempt" (QĐ 366 Art. 5) or "rated".
KIEMDIEM_CLASSIFICATION_NEW_MEMBERS = env_str("KIEMDIEM_CLASSIFICATION_NEW_MEMBERS", "exempt")
# The day (MM-DD of the rated year) the 6 months count back from; a round may set its own day
# (the review meeting's date).
KIEMDIEM_CLASSIFICATION_CUTOFF = env_str("KIEMDIEM_CLASSIFICATION_CUTOFF", "12-31")
# How quarterly results weigh on the year under QĐ 366: average | lowest | show.
KIEMDIEM_CLASSIFICATION_QUARTER_ROLLUP = env_str(
    "KIEMDIEM_CLASSIFICATION_QUARTER_ROLLUP", "average"
)
# How the annual results weigh on a term rating under QĐ 366 (UNCONFIRMED): average | lowest |
# show (only shown beside the term's rating).
KIEMDIEM_CLASSIFICATION_TERM_ROLLUP = env_str("KIEMDIEM_CLASSIFICATION_TERM_ROLLUP", "show")
# Documents (issue 16): a document type's numbers restart with each committee term. Until the org
# app holds congress dates, terms are calendar-based: TERM_YEARS-year terms counted from
# TERM_FIRST_YEAR (UNCONFIRMED, rules §8: a term really starts the day after the congress closes).
KIEMDIEM_DOCUMENTS_TERM_FIRST_YEAR = env_int("KIEMDIEM_DOCUMENTS_TERM_FIRST_YEAR", 2025)
KIEMDIEM_DOCUMENTS_TERM_YEARS = env_int("KIEMDIEM_DOCUMENTS_TERM_YEARS", 5)
# Days a subtree's ZIP of documents is kept before its file is deleted (the documents stay).
KIEMDIEM_DOCUMENTS_BUNDLE_DAYS = env_int("KIEMDIEM_DOCUMENTS_BUNDLE_DAYS", 7)
# PDF copies (documents/pdf.py): the LibreOffice binary (empty: `soffice` on the PATH; Debian
# package libreoffice-writer-nogui) and how long one conversion may run before it is stopped.
KIEMDIEM_SOFFICE = env_str("KIEMDIEM_SOFFICE", "")
KIEMDIEM_PDF_TIMEOUT = env_int("KIEMDIEM_PDF_TIMEOUT", 120)

# --- Read replica and connection pooler (issue 17; docs/performance.md "Scale-out and sizing") -
# DATABASE_REPLICA_URL names a streaming standby of DATABASE_URL: dashboards, statistics and
# XLSX exports then read from it (kiemdiem/core/db_router.py), everything else and every write
# go to the primary, and a browser that wrote reads from the primary for
# KIEMDIEM_REPLICA_PIN_SECONDS (read-your-writes). Unset: one database, nothing routed.
KIEMDIEM_REPLICA_PIN_SECONDS = env_int("KIEMDIEM_REPLICA_PIN_SECONDS", 10)
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"),
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests never build a replica database
    tune_postgres(DATABASES["replica"])
    DATABASE_ROUTERS = ["kiemdiem.core.db_router.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "kiemdiem.core.db_router.ReplicaMiddleware",
    )
# Behind a transaction-pooling proxy (PgBouncer pool_mode=transaction) a cursor declared in one
# transaction is gone in the next: server-side cursors (QuerySet.iterator) follow the binding
# setting above unless set here.
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db["DISABLE_SERVER_SIDE_CURSORS"] = not env_bool(
            "KIEMDIEM_DB_SERVER_SIDE_CURSORS", env_bool("KIEMDIEM_DB_SERVER_SIDE_BINDING", True)
        )
