"""Discipline pages: outsiders get 404 everywhere, every read is audited, the forms record and
refuse as the services do, lists stay within a query ceiling."""

import datetime

import pytest
from django.urls import reverse

from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.discipline import services
from kiemdiem.discipline.models import DisciplineCase, DisciplineForm
from kiemdiem.discipline.states import DisciplineStatus

D = datetime.date

CASE_URLS = [
    ("get", "discipline:case-detail"),
    ("get", "discipline:case-edit"),
    ("post", "discipline:case-edit"),
    ("get", "discipline:case-decide"),
    ("post", "discipline:case-decide"),
    ("get", "discipline:case-drop"),
    ("post", "discipline:case-drop"),
    ("get", "discipline:case-appeal"),
    ("post", "discipline:case-appeal"),
    ("get", "discipline:case-settle"),
    ("post", "discipline:case-settle"),
    ("get", "discipline:case-annul"),
    ("post", "discipline:case-annul"),
]


def decided(org_tree, by, person=None, **extra):
    return services.case_record(
        by=by,
        deciding_unit=org_tree.grassroots_a1,
        authority="committee",
        person=person or org_tree.members_a1[0],
        violation=extra.pop("violation", "Vi phạm quy chế làm việc của chi bộ"),
        violation_on=D(2025, 9, 1),
        violation_area="discipline",
        form=extra.pop("form", DisciplineForm.WARNING),
        decision_number="9-QĐ/ĐU",
        decided_on=extra.pop("decided_on", D(2025, 10, 2)),
        **extra,
    )


@pytest.fixture
def case(org_tree, office):
    return decided(org_tree, office)


@pytest.mark.parametrize(("method", "name"), CASE_URLS)
def test_outsider_gets_404(client, case, outsider, method, name):
    client.force_login(outsider)
    assert getattr(client, method)(reverse(name, args=[case.pk])).status_code == 404


@pytest.mark.parametrize(("method", "name"), CASE_URLS)
def test_leaders_without_the_record_role_get_404(client, case, unit_head, method, name):
    """The province secretary leads the subtree but is not its office or inspection."""
    client.force_login(unit_head)
    assert getattr(client, method)(reverse(name, args=[case.pk])).status_code == 404


def test_person_reads_own_case_and_each_read_is_audited(client, case, member, office):
    client.force_login(member)
    response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    assert "Cảnh cáo" in response.content.decode()
    reads = AuditEvent.objects.filter(
        action=AuditAction.READ, object_type="discipline.disciplinecase", object_id=str(case.pk)
    )
    assert reads.count() == 1
    read = reads.get()
    assert (read.actor, read.person_id_ref, read.reason) == (
        member,
        case.person_id,
        "Trang hồ sơ kỷ luật",
    )
    # the person may read, not act: the steps are shown disabled with the reason
    assert "Chỉ văn phòng, ban tổ chức hoặc ủy ban kiểm tra" in response.content.decode()
    client.force_login(office)
    client.get(reverse("discipline:case-list"))
    assert reads.count() == 2


