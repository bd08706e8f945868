"""Every write of the yearly classification: opening a round, the three steps, publication,
cancel and re-rate, peer-group quotas and provincial scoring sheets.

Each move of a rating goes through `states.RATING` (who may take it, the audit row); the rules of
the round's rulebook are checked here (`rules.py` for scores and levels, `checks.py` at the
decision). Every refusal is a `DomainError` with a Vietnamese message naming the rule, and
nothing is written.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.classification import checks as rule_checks
from kiemdiem.classification import rules
from kiemdiem.classification.check_types import Check
from kiemdiem.classification.models import (
    ExemptReason,
    MemberDecider,
    Mitigation,
    PeerGroup,
    Rating,
    RatingRound,
    RatingStatus,
    RoundPeriod,
    RoundStatus,
    ScoringSheet,
    SpecialCase,
    SubjectKind,
)
from kiemdiem.classification.permissions import (
    can_open_round,
    can_verify,
    decides,
)
from kiemdiem.classification.states import RATING
from kiemdiem.classification.subjects import (
    default_cutoff,
    is_new_member,
    new_members_exempt,
)
from kiemdiem.classification.terms import term_fields
from kiemdiem.core.audit import audit_record
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.lifecycle import begin
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import SYSTEM, Actor, acting_user, deny, require
from kiemdiem.core.text import normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import (
    GRASSROOTS_KINDS,
    Person,
    Position,
    Unit,
)
from kiemdiem.org.scoping import access_for


class RuleRefused(DomainError):
    """A decision refused by one or more checks of the rulebook: `problems` lists each, with its
    rule and source (a form shows one line per problem)."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


# --- who decides, peer groups, sheets ---------------------------------------------------------


def deciding_unit_for(subject_kind: str, unit: Unit, member_decider: str) -> Unit:
    """The competent level (HD 43 §3, rules.md §1.9): the level directly above an organization
    or collective; for a leader the level managing the cadre (the one above the post's unit);
    for a member the grassroots organization (UNCONFIRMED, configurable: the cell)."""
    if subject_kind == SubjectKind.MEMBER:
        if member_decider == MemberDecider.CELL or unit.kind in GRASSROOTS_KINDS:
            return unit
        ancestors = Unit.objects.filter(path__in=unit.ancestor_paths()[:-1]).order_by("-depth")
        for ancestor in ancestors:
            if ancestor.kind in GRASSROOTS_KINDS:
                return ancestor
        return unit.parent or unit
    return unit.parent or unit


def _peer_group(round_: RatingRound, subject_kind: str, deciding: Unit) -> PeerGroup:
    """By default one peer group per competent level and kind of subject: the members of one
    grassroots organization (HD 21's default), the cells under one committee, and so on."""
    name = _("%(kind)s do %(unit)s quyết định") % {
        "kind": SubjectKind(subject_kind).label,
        "unit": deciding,
    }
    # Keyed by the competent level, not the name: two units may share a name.
    group = (
        PeerGroup.objects.filter(round=round_, subject_kind=subject_kind, deciding_unit=deciding)
        .order_by("pk")
        .first()
    )
    if group is None:
        taken = PeerGroup.objects.filter(round=round_, name=name[:240]).exists()
        label = f"{name[:240]} ({deciding.code})" if taken else name[:240]
        group = PeerGroup.objects.create(
            round=round_, name=label, subject_kind=subject_kind, deciding_unit=deciding
        )
    return group


def sheet_for(round_: RatingRound, subject_kind: str, unit: Unit) -> ScoringSheet | None:
    """The nearest scoring sheet a committee above (or at) `unit` issued under the round's
    scheme for this kind of subject."""
    sheets = ScoringSheet.objects.filter(
        scheme=round_.scheme, subject_kind=subject_kind, unit__path__in=unit.ancestor_paths()
    ).order_by("-unit__depth", "-pk")
    return sheets.first()


