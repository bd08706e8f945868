import re
import subprocess
import sys

import pytest
from django.urls import reverse

from conftest import START, make_user
from kiemdiem.core import paging
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services
from kiemdiem.org.models import AccessRole


def _audit_html(client, **params) -> str:
    return client.get(reverse("audit-list"), params).content.decode()


def test_person_edit_shows_on_the_audit_page_of_the_office_not_the_outsider(
    client, org_tree, office, outsider
):
    person = org_tree.members_a1[1]
    services.person_update(person=person, by=office, birth_date=None, reason="sửa ngày sinh X")
    client.force_login(office)
    assert "sửa ngày sinh X" in _audit_html(client)
    assert "sửa ngày sinh X" in _audit_html(client, person=str(person.pk))
    assert "sửa ngày sinh X" in _audit_html(client, unit="CB38A1")  # the person's cell
    assert "sửa ngày sinh X" not in _audit_html(client, unit="CB38A1B")
    client.force_login(outsider)
    assert "sửa ngày sinh X" not in _audit_html(client)


def test_person_created_before_any_cell_shows_once_they_join_one(client, org_tree, office):
    person = services.person_create(by=office, full_name="Mai Văn Tới", reason="tạo hồ sơ Y")
    client.force_login(office)
    assert "tạo hồ sơ Y" not in _audit_html(client)  # in no cell yet: only the admin sees it
    services.membership_add(person=person, unit=org_tree.cell_a1b, valid_from=START, by=office)
    assert "tạo hồ sơ Y" in _audit_html(client)


def test_after_a_move_the_new_parent_office_sees_the_rows_and_the_old_one_not(client, org_tree):
    old_office, new_office = make_user("vanphong_xa1"), make_user("vanphong_xa2")
    for user, unit in ((old_office, org_tree.district_a1), (new_office, org_tree.district_a2)):
        services.access_grant(user=user, unit=unit, role=AccessRole.OFFICE, by=SYSTEM)
    person = services.person_create(by=SYSTEM, full_name="Cao Thị Lan", admission_date=START)
    services.membership_add(
        person=person, unit=org_tree.cell_a1b, valid_from=START, by=SYSTEM, reason="chuyển đến Z"
    )
    client.force_login(old_office)
    assert "chuyển đến Z" in _audit_html(client)
    services.unit_move(
        unit=org_tree.grassroots_a1, new_parent=org_tree.district_a2, by=SYSTEM, reason="QĐ 9"
    )
    assert "chuyển đến Z" not in _audit_html(client)
    client.force_login(new_office)
    assert "chuyển đến Z" in _audit_html(client)
    assert "chuyển đến Z" in _audit_html(client, unit="X38A2")
    assert "chuyển đến Z" in _audit_html(client, unit="CB38A1B")


def test_audit_actor_filter_ignores_accents(client, org_tree, admin):
    user = make_user("nv_duc")
    person = org_tree.members_a1[0]  # Nguyễn Văn Đức
    person.user = user
    person.save(update_fields=["user"])
    services.access_grant(
        user=user, unit=org_tree.district_a1, role=AccessRole.OFFICE, by=SYSTEM, valid_from=START
    )
    services.unit_update(unit=org_tree.district_a1, by=user, name="Tên C", reason="lý do C")
    client.force_login(admin)
    for typed in ["Nguyễn", "nguyen", "NGUYEN VAN DUC", "Ðức"]:
        assert "lý do C" in _audit_html(client, actor=typed), typed
    assert "lý do C" not in _audit_html(client, actor="Trần")


def test_audit_page_is_scoped(client, org_tree, outsider, office):
    services.unit_update(unit=org_tree.district_a1, by=office, name="Tên mới A1", reason="lý do A")
    client.force_login(outsider)
    html = client.get(reverse("audit-list")).content.decode()
    assert "lý do A" not in html
    client.force_login(office)
    html = client.get(reverse("audit-list"), {"unit": "X38A1"}).content.decode()
    assert "lý do A" in html


def test_audit_filters_by_actor_and_date(client, org_tree, office, admin):
    services.unit_update(unit=org_tree.district_a1, by=office, name="Tên mới A1", reason="lý do B")
    client.force_login(admin)
    assert "lý do B" in client.get(reverse("audit-list"), {"actor": "vanphong_a"}).content.decode()
    assert "lý do B" not in client.get(reverse("audit-list"), {"actor": "quantri"}).content.decode()
    html = client.get(reverse("audit-list"), {"from": "01/01/2099"}).content.decode()
    assert "lý do B" not in html
    assert (
        "không hợp lệ" in client.get(reverse("audit-list"), {"from": "99/99/2026"}).content.decode()
    )


def test_member_cannot_read_audit(client, org_tree, member):
    client.force_login(member)
    assert client.get(reverse("audit-list")).status_code == 403


def test_home_lists_roles(client, org_tree, office):
    client.force_login(office)
    html = client.get(reverse("home")).content.decode()
    assert "Văn phòng / Ban Tổ chức cấp ủy" in html and "Đảng bộ tỉnh Thanh Hóa" in html


