"""Kept pages (kiemdiem/core/page_cache.py): served again only while nothing they show changed."""

import datetime
import json
import os
import sqlite3
import subprocess
import sys
import threading
import zoneinfo
from unittest import mock

import psycopg
import pytest
import time_machine
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import resolve, reverse

from kiemdiem.core import page_cache
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the snapshot state is PostgreSQL's"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own state")
# Committed writes, as in production: inside a test's open transaction PostgreSQL never keeps a
# page (the transaction has written, its state is not a committed one).
pytestmark = pytest.mark.django_db(transaction=True)
# On PostgreSQL the state is the whole server's, which the other test workers' databases share:
# their commits make a page be built again at any moment. So "kept" is asserted as "served kept
# within a few reads" and "not kept" as "not served kept" (SQLite's state is this database's:
# the first read after keeping is kept).
TRIES = 30


def _get(client: Client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return response.get(page_cache.HEADER), response.content.decode()


def _kept_by(read, url: str) -> str:
    """The page served kept (`read()`, an (X-Page-Cache, HTML) pair, again until it is), its
    HTML: the same bytes as the page built and kept before it."""
    built = None
    for _ in range(TRIES):
        state, html = read()
        if state == "hit":
            assert built is None or html == built
            return html
        assert state in ("miss", "pass")
        if state == "miss":
            built = html
    raise AssertionError(f"{url} was never served kept in {TRIES} reads")


def _kept(client: Client, url: str) -> str:
    return _kept_by(lambda: _get(client, url), url)


def _warm(client: Client, user, url: str) -> str:
    """Sign in, take the CSRF cookie (the first answer makes it: not kept), have the page kept;
    the kept page."""
    client.force_login(user)
    assert _get(client, url)[0] == "pass"
    return _kept(client, url)


@pytest.fixture
def unit_url(org_tree):
    return reverse("org:unit-detail", args=[org_tree.province_a.pk])


def test_a_page_read_again_with_nothing_written_is_the_kept_one(client, office, unit_url):
    kept = _warm(client, office, unit_url)
    assert _kept(client, unit_url) == kept
    response = client.get(unit_url)  # the outer middleware still answer for a kept page
    assert response["Content-Security-Policy"] and response["X-Frame-Options"] == "DENY"


def test_a_write_through_the_services_shows_on_the_next_read(client, org_tree, office, unit_url):
    _warm(client, office, unit_url)
    services.unit_update(unit=org_tree.province_a, by=SYSTEM, name="Đảng bộ tỉnh Thanh Hoá mới")
    state, html = _get(client, unit_url)
    assert state != "hit"
    assert "Đảng bộ tỉnh Thanh Hoá mới" in html


def test_a_write_with_no_audit_and_no_model_save_shows_too(client, org_tree, office, unit_url):
    _warm(client, office, unit_url)
    Unit.objects.filter(pk=org_tree.province_a.pk).update(name="Tên sửa thẳng trong bảng")
    state, html = _get(client, unit_url)
    assert state != "hit"
    assert "Tên sửa thẳng trong bảng" in html


def _signed_in_as(html: str) -> str:
    """The name on the page's user menu (base.html)."""
    return html.split('data-testid="user-menu">', 1)[1].split("<", 1)[0]


def test_another_user_never_gets_a_page_kept_for_someone_else(client, office, unit_head, unit_url):
    assert _signed_in_as(_warm(client, office, unit_url)) == "vanphong_a"
    other = Client()
    other.force_login(unit_head)
    other.get(unit_url)
    state, html = _get(other, unit_url)
    assert state != "hit"
    assert _signed_in_as(html) == "Đỗ Trọng Hưng"


def test_a_message_is_shown_once_and_never_replayed_from_a_kept_page(client, office, unit_url):
    kept = _warm(client, office, unit_url)
    waiting = HttpRequest()
    waiting.session = client.session
    storage = SessionStorage(waiting)
    storage.add(messages.SUCCESS, "Thông báo thử một lần")
    storage.update(HttpResponse())
    waiting.session.save()
    state, html = _get(client, unit_url)
    assert "Thông báo thử một lần" in html
    assert state == "pass"  # showing it consumed it: the session changed
    state, html = _get(client, unit_url)
    assert "Thông báo thử một lần" not in html
    # The session is again what it was when the page was kept, so that page may be served (on
    # PostgreSQL the sessions' table is not among the page's: the session's data is in the key;
    # on SQLite the session's write moved the whole database's state).
    assert state != "hit" or html == kept


def test_no_csrf_cookie_means_not_kept_and_the_kept_forms_still_post(client, org_tree, office):
    client.force_login(office)
    url = reverse("org:unit-edit", args=[org_tree.cell_a1.pk])
    assert _get(client, url)[0] == "pass"  # its token came with a new secret in its cookie
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(office)
    strict.get(url)
    html = _kept(strict, url)
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    cell = Unit.objects.get(pk=org_tree.cell_a1.pk)
    response = strict.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "code": cell.code,
            "name": "Chi bộ Tổ Toán – Tin",
            "kind": cell.kind,
            "valid_from": cell.valid_from.strftime("%d/%m/%Y") if cell.valid_from else "",
            "version": cell.version,
            "reason": "đổi tên",
        },
    )
    assert response.status_code in (200, 302)  # not 403: the kept token is the cookie's
    assert response.status_code != 403


