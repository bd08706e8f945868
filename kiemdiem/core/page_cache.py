"""Whole signed-in pages kept while what they read has not changed (issue 17, parts 9, 11, 12).

A page read twice with nothing it shows written in between is the same page: the second time it
is served from the `pages` cache (settings.CACHES: this process's memory, or under gunicorn on
PostgreSQL files that the machine's workers share) instead of being built again. Only the
app's own pages (`_kept_view`: not the API, not the Django admin). The key holds everything
about the request a page may depend on:

- who asks and how: the user (their own row, but for last_login, and what the frame reads
  about them: `key_read`), the session's data (messages waiting in it, the user's choices),
  every cookie (the CSRF secret that the page's forms carry, the replica pin), the host, the
  full path with its query, the htmx headers, Accept and the language;
- the day in Vietnam (`core.dates.today`: deadlines turn overdue at midnight);
- the code that built it (`code_version`): with KIEMDIEM_PAGE_CACHE_SHARED the web workers of
  the machine share the kept pages (files in var/pages, PostgreSQL only), and a deploy's new
  templates must not be answered by the pages the old code kept.

Beside the key, a kept page carries the versions of what it read, and is served only while they
are still the database's:

- on PostgreSQL, of each table its queries named while it was built (core/table_writes.py:
  per-table counts of write statements, kept by triggers in the writing transactions). A cell
  reporting progress on its plan moves the versions of the plans, the items, the progress
  rows, the audit trail and the summaries' pending deltas, not those of the org tree, the
  records or the reports' index; with a read replica, the replica's versions of the tables
  read there;
- on SQLite, of the whole database: `PRAGMA data_version` as seen by a connection of this
  process that never writes (it moves with every commit of any other connection), with nothing
  installed in the database. SQLite serves one small organization, whose writes are few.

The versions are read before the view and again after it, for the tables the page read: equal,
no write to them committed while it was built, and every row it read is the committed state of
those versions. A page is stored only when building it changed nothing: no write (the
versions read again after the view are the same), no session change, no message shown or added,
no cookie set by the view, no new CSRF secret; and only a complete 200 HTML answer of at most
KIEMDIEM_PAGE_CACHE_MAX_BYTES. A page that read from something the schema's lists do not name
is not kept. A view whose page shows something else the key lacks (the clock) marks its answer
`uncached`. KIEMDIEM_PAGE_CACHE_SECONDS (default 600; 0 under DEBUG, the development server)
bounds an entry's life; 0 turns the cache off.

Figures may lag a little (`may_lag`: the dashboards and statistics, the views whose reads may
come from a read replica): their kept page is served for KIEMDIEM_PAGE_LAG_SECONDS after it was
built (default 30; 0: never) even though what it read has been written since, unless the user
has changed something themselves in that time (an audit event of theirs: they read their own
writes). On the deadline day every progress report writes the summaries' pending deltas that a
dashboard reads, so without this an office watching its dashboard has it built on every read.
The page shows when its figures were merged, as a page built afresh does.

Every page it looks at says what happened in `X-Page-Cache`: hit, lag (served within the lag,
written since), miss (built and kept), or pass (built, not kept).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from kiemdiem.core import table_writes
from kiemdiem.core.dates import today

CACHE_ALIAS = "pages"
HEADER = "X-Page-Cache"
_REQUEST_HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE")

# Bumped when a test changes the settings: the same page may then show something else.
_settings_generation = 0


@receiver(setting_changed)
def _settings_changed(**_kwargs: object) -> None:
    global _settings_generation
    _settings_generation += 1


# --- the database's state -------------------------------------------------------------------

# (alias, table) -> version; on SQLite (alias, "*") -> the whole database's state.
Versions = dict[tuple[str, str], object]
WHOLE = "*"

# SQLite: `PRAGMA data_version` moves whenever another connection commits to the database file,
# in this process or another (checked by hand: a commit of another connection, another
# process, a checkpoint move it; an uncommitted or rolled-back write does not). Django opens a
# connection per request on SQLite (CONN_MAX_AGE 0), so each process keeps one more connection
# of its own, which never writes: every write of the app commits through "another" connection.
_sqlite_watchers: dict[tuple[int, str], tuple[int, sqlite3.Connection]] = {}
_sqlite_tokens = itertools.count(1)
_sqlite_lock = threading.Lock()


def _sqlite_state(db: BaseDatabaseWrapper) -> str:
    """The data_version of this process's watching connection to `db`'s file, with the
    connection's token (a version is that connection's own number)."""
    name = str(db.settings_dict["NAME"])
    key = (os.getpid(), name)  # a forked worker opens its own
    with _sqlite_lock:
        found = _sqlite_watchers.get(key)
        if found is None:
            watcher = sqlite3.connect(
                name, uri=name.startswith("file:"), check_same_thread=False, isolation_level=None
            )
            found = _sqlite_watchers[key] = (next(_sqlite_tokens), watcher)
        token, watcher = found
        (version,) = watcher.execute("PRAGMA data_version").fetchone()
    return f"{token}.{version}"


def database_state(
    aliases: Iterable[str], only: Iterable[tuple[str, str]] | None = None
) -> Versions | None:
    """The versions of the tables of `aliases` (`only` those (alias, table) pairs, or all), or
    None when they cannot be known now (this connection is inside a transaction that wrote, a
    replica is unreachable)."""
    wanted = None if only is None else list(only)
    found: Versions = {}
    for alias in aliases:
        db = connections[alias]
        try:
            if db.vendor == "postgresql":
                tables = None if wanted is None else [t for a, t in wanted if a == alias]
                if tables == []:
                    continue
                counts = table_writes.versions(db, tables)
                if counts is None:
                    return None
                found.update(((alias, table), n) for table, n in counts.items())
            elif db.vendor == "sqlite":
                # Inside a transaction the connection may see rows it has not committed, which
                # the watcher does not (SQLite cannot say whether it wrote): no state.
                if db.in_atomic_block:
                    return None
                found[(alias, WHOLE)] = _sqlite_state(db)
            else:
                return None
        except (DatabaseError, sqlite3.Error):  # no state, no cache: the page is built as usual
            return None
    return found


class _Reads:
    """The tables the queries of a page name while it is built, as (alias, table) pairs: an
    execute wrapper on each PostgreSQL connection (SQLite's state is the whole database's)."""

    def __init__(self, aliases: Iterable[str]) -> None:
        self.tables: set[tuple[str, str]] = set()
        self.unknown = False
        self.watched = [connections[a] for a in aliases if connections[a].vendor == "postgresql"]
        self.whole = {(a, WHOLE) for a in aliases if connections[a].vendor != "postgresql"}
        for db in self.watched:
            db.execute_wrappers.append(self)

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        alias = context["connection"].alias
        named = table_writes.relations(sql, alias)
        if named is None:
            self.unknown = True
        else:
            self.tables.update((alias, table) for table in named)
        return execute(sql, params, many, context)

    def stop(self) -> set[tuple[str, str]] | None:
        """The pairs read, or None when a query read from something unknown."""
        for db in self.watched:
            db.execute_wrappers.remove(self)
        if self.unknown:
            return None
        epochs = {(db.alias, table_writes.EPOCH) for db in self.watched}
        return self.tables | epochs | self.whole


def state_aliases() -> tuple[str, ...]:
    return tuple(connections.settings)  # the primary, and the replica when there is one


# --- the page's key -------------------------------------------------------------------------

# Reads made before the page's tables are watched, whose results go in the key: what every
# page's frame reads about the signed-in user. The org app registers the user's Access (grants,
# positions, memberships, working groups and unread notifications, in one round trip), so that
# a notification for someone else, which every event writes, keeps this user's pages.
_key_reads: list[Callable[[HttpRequest], str]] = []


def key_read(read: Callable[[HttpRequest], str]) -> Callable[[HttpRequest], str]:
    """Register `read(request)`: run before a page is looked for, its text goes in the key, and
    whatever it cached on the request is used by the page without reading it again."""
    _key_reads.append(read)
    return read


def _own_row(user: object) -> str:
    """The signed-in user's own row but for last_login: read before the page's tables are
    watched (by the authentication middleware), so it goes in the key."""
    fields = user._meta.concrete_fields  # type: ignore[attr-defined]
    return repr([getattr(user, f.attname) for f in fields if f.attname != "last_login"])


@functools.cache
def code_version(roots: tuple[str, ...] | None = None) -> str:
    """A digest of the files that make a page: the app's code and templates (`roots`, by
    default the `kiemdiem` package), the pinned packages and the static files' manifest. Read
    once per process (~700 files, ~5 MB)."""
    base = settings.BASE_DIR
    if roots is None:
        roots = (str(base / "kiemdiem"),)
    files = [base / "requirements.lock", base / "package-lock.json"]
    files.append(Path(settings.STATIC_ROOT) / "staticfiles.json")
    for root in roots:
        for folder, subfolders, names in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            files += [Path(folder) / name for name in sorted(names)]
    digest = hashlib.blake2b(digest_size=16)
    for path in files:
        digest.update(str(path).encode() + b"\x00")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\x01")  # absent (no collected static files): absent for all
    return digest.hexdigest()


def page_key(request: HttpRequest, day: datetime.date) -> str:
    session = request.session
    parts = [
        code_version(),
        str(_settings_generation),
        day.isoformat(),
        request.method or "",
        request.get_host(),
        request.scheme,
        request.get_full_path(),
        str(request.user.pk),
        _own_row(request.user),
        getattr(request, "LANGUAGE_CODE", ""),
        repr(sorted(session.items())),
        repr(sorted(request.COOKIES.items())),
        repr(sorted((k, v) for k, v in request.META.items() if k.startswith("HTTP_HX_"))),
        *(request.META.get(name, "") for name in _REQUEST_HEADERS),
        *(read(request) for read in _key_reads),
    ]
    digest = hashlib.blake2b("\x00".join(parts).encode(), digest_size=20).hexdigest()
    return f"page:{digest}"


def _messages_touched(request: HttpRequest) -> bool:
    """The page showed messages (the message middleware removes them from the session only
    after this one) or added some."""
    storage = getattr(request, "_messages", None)
    return storage is not None and (storage.used or storage.added_new)


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not getattr(response, "page_cache_off", False)
        and response.get("Content-Type", "").startswith("text/html")
        and not response.cookies
        and not request.session.modified
        and not _messages_touched(request)
        # The forms' CSRF tokens are made from the secret in the cookie, not a new one that
        # only this response's cookie carries.
        and request.META.get("CSRF_COOKIE")
        in (None, request.COOKIES.get(settings.CSRF_COOKIE_NAME))
        and len(response.content) <= settings.KIEMDIEM_PAGE_CACHE_MAX_BYTES
    )


def uncached(response: HttpResponse) -> HttpResponse:
    """Mark a response that must be built every time (it shows something the key lacks)."""
    response.page_cache_off = True  # type: ignore[attr-defined]
    return response


def may_lag(view: Callable) -> Callable:
    """Mark a view whose kept page may be served up to KIEMDIEM_PAGE_LAG_SECONDS old (above).
    Put it under the decorators that wrap it (functools.wraps carries the mark outwards)."""
    view.page_may_lag = True  # type: ignore[attr-defined]
    return view


def _lag_allowed(request: HttpRequest, view_func: Callable, built: float) -> bool:
    """The page, built from reads begun at `built` (time.time()), may be served although
    written since: its view may lag, it is within the lag, and the user changed nothing
    themselves meanwhile."""
    seconds = settings.KIEMDIEM_PAGE_LAG_SECONDS
    if seconds <= 0 or not getattr(view_func, "page_may_lag", False):
        return False
    now = time.time()
    if now - built > seconds:
        return False
    from kiemdiem.core.models import AuditEvent  # the app's models, once they are loaded

    # Since the start of the window, not since `built`: a change of theirs committed just
    # after the page was built may carry an earlier time.
    since = datetime.datetime.fromtimestamp(now - seconds, tz=datetime.UTC)
    return not AuditEvent.objects.filter(actor_id=request.user.pk, at__gte=since).exists()


def _served(content: bytes, headers: list[tuple[str, str]], how: str) -> HttpResponse:
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    response[HEADER] = how
    return response


def _kept_view(view_func: Callable) -> bool:
    """The app's own pages: not the API (JSON for programs), the Django admin, or a view that
    is not the app's (the benchmarks' hello-world)."""
    module = getattr(view_func, "__module__", "") or ""
    return module.startswith("kiemdiem.") and not module.startswith("kiemdiem.api")


class PageCacheMiddleware:
    """The innermost middleware: a kept page still passes out through all the others (security
    and CSP headers, the session, the CSRF cookie, htmx messages). It looks for a kept page
    once the URL has named its view (process_view), and keeps the page the view made."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        finally:
            pending = getattr(request, "_page_cache", None)
            read = None if pending is None else pending[-1].stop()
        if pending is None:
            return response
        key, aliases, before, day, started, _reads = pending
        if before is None or read is None or not _storable(request, response):
            response[HEADER] = "pass"
            return response
        versions = {pair: before.get(pair, 0) for pair in read}
        if database_state(aliases, read) != versions or today() != day:
            response[HEADER] = "pass"
            return response
        # With the time its reads began: what it shows is as of then (for the lag).
        content = (versions, response.content, list(response.headers.items()), started)
        caches[CACHE_ALIAS].set(key, content, settings.KIEMDIEM_PAGE_CACHE_SECONDS)
        response[HEADER] = "miss"
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, _args: object, _kwargs: object
    ) -> HttpResponse | None:
        if (
            settings.KIEMDIEM_PAGE_CACHE_SECONDS <= 0
            or request.method not in ("GET", "HEAD")
            or not _kept_view(view_func)
            or not request.user.is_authenticated
        ):
            return None
        aliases, day = state_aliases(), today()
        key = page_key(request, day)
        kept = caches[CACHE_ALIAS].get(key)
        if kept is not None:
            versions, content, headers, built = kept
            now = database_state(aliases, versions)
            if now == versions:
                return _served(content, headers, "hit")
            if now is not None and _lag_allowed(request, view_func, built):
                return _served(content, headers, "lag")
        # Built by the view; kept afterwards if what it read did not change meanwhile.
        before = database_state(aliases)
        pending = (key, aliases, before, day, time.time(), _Reads(aliases))
        request._page_cache = pending  # type: ignore[attr-defined]
        return None
