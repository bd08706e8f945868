"""Term ratings under QĐ 366 (rules.md §1.10, §1.12): "annual results feed the term rating".

A term round rates the subjects over a term (`term_first`–`year`). For each year of the term the
subject's annual result is read from the PUBLISHED rating of a year round (a cancelled result is
replaced by its published re-rating), shown with its own rulebook's label (never recomputed),
and weighs on the term as the round's `term_rollup` says (UNCONFIRMED: a setting, default "show").
Years under different rulebooks compare by the rank of their levels (TSVM and HTXSNV both rank
first). A year without a published result is listed as missing, with why when known."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from kiemdiem.classification import rules
from kiemdiem.classification.check_types import Check, _fail, _ok
from kiemdiem.classification.models import (
    Rating,
    RatingRound,
    RatingStatus,
    RoundPeriod,
    TermRollup,
)
from kiemdiem.classification.tally import same_subject
from kiemdiem.core.errors import DomainError

SOURCE = _("QĐ 366-QĐ/TW Điều 15 (kết quả hằng năm là cơ sở đánh giá nhiệm kỳ)")


def term_fields(
    period: str, term_first: int | None, year: int, rule_set: rules.RuleSet, rollup: str | None
) -> dict[str, Any]:
    """Validate a round's period; the fields it sets and the words naming it."""
    if period == RoundPeriod.YEAR:
        return {"term_first": None, "term_rollup": "", "label": _("năm %(y)s") % {"y": year}}
    if period != RoundPeriod.TERM:
        raise DomainError(_("Kỳ đánh giá phải là năm hoặc nhiệm kỳ."), field="period")
    if rule_set.code != rules.QD366.code:
        raise DomainError(
            _(
                "Đánh giá, xếp loại theo nhiệm kỳ chỉ có từ Quy định 366-QĐ/TW: năm cuối nhiệm kỳ "
                "%(y)s được đánh giá theo %(s)s."
            )
            % {"y": year, "s": rule_set.title},
            field="period",
        )
    if term_first is None:
        raise DomainError(_("Hãy nhập năm đầu của nhiệm kỳ."), field="term_first")
    if term_first > year:
        raise DomainError(
            _("Năm cuối nhiệm kỳ (%(b)s) không được trước năm đầu (%(a)s).")
            % {"a": term_first, "b": year},
            field="term_first",
        )
    if term_first < 2014:
        raise DomainError(_("Năm đầu nhiệm kỳ phải từ 2014."), field="term_first")
    method = rollup or settings.KIEMDIEM_CLASSIFICATION_TERM_ROLLUP
    if method not in TermRollup.values:
        raise DomainError(
            _("Cách tính kết quả các năm vào nhiệm kỳ không hợp lệ."), field="term_rollup"
        )
    return {
        "term_first": term_first,
        "term_rollup": method,
        "label": _("nhiệm kỳ %(a)s–%(b)s") % {"a": term_first, "b": year},
    }


@dataclass(frozen=True)
class YearResult:
    """The annual result of one year of the term, or why there is none."""

    year: int
    rating: Rating | None
    missing: str = ""

    @property
    def level(self) -> str:
        return self.rating.decided_level if self.rating else ""

    @property
    def label(self) -> str:
        """The level under its own year's rulebook, e.g. "HTTNV — Hoàn thành tốt nhiệm vụ"."""
        return self.rating.get_decided_level_display() if self.rating else ""

    @property
    def scheme(self) -> str:
        return self.rating.round.rules.title if self.rating else ""