@transaction.atomic
def sheet_create(
    *, by: Actor, unit: Unit, scheme: str, subject_kind: str, title: str, criteria: list[dict]
) -> ScoringSheet:
    """A committee's own scoring sheet under a scheme (rules.md §1.5: provinces turn the
    appendices into sheets): its groups and points must fit the scheme's."""
    if not access_for(by).manages(unit.path):
        require(deny(_("Chỉ văn phòng, ban tổ chức của cấp ủy này mới ban hành bảng điểm.")))
    rule_set = _scheme(scheme)
    if rule_set.scoring == "none":
        raise DomainError(
            _("%(s)s không chấm điểm, chấm cấp độ theo tiêu chí: không có bảng điểm.")
            % {"s": rule_set.title},
            field="scheme",
        )
    problems = rules.validate_sheet(rule_set, criteria)
    if problems:
        raise RuleRefused(_("Bảng điểm chưa phù hợp với %(s)s:") % {"s": rule_set.title}, problems)
    sheet = ScoringSheet(
        unit=unit, scheme=scheme, subject_kind=subject_kind, title=title.strip(), criteria=criteria
    )
    full_clean(sheet)
    sheet.save()
    audit_record(obj=sheet, action=AuditAction.CREATE, by=by, unit_path=unit.path)
    return sheet


def _scheme(code: str) -> rules.RuleSet:
    try:
        return rules.get_scheme(code)
    except KeyError:
        raise DomainError(
            _("Không có quy định đánh giá, xếp loại mã “%(c)s”.") % {"c": code}, field="scheme"
        ) from None


# --- rounds and subjects ----------------------------------------------------------------------


@transaction.atomic
def round_open(
    *,
    by: Actor,
    title: str,
    year: int,
    scope_unit: Unit,
    scheme: str = "",
    quota_rounding: str = rules.Rounding.DOWN,
    head_rule: bool = True,
    member_decider: str = MemberDecider.GRASSROOTS,
    cutoff_on: datetime.date | None = None,
    deadline: datetime.date | None = None,
    imported: bool = False,
    populate: bool = True,
    quarter_rollup: str | None = None,
    period: str = RoundPeriod.YEAR,
    term_first: int | None = None,
    term_rollup: str | None = None,
) -> RatingRound:
    """Open the classification of `year` over `scope_unit`'s subtree, under the rulebook the
    year was issued under (or the one named, for a year the office knows better), and open a
    rating for every subject in the subtree (`populate`). A term round (`period="term"`, QĐ 366
    only) rates the term `term_first`–`year` (`year` is its last year)."""
    require(can_open_round(by, scope_unit))
    try:
        expected = rules.scheme_for_year(year)
    except LookupError:
        raise DomainError(
            _("Chưa có quy định đánh giá, xếp loại cho năm %(y)s (từ năm 2014).") % {"y": year},
            field="year",
        ) from None
    rule_set = _scheme(scheme) if scheme else expected
    if not rule_set.applies_to(year):
        raise DomainError(
            _("Năm %(y)s được đánh giá theo %(e)s, không theo %(s)s (quy định áp dụng theo năm).")
            % {"y": year, "e": expected.title, "s": rule_set.title},
            field="scheme",
        )
    term = term_fields(period, term_first, year, rule_set, term_rollup)
    if RatingRound.objects.filter(year=year, scope_unit=scope_unit, period=period).exists():
        raise DomainError(
            _("Đã có đợt đánh giá, xếp loại %(p)s của %(u)s.")
            % {"p": term["label"], "u": scope_unit},
            field="year",
        )
    round_ = RatingRound(
        title=normalize_text_block(title)
        or _("Đánh giá, xếp loại chất lượng %(p)s") % {"p": term["label"]},
        year=year,
        scheme=rule_set.code,
        scope_unit=scope_unit,
        quota_rounding=quota_rounding,
        head_rule=head_rule,
        member_decider=member_decider,
        cutoff_on=cutoff_on or default_cutoff(year),
        quarter_rollup=(quarter_rollup or settings.KIEMDIEM_CLASSIFICATION_QUARTER_ROLLUP)
        if rule_set.code == rules.QD366.code and period == RoundPeriod.YEAR
        else "",
        period=period,
        term_first=term["term_first"],
        term_rollup=term["term_rollup"],
        deadline=deadline,
        imported=imported,
        created_by=acting_user(by),
    )
    full_clean(round_)
    round_.save()
    audit_record(
        obj=round_,
        action=AuditAction.CREATE,
        by=by,
        unit_path=scope_unit.path,
        changes={"scheme": [None, rule_set.code], "year": [None, year]}
        | ({"term_first": [None, term_first]} if round_.is_term else {}),
    )
    if populate:
        subjects_populate(round_=round_, by=by)
    return round_


