import subprocess
import sys

import pytest
from django.urls import reverse

from kiemdiem.org import services


def test_audit_page_is_scoped(client, org_tree, outsider, office):
    services.unit_update(unit=org_tree.district_a1, by=office, name="Tên mới A1", reason="lý do A")
    client.force_login(outsider)
    html = client.get(reverse("core:audit-list")).content.decode()
    assert "lý do A" not in html
    client.force_login(office)
    html = client.get(reverse("core:audit-list"), {"unit": "X38A1"}).content.decode()
    assert "lý do A" in html


def test_audit_filters_by_actor_and_date(client, org_tree, office, admin):
    services.unit_update(unit=org_tree.district_a1, by=office, name="Tên mới A1", reason="lý do B")
    client.force_login(admin)
    assert (
        "lý do B"
        in client.get(reverse("core:audit-list"), {"actor": "vanphong_a"}).content.decode()
    )
    assert (
        "lý do B"
        not in client.get(reverse("core:audit-list"), {"actor": "quantri"}).content.decode()
    )
    html = client.get(reverse("core:audit-list"), {"from": "01/01/2099"}).content.decode()
    assert "lý do B" not in html
    assert (
        "không hợp lệ"
        in client.get(reverse("core:audit-list"), {"from": "99/99/2026"}).content.decode()
    )


def test_member_cannot_read_audit(client, org_tree, member):
    client.force_login(member)
    assert client.get(reverse("core:audit-list")).status_code == 403


def test_home_lists_roles(client, org_tree, office):
    client.force_login(office)
    html = client.get(reverse("core:home")).content.decode()
    assert "Văn phòng / Ban Tổ chức cấp ủy" in html and "Đảng bộ tỉnh Thanh Hóa" in html


def test_top_bar_names_the_linked_person_or_the_login(client, org_tree, member, office):
    client.force_login(member)
    html = client.get(reverse("core:home")).content.decode()
    assert org_tree.members_a1[0].full_name in html
    client.force_login(office)  # a login with no person record: its user name
    html = client.get(reverse("core:home")).content.decode()
    assert '<span class="navbar-text me-3 small">vanphong_a</span>' in html


def test_login_lockout_after_repeated_failures(client, org_tree, office, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "vanphong_a", "password": "sai-mat-khau"})
    response = client.post(
        reverse("login"), {"username": "vanphong_a", "password": "mat-khau-thu-2026"}
    )
    assert "tạm bị khóa" in response.content.decode()


def test_wrong_password_message_is_vietnamese(client, org_tree, office):
    response = client.post(reverse("login"), {"username": "vanphong_a", "password": "sai"})
    assert "không đúng" in response.content.decode()


def test_password_change_enforces_validators(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("password_change"),
        {"old_password": "mat-khau-thu-2026", "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    office.refresh_from_db()
    assert office.check_password("mat-khau-thu-2026")


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def prod_env(tmp_path):
    import os

    # Neither our settings nor the browser tests' async flag may leak into the production check.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KIEMDIEM_") and k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kiemdiem.settings",
        KIEMDIEM_ENV="production",
        KIEMDIEM_VAR_DIR=str(tmp_path),
        KIEMDIEM_ALLOWED_HOSTS="kiemdiem.example.vn",
    )
    return env


def test_production_refuses_development_secret_key(prod_env):
    result = _manage("check", env=prod_env)
    assert result.returncode != 0
    assert "KIEMDIEM_SECRET_KEY" in result.stderr


def test_production_check_deploy_is_clean(prod_env):
    prod_env["KIEMDIEM_SECRET_KEY"] = "x" * 20 + "-production-secret-for-the-test-only-0123456789"
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=prod_env)
    assert result.returncode == 0, result.stdout + result.stderr