def test_midnight_in_vietnam_builds_the_page_again(client, office, unit_url):
    vietnam = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 23, 50, tzinfo=vietnam), tick=False):
        _warm(client, office, unit_url)
    with time_machine.travel(datetime.datetime(2026, 3, 3, 0, 10, tzinfo=vietnam), tick=False):
        assert _get(client, unit_url)[0] != "hit"


def test_anonymous_pages_and_a_zero_life_are_not_kept(client, office, unit_url, settings):
    assert client.get(reverse("login")).get(page_cache.HEADER) is None
    settings.KIEMDIEM_PAGE_CACHE_SECONDS = 0
    client.force_login(office)
    for _ in range(3):
        assert client.get(unit_url).get(page_cache.HEADER) is None


def _answer(view, user, path: str = "/trang-thu/") -> tuple[str | None, str]:
    """`view` answering `path` to `user` behind the page cache: (X-Page-Cache, the HTML)."""
    request = RequestFactory().get(path)
    request.user = user
    request.session = SessionStore()
    middleware = page_cache.PageCacheMiddleware(view)
    response = middleware.process_view(request, view, (), {}) or middleware(request)
    return response.get(page_cache.HEADER), response.content.decode()


def _through_the_cache(view, user, path: str = "/trang-thu/") -> str | None:
    return _answer(view, user, path)[0]


def _page(_request) -> HttpResponse:
    return HttpResponse("<p>trang</p>")


def _download(_request):
    return HttpResponse(b"PK..", content_type=XLSX)


def _conflict(_request):
    return HttpResponse("<p>lỗi</p>", status=409)


def _marked(request):
    return page_cache.uncached(_page(request))


def _sets_session(request):
    request.session["chon"] = 1
    return _page(request)


def _sets_cookie(request):
    response = _page(request)
    response.set_cookie("chon", "1")
    return response


def _writes(request):
    Unit.objects.update(admin_code="GHI")
    return _page(request)


@pytest.mark.parametrize(
    "view", [_download, _conflict, _marked, _sets_session, _sets_cookie, _writes]
)
def test_what_a_view_answers_or_changes_keeps_its_page_out(db, office, view):
    assert "hit" in [_through_the_cache(_page, office) for _ in range(TRIES)]
    assert _through_the_cache(view, office, "/trang-khac/") == "pass"
    assert _through_the_cache(view, office, "/trang-khac/") == "pass"


def _elsewhere(request):
    return _page(request)


_elsewhere.__module__ = "bench.urls"


