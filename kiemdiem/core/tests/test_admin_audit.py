"""Admin changes to logins, groups and permissions are audited; login logs cannot be deleted."""

from axes.models import AccessFailureLog, AccessLog
from django.contrib.auth.models import Group, Permission

from kiemdiem.core.models import AuditAction, AuditEvent


def _user_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%d/%m/%Y"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "initial-date_joined_0": user.date_joined.strftime("%d/%m/%Y"),
        "initial-date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return data


def test_making_someone_superuser_in_the_admin_is_audited(client, org_tree, admin, office):
    client.force_login(admin)
    group = Group.objects.create(name="Văn thư")
    url = f"/quan-tri/auth/user/{office.pk}/change/"
    response = client.post(
        url, _user_form(office, is_superuser="on", is_staff="on", groups=[group.pk])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    office.refresh_from_db()
    assert office.is_superuser
    row = AuditEvent.objects.get(object_type="auth.user", object_id=str(office.pk))
    assert row.actor == admin and row.action == AuditAction.UPDATE
    assert row.changes["is_superuser"] == [False, True]
    assert row.changes["groups"] == [[], ["Văn thư"]]
    assert row.reason == "Thay đổi trên trang quản trị"


def test_group_permissions_and_deletion_are_audited(client, admin):
    client.force_login(admin)
    permission = Permission.objects.get(codename="change_user")
    response = client.post(
        "/quan-tri/auth/group/add/", {"name": "Quản lý tài khoản", "permissions": [permission.pk]}
    )
    assert response.status_code == 302
    group = Group.objects.get(name="Quản lý tài khoản")
    created = AuditEvent.objects.get(object_type="auth.group", action=AuditAction.CREATE)
    assert created.changes["permissions"][1] == [str(permission)]
    client.post(f"/quan-tri/auth/group/{group.pk}/delete/", {"post": "yes"})
    assert not Group.objects.exists()
    deleted = AuditEvent.objects.get(object_type="auth.group", action=AuditAction.DELETE)
    assert deleted.changes["name"] == ["Quản lý tài khoản", None]


def test_login_logs_cannot_be_deleted_or_changed_in_the_admin(client, org_tree, admin, office):
    client.post("/dang-nhap/", {"username": "vanphong_a", "password": "sai"})
    client.post("/dang-nhap/", {"username": "vanphong_a", "password": "mat-khau-thu-2026"})
    log, failure = AccessLog.objects.get(), AccessFailureLog.objects.get()
    client.force_login(admin)
    counts = AccessLog.objects.count(), AccessFailureLog.objects.count()
    for model, obj in [("accesslog", log), ("accessfailurelog", failure)]:
        assert client.get(f"/quan-tri/axes/{model}/").status_code == 200
        assert (
            client.post(f"/quan-tri/axes/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code
            == 403
        )
        bulk = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
        client.post(f"/quan-tri/axes/{model}/", bulk)
    assert (AccessLog.objects.count(), AccessFailureLog.objects.count()) == counts
    assert AccessLog.objects.filter(pk=log.pk).exists()
