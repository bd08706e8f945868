"""Decision checks of the special cases (added to `checks.decision_checks`): a leader's and a
collective's share of tasks completed (QĐ 366 Art. 11: < 70% → KHTNV, computed from the
units the leader leads, not typed), the temporary cell's comment (HD 43 §7), and the quarters
that feed the year (QĐ 366 Art. 15; method UNCONFIRMED, the round's `quarter_rollup`)."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from kiemdiem.classification import rules
from kiemdiem.classification.check_types import Check, _fail, _ok
from kiemdiem.classification.models import (
    QuarterResult,
    QuarterRollup,
    Rating,
    RatingRound,
    SpecialCase,
    SubjectKind,
)
from kiemdiem.classification.terms import term_check

TASK_THRESHOLD = Decimal(70)  # QĐ 366 Art. 11: "< 70% of planned tasks"


def led_task_share(rating: Rating) -> tuple[Decimal, str] | None:
    """The share of tasks completed by what a leader leads: the collective rating of the unit
    of the post (its leadership collective, else the organization), else the mean over the
    organizations directly under it; None when no share has been recorded."""
    here = (
        Rating.objects.standing()
        .filter(round=rating.round, unit=rating.unit, task_share__isnull=False)
        .filter(subject_kind__in=[SubjectKind.LEADERSHIP_COLLECTIVE, SubjectKind.ORGANIZATION])
        .order_by("subject_kind")  # leadership_collective before organization
        .values_list("task_share", flat=True)
        .first()
    )
    if here is not None:
        return here, _("%(u)s hoàn thành %(s)s%% nhiệm vụ") % {"u": rating.unit, "s": here}
    below = list(
        Rating.objects.standing()
        .filter(
            round=rating.round,
            unit__parent_id=rating.unit_id,
            subject_kind=SubjectKind.ORGANIZATION,
            task_share__isnull=False,
        )
        .values_list("task_share", flat=True)
    )
    if not below:
        return None
    mean = (sum(below, Decimal(0)) / len(below)).quantize(Decimal("0.01"))
    return mean, _("%(n)s đơn vị trực thuộc hoàn thành bình quân %(s)s%% nhiệm vụ") % {
        "n": len(below),
        "s": mean,
    }


def task_share_check(rating: Rating, level: str) -> Check | None:
    r = rating.round.rules
    if not r.leader_units_rule:
        return None
    if rating.subject_kind == SubjectKind.LEADER:
        found = led_task_share(rating)
    elif rating.subject_kind in rules.COLLECTIVE_SUBJECTS and rating.task_share is not None:
        found = (rating.task_share, _("Hoàn thành %(s)s%% nhiệm vụ") % {"s": rating.task_share})
    else:
        return None
    if found is None:
        return None
    share, what = found
    title = _("Tỉ lệ hoàn thành nhiệm vụ")
    source = _("QĐ 366-QĐ/TW Điều 11 (dưới 70% nhiệm vụ)")
    lowest = r.lowest(rating.subject_kind).code
    if share >= TASK_THRESHOLD or level == lowest:
        return _ok("task_share", title, source, what + ".")
    message = _("%(w)s (dưới 70%%): xếp loại KHTNV.") % {"w": what}
    weigh = bool(rating.mitigation)
    if weigh:
        message += " " + _(
            "Có tình tiết “%(m)s”: cấp có thẩm quyền xem xét, quyết định và nêu lý do."
        ) % {"m": rating.get_mitigation_display()}
    return _fail("task_share", title, source, message, weigh)


def temporary_check(rating: Rating, level: str) -> Check | None:
    if rating.special_case != SpecialCase.TEMPORARY:
        return None
    title = _("Nhận xét của chi bộ nơi sinh hoạt tạm thời")
    source = _("HD 43-HD/BTCTW mục 7")
    if rating.special_note.strip():
        return _ok("temporary", title, source)
    return _fail(
        "temporary",
        title,
        source,
        _("Chưa có nhận xét bằng văn bản của chi bộ nơi sinh hoạt tạm thời."),
    )


def quarters_check(rating: Rating, level: str) -> Check | None:
    found = quarter_ceiling(rating.round, rating.subject_kind, quarters_of(rating))
    if found is None:
        return None
    ceiling, why = found
    title = _("Kết quả xếp loại các quý")
    source = _("QĐ 366-QĐ/TW Điều 15 (cách tính theo cấu hình của đợt)")
    if rules.rank(level) <= rules.rank(ceiling):
        return _ok("quarters", title, source, why)
    return _fail(
        "quarters",
        title,
        source,
        why + " " + _("Mức %(l)s cao hơn mức các quý cho phép.") % {"l": rules.short(level)},
        overridable=True,
    )


def case_checks(rating: Rating, level: str) -> list[Check]:
    found = [
        temporary_check(rating, level),
        task_share_check(rating, level),
        quarters_check(rating, level),
        term_check(rating, level),
    ]
    return [c for c in found if c is not None]


def quarters_of(rating: Rating) -> list[QuarterResult]:
    """The quarterly results of the rating's subject in its round, by quarter."""
    qs = QuarterResult.objects.filter(
        round_id=rating.round_id, subject_kind=rating.subject_kind, unit_id=rating.unit_id
    )
    if rating.person_id is None:
        qs = qs.filter(person__isnull=True)
    else:
        qs = qs.filter(person_id=rating.person_id)
    return list(qs.order_by("quarter"))


def quarter_ceiling(round_: RatingRound, subject: str, quarters: list[QuarterResult]) -> Any:
    """The highest level the year may take by its quarters under the round's roll-up method,
    with a sentence saying why; None when the method or the data sets no ceiling."""
    method = round_.quarter_rollup
    if not quarters or method in ("", QuarterRollup.SHOW):
        return None
    r = round_.rules
    if method == QuarterRollup.LOWEST:
        low = min(quarters, key=lambda q: rules.rank(q.level))
        return low.level, _("Mức thấp nhất các quý: %(l)s (quý %(q)s).") % {
            "l": rules.short(low.level),
            "q": low.quarter,
        }
    totals = [q.total for q in quarters if q.total is not None]
    if totals:
        mean = (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"))
        level = rules.level_for_score(r, subject, mean)
        return level, _("Điểm bình quân %(n)s quý: %(m)s (mức %(l)s).") % {
            "n": len(totals),
            "m": mean,
            "l": rules.short(level),
        }
    # Levels without points: the rounded-down mean of their ranks.
    ranks = sorted(rules.rank(q.level) for q in quarters)
    mean_rank = sum(ranks) // len(ranks)
    level = next(lv.code for lv in r.levels_for(subject) if lv.rank <= mean_rank)
    return level, _("Mức bình quân %(n)s quý: %(l)s.") % {
        "n": len(ranks),
        "l": rules.short(level),
    }
