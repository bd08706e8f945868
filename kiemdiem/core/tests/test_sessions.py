"""core.sessions: the session Django's database store would load, read by a query compiled once."""

import datetime
from unittest import mock

import pytest
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from kiemdiem.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def stored(data: dict, *, expires_in: datetime.timedelta) -> str:
    """The key of a session saved with `data`, expiring `expires_in` from now."""
    store = db.SessionStore()
    store.update(data)
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    return store.session_key


def test_loads_what_djangos_store_loads_compiled_once():
    live = stored({"who": "bithuchibo"}, expires_in=datetime.timedelta(hours=1))
    other = stored({"who": "vanphong"}, expires_in=datetime.timedelta(minutes=5))
    expired = stored({"who": "dangvien"}, expires_in=-datetime.timedelta(seconds=1))
    compile_sql = SQLCompiler.as_sql
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=compile_sql) as sql:
        loaded = {key: SessionStore(key).load() for key in (live, other, expired, "khong-co")}
    assert sql.call_count <= 1  # once for every key (none if an earlier test compiled it)
    assert loaded[live] == {"who": "bithuchibo"} and loaded[other] == {"who": "vanphong"}
    assert loaded[expired] == {} and loaded["khong-co"] == {}
    for key, data in loaded.items():
        assert data == db.SessionStore(key).load()


def test_an_expired_session_is_replaced_not_revived():
    expired = stored({"who": "dangvien"}, expires_in=-datetime.timedelta(seconds=1))
    store = SessionStore(expired)
    store["step"] = 1
    store.save()
    assert store.session_key != expired
    assert SessionStore(store.session_key).load() == {"step": 1}
    assert SessionStore(expired).load() == {}