def subjects_populate(*, round_: RatingRound, by: Actor) -> int:
    """A rating for every organization, leadership collective, head and member (at their
    official cell) of the scope in the year; new members exempt. Returns how many were opened.
    Written in bulk (`opening.subjects_open`); a province runs it as a queued job."""
    from kiemdiem.classification.opening import subjects_open

    return subjects_open(round_=round_, by=by)["opened"]


def _require_workable(rating: Rating) -> None:
    """A closed round takes no new subjects and no more ordinary ratings; a re-rating ordered by
    a cancel (Mẫu 03, or a re-check correction) goes through its whole lifecycle even after the
    round closed: the directly higher committee's order must be carried out (QĐ 366 Art. 13)."""
    if rating.round.status == RoundStatus.CLOSED and rating.rerating_of_id is None:
        raise DomainError(
            _(
                "Đợt đánh giá, xếp loại đã kết thúc: chỉ còn đánh giá, xếp loại lại theo quyết "
                "định hủy kết quả của cấp ủy cấp trên (Mẫu 03)."
            )
        )


@transaction.atomic
def rating_add(
    *,
    round_: RatingRound,
    by: Actor,
    subject_kind: str,
    unit: Unit,
    person: Person | None = None,
    position: Position | None = None,
    rerating_of: Rating | None = None,
) -> Rating:
    """Open one subject's rating in a round: its competent level, peer group and scoring sheet
    are fixed now. A member admitted less than 6 months before the cut-off is exempt."""
    if round_.status == RoundStatus.CLOSED and rerating_of is None:
        raise DomainError(_("Đợt đánh giá, xếp loại đã kết thúc: không mở thêm đối tượng."))
    if not unit.path.startswith(round_.scope_unit.path):
        raise DomainError(
            _("%(u)s không thuộc phạm vi của đợt (%(s)s).") % {"u": unit, "s": round_.scope_unit},
            field="unit",
        )
    deciding = deciding_unit_for(subject_kind, unit, round_.member_decider)
    rating = Rating(
        round=round_,
        subject_kind=subject_kind,
        unit=unit,
        person=person,
        position=position,
        deciding_unit=deciding,
        peer_group=_peer_group(round_, subject_kind, deciding),
        sheet=sheet_for(round_, subject_kind, unit),
        rerating_of=rerating_of,
    )
    exempt = (
        subject_kind == SubjectKind.MEMBER
        and new_members_exempt()
        and is_new_member(round_, person)
    )
    if exempt:
        rating.status = RatingStatus.EXEMPT
        rating.exempt_reason = ExemptReason.NEW_MEMBER
    full_clean(rating, exclude=["rerating_of"])
    to = RatingStatus.EXEMPT if exempt else RatingStatus.DRAFT
    reason = str(ExemptReason.NEW_MEMBER.label) if exempt else ""
    if rerating_of is not None:
        reason = _("Đánh giá, xếp loại lại theo quyết định %(n)s.") % {
            "n": rerating_of.cancel_decision_number
        }
    move = begin(obj=rating, to=to, lifecycle=RATING, by=by, reason=reason)
    rating.status = to
    rating.save()
    move.born(changes={"subject_kind": [None, subject_kind], "deciding_unit": [None, deciding.pk]})
    return rating


