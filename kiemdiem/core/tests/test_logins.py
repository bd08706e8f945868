"""Logins: lockout per account (from many addresses) and per address, all attempts audited."""

from django.urls import reverse

from kiemdiem.core.models import AuditAction, AuditEvent

GOOD = "mat-khau-thu-2026"


def _login(client, username: str, password: str, ip: str):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_one_account_guessed_from_many_addresses_is_locked(
    client, org_tree, office, admin, settings
):
    """100 wrong passwords from 25 loopback addresses: locked after the account's limit."""
    statuses = [
        _login(client, "vanphong_a", f"sai-{n}", f"127.0.0.{n % 25 + 1}").status_code
        for n in range(100)
    ]
    limit = settings.KIEMDIEM_LOGIN_FAILURE_LIMIT
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert set(statuses[limit:]) == {429}
    # Even the right password, from a fresh address, is refused until the cool-off ends.
    response = _login(client, "vanphong_a", GOOD, "127.0.0.99")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Tài khoản <strong>vanphong_a</strong> đã bị tạm khóa" in html
    assert "liên hệ văn phòng (ban tổ chức) cấp ủy" in html
    print(
        f"FIGURES R8 account: 100 wrong passwords from 25 addresses, locked at "
        f"failure no. {statuses.index(429) + 1}, {statuses.count(429)} refused"
    )
    # Another account from those addresses is not affected.
    assert _login(client, "quantri", GOOD, "127.0.0.3").status_code == 302


def test_one_address_trying_many_accounts_is_locked(client, org_tree, office, settings):
    settings.KIEMDIEM_LOGIN_IP_FAILURE_LIMIT = 8
    statuses = [_login(client, f"khong-co-{n}", "sai", "127.0.0.7").status_code for n in range(12)]
    assert statuses[:7] == [200] * 7 and set(statuses[8:]) == {429}
    print(
        f"FIGURES R8 address: 12 accounts tried from one address, locked at "
        f"failure no. {statuses.index(429) + 1}"
    )
    response = _login(client, "vanphong_a", GOOD, "127.0.0.7")
    assert response.status_code == 429 and "Máy này đã bị tạm chặn" in response.content.decode()
    assert _login(client, "vanphong_a", GOOD, "127.0.0.8").status_code == 302


def test_failed_and_successful_logins_are_in_the_audit_trail(client, org_tree, office):
    _login(client, "vanphong_a", "sai-mat-khau", "127.0.0.5")
    _login(client, "ai-do", "sai", "127.0.0.5")
    _login(client, "vanphong_a", GOOD, "127.0.0.6")
    rows = list(AuditEvent.objects.filter(action=AuditAction.LOGIN).order_by("id"))
    assert [r.changes["kết quả"][1] for r in rows] == [
        "Sai tên đăng nhập hoặc mật khẩu",
        "Sai tên đăng nhập hoặc mật khẩu",
        "Đăng nhập thành công",
    ]
    assert rows[0].object_id == str(office.pk) and rows[0].actor is None
    assert rows[1].changes["tên đăng nhập"][1] == "ai-do"
    assert rows[2].actor == office and rows[2].reason == "từ địa chỉ 127.0.0.6"
    assert "sai-mat-khau" not in str([r.changes for r in rows])  # no password is kept
    # The success resets axes' counter, but the audit rows of the failures stay.
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN).count() == 3


def _lock(client, username: str, settings) -> None:
    for n in range(settings.KIEMDIEM_LOGIN_FAILURE_LIMIT):
        _login(client, username, f"sai-{n}", "127.0.0.9")


def test_office_unlocks_a_member_login_and_it_is_audited(
    client, org_tree, office, outsider, member, settings
):
    from django.test import Client

    _lock(Client(), member.username, settings)
    assert _login(Client(), member.username, GOOD, "127.0.0.10").status_code == 429
    # The office of another province does not see the lock and cannot unlock it.
    client.force_login(outsider)
    assert member.username not in client.get(reverse("org:lockout-list")).content.decode()
    client.post(reverse("org:lockout-unlock"), {"username": member.username})
    assert _login(Client(), member.username, GOOD, "127.0.0.10").status_code == 429
    # The member's own office does.
    client.force_login(office)
    html = client.get(reverse("org:lockout-list")).content.decode()
    assert member.username in html and org_tree.members_a1[0].full_name in html
    response = client.post(
        reverse("org:lockout-unlock"), {"username": member.username}, follow=True
    )
    assert f"Đã mở khóa đăng nhập cho {member.username}." in response.content.decode()
    assert _login(Client(), member.username, GOOD, "127.0.0.10").status_code == 302
    row = AuditEvent.objects.filter(reason=f"Mở khóa đăng nhập cho {member.username}").get()
    assert row.actor == office and row.object_id == str(member.pk)


def test_members_cannot_open_the_lockout_page(client, org_tree, member):
    client.force_login(member)
    assert client.get(reverse("org:lockout-list")).status_code == 403
    assert client.post(reverse("org:lockout-unlock"), {"username": "x"}).status_code == 403