def test_top_bar_names_the_linked_person_or_the_login(client, org_tree, member, office):
    client.force_login(member)
    html = client.get(reverse("home")).content.decode()
    assert org_tree.members_a1[0].full_name in html
    client.force_login(office)  # a login with no person record: its user name
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="user-menu">vanphong_a</button>' in html


def test_login_lockout_after_repeated_failures(client, org_tree, office, settings):
    for _ in range(settings.KIEMDIEM_LOGIN_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "vanphong_a", "password": "sai-mat-khau"})
    response = client.post(
        reverse("login"), {"username": "vanphong_a", "password": "mat-khau-thu-2026"}
    )
    assert response.status_code == 429
    assert "Tài khoản <strong>vanphong_a</strong> đã bị tạm khóa" in response.content.decode()


def test_wrong_password_message_is_vietnamese(client, org_tree, office):
    response = client.post(reverse("login"), {"username": "vanphong_a", "password": "sai"})
    assert "không đúng" in response.content.decode()


def test_password_change_succeeds_with_a_good_new_password(client, org_tree, office):
    client.force_login(office)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "mat-khau-thu-2026",
            "new_password1": "Ngay-mai-troi-lai-sang-2027",
            "new_password2": "Ngay-mai-troi-lai-sang-2027",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    office.refresh_from_db()
    assert office.check_password("Ngay-mai-troi-lai-sang-2027")
    assert client.get(reverse("home")).status_code == 200  # still logged in


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


# settings.py refuses a production SECRET_KEY shorter than 50 characters, with fewer than 5
# distinct characters, or starting with "django-insecure-". Its message lists all three rules, so
# each weak key below breaks exactly one rule, and its neighbour, identical but for standing just
# over that one threshold, must start: then the refusal can only come from that rule.
VARIED = "k3y!s0m3th1ng-v4r13d-3n0ugh-t0-p4ss-4ll-th3-ch3cks-0123456789"
WEAK_AND_STRONG_KEYS = {
    "too short": (VARIED[:49], VARIED[:50]),
    "too few distinct characters": ("abcd" * 20, "abcde" * 16),
    "django-insecure- prefix": ("django-insecure-" + VARIED, "django-insecure_" + VARIED),
}