@transaction.atomic
def rating_exempt(
    *, rating: Rating, by: Actor, exempt_reason: str, note: str, version: int
) -> None:
    """Mark a member not rated (exempted from activities, suspended, new member)."""
    _require_workable(rating)
    if exempt_reason not in ExemptReason.values:
        raise DomainError(_("Lý do không xếp loại không hợp lệ."), field="exempt_reason")
    if rating.subject_kind != SubjectKind.MEMBER:
        raise DomainError(
            _(
                "Chỉ đảng viên thuộc các trường hợp của Điều 5 Quy định 366 mới không xếp loại; "
                "tập thể, cán bộ đã kiểm điểm thì phải xếp loại."
            )
        )
    label = ExemptReason(exempt_reason).label
    reason = f"{label}. {note}".strip() if note.strip() else str(label)
    move = begin(
        obj=rating, to=RatingStatus.EXEMPT, lifecycle=RATING, by=by, reason=reason, version=version
    )
    move.apply(exempt_reason=exempt_reason)


# --- step 1 and 2: scores, levels, conditions -------------------------------------------------


LEAVE_CASES = frozenset({SpecialCase.SICK_LEAVE, SpecialCase.MATERNITY})


def parse_task_share(rating: Rating, value: Any, field: str) -> Decimal | None:
    """A collective's share of its year's tasks completed, 0–100 (None: not given)."""
    if value in (None, ""):
        return None
    if rating.subject_kind not in rules.COLLECTIVE_SUBJECTS:
        raise DomainError(_("Tỉ lệ hoàn thành nhiệm vụ chỉ ghi cho tổ chức, tập thể."), field=field)
    try:
        share = Decimal(str(value).replace(",", ".").strip())
    except InvalidOperation:
        raise DomainError(_("Tỉ lệ hoàn thành nhiệm vụ phải là một số."), field=field) from None
    if not share.is_finite() or share < 0 or share > 100:
        raise DomainError(
            _("Tỉ lệ hoàn thành nhiệm vụ phải từ 0 đến 100 (đang nhập %(v)s).") % {"v": value},
            field=field,
        )
    return share.quantize(Decimal("0.01"))


def _check_level(rating: Rating, level: str, field: str) -> None:
    r = rating.round.rules
    if r.level(rating.subject_kind, level) is None:
        allowed = ", ".join(lv.short for lv in r.levels_for(rating.subject_kind))
        raise DomainError(
            _("Mức “%(l)s” không có trong %(s)s cho %(k)s (các mức: %(a)s).")
            % {
                "l": rules.short(level) if level else _("(trống)"),
                "s": r.title,
                "k": rating.get_subject_kind_display().lower(),
                "a": allowed,
            },
            field=field,
        )


def _check_scores(
    rating: Rating, scores: dict[str, Any], field: str
) -> tuple[dict, Decimal | None]:
    """Scores (or grades) per criterion, as the scheme scores: each criterion of the sheet,
    each within its range. Returns the cleaned scores and the total (points only)."""
    r = rating.round.rules
    criteria = rule_checks.criteria_for(rating)
    if r.scoring == "none" or not criteria:
        return {}, None
    known = {c.code: c for c in criteria}
    unknown = sorted(set(scores) - set(known))
    if unknown:
        raise DomainError(
            _("Tiêu chí “%(c)s” không có trong bảng điểm.") % {"c": ", ".join(unknown)}, field=field
        )
    cleaned: dict[str, Any] = {}
    total = Decimal(0)
    for code, criterion in known.items():
        value = scores.get(code)
        if value in (None, ""):
            raise DomainError(
                _("Chưa chấm tiêu chí “%(c)s”.") % {"c": criterion.label}, field=field
            )
        if r.scoring == "grades":
            if value not in rules.GRADES:
                raise DomainError(
                    _(
                        "Cấp độ của tiêu chí “%(c)s” phải là Xuất sắc, Tốt, Trung bình hoặc Kém "
                        "(%(s)s)."
                    )
                    % {"c": criterion.label, "s": r.source},
                    field=field,
                )
            cleaned[code] = value
            continue
        try:
            points = Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            raise DomainError(
                _("Điểm tiêu chí “%(c)s” phải là một số.") % {"c": criterion.label}, field=field
            ) from None
        maximum = criterion.max_points or Decimal(0)
        if not points.is_finite() or points < 0 or points > maximum:
            raise DomainError(
                _("Điểm tiêu chí “%(c)s” phải từ 0 đến %(m)s (đang nhập %(v)s; %(s)s).")
                % {"c": criterion.label, "m": maximum, "v": value, "s": r.source},
                field=field,
            )
        if points != points.quantize(Decimal("0.01")):
            raise DomainError(
                _("Điểm tiêu chí “%(c)s” lấy tối đa 2 chữ số thập phân.") % {"c": criterion.label},
                field=field,
            )
        cleaned[code] = str(points)
        total += points
    return cleaned, (total if r.scoring == "points" else None)


