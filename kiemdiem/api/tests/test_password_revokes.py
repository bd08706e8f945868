"""A new password revokes every API token of the account, whatever changed it."""

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kiemdiem.api.models import ApiToken
from kiemdiem.api.services import token_create
from kiemdiem.core.models import AuditEvent


def _works(key: str) -> bool:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get("/api/v1/units/").status_code == 200


def test_password_page_change_revokes_tokens(client, org_tree, office):
    _token, key = token_create(user=office, name="Văn bản")
    assert _works(key)
    client.force_login(office)
    new = "Ngay-mai-troi-lai-sang-2027"
    client.post(
        reverse("password_change"),
        {"old_password": "mat-khau-thu-2026", "new_password1": new, "new_password2": new},
    )
    assert not _works(key)
    row = AuditEvent.objects.get(reason="Đổi mật khẩu: mã truy cập API bị thu hồi")
    assert row.object_type == "api.apitoken"


def test_set_password_anywhere_revokes_but_other_saves_do_not(org_tree, office):
    _a, key_a = token_create(user=office, name="A")
    office.last_login = timezone.now()
    office.save(update_fields=["last_login"])
    office.first_name = "Văn phòng"
    office.save()
    assert _works(key_a)
    office.set_password("Mot-mat-khau-moi-2027")
    office.save()
    assert not _works(key_a)
    _b, key_b = token_create(user=office, name="B")
    assert _works(key_b)
    assert ApiToken.objects.filter(user=office, revoked_at__isnull=True).count() == 1
