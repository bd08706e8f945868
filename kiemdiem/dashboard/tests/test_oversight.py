"""The campaign dashboard's oversight figures (issue 14): per working group and per member
assigned in person, the units they oversee, the cycle's plans they appraised and their
assessments done on time, late and missing; the office's late list and the reminders agree."""

import datetime
import html
import re

import pytest
from django.urls import reverse

from conftest import GROUP_SET_UP, conclude_review
from kiemdiem.core.models import Notification
from kiemdiem.dashboard.reminders import reminders_send
from kiemdiem.org import groups
from kiemdiem.oversight import services
from kiemdiem.oversight.selectors import overseers_dashboard
from kiemdiem.oversight.tests.helpers import commune_plan, fresh
from kiemdiem.remediation import services as plan_services
from kiemdiem.remediation.models import RemediationPlan
from kiemdiem.reports.models import ReportPeriod

D = datetime.date


def _text(cell: str) -> str:
    return re.sub(r"<[^>]+>", "", cell).strip()


def _submitted_plan_of(cycle, unit, oversight, office) -> RemediationPlan:
    plan = RemediationPlan.objects.get(cycle=cycle, unit=unit, person__isnull=True)
    conclude_review(plan.review, oversight.leader_user)
    plan_services.action_add(
        plan=plan,
        by=oversight.leader_user,
        content="Đôn đốc cơ sở",
        responsible_unit=unit,
        due_date=D(2026, 6, 30),
    )
    plan_services.plan_submit(plan=RemediationPlan.objects.get(pk=plan.pk), by=office)
    return RemediationPlan.objects.get(pk=plan.pk)


@pytest.fixture
def watched(oversight, open_cycle, org_tree, office, travel_to):
    """As of 20/07/2026: group no. 1 oversees commune A1 and its grassroots committee; it
    accepted A1's plan and sent its first-half assessment of A1 on 10/07 (on time), none of the
    grassroots committee (missing). The standing member assigned to commune A2 accepted A2's
    plan and sent his assessment on 20/07, after the due day 15/07 (late)."""
    groups.assignment_add(
        group=oversight.group,
        unit=org_tree.grassroots_a1,
        valid_from=GROUP_SET_UP,
        decision_number="465-CV/TU",
        decision_date=GROUP_SET_UP,
        by=office,
    )
    a1 = commune_plan(open_cycle, org_tree, oversight.unit_user)
    plan_services.plan_submit(plan=a1, by=oversight.unit_user)
    plan_services.plan_accept(
        plan=RemediationPlan.objects.get(pk=a1.pk), by=fresh(oversight.member_user)
    )
    a2 = _submitted_plan_of(open_cycle, org_tree.district_a2, oversight, office)
    plan_services.plan_accept(plan=a2, by=fresh(oversight.assigned_user))
    first_half = ReportPeriod.objects.get(cycle=open_cycle, ends_on=D(2026, 6, 30))
    travel_to(D(2026, 7, 10))
    on_time = services.assessment_create(
        group=oversight.group,
        unit=org_tree.district_a1,
        period=first_half,
        by=oversight.member_user,
    )
    services.assessment_update(
        assessment=on_time, remarks="Khắc phục tốt", by=oversight.member_user
    )
    services.assessment_submit(assessment=on_time, by=fresh(oversight.leader_user))
    travel_to(D(2026, 7, 20))
    late = services.assessment_create(
        person=oversight.assigned,
        unit=org_tree.district_a2,
        period=first_half,
        by=oversight.assigned_user,
    )
    services.assessment_update(assessment=late, remarks="Còn chậm", by=oversight.assigned_user)
    services.assessment_submit(assessment=late, by=fresh(oversight.assigned_user))
    return first_half