def _check_against_scores(
    rating: Rating, level: str, cleaned: dict, total: Decimal | None, field: str
) -> None:
    """The proposed level may not be above what the scores reach."""
    r = rating.round.rules
    band = rule_checks.score_ceiling(rating, cleaned, total)
    if band is None:
        return
    if rules.rank(level) > rules.rank(band):
        what = (
            _("Tổng %(t)s điểm") % {"t": total} if total is not None else _("Cấp độ các tiêu chí")
        )
        raise DomainError(
            _("%(w)s chỉ đạt mức %(b)s, không đề xuất được %(l)s (%(s)s).")
            % {"w": what, "b": rules.short(band), "l": rules.short(level), "s": r.source},
            field=field,
        )


def _check_conditions(rating: Rating, conditions: list[str], field: str) -> list[str]:
    allowed = {c.code for c in rating.round.rules.conditions_for(rating.subject_kind)}
    if any(c not in allowed for c in conditions):
        raise DomainError(_("Trường hợp không hoàn thành nhiệm vụ không hợp lệ."), field=field)
    return sorted(set(conditions))


@transaction.atomic
def rating_self_assess(
    *,
    rating: Rating,
    by: Actor,
    level: str,
    reasons: str,
    version: int,
    scores: dict[str, Any] | None = None,
    conditions: list[str] | None = None,
    special_case: str = "",
    special_reason: str = "",
    task_share: Any = None,
) -> None:
    """Step 1: score each criterion (or grade it), propose a level, name strengths, weaknesses
    and causes. Redone freely until the appraisal."""
    _require_workable(rating)
    move = begin(
        obj=rating, to=RatingStatus.SELF_ASSESSED, lifecycle=RATING, by=by, version=version
    )
    _check_level(rating, level, "level")
    cleaned, total = _check_scores(rating, scores or {}, "scores")
    _check_against_scores(rating, level, cleaned, total, "level")
    ticked = _check_conditions(rating, conditions or [], "conditions")
    if special_case and special_case not in SpecialCase.values:
        raise DomainError(_("Trường hợp đặc thù không hợp lệ."), field="special_case")
    if rating.temporary_unit_id and special_case != SpecialCase.TEMPORARY:
        raise DomainError(
            _(
                "Văn phòng cấp ủy đã ghi đồng chí sinh hoạt tạm thời tại %(u)s: không tự bỏ được "
                "trường hợp này (chi bộ đó phải nhận xét trước, HD 43 mục 7)."
            )
            % {"u": rating.temporary_unit},
            field="special_case",
        )
    special_reason = normalize_text_block(special_reason) or rating.special_reason
    if special_case in LEAVE_CASES and not special_reason:
        raise DomainError(
            _(
                "Nghỉ ốm, nghỉ thai sản: phải ghi thời gian nghỉ và phần việc đã làm, vì được "
                "đánh giá theo thời gian công tác thực tế (HD 43 mục 7)."
            ),
            field="special_reason",
        )
    share = parse_task_share(rating, task_share, "task_share")
    reasons = normalize_text_block(reasons)
    if not reasons:
        raise DomainError(
            _(
                "Phải nêu ưu điểm, hạn chế và lý do tự xếp loại (QĐ 366 Điều 12: tự đánh giá phải "
                "lượng hóa, nêu rõ)."
            ),
            field="reasons",
        )
    move.apply(
        {
            "self_level": [rating.self_level, level],
            "self_total": [
                str(rating.self_total) if rating.self_total is not None else None,
                str(total) if total is not None else None,
            ],
        },
        self_level=level,
        self_scores=cleaned,
        self_total=total,
        self_reasons=reasons,
        self_conditions=ticked,
        special_case=special_case,
        special_reason=special_reason if special_case else "",
        task_share=rating.task_share if share is None else share,
    )