def test_views_that_are_not_the_apps_pages_are_left_alone(db, office, django_assert_num_queries):
    """The API, the Django admin, a benchmark's hello-world: no state read, nothing kept."""
    with django_assert_num_queries(0):
        assert _through_the_cache(_elsewhere, office) is None
        assert _through_the_cache(_elsewhere, office) is None


@on_sqlite
def test_sqlite_a_write_by_another_connection_shows_once_committed(org_tree, office, unit_url):
    """Another process's commit (the task worker, a second web worker): SQLite's data_version,
    as this connection sees it, moves; the page is built again."""
    client = Client()
    _warm(client, office, unit_url)
    name = connection.settings_dict["NAME"]
    other = sqlite3.connect(name, uri=str(name).startswith("file:"), isolation_level=None)
    try:
        other.execute("BEGIN")
        other.execute(
            "UPDATE org_unit SET name = ? WHERE id = ?",
            ["Đang sửa ở nơi khác", org_tree.province_a.pk],
        )
        other.execute("COMMIT")
    finally:
        other.close()
    state, html = _get(client, unit_url)
    assert state != "hit"
    assert "Đang sửa ở nơi khác" in html


@on_sqlite
def test_sqlite_state_is_the_databases_not_the_connections(org_tree):
    """Django opens a connection per request on SQLite: another connection (here another
    thread's) reads the same state, until something commits; inside a transaction, none."""
    before = page_cache.database_state(["default"])
    seen = []
    reader = threading.Thread(target=lambda: seen.append(page_cache.database_state(["default"])))
    reader.start()
    reader.join()
    assert seen == [before] and before is not None
    Unit.objects.filter(pk=org_tree.province_a.pk).update(name="Tên mới")
    assert page_cache.database_state(["default"]) not in (before, None)
    with transaction.atomic():
        assert page_cache.database_state(["default"]) is None


def other_connection(**options) -> psycopg.Connection:
    """A second PostgreSQL server process, as another web worker or the task worker would be."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, **options)


@on_postgres
def test_postgres_a_write_running_elsewhere_shows_only_once_committed(org_tree, office, unit_url):
    client = Client()
    _warm(client, office, unit_url)
    other = other_connection()
    try:
        other.execute(
            "UPDATE org_unit SET name = %s WHERE id = %s",
            ["Đang sửa ở nơi khác", org_tree.province_a.pk],
        )
        # Not visible until it commits, kept page or not. (Kept, when no other test's commit
        # moved the state meanwhile: the state is the whole server's, shared with the other
        # test workers' databases.)
        state, html = _get(client, unit_url)
        assert state in ("hit", "miss")
        assert "Đang sửa ở nơi khác" not in html
        other.commit()
    finally:
        other.close()
    state, html = _get(client, unit_url)
    assert state != "hit"
    assert "Đang sửa ở nơi khác" in html


# --- figures that may lag (page_cache.may_lag: the dashboards and statistics) --------------


def _names(_request) -> HttpResponse:
    return HttpResponse("<p>" + ", ".join(Unit.objects.values_list("name", flat=True)) + "</p>")


@page_cache.may_lag
def _figures(request) -> HttpResponse:
    return _names(request)


def _kept_answer(view, user, path: str) -> str:
    """Have `view`'s page at `path` kept; its HTML."""
    return _kept_by(lambda: _answer(view, user, path), path)


def test_figures_are_served_kept_for_a_while_after_others_write_and_not_longer(
    db, org_tree, office, settings
):
    settings.KIEMDIEM_PAGE_LAG_SECONDS = 30
    figures = _kept_answer(_figures, office, "/so-lieu/")
    page = _kept_answer(_names, office, "/trang-thu/")
    assert figures == page and "Đảng bộ tỉnh Thanh Hóa" in figures
    services.unit_update(unit=org_tree.province_a, by=SYSTEM, name="Tỉnh đổi tên")

    assert _answer(_figures, office, "/so-lieu/") == ("lag", figures)  # as it was built
    state, html = _answer(_names, office, "/trang-thu/")  # a page that may not lag
    assert state != "hit" and "Tỉnh đổi tên" in html

    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=31)
    with time_machine.travel(later, tick=False):
        state, html = _answer(_figures, office, "/so-lieu/")
    assert state not in ("hit", "lag") and "Tỉnh đổi tên" in html


