"""Writes of the classification beyond the three steps: closing a round, editing a scoring
sheet, the special cases of who is rated (HD 43 §7: leave, temporary party activity, a
committee member suspended), and the quarterly results that feed the year under QĐ 366.

As in `services.py`: permissions checked here, every change audited, a stale version refused,
every refusal a Vietnamese `DomainError` naming the rule, nothing written.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.classification import rules
from kiemdiem.classification.models import (
    QuarterResult,
    Rating,
    RatingRound,
    RatingStatus,
    RoundStatus,
    ScoringSheet,
    SpecialCase,
)
from kiemdiem.classification.permissions import (
    can_comment_temporary,
    can_manage_rating,
    can_record_quarter,
)
from kiemdiem.classification.services import LEAVE_CASES, RuleRefused
from kiemdiem.classification.states import OPEN, ROUND
from kiemdiem.core.audit import audit_record
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.lifecycle import begin
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, acting_user, deny, require
from kiemdiem.core.text import normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for

# --- closing a round ---------------------------------------------------------------------------


def round_unfinished(round_: RatingRound) -> list[Rating]:
    """The ratings still in self-assessment, appraisal or awaiting the decision (first 50)."""
    qs = Rating.objects.filter(round=round_, status__in=OPEN).select_related("unit", "person")
    return list(qs.order_by("unit__path", "subject_kind", "pk")[:50])


@transaction.atomic
def round_close(*, round_: RatingRound, by: Actor, version: int) -> None:
    """End the round once every subject is decided or exempt (QĐ 366 Art. 3.4: whoever is
    reviewed is rated). Refused with the list of the unfinished ratings."""
    move = begin(obj=round_, to=RoundStatus.CLOSED, lifecycle=ROUND, by=by, version=version)
    left = Rating.objects.filter(round=round_, status__in=OPEN).count()
    if left:
        names = [
            _("%(s)s (%(k)s, %(st)s)")
            % {
                "s": r.subject_label,
                "k": r.get_subject_kind_display().lower(),
                "st": r.get_status_display().lower(),
            }
            for r in round_unfinished(round_)[:20]
        ]
        if left > len(names):
            names.append(_("… và %(n)s kết quả khác") % {"n": left - len(names)})
        raise RuleRefused(
            _(
                "Chưa kết thúc được đợt: còn %(n)s đối tượng chưa được quyết định xếp loại "
                "(QĐ 366-QĐ/TW Điều 3: đã kiểm điểm thì phải xếp loại):"
            )
            % {"n": left},
            names,
        )
    move.apply()


# --- scoring sheets ----------------------------------------------------------------------------


def sheet_in_use(sheet: ScoringSheet) -> int:
    """How many ratings already scored on the sheet (their scores name its criteria)."""
    return (
        Rating.objects.filter(sheet=sheet)
        .exclude(self_scores={})
        .exclude(status=RatingStatus.EXEMPT)
        .count()
    )


@transaction.atomic
def sheet_update(
    *, sheet: ScoringSheet, by: Actor, title: str, criteria: list[dict], version: int
) -> None:
    """Change a committee's scoring sheet: the same checks as when it was issued. Refused once
    a rating has been scored on it (a score must keep the sheet it was given under: issue a
    new sheet instead)."""
    if not access_for(by).manages(sheet.unit.path):
        require(deny(_("Chỉ văn phòng, ban tổ chức của cấp ủy này mới sửa bảng điểm.")))
    require_version(sheet, version)
    used = sheet_in_use(sheet)
    if used:
        raise DomainError(
            _(
                "Đã có %(n)s bản tự đánh giá chấm theo bảng điểm này: không sửa được (điểm đã "
                "chấm phải giữ bảng điểm đã dùng). Hãy ban hành bảng điểm mới."
            )
            % {"n": used}
        )
    rule_set = rules.get_scheme(sheet.scheme)
    problems = rules.validate_sheet(rule_set, criteria)
    if problems:
        raise RuleRefused(_("Bảng điểm chưa phù hợp với %(s)s:") % {"s": rule_set.title}, problems)
    title = normalize_text_block(title)
    if not title:
        raise DomainError(_("Phải ghi tên bảng điểm."), field="title")
    before = {"title": sheet.title, "criteria": sheet.criteria}
    sheet.title, sheet.criteria = title, criteria
    full_clean(sheet)
    save_if_unchanged(sheet, version, title=title, criteria=criteria)
    audit_record(
        obj=sheet,
        action=AuditAction.UPDATE,
        by=by,
        changes={k: [v, getattr(sheet, k)] for k, v in before.items() if v != getattr(sheet, k)},
        unit_path=sheet.unit.path,
    )


# --- special cases -----------------------------------------------------------------------------


@transaction.atomic
def rating_special_case(
    *,
    rating: Rating,
    by: Actor,
    special_case: str,
    reason: str,
    version: int,
    temporary_unit: Unit | None = None,
) -> None:
    """The round's office records a special case of a member or leader (HD 43 §7): long sick
    or maternity leave (rated on the work done: the reason says the leave and the work),
    temporary party activity (the temporary cell, whose written comment the official cell
    needs before it appraises), a committee member suspended from committee activity."""
    require(can_manage_rating(by, rating))
    require_version(rating, version)
    if rating.subject_kind not in rules.INDIVIDUAL_SUBJECTS:
        raise DomainError(_("Trường hợp đặc thù chỉ áp dụng với cá nhân."), field="special_case")
    if special_case and special_case not in SpecialCase.values:
        raise DomainError(_("Trường hợp đặc thù không hợp lệ."), field="special_case")
    if rating.status not in OPEN:
        raise DomainError(
            _("Kết quả đã được quyết định (hoặc không xếp loại): không sửa trường hợp đặc thù.")
        )
    reason = normalize_text_block(reason)
    if special_case and not reason:
        message = (
            _("Phải ghi thời gian nghỉ và phần việc đã làm (đánh giá theo thời gian công tác).")
            if special_case in LEAVE_CASES
            else _("Phải ghi căn cứ của trường hợp đặc thù.")
        )
        raise DomainError(message, field="reason")
    if special_case == SpecialCase.TEMPORARY:
        if temporary_unit is None:
            raise DomainError(
                _("Phải chọn chi bộ nơi đảng viên sinh hoạt tạm thời."), field="temporary_unit"
            )
        if temporary_unit.pk == rating.unit_id:
            raise DomainError(
                _("Chi bộ sinh hoạt tạm thời phải khác chi bộ sinh hoạt chính thức."),
                field="temporary_unit",
            )
    else:
        temporary_unit = None
    values: dict[str, Any] = {
        "special_case": special_case,
        "special_reason": reason if special_case else "",
        "temporary_unit": temporary_unit,
    }
    if temporary_unit is None or temporary_unit.pk != rating.temporary_unit_id:
        values.update(special_note="", temporary_comment_on=None)
    changes = {
        "special_case": [rating.special_case, special_case],
        "special_reason": [rating.special_reason, values["special_reason"]],
        "temporary_unit": [rating.temporary_unit_id, temporary_unit.pk if temporary_unit else None],
    }
    save_if_unchanged(rating, version, **values)
    for key, value in values.items():
        setattr(rating, key, value)
    audit_record(
        obj=rating,
        action=AuditAction.UPDATE,
        by=by,
        changes={k: v for k, v in changes.items() if v[0] != v[1]},
        reason=reason,
        unit_path=rating.unit.path,
        person_id=rating.person_id,
    )


@transaction.atomic
def rating_temporary_comment(*, rating: Rating, by: Actor, comment: str, version: int) -> None:
    """The temporary cell's written comment on a member in temporary party activity (HD 43 §7),
    recorded by that cell (or its committee's office) before the official cell appraises."""
    if rating.special_case != SpecialCase.TEMPORARY or rating.temporary_unit is None:
        raise DomainError(_("Đảng viên này không sinh hoạt tạm thời ở chi bộ khác."))
    require(can_comment_temporary(by, rating))
    require_version(rating, version)
    if rating.status not in (RatingStatus.DRAFT, RatingStatus.SELF_ASSESSED):
        raise DomainError(
            _("Chi bộ nơi sinh hoạt chính thức đã thẩm định: nhận xét phải có trước bước đó.")
        )
    text = normalize_text_block(comment)
    if not text:
        raise DomainError(_("Phải ghi nội dung nhận xét."), field="comment")
    today = timezone.localdate()
    save_if_unchanged(rating, version, special_note=text, temporary_comment_on=today)
    before = rating.special_note
    rating.special_note, rating.temporary_comment_on = text, today
    audit_record(
        obj=rating,
        action=AuditAction.UPDATE,
        by=by,
        changes={"special_note": [before or None, text]},
        unit_path=rating.unit.path,
        person_id=rating.person_id,
    )


# --- quarterly results (QĐ 366) ------------------------------------------------------------------


def _parse_total(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        total = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        raise DomainError(_("Tổng điểm quý phải là một số."), field="total") from None
    if not total.is_finite() or total < 0 or total > 100:
        raise DomainError(_("Tổng điểm quý phải từ 0 đến 100."), field="total")
    return total.quantize(Decimal("0.01"))


@transaction.atomic
def quarter_record(
    *,
    rating: Rating,
    by: Actor,
    quarter: int,
    level: str,
    total: Any = None,
    note: str = "",
    version: int | None = None,
) -> QuarterResult:
    """Record (or correct, with the version seen) the result of one quarter of the rating's
    subject (QĐ 366 quarterly reviews, Mẫu 05), by its competent level."""
    round_ = rating.round
    r = round_.rules
    if r.code != rules.QD366.code:
        raise DomainError(
            _("Đánh giá, xếp loại theo quý chỉ có từ Quy định 366-QĐ/TW (năm 2025)."),
            field="quarter",
        )
    if round_.is_term:
        raise DomainError(
            _(
                "Đợt đánh giá theo nhiệm kỳ không ghi kết quả quý: kết quả các năm được đọc tự "
                "động."
            ),
            field="quarter",
        )
    require(can_record_quarter(by, rating))
    if quarter not in (1, 2, 3, 4):
        raise DomainError(_("Quý phải từ 1 đến 4."), field="quarter")
    if r.level(rating.subject_kind, level) is None:
        raise DomainError(_("Mức xếp loại quý không hợp lệ."), field="level")
    points = _parse_total(total)
    if points is not None:
        band = rules.level_for_score(r, rating.subject_kind, points)
        if rules.rank(level) > rules.rank(band):
            raise DomainError(
                _("Tổng %(t)s điểm chỉ đạt mức %(b)s, không xếp được %(l)s (%(s)s).")
                % {"t": points, "b": rules.short(band), "l": rules.short(level), "s": r.source},
                field="level",
            )
    key = {
        "round": round_,
        "subject_kind": rating.subject_kind,
        "unit": rating.unit,
        "person": rating.person,
        "quarter": quarter,
    }
    found = QuarterResult.objects.select_for_update().filter(**key).first()
    note = normalize_text_block(note)
    if found is None:
        if version is not None:
            raise DomainError(_("Kết quả quý này đã bị xóa hoặc chưa có. Hãy tải lại trang."))
        result = QuarterResult(
            **key, level=level, total=points, note=note, recorded_by=acting_user(by)
        )
        full_clean(result)
        result.save()
        action, changes = (
            AuditAction.CREATE,
            {"quarter": [None, quarter], "level": [None, level], "total": [None, points]},
        )
    else:
        if version is None:
            raise DomainError(
                _("Quý %(q)s đã có kết quả: hãy mở kết quả đó để sửa.") % {"q": quarter},
                field="quarter",
            )
        changes = {
            "level": [found.level, level],
            "total": [found.total, points],
        }
        save_if_unchanged(found, version, level=level, total=points, note=note)
        found.level, found.total, found.note = level, points, note
        result, action = found, AuditAction.UPDATE
    audit_record(
        obj=result,
        action=action,
        by=by,
        changes=changes,
        unit_path=rating.unit.path,
        person_id=rating.person_id,
    )
    return result