@transaction.atomic
def rating_return(*, rating: Rating, by: Actor, reason: str, version: int) -> None:
    """The appraiser sends a self-assessment back to be redone (what is missing in the reason)."""
    _require_workable(rating)
    begin(
        obj=rating, to=RatingStatus.DRAFT, lifecycle=RATING, by=by, reason=reason, version=version
    ).apply()


@transaction.atomic
def rating_appraise(
    *,
    rating: Rating,
    by: Actor,
    level: str,
    reasons: str,
    version: int,
    scores: dict[str, Any] | None = None,
    conditions: list[str] | None = None,
    body: str = "",
    mitigation: str = "",
    mitigation_note: str = "",
    complaints: str = "",
    special_note: str = "",
    task_share: Any = None,
) -> None:
    """Step 2: the organization board or an appraisal team proposes a level. A lower level than
    the self-assessment is a downgrade: both levels stay, and the reason is required."""
    _require_workable(rating)
    move = begin(
        obj=rating,
        to=RatingStatus.APPRAISED,
        lifecycle=RATING,
        by=by,
        reason=reasons,
        version=version,
    )
    _check_level(rating, level, "level")
    cleaned, total = _check_scores(rating, scores or {}, "scores") if scores else ({}, None)
    _check_against_scores(
        rating,
        level,
        cleaned or rating.self_scores,
        total if scores else rating.self_total,
        "level",
    )
    ticked = _check_conditions(rating, conditions or [], "conditions")
    if mitigation and mitigation not in Mitigation.values:
        raise DomainError(_("Tình tiết xem xét không hợp lệ."), field="mitigation")
    if mitigation and not mitigation_note.strip():
        raise DomainError(
            _("Phải nêu nội dung tình tiết bất khả kháng hoặc tự phát hiện, khắc phục."),
            field="mitigation_note",
        )
    reasons = normalize_text_block(reasons)
    downgrade = bool(rating.self_level) and rules.rank(level) < rules.rank(rating.self_level)
    if not reasons:
        raise DomainError(
            _("Phải nêu lý do hạ mức so với tự đánh giá (%(a)s → %(b)s).")
            % {"a": rules.short(rating.self_level), "b": rules.short(level)}
            if downgrade
            else _("Phải nêu ý kiến thẩm định."),
            field="reasons",
        )
    note = normalize_text_block(special_note) or rating.special_note
    if rating.special_case == SpecialCase.TEMPORARY and not note:
        raise DomainError(
            _(
                "Đảng viên sinh hoạt tạm thời: chi bộ nơi sinh hoạt chính thức phải có nhận xét "
                "bằng văn bản của chi bộ nơi sinh hoạt tạm thời trước khi đánh giá (HD 43 mục 7)."
            ),
            field="special_note",
        )
    share = parse_task_share(rating, task_share, "task_share")
    move.reason = reasons
    move.apply(
        {
            "appraised_level": [rating.appraised_level or None, level],
            "self_level": [rating.self_level, rating.self_level],
        },
        appraised_level=level,
        appraisal_scores=cleaned or rating.self_scores,
        appraisal_total=total if scores else rating.self_total,
        appraisal_reasons=reasons,
        appraisal_conditions=ticked,
        appraising_body=body.strip()[:255],
        mitigation=mitigation,
        mitigation_note=normalize_text_block(mitigation_note),
        complaints=normalize_text_block(complaints),
        special_note=note,
        task_share=rating.task_share if share is None else share,
    )