def test_figures_per_group_and_per_assigned_member(watched, oversight, open_cycle, org_tree):
    rows = {
        (r.kind, r.label): (
            r.units,
            r.plans_appraised,
            r.assessments_done,
            r.assessments_late,
            r.assessments_missing,
        )
        for r in overseers_dashboard(org_tree.province_a, open_cycle.pk)
    }
    assert rows == {
        ("group", "Tổ công tác số 1"): (
            ["Đảng bộ xã Quảng Phú", "Đảng bộ Trường THPT Quảng Xương"],
            1,
            1,
            0,
            1,
        ),
        ("member", "Phạm Văn Phụ"): (["Đảng bộ phường Hạc Thành"], 1, 0, 1, 0),
    }
    # Commune A1's own dashboard counts only what oversees its subtree.
    (row,) = overseers_dashboard(org_tree.district_a1, open_cycle.pk)
    assert (row.label, row.units, row.assessments_done, row.assessments_missing) == (
        "Tổ công tác số 1",
        ["Đảng bộ xã Quảng Phú", "Đảng bộ Trường THPT Quảng Xương"],
        1,
        1,
    )


def test_the_dashboard_panel_and_the_late_list_show_them(
    client, watched, oversight, open_cycle, org_tree, office, outsider
):
    client.force_login(office)
    url = reverse("dashboard:oversight", args=[open_cycle.pk, org_tree.province_a.pk])
    page = client.get(url).content.decode()
    table = page[page.index('data-testid="oversight-table"') :]
    group_row = table[table.index("Tổ công tác số 1") :].split("</tr>")[0]
    cells = [_text(c.split("</td>")[0]) for c in group_row.split('<td class="text-end">')[1:]]
    assert cells == ["1", "1", "0", "1"]
    member_row = table[table.index("Phạm Văn Phụ") :].split("</tr>")[0]
    cells = [_text(c.split("</td>")[0]) for c in member_row.split('<td class="text-end">')[1:]]
    assert cells == ["1", "0", "1", "0"]
    late = client.get(reverse("oversight:late-list")).content.decode()
    assessments, reports = late.split('data-testid="late-reports"')
    rows = assessments.split('data-testid="late-assessments"')[1].split("<tr>")[2:]
    assert len(rows) == 2
    (missing,) = [r for r in rows if "Đảng bộ Trường THPT Quảng Xương" in r]
    assert "Tổ công tác số 1" in missing and "quá hạn, chưa gửi" in missing
    (sent_late,) = [r for r in rows if "Đảng bộ phường Hạc Thành" in r]
    assert "Phạm Văn Phụ" in sent_late and "gửi muộn" in sent_late.lower()
    # The group has sent none of its own activity reports (year 2025, first half of 2026).
    assert reports.count("Tổ công tác số 1") == 2
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_a_missing_assessment_is_reminded_once(watched, oversight):
    """The group's members hear that the grassroots committee's assessment is overdue; a
    second sweep gives nothing new."""
    reminders_send()
    overdue = Notification.objects.filter(kind="assessment_due", text__contains="quá hạn")
    assert set(overdue.values_list("user_id", flat=True)) == {
        oversight.leader_user.pk,
        oversight.member_user.pk,
    }
    assert all("Đảng bộ Trường THPT Quảng Xương" in n.text for n in overdue)
    count = Notification.objects.count()
    assert reminders_send()["given"] == 0
    assert Notification.objects.count() == count


def test_the_same_figures_through_the_api(api, watched, oversight, open_cycle, org_tree, office):
    client = api(office)
    url = f"/api/v1/cycles/{open_cycle.pk}/oversight/"
    body = client.get(url, {"unit": org_tree.province_a.pk}).json()
    assert body["cycle"] == open_cycle.pk and body["unit"] == org_tree.province_a.pk
    rows = {(r["kind"], r["id"]): r for r in body["overseers"]}
    group = rows[("group", oversight.group.pk)]
    assert (group["plans_appraised"], group["assessments_done"], group["assessments_missing"]) == (
        1,
        1,
        1,
    )
    member = rows[("member", oversight.assigned.pk)]
    assert member["units"] == ["Đảng bộ phường Hạc Thành"] and member["assessments_late"] == 1
    # A unit of another province is not in the caller's scope.
    assert client.get(url, {"unit": org_tree.district_b1.pk}).status_code == 404