def test_record_through_the_form_and_refusals_shown(client, org_tree, office):
    client.force_login(office)
    person = org_tree.members_a1[1]
    url = reverse("discipline:case-create") + f"?person={person.pk}"
    data = {
        "mode": "decided",
        "deciding_unit": org_tree.grassroots_a1.pk,
        "authority": "committee",
        "violation": "Không chấp hành phân công",
        "violation_on": "01/09/2025",
        "violation_area": "discipline",
        "form": "removal_from_post",
        "decision_number": "3-QĐ/ĐU",
        "decided_on": "02/10/2025",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Cách chức chỉ áp dụng với đảng viên đang giữ chức vụ" in response.content.decode()
    assert not DisciplineCase.objects.exists()
    response = client.post(url, {**data, "form": "reprimand"})
    assert response.status_code == 302
    case = DisciplineCase.objects.get()
    assert case.form_in_force == DisciplineForm.REPRIMAND
    # a proposal needs no decision
    response = client.post(
        url,
        {
            **data,
            "mode": "proposed",
            "form": "",
            "decision_number": "",
            "decided_on": "",
            "violation": "Vi phạm khác",
        },
    )
    assert response.status_code == 302
    assert DisciplineCase.objects.filter(status=DisciplineStatus.PROPOSED).count() == 1


def test_subject_search_stays_in_scope(client, org_tree, office):
    client.force_login(office)
    url = reverse("discipline:case-create")
    found = client.get(url, {"kind": "individual", "q": "binh"}).content.decode()
    assert "Võ Văn Bình" not in found  # province B
    found = client.get(url, {"kind": "individual", "q": "duc"}).content.decode()
    assert "Nguyễn Văn Đức" in found
    assert client.get(url, {"person": org_tree.member_b1.pk}).status_code == 404
    assert client.get(url, {"unit": org_tree.cell_b1.pk}).status_code == 404
    assert client.get(url, {"unit": org_tree.cell_a1.pk}).status_code == 200


def test_appeal_and_settlement_through_the_pages(client, case, office, appraiser):
    client.force_login(appraiser)  # the office of the deciding committee records the appeal
    response = client.post(
        reverse("discipline:case-appeal", args=[case.pk]),
        {
            "lodged_on": "10/10/2025",
            "grounds": "Xin giảm hình thức",
            "appeal_unit": case.deciding_unit.parent_id,
            "version": case.version,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == DisciplineStatus.APPEALED
    # the deciding level sees the settlement step disabled with the reason
    page = client.get(case.get_absolute_url()).content.decode()
    assert "cấp trên của cấp đã quyết định giải quyết" in page
    client.force_login(office)
    response = client.post(
        reverse("discipline:case-settle", args=[case.pk]),
        {
            "outcome": "upheld",
            "decision_number": "20-QĐ/TU",
            "decided_on": "01/11/2025",
            "version": case.version,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.form_in_force) == (DisciplineStatus.UPHELD, DisciplineForm.WARNING)


def test_list_filters_and_query_ceiling(client, org_tree, office, django_assert_max_num_queries):
    for n in range(30):
        decided(org_tree, office, violation=f"Vi phạm số {n}")
    client.force_login(office)
    url = reverse("discipline:case-list")
    with django_assert_max_num_queries(15):
        response = client.get(url, {"nam": 2025, "hinh_thuc": "warning", "doi_tuong": "individual"})
    assert response.status_code == 200
    assert "30 hồ sơ" in response.content.decode()
    assert (
        AuditEvent.objects.filter(action=AuditAction.READ, reason="Danh sách kỷ luật").count() == 30
    )
    response = client.get(url, {"nam": 2024})
    assert "0 hồ sơ" in response.content.decode()


def test_the_audit_trail_does_not_leak_a_case(client, case, unit_head, office, cell_secretary):
    """The audit page and the person's history show a case's rows only to its readers."""
    from kiemdiem.core.models import AuditEvent
    from kiemdiem.org.scoping import scope_audit

    rows = AuditEvent.objects.filter(object_type="discipline.disciplinecase")
    assert rows.exists()
    assert not scope_audit(rows, unit_head).exists()  # the province secretary leads, not judges
    assert scope_audit(rows, office).count() == rows.count()
    client.force_login(unit_head)
    page = client.get(case.person.get_absolute_url()).content.decode()
    assert "Vi phạm quy chế làm việc" not in page
    audit = client.get(reverse("audit-list")).content.decode()
    assert "Vi phạm quy chế làm việc" not in audit and "Cảnh cáo" not in audit
    client.force_login(office)
    assert "Cảnh cáo" in client.get(reverse("audit-list")).content.decode()


def test_a_shortcoming_links_to_recording_its_discipline_case(
    client, org_tree, office, unit_head, open_cycle
):
    """The office keeping the member's records opens the case form from the shortcoming, with
    the shortcoming chosen; a leader without the record role sees no such link."""
    from kiemdiem.core.permissions import SYSTEM
    from kiemdiem.reviews import services as review_services
    from kiemdiem.reviews.models import Review

    review = Review.objects.get(cycle=open_cycle, person=org_tree.members_a1[0])
    finding = review_services.finding_add(
        review=review, by=SYSTEM, text="Vi phạm quy chế làm việc", area="discipline"
    )
    client.force_login(office)
    page = client.get(review.get_absolute_url()).content.decode()
    link = f"{reverse('discipline:case-create')}?person={review.person_id}&amp;finding={finding.pk}"
    assert link in page
    form = client.get(link.replace("&amp;", "&")).context["form"]
    assert form.initial["finding"] == finding.pk
    assert form["finding"].value() == finding.pk
    client.force_login(unit_head)
    assert "finding-discipline" not in client.get(review.get_absolute_url()).content.decode()
