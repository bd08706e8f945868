"""Read replica: dashboards, statistics and XLSX exports read from a streaming standby; every
other read, and every write, goes to the primary; a browser that wrote is pinned to the primary
for a few seconds so that its user reads their own writes.

Active only when the settings name a replica (DATABASE_REPLICA_URL: settings.py then adds the
"replica" database, ReplicaRouter to DATABASE_ROUTERS and ReplicaMiddleware to MIDDLEWARE).
Without it nothing here runs: SQLite and a single PostgreSQL work as before.

How code says "my reads may come from the replica": `@replica_view` on a view (under
`@login_required`, so the user and session are read first, from the primary), or
`with replica_reads():` around a block (the exports wrap the rows of the sheet). Inside that
scope the router sends a read to the replica unless
- the browser wrote less than KIEMDIEM_REPLICA_PIN_SECONDS ago (read-your-writes: a signed,
  timestamped cookie set on the response of every request that wrote, checked on the next ones),
- this request already wrote to that model's table (it reads its own rows back from the primary),
- the model is one of the login's (sessions, users, lockouts) or the task queue's,
- the replica cannot be reached (this process then reads from the primary for DOWN_SECONDS; a
  replica view that meets the replica failing mid-page reads the page again from the primary).
Raw SQL asks `reading(Model)` for the connection the router would pick.

Why a cookie and not the session: the session lives in the database, so pinning through it would
add an UPDATE of django_session to every write request (on the primary, in the request's time),
and the login POST itself writes before any session exists; the cookie costs nothing, works
before login, and is signed with its time, so a client cannot stretch or forge the window (a
forged or expired cookie is ignored: the request reads from the replica). Its limit: it pins a
browser, not a person; the same user in another browser may see data as old as the replica's
lag (under a second on a healthy standby) for those few seconds.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse

from kiemdiem.core.page_cache import may_lag

REPLICA = "replica"
PIN_COOKIE = "kiemdiem_primary"
PIN_SALT = "kiemdiem.core.db_router.pin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Never from the replica: a session or login written a moment ago must be found, lockouts
# counted where they are written, the queue claimed where it is written.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "axes", "django_q", "contenttypes"})


def pin_seconds() -> int:
    return getattr(settings, "KIEMDIEM_REPLICA_PIN_SECONDS", 10)


@dataclass
class Routing:
    """What the router knows about the request (or the task) it is serving."""

    replica_ok: bool = False  # inside a replica_reads scope
    pinned: bool = False  # the browser wrote less than pin_seconds() ago
    written: set[str] = field(default_factory=set)  # models this request wrote ("app.Model")


_routing: ContextVar[Routing | None] = ContextVar("kiemdiem_db_routing", default=None)


def current() -> Routing | None:
    return _routing.get()


_down_until = 0.0  # this process found the replica unreachable: primary only until then
DOWN_SECONDS = 30


def replica_down() -> None:
    """The replica failed: this process reads from the primary for DOWN_SECONDS."""
    global _down_until
    _down_until = time.monotonic() + DOWN_SECONDS


def _replica_usable() -> bool:
    if time.monotonic() < _down_until:
        return False
    if REPLICA not in settings.DATABASES:  # no replica: the flag only (tests record decisions)
        return True
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()  # once a request, as Django's first query would
        replica.ensure_connection()
    except OperationalError:
        replica_down()
        return False
    return True


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may come from the replica (see the module's rules). If the replica
    cannot be reached, they come from the primary (and do for DOWN_SECONDS in this process)."""
    state = _routing.get()
    token = None
    if state is None:  # outside a request (a task): a state for the block only
        state = Routing()
        token = _routing.set(state)
    before = state.replica_ok
    state.replica_ok = _replica_usable()
    try:
        yield
    finally:
        state.replica_ok = before
        if token is not None:
            _routing.reset(token)


def replica_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view whose reads may come from the replica (put it under @login_required). Its
    figures may lag: its kept page may also be served a few seconds old (page_cache.may_lag)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in SAFE_METHODS:
            return view(request, *args, **kwargs)
        try:
            with replica_reads():
                return view(request, *args, **kwargs)
        except OperationalError:
            if REPLICA not in settings.DATABASES or connections[REPLICA].is_usable():
                raise  # the primary's error, or a replica that answers: not ours to hide
            replica_down()  # the replica went away mid-page: a GET, so read it all again
            return view(request, *args, **kwargs)

    return may_lag(wrapped)


def reading(model: type) -> BaseDatabaseWrapper:
    """The connection a raw-SQL read of `model`'s table should use."""
    return connections[router.db_for_read(model) or DEFAULT_DB_ALIAS]


class ReplicaRouter:
    """Reads inside a replica_reads scope to the replica (unless pinned); everything else,
    every write and every migration to the primary."""

    replica = REPLICA

    def db_for_read(self, model: type, **hints: Any) -> str:
        state = _routing.get()
        meta = model._meta  # type: ignore[attr-defined]
        if (
            state is None
            or not state.replica_ok
            or state.pinned
            or meta.app_label in PRIMARY_ONLY_APPS
            or meta.label in state.written
        ):
            return DEFAULT_DB_ALIAS
        return self.replica

    def db_for_write(self, model: type, **hints: Any) -> str:
        state = _routing.get()
        if state is not None:
            state.written.add(model._meta.label)  # type: ignore[attr-defined]
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        return db != self.replica


class ReplicaMiddleware:
    """Opens the router's state for the request and pins the browser to the primary for
    pin_seconds() after any request that wrote (any method but GET/HEAD/OPTIONS/TRACE, or any
    write through the ORM: a GET that records something counts too). Placed before the session
    middleware, so that a session saved on the way out counts as a write."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = pin_seconds()
        pinned = (
            request.get_signed_cookie(PIN_COOKIE, default=None, salt=PIN_SALT, max_age=seconds)
            is not None
        )
        state = Routing(pinned=pinned)
        token = _routing.set(state)
        try:
            response = self.get_response(request)
        finally:
            _routing.reset(token)
        if state.written or request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