def _panel_links(page: str) -> dict[tuple[str, int], tuple[str, str | None]]:
    """{(row label, column): (number shown, link or None)} of the panel's figures."""
    table = page[page.index('data-testid="oversight-table"') :].split("</tbody>")[0]
    out = {}
    for row in table.split("<tbody>")[1].split("</tr>")[:-1]:
        label = re.sub(r"<[^>]+>", "", row.split("</td>")[0]).split("(")[0].strip()
        for column, cell in enumerate(row.split('<td class="text-end">')[1:]):
            cell = cell.split("</td>")[0]
            link = re.search(r'href="([^"]+)"', cell)
            number = _text(cell)
            out[(label, column)] = (number, html.unescape(link.group(1)) if link else None)
    return out


def _rows_listed(client, url: str) -> int:
    page = client.get(url)
    assert page.status_code == 200, url
    text = page.content.decode()
    testid = (
        "plans" if url.startswith(reverse("remediation:plan-list")) else "oversight-assessments"
    )
    body = text[text.index(f'data-testid="{testid}"') :].split("<tbody>")[1].split("</tbody>")[0]
    return body.count("<tr")


@pytest.mark.parametrize("unit_name", ["province_a", "district_a1", "district_a2"])
def test_every_figure_of_the_panel_links_to_its_rows(
    client, watched, oversight, open_cycle, org_tree, office, unit_name
):
    """Each number on the panel links to the list behind it (the plans appraised on the plan
    list, the assessments on time, late and missing on their own page) and that list holds
    exactly that many rows; a 0 is shown without a link."""
    client.force_login(office)
    unit = getattr(org_tree, unit_name)
    page = client.get(reverse("dashboard:oversight", args=[open_cycle.pk, unit.pk]))
    figures = _panel_links(page.content.decode())
    assert figures, "the panel shows overseers"
    linked = 0
    for (label, column), (number, link) in figures.items():
        if column == 0:
            continue  # the units overseen: names, not a number
        if number == "0":
            assert link is None, (label, column)
            continue
        assert link is not None, (label, column, number)
        assert _rows_listed(client, link) == int(number), (label, column, link)
        linked += 1
    assert linked >= (2 if unit_name != "district_a2" else 1)


def test_the_lists_behind_the_panel_name_their_rows(
    client, watched, oversight, open_cycle, org_tree, office, outsider
):
    client.force_login(office)
    url = reverse("dashboard:oversight-assessments", args=[open_cycle.pk, org_tree.province_a.pk])
    group = f"group={oversight.group.pk}"
    missing = client.get(f"{url}?{group}&state=missing").content.decode()
    assert "Đảng bộ Trường THPT Quảng Xương" in missing and "Tổ công tác số 1" in missing
    done = client.get(f"{url}?{group}&state=done").content.decode()
    assert "Xem báo cáo" in done and "Đảng bộ xã Quảng Phú" in done
    empty = client.get(f"{url}?{group}&state=late").content.decode()
    assert "Không có báo cáo nhận xét nào ở tình trạng “gửi muộn”." in empty
    member = client.get(f"{url}?member={oversight.assigned.pk}&state=late").content.decode()
    assert "Đảng bộ phường Hạc Thành" in member and "Phạm Văn Phụ" in member
    # Nobody named, someone who oversees nothing here, or a unit out of scope: 404.
    assert client.get(url).status_code == 404
    a1 = reverse("dashboard:oversight-assessments", args=[open_cycle.pk, org_tree.district_a1.pk])
    assert client.get(f"{a1}?member={oversight.assigned.pk}").status_code == 404
    plans = client.get(
        reverse("remediation:plan-list")
        + f"?cycle={open_cycle.pk}&unit={org_tree.province_a.pk}&{group}"
    ).content.decode()
    assert "Chỉ các kế hoạch do Tổ công tác số 1 thẩm định" in plans
    assert f'name="group" value="{oversight.group.pk}"' in plans  # kept when refiltering
    client.force_login(outsider)
    assert client.get(f"{url}?{group}&state=missing").status_code == 404
    outsider_plans = client.get(
        reverse("remediation:plan-list")
        + f"?cycle={open_cycle.pk}&unit={org_tree.province_a.pk}&{group}"
    ).content.decode()
    assert "Không có kế hoạch nào" in outsider_plans
    assert "Tổ công tác số 1" not in outsider_plans
