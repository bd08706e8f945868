"""Whole signed-in pages kept while the database has not changed (issue 17, part 9).

A page read twice with nothing written in between is the same page: the second time it is
served from this process's memory (the `pages` cache, settings.CACHES) instead of being built
again. Only the app's own pages (`_kept_view`: not the API, not the Django admin). The key holds
everything a page may depend on:

- the database's state: on PostgreSQL the reading snapshot (`pg_current_snapshot()`, the
  transactions it sees: every commit changes it, a write still running does not); on SQLite
  `PRAGMA data_version` as seen by a connection of this process that never writes (it moves
  with every commit of any other connection), with nothing installed in the database;
  with a read replica, the replica's state too;
- who asks and how: the user, the session's data (messages waiting in it, the user's choices),
  every cookie (the CSRF secret that the page's forms carry, the replica pin), the host, the
  full path with its query, the htmx headers, Accept and the language;
- the day in Vietnam (`core.dates.today`: deadlines turn overdue at midnight).

A page is stored only when building it changed nothing: no write (the state read again after
the view is the same), no session change, no message shown or added, no cookie set by the
view, no new CSRF secret; and only a complete 200 HTML answer of at most
KIEMDIEM_PAGE_CACHE_MAX_BYTES. A view whose page shows something else the key lacks (the clock)
marks its answer `uncached`. KIEMDIEM_PAGE_CACHE_SECONDS (default 600; 0 under DEBUG, the
development server) bounds an entry's life; 0 turns the cache off. Every page it looks at
says what happened in `X-Page-Cache`: hit, miss (built and kept), or pass (built, not kept).

Its limit: the state is the whole database's. One commit anywhere, in any province, makes every
kept page of every process be built again; on a busy deadline day the cache is nearly idle and
pages cost what they cost without it (docs/performance.md, part 9).
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

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

# The reading snapshot names exactly which transactions it sees: every one below xmin, none from
# xmax (one more than the latest that ended), and between them all but those listed as running.
# The same text means the same committed rows; any commit makes the next snapshot's text
# another. A transaction of this connection that has written sees its own rows too: no state.
_PG_STATE = "SELECT pg_current_snapshot()::text WHERE pg_current_xact_id_if_assigned() IS NULL"


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


def database_state(aliases: Iterable[str]) -> str | None:
    """A token that changes whenever a write commits on any of `aliases`; None when it cannot be
    known now (this connection is inside a transaction that wrote, a replica is unreachable)."""
    parts = []
    for alias in aliases:
        db = connections[alias]
        try:
            if db.vendor == "postgresql":
                with db.cursor() as cursor:
                    cursor.execute(_PG_STATE)
                    row = cursor.fetchone()
            elif db.vendor == "sqlite":
                # Inside a transaction the connection may see rows it has not committed, which
                # the watcher does not (SQLite cannot say whether it wrote): no state.
                row = None if db.in_atomic_block else (_sqlite_state(db),)
            else:
                return None
        except (DatabaseError, sqlite3.Error):  # no state, no cache: the page is built as usual
            return None
        if row is None:
            return None
        parts.append(f"{alias}:{row[0]}")
    return "|".join(parts)


def state_aliases() -> tuple[str, ...]:
    return tuple(connections.settings)  # the primary, and the replica when there is one


# --- the page's key -------------------------------------------------------------------------


def page_key(request: HttpRequest, state: str, day: datetime.date) -> str:
    session = request.session
    parts = [
        state,
        str(_settings_generation),
        day.isoformat(),
        request.method or "",
        request.get_host(),
        request.scheme,
        request.get_full_path(),
        str(request.user.pk),
        getattr(request, "LANGUAGE_CODE", ""),
        repr(sorted(session.items())),
        repr(sorted(request.COOKIES.items())),
        repr(sorted((k, v) for k, v in request.META.items() if k.startswith("HTTP_HX_"))),
        *(request.META.get(name, "") for name in _REQUEST_HEADERS),
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
        response = self.get_response(request)
        pending = getattr(request, "_page_cache", None)
        if pending is None:
            return response
        key, aliases, state, day = pending
        if (
            state is None
            or not _storable(request, response)
            or database_state(aliases) != state
            or today() != day
        ):
            response[HEADER] = "pass"
            return response
        content = (response.content, list(response.headers.items()))
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
        state = database_state(aliases)
        key = "" if state is None else page_key(request, state, day)
        kept = caches[CACHE_ALIAS].get(key) if key else None
        if kept is None:  # built by the view; kept afterwards if nothing changed
            request._page_cache = (key, aliases, state, day)  # type: ignore[attr-defined]
            return None
        content, headers = kept
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        response[HEADER] = "hit"
        return response