@transaction.atomic
def rating_verify(*, rating: Rating, by: Actor, verification: str, version: int) -> None:
    """The directly higher committee records its verification of complaints or disunity signs
    (QĐ 366 Art. 12.3), after which the competent level may decide."""
    _require_workable(rating)
    require(can_verify(by, rating))
    text = normalize_text_block(verification)
    if not text:
        raise DomainError(_("Phải nêu kết quả kiểm tra, xác minh."), field="verification")
    require_version(rating, version)
    today = timezone.localdate()
    save_if_unchanged(rating, version, verification=text, verified_on=today)
    rating.verification, rating.verified_on = text, today
    audit_record(
        obj=rating,
        action=AuditAction.UPDATE,
        by=by,
        changes={"verification": [None, text]},
        unit_path=rating.unit.path,
        person_id=rating.person_id,
    )


# --- step 3: decision, publication ------------------------------------------------------------


def _document_day(rating: Rating, day: datetime.date | None, field: str) -> datetime.date:
    """The date of a decision document: today by default; never after today, never before the
    rated year began."""
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise DomainError(
            _("Ngày %(d)s ở tương lai: chỉ ghi nhận quyết định đã ban hành.") % {"d": vn_date(day)},
            field=field,
        )
    if day.year < rating.round.year:
        raise DomainError(
            _("Ngày %(d)s trước năm được đánh giá (%(y)s).")
            % {"d": vn_date(day), "y": rating.round.year},
            field=field,
        )
    return day


def decision_problems(rating: Rating, level: str, overrides: dict[str, str]) -> list[str]:
    """Each check that stops deciding `rating` at `level`, as a line naming its rule."""
    return _problem_lines(rule_checks.decision_checks(rating, level), overrides)


def _problem_lines(checks: list[Check], overrides: dict[str, str]) -> list[str]:
    return [
        f"{c.title}: {c.message} ({c.source})"
        + (" " + _("Có thể quyết định khác nếu nêu lý do.") if c.overridable else "")
        for c in rule_checks.blocking(checks, overrides)
    ]


@transaction.atomic
def rating_decide(
    *,
    rating: Rating,
    by: Actor,
    level: str,
    version: int,
    decision_number: str = "",
    decided_on: datetime.date | None = None,
    note: str = "",
    overrides: dict[str, str] | None = None,
) -> None:
    """Step 3: the competent level decides, after every check of the rulebook. A failed check
    blocks unless the rulebook lets the competent level weigh it and a reason is given."""
    _require_workable(rating)
    # Two decisions in one peer group at once must not both pass the quota: lock the group.
    if rating.peer_group_id:
        list(PeerGroup.objects.select_for_update().filter(pk=rating.peer_group_id))
    move = begin(obj=rating, to=RatingStatus.DECIDED, lifecycle=RATING, by=by, version=version)
    decided_on = _document_day(rating, decided_on, "decided_on")
    _check_level(rating, level, "level")
    overrides = {k: v.strip() for k, v in (overrides or {}).items() if v and v.strip()}
    checks = rule_checks.decision_checks(rating, level)
    problems = _problem_lines(checks, overrides)
    if problems:
        raise RuleRefused(
            _("Chưa quyết định được mức %(l)s cho %(s)s:")
            % {"l": rules.short(level), "s": rating.subject_label},
            problems,
        )
    used = [
        {"code": c.code, "title": c.title, "message": c.message, "reason": overrides[c.code]}
        for c in checks
        if not c.passed and c.code in overrides
    ]
    changed = bool(rating.appraised_level) and level != rating.appraised_level
    if changed and not normalize_text_block(note):
        raise DomainError(
            _("Quyết định khác mức đề xuất sau thẩm định (%(a)s → %(b)s): phải nêu lý do.")
            % {"a": rules.short(rating.appraised_level), "b": rules.short(level)},
            field="note",
        )
    move.reason = normalize_text_block(note)
    move.apply(
        {"decided_level": [None, level], "overrides": [None, used] if used else [None, None]},
        decided_level=level,
        decision_number=decision_number.strip()[:60],
        decided_on=decided_on,
        decision_note=normalize_text_block(note),
        overrides=used,
    )