def test_who_changed_something_reads_the_figures_afresh(db, org_tree, office, settings):
    """Read-your-writes: an audit event of the user's own within the lag."""
    settings.KIEMDIEM_PAGE_LAG_SECONDS = 30
    _kept_answer(_figures, office, "/so-lieu/")
    services.unit_update(unit=org_tree.province_a, by=office, name="Văn phòng vừa sửa")
    state, html = _answer(_figures, office, "/so-lieu/")
    assert state not in ("hit", "lag") and "Văn phòng vừa sửa" in html


def test_no_lag_when_it_is_set_to_zero(db, org_tree, office, settings):
    settings.KIEMDIEM_PAGE_LAG_SECONDS = 0
    _kept_answer(_figures, office, "/so-lieu/")
    Unit.objects.filter(pk=org_tree.province_a.pk).update(name="Sửa thẳng trong bảng")
    state, html = _answer(_figures, office, "/so-lieu/")
    assert state not in ("hit", "lag") and "Sửa thẳng trong bảng" in html


@pytest.mark.parametrize(
    ("name", "args", "lags"),
    [
        ("dashboard:cycle-list", [], True),
        ("dashboard:cycle-unit", [1, 1], True),
        ("classification:statistics", [], True),
        ("org:unit-detail", [1], False),
        ("remediation:plan-list", [], False),
    ],
)
def test_the_dashboards_and_statistics_may_lag_and_nothing_else(name, args, lags):
    """The mark passes through @login_required to the view the middleware is given."""
    view = resolve(reverse(name, args=args)).func
    assert getattr(view, "page_may_lag", False) is lags


# --- kept pages shared by the web workers (KIEMDIEM_PAGE_CACHE_SHARED) ------------------------

_OTHER_WORKER = """
import json, os, sys
import django
django.setup()
from django.test import Client
client = Client()
for name, value in json.loads(sys.argv[1]).items():
    client.cookies[name] = value
response = client.get(sys.argv[2])
html = response.content.decode()
print(response.status_code, response.get("X-Page-Cache"), html.count(sys.argv[3]))
"""


@on_postgres
def test_a_page_kept_by_one_worker_is_served_by_another(org_tree, office, unit_url, tmp_path):
    """Another process (a second gunicorn worker) with the shared store, as gunicorn.conf.py
    sets it: the page this one built and kept is served kept there, not built again."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kiemdiem.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}"
        f"/{db['NAME']}",
        "KIEMDIEM_PAGE_CACHE_SHARED": "1",
        "KIEMDIEM_VAR_DIR": str(tmp_path),
        "KIEMDIEM_ALLOWED_HOSTS": "testserver",  # the test client's host, as here
    }
    pages = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(tmp_path / "pages"),
    }
    with override_settings(CACHES={**settings.CACHES, "pages": pages}):
        # The other process's key: its settings were never changed by a test.
        with mock.patch.object(page_cache, "_settings_generation", 0):
            client = Client()
            html = _warm(client, office, unit_url)
    cookies = json.dumps({name: morsel.value for name, morsel in client.cookies.items()})
    marker = "Đảng bộ tỉnh Thanh Hóa"
    answer = subprocess.run(
        [sys.executable, "-c", _OTHER_WORKER, cookies, unit_url, marker],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert answer[:2] == ["200", "hit"]
    assert int(answer[2]) == html.count(marker) > 0


def test_the_code_version_follows_the_files(tmp_path):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>một</p>")
    before = page_cache.code_version((str(tmp_path),))
    assert page_cache.code_version((str(tmp_path),)) == before
    page.write_text("<p>hai</p>")
    page_cache.code_version.cache_clear()
    assert page_cache.code_version((str(tmp_path),)) != before
