"""Every write to confidence polls and results.

The rules of Quy định 96-QĐ/TW checked here: the conference is valid only with at least 2/3 of
those convened present; a cadre notified of pre-retirement leave, or appointed or elected in the
polling year, is not polled; nobody gets more ballots than there were people present. The share
of low-confidence ballots (over the poll's base, `LowShareBase`) gives the flags.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.confidence.models import (
    ConfidencePoll,
    ConfidenceResult,
    ExclusionReason,
    LowShareBase,
    low_flag,
    quorum_met,
)
from kiemdiem.confidence.permissions import can_record_poll
from kiemdiem.confidence.states import POLL, PollStatus
from kiemdiem.core.audit import audit_reads, audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.lifecycle import begin, transition
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, acting_user, require
from kiemdiem.core.text import normalize_text
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import Membership, Person, Position, Unit

POLL_FIELDS = [
    "title",
    "body_unit",
    "held_on",
    "document_ref",
    "convened_count",
    "present_count",
    "low_share_base",
    "two_year_rule",
]
COUNTS = ["high_count", "normal_count", "low_count", "invalid_count"]
RESULT_FIELDS = ["person", "position", "title", "appointed_on", "excluded_reason", *COUNTS]


def base_count(poll: ConfidencePoll, result: ConfidenceResult) -> int:
    """The number the low share is counted over, by the poll's setting."""
    return {
        LowShareBase.VALID_BALLOTS: result.valid_ballots,
        LowShareBase.BALLOTS_CAST: result.ballots_cast,
        LowShareBase.PRESENT: poll.present_count,
        LowShareBase.CONVENED: poll.convened_count,
    }[LowShareBase(poll.low_share_base)]


def _derive(poll: ConfidencePoll, result: ConfidenceResult) -> None:
    result.year = poll.year
    result.base_count = 0 if result.excluded_reason else base_count(poll, result)
    result.low_flag = low_flag(result.low_count, result.base_count)


def _require_draft(poll: ConfidencePoll) -> None:
    if poll.status != PollStatus.DRAFT:
        raise DomainError(_("Kết quả lấy phiếu đã chốt: hãy mở lại để sửa (nêu lý do)."))


# --- polls --------------------------------------------------------------------------------


