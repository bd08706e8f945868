"""No dead ends: units before and after a reorganization shown as text where the user cannot
open them, Vietnamese error pages even with DEBUG on, cells in natural order."""

import datetime

from django.urls import reverse

from kiemdiem.org.models import Unit, UnitKind, UnitSuccession
from kiemdiem.org.tests.factories import UnitFactory

D = datetime.date


def _old_district(code: str, name: str, parent, successor) -> Unit:
    """A district dissolved on 30/06/2025 whose successor is `successor`."""
    old = UnitFactory(
        code=code,
        name=name,
        kind=UnitKind.DISTRICT,
        parent=parent,
        valid_from=D(2020, 1, 1),
        valid_to=D(2025, 6, 30),
    )
    UnitSuccession.objects.create(predecessor=old, successor=successor, effective_on=D(2025, 7, 1))
    return old


def test_predecessor_outside_the_scope_is_text_not_a_link(client, org_tree, overseer):
    # Commune A1 was formed from an old district of province A and an old unit of province B.
    a1 = org_tree.district_a1
    old_a = _old_district("H38OLD", "Huyện ủy Quảng Xương (cũ)", org_tree.province_a, a1)
    old_b = _old_district("H42OLD", "Huyện ủy Can Lộc (cũ)", org_tree.province_b, a1)
    client.force_login(overseer)  # sees commune A1's subtree only
    html = client.get(org_tree.district_a1.get_absolute_url()).content.decode()
    line = html[html.index('data-testid="predecessors"') :].split("</div>")[0]
    assert "Huyện ủy Quảng Xương (cũ)" in line and old_a.get_absolute_url() not in line
    assert "Huyện ủy Can Lộc (cũ)" in line and old_b.get_absolute_url() not in line
    assert "(đến 30/06/2025)" in line
    assert client.get(old_b.get_absolute_url()).status_code == 404  # what a link would give


def test_predecessor_in_the_scope_is_a_link(client, org_tree, office):
    old = _old_district(
        "H38OLD", "Huyện ủy Quảng Xương (cũ)", org_tree.province_a, org_tree.district_a1
    )
    client.force_login(office)
    html = client.get(org_tree.district_a1.get_absolute_url()).content.decode()
    assert f'<a href="{old.get_absolute_url()}">Huyện ủy Quảng Xương (cũ)</a>' in html


def test_unknown_address_is_a_vietnamese_page_even_with_debug(client, org_tree, office, settings):
    settings.DEBUG = True
    client.force_login(office)
    for url in ("/khong-co-trang-nay/", reverse("org:unit-detail", args=[987654])):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 404
        assert "Không tìm thấy trang" in html and "Page not found" not in html
        assert reverse("home") in html
    # The API's errors are its own (JSON in production), not this page.
    assert "Không tìm thấy trang" not in client.get("/api/v1/khong-co/").content.decode()


def test_refusal_page_says_why_in_vietnamese(client, org_tree, member):
    client.force_login(member)
    response = client.get(reverse("audit-list"))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Bạn không có quyền xem nhật ký." in html and "javascript:" not in html


def test_cells_in_natural_order(client, org_tree, office):
    for n in (10, 2, 1, 11):
        UnitFactory(
            code=f"CBT{n}",
            name=f"Chi bộ thôn {n}",
            kind=UnitKind.SUBORDINATE_CELL,
            parent=org_tree.grassroots_a1,
        )
    client.force_login(office)
    html = client.get(org_tree.grassroots_a1.get_absolute_url()).content.decode()
    positions = [html.index(f"Chi bộ thôn {n}<") for n in (1, 2, 10, 11)]
    assert positions == sorted(positions)
    names = [u.name for u in Unit.objects.filter(code__startswith="CBT")]
    assert len(names) == 4