@transaction.atomic
def rating_publish(*, rating: Rating, by: Actor, version: int) -> None:
    """Make a decided result known to the rated and their managers (QĐ 366 Art. 15)."""
    move = begin(obj=rating, to=RatingStatus.PUBLISHED, lifecycle=RATING, by=by, version=version)
    move.apply(published_on=move.effective_on)


@transaction.atomic
def rating_cancel(
    *,
    rating: Rating,
    by: Actor,
    reason: str,
    decision_number: str,
    version: int,
    cancelled_on: datetime.date | None = None,
) -> Rating:
    """The committee directly above the competent level cancels a result and orders the subject
    re-rated (Mẫu 03). The cancelled rating stays with the reason; the re-rating starts beside
    it from self-assessment and is linked to it."""
    if not decision_number.strip():
        raise DomainError(
            _("Phải ghi số quyết định đánh giá, xếp loại lại (Mẫu 03)."), field="decision_number"
        )
    if not (reason or "").strip():
        raise DomainError(
            _("Phải nêu lý do hủy kết quả (Quy định 366-QĐ/TW Điều 15)."), field="reason"
        )
    move = begin(
        obj=rating,
        to=RatingStatus.CANCELLED,
        lifecycle=RATING,
        by=by,
        reason=reason,
        version=version,
    )
    cancelled_on = _document_day(rating, cancelled_on, "cancelled_on")
    above = rating.deciding_unit.parent or rating.deciding_unit
    move.apply(
        {"cancel_decision_number": [None, decision_number.strip()]},
        cancel_decision_number=decision_number.strip()[:60],
        cancelled_on=cancelled_on,
        cancelled_by_unit=above,
    )
    # The re-rating is opened by the cancelling decision itself, not by the round's office.
    return rating_add(
        round_=rating.round,
        by=SYSTEM,
        subject_kind=rating.subject_kind,
        unit=rating.unit,
        person=rating.person,
        position=rating.position,
        rerating_of=rating,
    )


@transaction.atomic
def peer_group_grant(
    *, group: PeerGroup, by: Actor, reason: str, version: int | None = None
) -> None:
    """The competent level raises a group's quota to 25% for outstanding, over-plan results
    (QĐ 366 Art. 11.1.5): with the reason."""
    if not decides(by, group.deciding_unit):
        require(
            deny(
                _("Chỉ cấp có thẩm quyền quyết định (%(u)s) mới được nâng tỉ lệ lên 25%%.")
                % {"u": group.deciding_unit}
            )
        )
    rule_set = group.round.rules
    if rule_set.quota_ratio_granted is None:
        raise DomainError(_("%(s)s không cho phép nâng tỉ lệ HTXSNV.") % {"s": rule_set.title})
    reason = normalize_text_block(reason)
    if not reason:
        raise DomainError(
            _("Phải nêu kết quả nổi bật, vượt kế hoạch làm căn cứ nâng tỉ lệ."), field="reason"
        )
    if group.quota_granted:
        raise DomainError(_("Nhóm “%(g)s” đã được nâng tỉ lệ lên 25%%.") % {"g": group.name})
    save_if_unchanged(group, version, quota_granted=True, grant_reason=reason)
    group.quota_granted, group.grant_reason = True, reason
    audit_record(
        obj=group,
        action=AuditAction.UPDATE,
        by=by,
        changes={"quota_granted": [False, True]},
        reason=reason,
        unit_path=group.deciding_unit.path,
    )