def _check_poll(poll: ConfidencePoll, today: datetime.date) -> None:
    if not poll.title:
        raise DomainError(_("Phải nêu tên hội nghị lấy phiếu."), field="title")
    if poll.held_on > today:
        raise DomainError(
            _("Ngày lấy phiếu %(d)s ở tương lai: chỉ ghi nhận hội nghị đã diễn ra.")
            % {"d": vn_date(poll.held_on)},
            field="held_on",
        )
    if poll.convened_count <= 0:
        raise DomainError(_("Số người được triệu tập phải lớn hơn 0."), field="convened_count")
    if poll.present_count > poll.convened_count:
        raise DomainError(
            _("Số người có mặt (%(p)s) lớn hơn số người được triệu tập (%(c)s).")
            % {"p": poll.present_count, "c": poll.convened_count},
            field="present_count",
        )
    if not quorum_met(poll.convened_count, poll.present_count):
        raise DomainError(
            _(
                "Hội nghị chỉ hợp lệ khi có ít nhất 2/3 số người được triệu tập có mặt: "
                "%(p)s/%(c)s người có mặt (cần ít nhất %(n)s)."
            )
            % {
                "p": poll.present_count,
                "c": poll.convened_count,
                "n": -(-2 * poll.convened_count // 3),
            },
            field="present_count",
        )
    if poll.low_share_base not in LowShareBase.values:
        raise DomainError(_("Căn cứ tính tỉ lệ không hợp lệ."), field="low_share_base")


@transaction.atomic
def poll_create(
    *,
    by: Actor,
    title: str,
    body_unit: Unit,
    held_on: datetime.date,
    convened_count: int,
    present_count: int,
    document_ref: str = "",
    low_share_base: str | None = None,
    two_year_rule: bool | None = None,
    reason: str = "",
) -> ConfidencePoll:
    """Record a polling conference (its results are entered next)."""
    poll = ConfidencePoll(
        title=normalize_text(title),
        body_unit=body_unit,
        held_on=held_on,
        year=held_on.year,
        document_ref=normalize_text(document_ref),
        convened_count=convened_count,
        present_count=present_count,
        low_share_base=low_share_base or settings.KIEMDIEM_CONFIDENCE_LOW_SHARE_BASE,
        two_year_rule=(
            settings.KIEMDIEM_CONFIDENCE_TWO_YEARS_LOW if two_year_rule is None else two_year_rule
        ),
        recorded_by=acting_user(by),
    )
    move = begin(obj=poll, to=PollStatus.DRAFT, lifecycle=POLL, by=by, reason=reason)
    _check_poll(poll, timezone.localdate())
    full_clean(poll, exclude=["recorded_by"])
    poll.save()
    move.born(changes=diff({}, snapshot(poll, POLL_FIELDS)))
    return poll


@transaction.atomic
def poll_update(
    *,
    poll: ConfidencePoll,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
    **values: Any,
) -> ConfidencePoll:
    """Correct a draft poll; the results' shares and flags follow a change of its numbers."""
    require(can_record_poll(by, poll))
    require_version(poll, expected_version)
    _require_draft(poll)
    values = {k: v for k, v in values.items() if k in POLL_FIELDS and k != "body_unit"}
    for key in ("title", "document_ref"):
        if key in values:
            values[key] = normalize_text(values[key] or "")
    before = snapshot(poll, POLL_FIELDS)
    for key, value in values.items():
        setattr(poll, key, value)
    poll.year = poll.held_on.year
    _check_poll(poll, timezone.localdate())
    results = list(poll.results.select_related("person"))
    for result in results:
        _check_ballots(poll, result)
        _check_eligible(poll, result)
    full_clean(poll, exclude=["recorded_by"])
    changes = diff(before, snapshot(poll, POLL_FIELDS))
    if not changes:
        return poll
    updates = {k: getattr(poll, k) for k in POLL_FIELDS if k in changes}
    updates["year"] = poll.year
    save_if_unchanged(poll, expected_version, **updates)
    audit_record(
        obj=poll,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=poll.body_unit.path,
    )
    for result in results:
        _derive(poll, result)
        ConfidenceResult.objects.filter(pk=result.pk).update(
            year=result.year, base_count=result.base_count, low_flag=result.low_flag
        )
    return poll


def poll_problems(poll: ConfidencePoll) -> list[str]:
    """What stops a poll from being finalized (empty when it can be)."""
    results = list(poll.results.select_related("person"))
    if not results:
        return [_("Chưa có cán bộ nào trong danh sách lấy phiếu.")]
    return [
        _("Chưa nhập số phiếu của đồng chí %(p)s.") % {"p": r.person}
        for r in results
        if not r.excluded_reason and not r.ballots_cast
    ]


@transaction.atomic
def poll_finalize(
    *, poll: ConfidencePoll, by: Actor, note: str = "", version: int | None = None
) -> ConfidencePoll:
    """Every polled cadre's ballots are in: the results count from now on."""
    move = begin(
        obj=poll, to=PollStatus.FINALIZED, lifecycle=POLL, by=by, reason=note, version=version
    )
    problems = poll_problems(poll)
    if problems:
        raise DomainError(_("Chưa chốt được kết quả: ") + " ".join(problems))
    move.apply()
    return poll


@transaction.atomic
def poll_reopen(
    *, poll: ConfidencePoll, by: Actor, reason: str, version: int | None = None
) -> ConfidencePoll:
    """Open a finalized poll again to correct it (the reason is kept)."""
    transition(obj=poll, to=PollStatus.DRAFT, lifecycle=POLL, by=by, reason=reason, version=version)
    return poll


# --- results ------------------------------------------------------------------------------


def _check_ballots(poll: ConfidencePoll, result: ConfidenceResult) -> None:
    for name in COUNTS:
        if getattr(result, name) is None or getattr(result, name) < 0:
            raise DomainError(_("Số phiếu không được âm."), field=name)
    if result.excluded_reason and result.ballots_cast:
        raise DomainError(
            _("Đồng chí %(p)s không thuộc diện lấy phiếu (%(r)s): không nhập số phiếu.")
            % {"p": result.person, "r": result.get_excluded_reason_display().lower()},
            field="excluded_reason",
        )
    if result.ballots_cast > poll.present_count:
        raise DomainError(
            _(
                "Tổng số phiếu của đồng chí %(p)s (%(n)s) lớn hơn số người có mặt tại hội nghị "
                "(%(m)s)."
            )
            % {"p": result.person, "n": result.ballots_cast, "m": poll.present_count},
            field="low_count",
        )


def _check_eligible(poll: ConfidencePoll, result: ConfidenceResult) -> None:
    """QĐ 96: those appointed or elected in the polling year are not polled."""
    appointed = result.appointed_on
    if appointed is not None and appointed.year == poll.year and not result.excluded_reason:
        raise DomainError(
            _(
                "Đồng chí %(p)s được bầu, bổ nhiệm ngày %(d)s, trong năm lấy phiếu: không thuộc "
                "diện lấy phiếu (hãy ghi “%(r)s”)."
            )
            % {
                "p": result.person,
                "d": vn_date(appointed),
                "r": ExclusionReason.APPOINTED_THIS_YEAR.label,
            },
            field="appointed_on",
        )
    if appointed is not None and appointed > poll.held_on:
        raise DomainError(
            _("Ngày được bầu, bổ nhiệm %(d)s sau ngày lấy phiếu.") % {"d": vn_date(appointed)},
            field="appointed_on",
        )


def _check_person(poll: ConfidencePoll, result: ConfidenceResult) -> None:
    """The cadre works in the body's subtree; the post named is theirs on the day of the poll."""
    person, path, day = result.person, poll.body_unit.path, poll.held_on
    inside = Q(unit__path__startswith=path)
    known = (
        Position.objects.filter(inside, person=person).exists()
        or Membership.objects.filter(inside, person=person).exists()
    )
    if not known:
        raise DomainError(
            _("Đồng chí %(p)s không sinh hoạt, công tác trong %(u)s.")
            % {"p": person, "u": poll.body_unit},
            field="person",
        )
    position = result.position
    if position is not None:
        held = (
            position.person_id == person.pk
            and position.valid_from <= day
            and (position.valid_to is None or position.valid_to >= day)
        )
        if not held:
            raise DomainError(
                _("Đồng chí %(p)s không giữ chức vụ “%(x)s” vào ngày %(d)s.")
                % {"p": person, "x": position, "d": vn_date(day)},
                field="position",
            )
        if not result.title:
            result.title = f"{position.get_role_display()} {position.unit}"
        if result.appointed_on is None:
            result.appointed_on = position.valid_from
    if not result.title:
        raise DomainError(_("Phải nêu chức danh được lấy phiếu."), field="title")
    duplicate = ConfidenceResult.objects.filter(poll=poll, person=person).exclude(pk=result.pk)
    if duplicate.exists():
        raise DomainError(
            _("Đồng chí %(p)s đã có trong danh sách lấy phiếu này.") % {"p": person},
            field="person",
        )


def _clean_result(values: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in values.items() if k in RESULT_FIELDS}
    if "title" in values:
        values["title"] = normalize_text(values["title"] or "")
    if values.get("excluded_reason") and values["excluded_reason"] not in ExclusionReason.values:
        raise DomainError(_("Lý do không lấy phiếu không hợp lệ."), field="excluded_reason")
    for name in COUNTS:
        if name in values and values[name] is None:
            values[name] = 0
    return values


@transaction.atomic
def result_add(
    *, poll: ConfidencePoll, person: Person, by: Actor, reason: str = "", **values: Any
) -> ConfidenceResult:
    """Add a cadre to the poll: polled (with the ballots, if already counted) or left out."""
    require(can_record_poll(by, poll))
    _require_draft(poll)
    values = _clean_result(values)
    values.pop("person", None)
    result = ConfidenceResult(poll=poll, person=person, **values)
    _check_person(poll, result)
    _check_eligible(poll, result)
    _check_ballots(poll, result)
    _derive(poll, result)
    full_clean(result)
    result.save()
    audit_record(
        obj=result,
        action=AuditAction.CREATE,
        by=by,
        changes=diff({}, snapshot(result, RESULT_FIELDS)),
        reason=reason,
        unit_path=poll.body_unit.path,
        person_id=person.pk,
    )
    return result


@transaction.atomic
def result_update(
    *,
    result: ConfidenceResult,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
    **values: Any,
) -> ConfidenceResult:
    """Enter or correct a cadre's ballots (or why they are not polled) in a draft poll."""
    poll = result.poll
    require(can_record_poll(by, poll))
    require_version(result, expected_version)
    _require_draft(poll)
    values = _clean_result(values)
    values.pop("person", None)
    before = snapshot(result, RESULT_FIELDS)
    for key, value in values.items():
        setattr(result, key, value)
    _check_person(poll, result)
    _check_eligible(poll, result)
    _check_ballots(poll, result)
    _derive(poll, result)
    full_clean(result)
    changes = diff(before, snapshot(result, RESULT_FIELDS))
    if not changes:
        return result
    updates = {k: getattr(result, k) for k in RESULT_FIELDS if k in changes}
    updates.update(year=result.year, base_count=result.base_count, low_flag=result.low_flag)
    save_if_unchanged(result, expected_version, **updates)
    audit_record(
        obj=result,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=poll.body_unit.path,
        person_id=result.person_id,
    )
    return result


@transaction.atomic
def result_remove(
    *, result: ConfidenceResult, by: Actor, reason: str, expected_version: int | None = None
) -> None:
    """Take a cadre entered by mistake off a draft poll (the reason is kept)."""
    poll = result.poll
    require(can_record_poll(by, poll))
    require_version(result, expected_version)
    _require_draft(poll)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Phải nêu lý do."), field="reason")
    audit_record(
        obj=result,
        action=AuditAction.DELETE,
        by=by,
        changes=diff(snapshot(result, RESULT_FIELDS), {}),
        reason=reason,
        unit_path=poll.body_unit.path,
        person_id=result.person_id,
    )
    result.delete()


def results_read(results: list[ConfidenceResult], *, by: Actor, where: str) -> int:
    """Record that `by` was shown these people's votes (a page, a list, an export, the API)."""
    return audit_reads(
        results, by=by, where=where, place=lambda r: (r.poll.body_unit.path, r.person_id)
    )
