"""Confidence polls: the 2/3 quorum, who is polled, ballots within those present, the QĐ 96
thresholds at their boundaries, the configurable base, the two-years-running rule."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from conftest import START
from kiemdiem.confidence import selectors, services
from kiemdiem.confidence.models import (
    ConfidencePoll,
    ConfidenceResult,
    ExclusionReason,
    LowFlag,
    LowShareBase,
    low_flag,
    quorum_met,
)
from kiemdiem.confidence.states import PollStatus
from kiemdiem.core.errors import DomainError
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import services as org_services
from kiemdiem.org.models import PositionRole
from kiemdiem.org.scoping import access_for, visible_subtrees

D = datetime.date


@pytest.mark.parametrize(
    ("low", "base", "flag"),
    [
        (5, 10, ""),  # exactly 1/2: no flag
        (6, 10, LowFlag.PLANNING),  # one vote more
        (50, 100, ""),
        (51, 100, LowFlag.PLANNING),
        (6, 9, LowFlag.DISMISSAL),  # exactly 2/3
        (5, 9, LowFlag.PLANNING),  # one fewer
        (20, 30, LowFlag.DISMISSAL),
        (19, 30, LowFlag.PLANNING),
        (0, 0, ""),
    ],
)
def test_low_confidence_thresholds_at_their_boundaries(low, base, flag):
    assert low_flag(low, base) == flag


@pytest.mark.parametrize(
    ("convened", "present", "valid"),
    [(30, 20, True), (30, 19, False), (9, 6, True), (9, 5, False), (10, 7, True), (10, 6, False)],
)
def test_quorum_two_thirds_exactly_and_one_fewer(convened, present, valid):
    assert quorum_met(convened, present) is valid


@pytest.fixture
def leaders(org_tree):
    """Two cadres of grassroots committee A1 holding posts since 2024 and 2026."""
    secretary = org_tree.members_a1[0]
    deputy = org_tree.members_a1[1]
    posts = {
        "secretary": org_services.position_add(
            person=secretary,
            unit=org_tree.grassroots_a1,
            role=PositionRole.SECRETARY,
            valid_from=START,
            by=SYSTEM,
        ),
        "deputy": org_services.position_add(
            person=deputy,
            unit=org_tree.grassroots_a1,
            role=PositionRole.DEPUTY_SECRETARY,
            valid_from=D(2026, 1, 15),
            by=SYSTEM,
        ),
    }
    return posts


def make_poll(org_tree, by, **overrides):
    values = {
        "by": by,
        "title": "Lấy phiếu tín nhiệm giữa nhiệm kỳ",
        "body_unit": org_tree.grassroots_a1,
        "held_on": D(2026, 11, 20),
        "convened_count": 30,
        "present_count": 27,
    }
    values.update(overrides)
    return services.poll_create(**values)


def test_quorum_below_two_thirds_is_refused_nothing_saved(org_tree, office):
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="ít nhất 2/3") as exc:
        make_poll(org_tree, office, present_count=19)
    assert "cần ít nhất 20" in exc.value.message
    assert not ConfidencePoll.objects.exists() and AuditEvent.objects.count() == events
    assert make_poll(org_tree, office, present_count=20).quorum_met


def test_ballots_beyond_those_present_are_refused(org_tree, office, leaders):
    poll = make_poll(org_tree, office, present_count=27)
    person = org_tree.members_a1[0]
    with pytest.raises(DomainError, match="lớn hơn số người có mặt"):
        services.result_add(
            poll=poll,
            person=person,
            position=leaders["secretary"],
            by=office,
            high_count=10,
            normal_count=10,
            low_count=7,
            invalid_count=1,
        )
    assert not ConfidenceResult.objects.exists()
    result = services.result_add(
        poll=poll,
        person=person,
        position=leaders["secretary"],
        by=office,
        high_count=10,
        normal_count=10,
        low_count=6,
        invalid_count=1,
    )
    assert result.title == "Bí thư Đảng bộ Trường THPT Quảng Xương"
    assert result.appointed_on == START
    # the conference's count cannot drop below a result already entered
    with pytest.raises(DomainError, match="lớn hơn số người có mặt"):
        services.poll_update(poll=poll, by=office, present_count=26, expected_version=poll.version)


def test_appointed_in_the_polling_year_is_not_polled(org_tree, office, leaders):
    poll = make_poll(org_tree, office)
    deputy = org_tree.members_a1[1]
    with pytest.raises(DomainError, match="trong năm lấy phiếu"):
        services.result_add(
            poll=poll, person=deputy, position=leaders["deputy"], by=office, low_count=1
        )
    with pytest.raises(DomainError, match="không nhập số phiếu"):
        services.result_add(
            poll=poll,
            person=deputy,
            position=leaders["deputy"],
            by=office,
            excluded_reason=ExclusionReason.APPOINTED_THIS_YEAR,
            low_count=1,
        )
    result = services.result_add(
        poll=poll,
        person=deputy,
        position=leaders["deputy"],
        by=office,
        excluded_reason=ExclusionReason.APPOINTED_THIS_YEAR,
    )
    assert result.low_flag == "" and result.base_count == 0


def test_flags_over_the_configured_base(org_tree, office, leaders):
    person = org_tree.members_a1[0]
    ballots = {"high_count": 4, "normal_count": 4, "low_count": 12, "invalid_count": 7}
    valid = make_poll(org_tree, office)
    result = services.result_add(
        poll=valid, person=person, position=leaders["secretary"], by=office, **ballots
    )
    assert (result.base_count, result.low_flag) == (20, LowFlag.PLANNING)  # 12/20 > 1/2
    cast = make_poll(org_tree, office, low_share_base=LowShareBase.BALLOTS_CAST, title="Khác")
    result = services.result_add(
        poll=cast, person=person, position=leaders["secretary"], by=office, **ballots
    )
    assert (result.base_count, result.low_flag) == (27, "")  # 12/27 < 1/2
    with override_settings(KIEMDIEM_CONFIDENCE_LOW_SHARE_BASE="present"):
        present = make_poll(org_tree, office, title="Thứ ba", present_count=20)
    assert present.low_share_base == LowShareBase.PRESENT
    with pytest.raises(DomainError, match="lớn hơn số người có mặt"):
        services.result_add(
            poll=present, person=person, position=leaders["secretary"], by=office, **ballots
        )


def test_changing_the_poll_base_recomputes_the_flags(org_tree, office, leaders):
    poll = make_poll(org_tree, office)
    result = services.result_add(
        poll=poll,
        person=org_tree.members_a1[0],
        position=leaders["secretary"],
        by=office,
        high_count=6,
        normal_count=0,
        low_count=18,
    )
    assert result.low_flag == LowFlag.DISMISSAL  # 18/24 ≥ 2/3
    services.poll_update(
        poll=poll, by=office, low_share_base=LowShareBase.CONVENED, expected_version=poll.version
    )
    result.refresh_from_db()
    assert (result.base_count, result.low_flag) == (30, LowFlag.PLANNING)  # 18/30


def test_finalize_needs_every_polled_cadre_counted_then_reopen_with_reason(
    org_tree, office, leaders
):
    poll = make_poll(org_tree, office)
    with pytest.raises(DomainError, match="Chưa có cán bộ"):
        services.poll_finalize(poll=poll, by=office)
    result = services.result_add(
        poll=poll, person=org_tree.members_a1[0], position=leaders["secretary"], by=office
    )
    with pytest.raises(DomainError, match="Chưa nhập số phiếu"):
        services.poll_finalize(poll=poll, by=office)
    services.result_update(
        result=result, by=office, high_count=20, normal_count=5, low_count=2, expected_version=1
    )
    services.poll_finalize(poll=poll, by=office)
    assert poll.status == PollStatus.FINALIZED
    with pytest.raises(DomainError, match="đã chốt"):
        services.result_update(result=result, by=office, low_count=3)
    with pytest.raises(DomainError, match="Phải nêu lý do"):
        services.poll_reopen(poll=poll, by=office, reason="")
    services.poll_reopen(poll=poll, by=office, reason="Nhập sai số phiếu")
    assert poll.status == PollStatus.DRAFT


def _polled(org_tree, by, post, year: int, low: int, *, rule: bool):
    poll = make_poll(
        org_tree, by, held_on=D(year, 11, 20), two_year_rule=rule, title=f"Lấy phiếu {year}"
    )
    services.result_add(
        poll=poll,
        person=post.person,
        position=post,
        by=by,
        high_count=27 - low,
        low_count=low,
    )
    services.poll_finalize(poll=poll, by=by)
    return poll


def test_two_years_running_rule_is_a_poll_setting(org_tree, office, travel_to):
    travel_to(D(2027, 12, 1))
    post = org_services.position_add(
        person=org_tree.members_a1[2],
        unit=org_tree.grassroots_a1,
        role=PositionRole.STANDING_MEMBER,
        valid_from=START,
        by=SYSTEM,
    )
    _polled(org_tree, office, post, 2026, 15, rule=True)  # 15/27 > 1/2
    _polled(org_tree, office, post, 2027, 14, rule=True)
    flagged = selectors.results_filtered(office, selectors.ResultFilter(flag="two_years"))
    assert [(r.year, selectors.two_years_low(r)) for r in flagged] == [(2027, True)]
    stats = selectors.confidence_stats(office, org_tree.province_a, 2027)
    assert (stats.polls, stats.polled, stats.planning, stats.two_years) == (1, 1, 1, 1)
    with override_settings(KIEMDIEM_CONFIDENCE_TWO_YEARS_LOW=False):
        poll = make_poll(org_tree, office, title="Bổ sung")
    assert poll.two_year_rule is False


def test_who_may_record_and_read(
    org_tree, office, leaders, member, cell_secretary, unit_head, outsider
):
    with pytest.raises(PermissionDenied):
        make_poll(org_tree, unit_head)  # the province secretary is not its Organization Board
    poll = make_poll(org_tree, office)
    result = services.result_add(
        poll=poll,
        person=org_tree.members_a1[0],
        position=leaders["secretary"],
        by=office,
        low_count=1,
        high_count=20,
    )
    for user in (member, cell_secretary, outsider):
        with pytest.raises(PermissionDenied):
            services.result_update(result=result, by=user, low_count=2)
    assert set(ConfidenceResult.objects.visible_to(office)) == {result}
    assert set(ConfidenceResult.objects.visible_to(member)) == {result}  # their own votes
    for user in (cell_secretary, unit_head, outsider):
        assert not ConfidenceResult.objects.visible_to(user).exists()
    assert not ConfidencePoll.objects.visible_to(outsider).exists()


def test_a_person_outside_the_body_is_refused(org_tree, office):
    poll = make_poll(org_tree, office)
    with pytest.raises(DomainError, match="không sinh hoạt, công tác trong"):
        services.result_add(
            poll=poll, person=org_tree.member_b1, by=office, title="Bí thư", high_count=1
        )


def _poll_of(org_tree, by, year: int, lows: dict, *, rule: bool) -> None:
    """A finalized poll of the year: each person with so many low ballots of 27."""
    poll = make_poll(
        org_tree, by, held_on=D(year, 11, 20), two_year_rule=rule, title=f"Lấy phiếu {year}"
    )
    for person, low in lows.items():
        services.result_add(
            poll=poll,
            person=person,
            by=by,
            title="Ủy viên",
            appointed_on=START,
            high_count=27 - low,
            low_count=low,
        )
    services.poll_finalize(poll=poll, by=by)


def test_confidence_figures_equal_their_lists_for_every_scope(
    org_tree, office, unit_head, member, outsider, admin, travel_to
):
    """The records overview's figures: the results in one aggregate, the two-years-running
    count a FILTER over the Exists annotation (a COUNT of its own before, the FILTER thought
    unreliable on SQLite); the polls through a read compiled once. On both databases each
    equals the length of the list it links to, for users who read every result (office,
    admin), only their own (a member), or none (the province's secretary, an outsider)."""
    travel_to(D(2027, 12, 1))
    a, b, c = org_tree.members_a1[:3]
    _poll_of(org_tree, office, 2026, {a: 15, b: 15, c: 2}, rule=True)
    # a: low both years (counted); b: not low this year; c: not low last year
    _poll_of(org_tree, office, 2027, {a: 14, b: 3, c: 20}, rule=True)
    # b low both years, in a poll that does not apply the rule: not counted
    _poll_of(org_tree, office, 2027, {b: 16}, rule=False)
    seen = {}
    for user in (office, admin, member, unit_head, outsider):
        stats = selectors.confidence_stats(user, org_tree.province_a, 2027)

        def listed(user=user, **f) -> int:
            where = selectors.ResultFilter(unit=org_tree.province_a, year=2027, finalized=True, **f)
            return selectors.results_filtered(user, where).count()

        assert (stats.polled, stats.excluded, stats.planning, stats.dismissal, stats.two_years) == (
            listed(polled=True),
            listed(excluded=True),
            listed(flag=LowFlag.PLANNING),
            listed(flag=LowFlag.DISMISSAL),
            listed(flag="two_years"),
        )
        finalized = selectors.polls_for(user).filter(
            body_unit__path__startswith=org_tree.province_a.path,
            year=2027,
            status=PollStatus.FINALIZED,
        )
        assert stats.polls == finalized.count()
        seen[user.username] = (
            stats.polls,
            stats.polled,
            stats.planning,
            stats.dismissal,
            stats.two_years,
        )
    assert seen == {
        office.username: (2, 4, 2, 1, 1),
        admin.username: (2, 4, 2, 1, 1),
        member.username: (1, 1, 1, 0, 1),  # the poll of a's own result
        unit_head.username: (2, 0, 0, 0, 0),  # sees the polls, not the results
        outsider.username: (0, 0, 0, 0, 0),
    }
    polls = selectors._finalized_polls(2027)
    for user in (office, admin, member, outsider):
        access = access_for(user)
        assert polls.compiled(visible_subtrees(access), access.person_id, "000001.")
