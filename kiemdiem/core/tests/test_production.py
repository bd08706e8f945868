"""Production settings: `check --deploy` is clean, and the development key is refused."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Without the test run's own variables (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KIEMDIEM_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environ.update(DJANGO_SETTINGS_MODULE="kiemdiem.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    done = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        KIEMDIEM_ENV="production",
        KIEMDIEM_SECRET_KEY=secrets.token_urlsafe(60),
        KIEMDIEM_VAR_DIR=str(tmp_path),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_refuses_the_development_key(tmp_path):
    done = manage("check", KIEMDIEM_ENV="production", KIEMDIEM_VAR_DIR=str(tmp_path))
    assert done.returncode != 0
    assert "KIEMDIEM_SECRET_KEY phải được đặt" in done.stderr
