"""Pickers and date ranges on the plan item form: units and people chosen by name inside what
the user may pick; anything else, and a day outside the cycle, refused in Vietnamese with
nothing saved."""

import datetime

from django.urls import reverse

from kiemdiem.remediation.models import PlanAction

D = datetime.date


def _add(client, plan, **data):
    base = {"content": "Đổi mới sinh hoạt chi bộ", "due_date": "30/06/2026"}
    return client.post(reverse("remediation:action-add", args=[plan.pk]), {**base, **data})


def test_unit_picker_finds_units_of_the_plan_subtree_without_accents(
    client, plan, cell_secretary, org_tree
):
    client.force_login(cell_secretary)
    url = reverse("org:unit-picker")
    params = {"within": org_tree.cell_a1.pk, "name": "responsible_unit", "id": "add_x"}
    html = client.get(url, {**params, "responsible_unit_q": "to toan"}).content.decode()
    assert "Chi bộ Tổ Toán" in html and f'value="{org_tree.cell_a1.pk}"' in html
    html = client.get(url, {**params, "responsible_unit_q": "ha tinh"}).content.decode()
    assert "Không có đơn vị nào tên như “ha tinh”" in html


def test_unit_picker_refuses_a_subtree_outside_the_scope(client, plan, cell_secretary, org_tree):
    client.force_login(cell_secretary)
    params = {"within": org_tree.province_b.pk, "name": "responsible_unit", "id": "add_x"}
    html = client.get(reverse("org:unit-picker"), {**params, "responsible_unit_q": "khoi"})
    text = html.content.decode()
    assert "đơn vị không thuộc phạm vi của đồng chí" in text
    assert "Chi bộ khối phố 1" not in text


def test_picker_refuses_odd_field_names(client, plan, cell_secretary, org_tree):
    client.force_login(cell_secretary)
    params = {"within": org_tree.cell_a1.pk, "name": '"><script>', "id": "x"}
    assert client.get(reverse("org:unit-picker"), params).status_code == 404


def test_person_picker_lists_the_people_of_the_plan_unit(client, plan, cell_secretary, org_tree):
    client.force_login(cell_secretary)
    url = reverse("remediation:responsible-people", args=[plan.pk])
    params = {"name": "responsible_person", "id": "add_y", "responsible_person_q": "huong"}
    html = client.get(url, params).content.decode()
    assert "Trần Thị Hương" in html and "Nguyễn Văn Đức" not in html
    html = client.get(url, {**params, "responsible_person_q": "binh"}).content.decode()
    assert "Võ Văn Bình" not in html and "Không có ai tên như “binh”" in html


def test_person_picker_of_a_plan_outside_the_scope_is_404(client, plan, outsider):
    client.force_login(outsider)
    url = reverse("remediation:responsible-people", args=[plan.pk])
    assert client.get(url, {"name": "responsible_person", "id": "y"}).status_code == 404


def test_item_with_units_and_people_picked_by_id_is_saved(client, plan, cell_secretary, org_tree):
    client.force_login(cell_secretary)
    person = org_tree.members_a1[1]
    response = _add(
        client, plan, responsible_unit=org_tree.cell_a1.pk, responsible_person=person.pk
    )
    assert response.status_code == 302
    item = PlanAction.objects.get(plan=plan)
    assert item.responsible_unit == org_tree.cell_a1 and item.responsible_person == person


def test_forged_unit_or_person_outside_the_scope_is_refused_in_vietnamese(
    client, plan, cell_secretary, org_tree
):
    client.force_login(cell_secretary)
    html = _add(client, plan, responsible_unit=org_tree.cell_b1.pk).content.decode()
    assert "Đơn vị đã chọn không thuộc phạm vi được chọn" in html
    html = _add(client, plan, responsible_person=org_tree.member_b1.pk).content.decode()
    assert "Người đã chọn không thuộc danh sách được chọn" in html
    assert not PlanAction.objects.filter(plan=plan).exists()


def test_deadline_outside_the_cycle_is_refused_before_saving(client, plan, cell_secretary):
    client.force_login(cell_secretary)
    page = client.get(reverse("remediation:plan-detail", args=[plan.pk])).content.decode()
    # The range is on the page before anything is saved, for the calendar and for people.
    assert 'data-min="05/01/2026"' in page and 'data-max="31/12/2027"' in page
    assert "Trong khoảng 05/01/2026 – 31/12/2027." in page
    html = _add(client, plan, due_date="15/03/2028").content.decode()
    assert "Ngày 15/03/2028 nằm ngoài khoảng cho phép: từ 05/01/2026 đến 31/12/2027." in html
    html = _add(client, plan, due_date="31/02/2026").content.decode()
    assert "Ngày không hợp lệ: hãy nhập theo dạng dd/mm/yyyy." in html
    assert not PlanAction.objects.filter(plan=plan).exists()


def test_edit_page_shows_the_chosen_unit_and_person_checked(client, plan, action, cell_secretary):
    person = plan.unit.memberships.first().person
    action.responsible_person = person
    action.save(update_fields=["responsible_person"])
    client.force_login(cell_secretary)
    html = client.get(reverse("remediation:action-edit", args=[action.pk])).content.decode()
    unit_id = action.responsible_unit_id
    assert f'id="add_responsible_unit_{unit_id}" value="{unit_id}" checked' in html
    assert f'id="add_responsible_person_{person.pk}" value="{person.pk}" checked' in html
    assert 'id="add_responsible_unit_none" value="" checked' not in html