@pytest.mark.parametrize(
    ("weak", "strong"), WEAK_AND_STRONG_KEYS.values(), ids=WEAK_AND_STRONG_KEYS.keys()
)
def test_production_refuses_weak_secret_keys(prod_env, weak, strong):
    prod_env["KIEMDIEM_SECRET_KEY"] = weak
    result = _manage("check", env=prod_env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "KIEMDIEM_SECRET_KEY" in result.stderr
    prod_env["KIEMDIEM_SECRET_KEY"] = strong
    result = _manage("check", env=prod_env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_weak_secret_keys_break_one_rule_each():
    """The pairs above are what they claim: the weak key breaks only its rule, the strong none."""

    def broken(key: str) -> set[str]:
        rules = {
            "too short": len(key) < 50,
            "too few distinct characters": len(set(key)) < 5,
            "django-insecure- prefix": key.startswith("django-insecure-"),
        }
        return {rule for rule, bad in rules.items() if bad}

    for rule, (weak, strong) in WEAK_AND_STRONG_KEYS.items():
        assert broken(weak) == {rule} and broken(strong) == set()


def test_production_check_deploy_is_clean(prod_env):
    prod_env["KIEMDIEM_SECRET_KEY"] = "x" * 20 + "-production-secret-for-the-test-only-0123456789"
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=prod_env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_audit_page_has_a_query_ceiling(client, org_tree, office, django_assert_max_num_queries):
    for i in range(50):
        services.unit_update(unit=org_tree.cell_a1b, by=office, name=f"Chi bộ {i}", reason="đổi")
    client.force_login(office)
    with django_assert_max_num_queries(9):  # the count is the length of the first keys read
        html = _audit_html(client, unit="CB38A1B")
    assert html.count('<td data-label="Lý do" class="small">đổi</td>') == 50


def test_audit_actor_filter_with_hundreds_of_words_is_refused_not_a_500(client, org_tree, admin):
    client.force_login(admin)
    response = client.get(reverse("audit-list"), {"actor": " ".join(["nguyen"] * 600)})
    assert response.status_code == 200
    assert "Tên người thực hiện quá dài: nhập tối đa 8 từ." in response.content.decode()


def test_a_request_larger_than_the_cap_is_refused_unread(client, org_tree, office, settings):
    """Three 19 MB evidence files in one POST, or ten 20 MB files to the API: 413, nothing read."""
    from kiemdiem.remediation.models import Evidence

    client.force_login(office)
    for path in ["/ke-hoach/noi-dung/1/tien-do/", "/api/v1/plan-items/1/progress/"]:
        response = client.post(
            path,
            b"x" * 100,
            content_type="multipart/form-data; boundary=x",
            CONTENT_LENGTH=str(3 * 19 * 1024 * 1024),
        )
        assert response.status_code == 413, path
        assert response["Connection"] == "close"
    assert response.json()["code"] == "request_too_large"
    page = client.post("/ke-hoach/", b"", content_type="text/plain", CONTENT_LENGTH=str(57 * 2**20))
    assert "Nội dung gửi lên quá lớn (57,0 MB): mỗi lần gửi tối đa 21 MB" in page.content.decode()
    assert not Evidence.objects.exists()


def test_audit_page_of_a_small_subtree_lists_the_newest_first(client, org_tree, office):
    """A small subtree's rows are sorted without the `at` index (org.scoping.audit_in_subtrees,
    issue 17): the page's order is still newest first, ties by id."""
    from kiemdiem.core.models import AuditEvent

    for n in range(4):
        services.unit_update(unit=org_tree.district_a1, by=office, name=f"Tên {n}", reason=f"r{n}")
    client.force_login(office)
    page = client.get(reverse("audit-list"), {"unit": "X38A1"}).context["page"]
    shown = [e.pk for e in page.object_list]
    expected = AuditEvent.objects.filter(pk__in=shown).order_by("-at", "-id")
    assert len(shown) >= 4 and shown == [e.pk for e in expected]
    assert "r3" in str(page.object_list[0].reason)


@pytest.mark.parametrize("params", [{}, {"unit": "X38A1"}])
def test_audit_rows_read_by_key_are_the_trails_rows(client, org_tree, office, monkeypatch, params):
    """Each page's rows, read by key through a query compiled once (org.views._AUDIT_ROWS,
    issue 17), are those of the trail's own query paged by Django: the same events in the same
    order, with who acted, the short last page and a page past the end among them."""
    from django.core.paginator import Paginator

    from kiemdiem.org import selectors, views

    for n in range(4):
        services.unit_update(unit=org_tree.district_a1, by=office, name=f"Tên {n}", reason=f"r{n}")
    per_page = 3
    monkeypatch.setattr(views, "AUDIT_PER_PAGE", per_page)
    client.force_login(office)
    plain = Paginator(selectors.audit_filtered(office, params).events, per_page)
    assert plain.count > per_page and plain.count % per_page

    def shown(events) -> list:
        return [(e.pk, e.actor, e.reason, e.at) for e in events]

    for number in range(1, plain.num_pages + 2):
        page = client.get(reverse("audit-list"), {**params, "page": number}).context["page"]
        assert shown(page) == shown(plain.get_page(number)), number
    assert views._AUDIT_ROWS.compiled(tuple(range(1, per_page + 1)))


def test_a_large_subtree_reads_the_same_audit_rows_in_the_same_order(org_tree, office, monkeypatch):
    """A subtree of more than SMALL_SUBTREE units is written `unit_ref + 0` and ordered by `at`
    (SQLite then walks the trail by date instead of sorting every row of the subtree): the
    same rows, in the same order, as the small subtree's form."""
    from kiemdiem.core.models import AuditEvent
    from kiemdiem.org import scoping

    services.unit_update(unit=org_tree.district_a1, by=office, name="Tên D", reason="trong")
    services.unit_update(unit=org_tree.province_b, by=SYSTEM, name="Tên E", reason="ngoài")
    person = services.person_create(by=office, full_name="Mai Văn Tới", reason="trước chi bộ")
    services.membership_add(person=person, unit=org_tree.cell_a1b, valid_from=START, by=office)
    seen = {}
    for small in (10_000, 0):
        monkeypatch.setattr(scoping, "SMALL_SUBTREE", small)
        rows = scoping.scope_audit(AuditEvent.objects.all(), office)
        seen[small] = list(rows.order_by("-at", "-id").values_list("reason", flat=True))
        if small == 0:
            assert "+ 0" in str(rows.query)
    assert seen[0] == seen[10_000]
    assert "trong" in seen[0] and "trước chi bộ" in seen[0] and "ngoài" not in seen[0]


@pytest.mark.usefixtures("built_pages")
def test_audit_page_counts_up_to_its_cap(client, org_tree, office, monkeypatch):
    """The page counts at most core.paging.COUNT_CAP rows of the trail, then says "Hơn …"
    (the last page, where the count would fall, counts exactly: more than a page of rows)."""
    for i in range(55):
        services.unit_update(unit=org_tree.district_a1, by=office, name=f"Tên {i}", reason="x")
    client.force_login(office)
    shown = re.search(r"(Hơn )?([\d.]+) bản ghi", _audit_html(client, unit="X38A1"))
    assert shown and not shown.group(1)
    n = int(shown.group(2).replace(".", ""))
    assert n >= 55
    monkeypatch.setattr(paging, "COUNT_CAP", n)
    assert f" {n} bản ghi" in _audit_html(client, unit="X38A1")
    monkeypatch.setattr(paging, "COUNT_CAP", n - 1)
    assert f"Hơn {n - 1} bản ghi" in _audit_html(client, unit="X38A1")
    assert f" {n} bản ghi" in _audit_html(client, unit="X38A1", page="2")  # the last page