def years_of(rating: Rating) -> list[YearResult]:
    """The annual results of a term rating's subject, a row per year of the term (empty for a
    year round)."""
    round_ = rating.round
    if not round_.is_term or round_.term_first is None:
        return []
    years = range(round_.term_first, round_.year + 1)
    found = list(
        Rating.objects.filter(
            round__period=RoundPeriod.YEAR,
            round__year__in=list(years),
            # A member or leader by person (they may have changed cells during the term).
            **same_subject(rating),
        )
        .exclude(status=RatingStatus.EXEMPT)
        .select_related("round__scope_unit")
    )
    rows = []
    for year in years:
        of_year = [r for r in found if r.round.year == year]
        published = [r for r in of_year if r.status == RatingStatus.PUBLISHED]
        if published:
            # The same unit first, then the nearest scope, then the latest decision.
            published.sort(
                key=lambda r: (
                    r.unit_id != rating.unit_id,
                    -r.round.scope_unit.depth,
                    -(r.decided_on.toordinal() if r.decided_on else 0),
                    -r.pk,
                )
            )
            rows.append(YearResult(year, published[0]))
        elif any(r.status == RatingStatus.CANCELLED for r in of_year) and not any(
            r.status != RatingStatus.CANCELLED for r in of_year
        ):
            rows.append(YearResult(year, None, _("Kết quả đã bị hủy, chưa đánh giá lại.")))
        elif of_year:
            rows.append(
                YearResult(
                    year,
                    None,
                    _("Chưa công khai kết quả (đang ở bước “%(s)s”).")
                    % {"s": of_year[0].get_status_display()},
                )
            )
        else:
            rows.append(YearResult(year, None, _("Chưa có kết quả đánh giá, xếp loại năm này.")))
    return rows


def missing_text(rows: list[YearResult]) -> str:
    missing = [str(r.year) for r in rows if r.rating is None]
    if not missing:
        return ""
    return _("Thiếu kết quả năm %(y)s.") % {"y": ", ".join(missing)}


def term_ceiling(round_: RatingRound, subject: str, rows: list[YearResult]) -> Any:
    """The highest level the term may take by its years under the round's roll-up method,
    with a sentence saying why; None when the method ("show") or the data sets no ceiling."""
    found = [r for r in rows if r.rating is not None and r.level]
    method = round_.term_rollup
    if not found or method in ("", TermRollup.SHOW):
        return None
    levels = round_.rules.levels_for(subject)
    if method == TermRollup.LOWEST:
        low = min(found, key=lambda r: rules.rank(r.level))
        rank = rules.rank(low.level)
        level = next(lv.code for lv in levels if lv.rank <= rank)
        why = _("Mức thấp nhất các năm của nhiệm kỳ: %(l)s (năm %(y)s).") % {
            "l": rules.short(low.level),
            "y": low.year,
        }
        return level, why
    ranks = [rules.rank(r.level) for r in found]
    mean_rank = sum(ranks) // len(ranks)  # rounded down
    level = next(lv.code for lv in levels if lv.rank <= mean_rank)
    return level, _("Mức bình quân %(n)s năm của nhiệm kỳ: %(l)s.") % {
        "n": len(ranks),
        "l": rules.short(level),
    }


def term_check(rating: Rating, level: str) -> Check | None:
    """At the decision of a term rating: the term not above what its years allow (the method is
    UNCONFIRMED: the competent level may decide otherwise with a reason)."""
    if not rating.round.is_term:
        return None
    rows = years_of(rating)
    title = _("Kết quả xếp loại các năm của nhiệm kỳ")
    missing = missing_text(rows)
    found = term_ceiling(rating.round, rating.subject_kind, rows)
    if found is None:
        listed = "; ".join(
            f"{r.year}: {rules.short(r.level)}" for r in rows if r.rating is not None
        )
        return _ok("term_years", title, SOURCE, " ".join(filter(None, [listed, missing])))
    ceiling, why = found
    why = " ".join(filter(None, [why, missing]))
    if rules.rank(level) <= rules.rank(ceiling):
        return _ok("term_years", title, SOURCE, why)
    return _fail(
        "term_years",
        title,
        SOURCE,
        why + " " + _("Mức %(l)s cao hơn mức các năm cho phép.") % {"l": rules.short(level)},
        overridable=True,
    )
