"""Tokens, JSON errors with a machine code and a Vietnamese message, and stale writes (409)."""

from django.urls import reverse
from rest_framework.test import APIClient

from kiemdiem.api.models import ApiToken
from kiemdiem.core.models import AuditEvent
from kiemdiem.org.models import Unit


def test_token_page_shows_the_key_once_and_revoking_locks_it_out(client, org_tree, office):
    client.force_login(office)
    html = client.post(reverse("account:tokens"), {"name": "Hệ thống văn bản"}).content.decode()
    token = ApiToken.objects.get(user=office)
    key = html.split('data-testid="new-token">')[1].split("<")[0]
    assert key.startswith(token.prefix) and token.key_hash not in html
    assert key not in client.get(reverse("account:tokens")).content.decode()  # only once

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/units/").status_code == 200
    client.post(reverse("account:token-revoke", args=[token.pk]))
    response = api.get("/api/v1/units/")
    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "message": "Mã truy cập không đúng hoặc đã bị thu hồi.",
    }
    assert AuditEvent.objects.filter(object_type="api.apitoken", object_id=token.pk).count() == 2


def test_token_needs_a_name_and_belongs_to_its_owner(client, org_tree, office, outsider):
    client.force_login(office)
    html = client.post(reverse("account:tokens"), {"name": "   "}).content.decode()
    assert "Phải đặt tên gợi nhớ" in html and not ApiToken.objects.exists()
    client.post(reverse("account:tokens"), {"name": "A"})
    client.force_login(outsider)
    token = ApiToken.objects.get(user=office)
    assert client.post(reverse("account:token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_malformed_requests_get_json_errors(api, org_tree, office):
    client = api(office)
    bad_filter = client.get("/api/v1/units/", {"parent": "abc", "current": "maybe"})
    assert bad_filter.status_code == 400
    assert bad_filter.json()["code"] == "invalid"
    assert set(bad_filter.json()["fields"]) == {"parent", "current"}

    broken = client.generic("POST", "/api/v1/units/", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["code"] == "parse_error"

    wrong_method = client.delete(f"/api/v1/units/{org_tree.cell_a1.pk}/")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"

    missing = client.post("/api/v1/units/", {}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()["fields"]) >= {"code", "name", "kind", "parent"}


def test_writes_need_the_version_and_stale_ones_get_409(api, org_tree, office):
    client = api(office)
    url = f"/api/v1/units/{org_tree.cell_a1.pk}/"
    etag = client.get(url)["ETag"]
    assert etag == '"1"'

    no_version = client.patch(url, {"name": "Chi bộ Tổ Toán – Tin"}, format="json")
    assert no_version.status_code == 428
    assert no_version.json()["code"] == "version_required"

    first = client.patch(url, {"name": "Chi bộ Tổ Toán – Tin"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200 and first["ETag"] == '"2"'
    second = client.patch(url, {"name": "Chi bộ Toán"}, format="json", HTTP_IF_MATCH=etag)
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "stale" and body["current_version"] == 2
    assert "vanphong_a" in body["message"]  # who saved last, from the audit trail
    assert Unit.objects.get(pk=org_tree.cell_a1.pk).name == "Chi bộ Tổ Toán – Tin"

    mismatch = client.patch(url, {"name": "X", "version": 2}, format="json", HTTP_IF_MATCH='"1"')
    assert mismatch.status_code == 400 and "version" in mismatch.json()["fields"]


def test_domain_rules_come_back_as_400_with_the_services_message(api, org_tree, office):
    client = api(office)
    response = client.post(
        "/api/v1/units/",
        {
            "code": "CB38A1",
            "name": "Trùng mã",
            "kind": "subordinate_cell",
            "parent": org_tree.grassroots_a1.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "rule_violation"
    assert "CB38A1" in response.json()["message"]
    assert Unit.objects.filter(code="CB38A1").count() == 1


def test_api_writes_are_audited_like_web_writes(api, org_tree, office):
    response = api(office).post(
        "/api/v1/people/",
        {
            "full_name": "  Phạm   Thị Lan ",
            "cell": org_tree.cell_a1.pk,
            "admission_date": "12/08/2025",
            "party_card_number": "38.123456",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    person = response.json()
    assert person["full_name"] == "Phạm Thị Lan" and person["admission_date"] == "2025-08-12"
    event = AuditEvent.objects.get(object_type="org.person", object_id=person["id"])
    assert event.actor.username == "vanphong_a" and event.action == "create"
    members = api(office).get("/api/v1/people/", {"unit": org_tree.cell_a1.pk}).json()
    assert person["id"] in [p["id"] for p in members["results"]]


def test_schema_and_docs_are_served_by_the_app(client, org_tree, office):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/plans/{id}/return/" in spec["paths"]
    assert "tokenAuth" in spec["components"]["securitySchemes"]
    client.force_login(office)
    docs = client.get("/api/v1/docs/").content.decode()  # the readable reference
    assert "/api/v1/plans/{id}/return/" in docs and 'lang="vi"' in docs and "<script>" not in docs
    swagger = client.get("/api/v1/docs/thu/").content.decode()  # the interactive one
    assert "swagger-ui" in swagger and "cdn" not in swagger.lower() and "https://" not in swagger


def test_browsable_pages_work_in_a_signed_in_browser(client, org_tree, office):
    client.force_login(office)
    page = client.get("/api/v1/units/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Đảng bộ tỉnh Thanh Hóa" in html and "https://" not in html.split("<body")[0]
    assert client.get("/api/v1/", HTTP_ACCEPT="text/html").status_code == 200


def _has_vietnamese_letter(text: str) -> bool:
    return not text.isascii()


def test_field_messages_are_vietnamese(api, org_tree, office):
    client = api(office)
    response = client.post(
        "/api/v1/units/",
        {
            "code": "X" * 41,
            "name": ["không", "phải", "chuỗi"],
            "kind": "bogus",
            "parent": 10**9,
            "valid_from": "ngày mai",
            "admin_code": None,
        },
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["code"] == ["Tối đa 40 ký tự."]
    assert fields["kind"] == ["“bogus” không phải là một lựa chọn hợp lệ."]
    assert fields["name"] == ["Phải là một chuỗi ký tự."]
    assert fields["parent"] == [f"Không có đối tượng id={10**9} trong phạm vi của bạn."]
    assert fields["valid_from"][0].startswith("Ngày sai định dạng")
    assert fields["admin_code"] == ["Trường này không được để trống (null)."]
    messages = [m for ms in fields.values() for m in ms]
    assert all(_has_vietnamese_letter(m) for m in messages), messages

    url = f"/api/v1/units/{org_tree.cell_a1.pk}/"
    response = client.patch(url, {"version": 0, "code": ""}, format="json")
    assert response.json()["fields"] == {
        "version": ["Giá trị phải lớn hơn hoặc bằng 1."],
        "code": ["Trường này không được bỏ trống."],  # DRF's own vi catalog
    }
    response = client.patch(url, {"version": "ba"}, format="json")
    assert response.json()["fields"] == {"version": ["Phải là một số nguyên."]}
    response = client.post("/api/v1/units/", ["không phải đối tượng"], format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["non_field_errors"] == [
        "Dữ liệu sai: phải là một đối tượng JSON, không phải list."
    ]


def test_message_translation_keeps_ours_and_never_leaks_english():
    from kiemdiem.api.errors import vietnamese

    assert vietnamese("Ensure this field has no more than 7 characters.", "max_length") == (
        "Tối đa 7 ký tự."
    )
    assert vietnamese("Trường này là bắt buộc.", "required") == "Trường này là bắt buộc."
    assert vietnamese("Some new English message.", "max_value") == "Giá trị quá lớn."
    assert vietnamese("Another one.", "whatever") == "Giá trị không hợp lệ."


def test_unknown_api_addresses_answer_json_404_and_pages_stay_html(api, client, org_tree, office):
    for path in ("/api/v1/khong-co/", "/api/v1/units/abc/", "/api/", "/api/v2/units/"):
        response = api(office).get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json", path
        body = response.json()
        assert body["code"] == "not_found" and "phạm vi của bạn" in body["message"]
    anonymous = api().get("/api/v1/khong-co/")
    assert anonymous.status_code == 404 and anonymous.json()["code"] == "not_found"
    client.force_login(office)
    page = client.get("/khong-co-trang-nay/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_crash_in_the_api_answers_json_500(api, org_tree, office, monkeypatch):
    from kiemdiem.api import views

    def crash(*args, **kwargs):
        raise RuntimeError("lỗi lập trình")

    monkeypatch.setattr(views.UnitViewSet, "list", crash)
    client = api(office)
    client.raise_request_exception = False
    response = client.get("/api/v1/units/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "server_error"
    assert "Lỗi máy chủ" in response.json()["message"]


def test_deeply_nested_json_is_a_400_not_a_500(api, org_tree, office):
    client = api(office)
    for levels in (1000, 100_000, 25):
        body = "[" * levels + "]" * levels
        response = client.generic("POST", "/api/v1/units/", body, content_type="application/json")
        assert response.status_code == 400, levels
        assert response.json()["code"] == "parse_error"
    objects = '{"a":' * 1000 + "1" + "}" * 1000
    response = client.generic(
        "PATCH", f"/api/v1/units/{org_tree.cell_a1.pk}/", objects, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    # Ordinary nesting is read as before (here: fields the serializer rejects, not the parser).
    shallow = client.post("/api/v1/units/", {"name": [[["x"]]]}, format="json")
    assert shallow.status_code == 400 and shallow.json()["code"] != "parse_error"


def test_database_down_answers_503_with_retry_after(api, client, org_tree, office, monkeypatch):
    """What PostgreSQL killed mid-request looks like to a view: an OperationalError."""
    from django.db import OperationalError

    from kiemdiem.api import views
    from kiemdiem.org import views as org_views

    def down(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views.UnitViewSet, "list", down)
    monkeypatch.setattr(org_views, "render", down)
    api_client = api(office)
    api_client.raise_request_exception = False
    response = api_client.get("/api/v1/units/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["code"] == "database_unavailable"
    client.force_login(office)
    client.raise_request_exception = False
    page = client.get("/to-chuc/")
    assert page.status_code == 503 and "dữ liệu không thay đổi" in page.content.decode()
