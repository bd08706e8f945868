"""gunicorn.conf.py's hooks: the worker moves its long-lived objects out of the cycle
collector's reach once the app is loaded and again after its first requests."""

import gc
import runpy
import types
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[3] / "gunicorn.conf.py"


@pytest.fixture
def frozen_count():
    gc.unfreeze()
    yield gc.get_freeze_count
    gc.unfreeze()  # the rest of the suite collects as usual


def _hooks(monkeypatch, after: str) -> dict:
    monkeypatch.setenv("KIEMDIEM_WEB_GC_FREEZE_AFTER", after)
    # what the file sets for its process is restored after the test
    for name in ("KIEMDIEM_DB_PARALLEL_WORKERS", "KIEMDIEM_PAGE_CACHE_SHARED"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    return runpy.run_path(str(CONF))


def test_a_worker_freezes_once_loaded_and_after_its_first_requests(monkeypatch, frozen_count):
    conf = _hooks(monkeypatch, "3")
    worker = types.SimpleNamespace(nr=0)
    conf["post_worker_init"](worker)
    assert frozen_count() > 0
    gc.unfreeze()
    for nr in (1, 2):
        worker.nr = nr
        conf["post_request"](worker, None, {}, None)
        assert frozen_count() == 0, nr
    worker.nr = 3
    conf["post_request"](worker, None, {}, None)
    assert frozen_count() > 0
    gc.unfreeze()
    worker.nr = 4
    conf["post_request"](worker, None, {}, None)
    assert frozen_count() == 0  # once: not after every request


def test_zero_turns_the_freezing_off(monkeypatch, frozen_count):
    conf = _hooks(monkeypatch, "0")
    worker = types.SimpleNamespace(nr=0)
    conf["post_worker_init"](worker)
    worker.nr = 100
    conf["post_request"](worker, None, {}, None)
    assert frozen_count() == 0
