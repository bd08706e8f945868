"""gunicorn settings for production: `gunicorn kiemdiem.wsgi` reads this file from the project root.

Every value can be changed through the environment (README, "Production"). Long work (imports,
cycle opening, exports) runs in the task queue, so a request never needs more than a few seconds;
the timeout only guards against a stuck worker.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("KIEMDIEM_BIND", "127.0.0.1:8000")
# No parallel query plans for the pages (settings.tune_postgres): each reads small index ranges,
# and the workers a parallel plan starts take the cores other requests are waiting for.
os.environ.setdefault("KIEMDIEM_DB_PARALLEL_WORKERS", "0")
# The workers share their kept pages (core/page_cache.py, var/pages; PostgreSQL only): a page
# read again is served kept whichever worker takes the request.
os.environ.setdefault("KIEMDIEM_PAGE_CACHE_SHARED", "1")
# gunicorn's own advice, (2 × cores) + 1 synchronous workers: while one waits on the database
# another uses the core. Each worker holds one database connection (CONN_MAX_AGE keeps it).
workers = int(os.environ.get("KIEMDIEM_WEB_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = int(os.environ.get("KIEMDIEM_WEB_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak in a library never grows without bound.
max_requests = int(os.environ.get("KIEMDIEM_WEB_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
# Requests larger than this are cut by gunicorn before Django reads them (uploads are capped
# lower in settings: KIEMDIEM_UPLOAD_MAX_BYTES).
limit_request_line = 8190
accesslog = os.environ.get("KIEMDIEM_ACCESS_LOG", "-") or None  # "" turns it off
errorlog = "-"
loglevel = os.environ.get("KIEMDIEM_LOG_LEVEL", "info").lower()
# The reverse proxy (nginx) on the same machine is the only one allowed to say the request came
# over HTTPS (X-Forwarded-Proto), which Django's SECURE_PROXY_SSL_HEADER then trusts.
forwarded_allow_ips = os.environ.get("KIEMDIEM_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Python's cycle collector, once the app is loaded: its ~250,000 long-lived objects (modules,
# functions, Django's and the app's caches) are moved out of its reach (gc.freeze), once when
# the worker has loaded the app and again after its first GC_FREEZE_AFTER requests (compiled
# templates, URL patterns, precompiled SQL). Otherwise every full collection walks them all:
# ~130 ms, every few hundred requests, inside whichever request set it off (docs/performance.md,
# part 14). Objects freed by their reference count are freed as before; 0 turns it off.
GC_FREEZE_AFTER = int(os.environ.get("KIEMDIEM_WEB_GC_FREEZE_AFTER", 100))


def post_worker_init(worker) -> None:
    if GC_FREEZE_AFTER:
        gc.freeze()


def post_request(worker, req, environ, resp) -> None:
    if GC_FREEZE_AFTER and worker.nr == GC_FREEZE_AFTER:  # nr: requests this worker has taken
        gc.freeze()
