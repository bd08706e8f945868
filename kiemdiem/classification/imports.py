"""Results of past years entered from records (rules.md §1.14: history under the scheme it was
issued under, the 2014 organization scale included), one result at a time.

`transfer.records` reads the workbook, runs the dry run and the real run (all rows or none) and
calls `rating_import` for each row; this module holds the rules of the classification. Each
result lands as a published rating of a round of that year and scheme marked `imported` (the
round is opened, without subjects, the first time a year is imported over a committee's subtree),
with one audit row. A result already imported is reported, not written twice; a different level
for it is refused (it is corrected by cancel and re-rate, not by a second file).
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.classification import rules, services
from kiemdiem.classification.models import Rating, RatingRound, RatingStatus, SubjectKind
from kiemdiem.classification.states import RATING
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.lifecycle import begin
from kiemdiem.core.permissions import Actor, deny, require
from kiemdiem.core.text import fold, normalize_text_block
from kiemdiem.org.models import Person, Unit
from kiemdiem.org.scoping import access_for

CREATED = "create"
EXISTS = "exists"


@dataclass(frozen=True)
class Imported:
    """What happened to one result: created, or already there (the rating either way)."""

    action: str
    rating: Rating


def scheme_of(year: int, code: str) -> rules.RuleSet:
    """The rulebook of `year`, or the one named if it applied that year (field "scheme")."""
    try:
        expected = rules.scheme_for_year(year)
    except LookupError:
        raise DomainError(
            _("Chưa có quy định đánh giá, xếp loại cho năm %(y)s (từ năm 2014).") % {"y": year},
            field="year",
        ) from None
    if not code:
        return expected
    folded = fold(code)
    named = next(
        (r for r in rules.SCHEMES.values() if folded in (fold(r.code), fold(r.title))), None
    )
    if named is None:
        allowed = ", ".join(rules.SCHEMES)
        raise DomainError(
            _("Không có quy định mã “%(c)s” (một trong: %(a)s).") % {"c": code, "a": allowed},
            field="scheme",
        )
    if not named.applies_to(year):
        raise DomainError(
            _("Năm %(y)s được đánh giá theo %(e)s; %(s)s không áp dụng cho năm đó.")
            % {"y": year, "e": expected.title, "s": named.title},
            field="scheme",
        )
    return named


def level_of(scheme: rules.RuleSet, subject_kind: str, raw: str) -> str:
    """A level given by its short code (HTXSNV, TSVM, YK), its code or its label (field
    "level"), which the scheme must have for this kind of subject."""
    folded = fold(raw)
    levels = scheme.levels_for(subject_kind)
    for lv in levels:
        if folded in (fold(lv.short), fold(lv.code), fold(str(lv.label))):
            return lv.code
    raise DomainError(
        _("Mức “%(l)s” không có trong %(s)s cho %(k)s (các mức: %(a)s).")
        % {
            "l": raw,
            "s": scheme.title,
            "k": SubjectKind(subject_kind).label.lower(),
            "a": ", ".join(lv.short for lv in levels),
        },
        field="level",
    )


def _scope_for(by: Actor, unit: Unit) -> Unit:
    """The committee whose imported round holds the result: the one whose office the importer
    is, above the unit (a province office imports into the province's round)."""
    access = access_for(by)
    if access.everything:
        paths = unit.ancestor_paths()
        top = paths[1] if len(paths) > 1 else paths[0]
        return Unit.objects.get(path=top)
    offices = sorted((p for p in access.office_paths if unit.path.startswith(p)), key=len)
    if not offices:
        require(
            deny(
                _(
                    "Chỉ văn phòng, ban tổ chức cấp ủy của %(u)s (hoặc cấp trên) mới được "
                    "nhập kết quả."
                )
                % {"u": unit}
            )
        )
    return Unit.objects.get(path=offices[0])


def _round_for(by: Actor, year: int, scheme: rules.RuleSet, unit: Unit) -> RatingRound:
    found = (
        RatingRound.objects.filter(
            year=year, period="year", scope_unit__path__in=unit.ancestor_paths()
        )
        .select_related("scope_unit")
        .order_by("scope_unit__depth")
        .first()
    )
    if found is not None and not found.imported:
        raise DomainError(
            _(
                "Năm %(y)s đã có đợt “%(r)s” đánh giá trên hệ thống: kết quả nhập trong đợt đó, "
                "không nhập từ tệp."
            )
            % {"y": year, "r": found},
            field="year",
        )
    if found is not None and found.scheme != scheme.code:
        raise DomainError(
            _("Kết quả năm %(y)s đã nhập theo %(e)s, không theo %(s)s.")
            % {"y": year, "e": found.rules.title, "s": scheme.title},
            field="scheme",
        )
    if found is not None:
        return found
    return services.round_open(
        by=by,
        title=_("Kết quả đánh giá, xếp loại năm %(y)s (nhập từ hồ sơ)") % {"y": year},
        year=year,
        scope_unit=_scope_for(by, unit),
        scheme=scheme.code,
        imported=True,
        populate=False,
    )


@transaction.atomic
def rating_import(
    *,
    by: Actor,
    year: int,
    scheme: str,
    subject_kind: str,
    unit: Unit,
    person: Person | None,
    level: str,
    deciding_unit: Unit | None = None,
    decision_number: str = "",
    decided_on: datetime.date | None = None,
    note: str = "",
    source: str = "",
    created: set[int] | None = None,
) -> Imported:
    """Record one published result of a past year. `created`: the ratings this import has
    written so far — the same subject twice in one file is refused as a duplicate row."""
    today = timezone.localdate()
    if year >= today.year:
        raise DomainError(
            _("Chỉ nhập kết quả của các năm đã qua (trước năm %(y)s).") % {"y": today.year},
            field="year",
        )
    rule_set = scheme_of(year, scheme)
    if subject_kind not in SubjectKind.values:
        raise DomainError(_("Đối tượng không hợp lệ."), field="subject_kind")
    individual = subject_kind in rules.INDIVIDUAL_SUBJECTS
    if individual and person is None:
        raise DomainError(_("Đảng viên, cán bộ phải có số thẻ đảng viên."), field="card")
    if not individual and person is not None:
        raise DomainError(
            _("Kết quả của tổ chức, tập thể không ghi số thẻ đảng viên."), field="card"
        )
    code = level_of(rule_set, subject_kind, level)
    if decided_on is not None and not (datetime.date(year, 1, 1) <= decided_on <= today):
        raise DomainError(
            _("Ngày quyết định %(d)s phải trong khoảng từ 01/01/%(y)s đến hôm nay.")
            % {"d": vn_date(decided_on), "y": year},
            field="decided_on",
        )
    round_ = _round_for(by, year, rule_set, unit)
    existing = (
        Rating.objects.standing()
        .filter(round=round_, subject_kind=subject_kind, unit=unit, person=person)
        .first()
    )
    if existing is not None:
        if created is not None and existing.pk in created:
            raise DomainError(
                _("Trùng với một dòng trước trong tệp (cùng đối tượng, đơn vị, năm)."),
                field="unit",
            )
        if existing.decided_level != code:
            raise DomainError(
                _(
                    "Đã có kết quả năm %(y)s mức %(a)s: không ghi đè bằng %(b)s (sửa kết quả bằng "
                    "hủy, xếp loại lại)."
                )
                % {"y": year, "a": rules.short(existing.decided_level), "b": rules.short(code)},
                field="level",
            )
        return Imported(EXISTS, existing)
    deciding = deciding_unit or services.deciding_unit_for(
        subject_kind, unit, round_.member_decider
    )
    rating = Rating(
        round=round_,
        subject_kind=subject_kind,
        unit=unit,
        person=person,
        deciding_unit=deciding,
        peer_group=services._peer_group(round_, subject_kind, deciding),
        self_level=code,
        appraised_level=code,
        decided_level=code,
        decision_number=decision_number.strip()[:60],
        decided_on=decided_on,
        published_on=decided_on,
        decision_note=normalize_text_block(note),
        status=RatingStatus.PUBLISHED,
    )
    full_clean(rating, exclude=["rerating_of"])
    move = begin(
        obj=rating,
        to=RatingStatus.PUBLISHED,
        lifecycle=RATING,
        by=by,
        reason=source or _("Nhập từ hồ sơ năm trước"),
    )
    if not round_.imported:  # the arrow is for results of past years entered from records only
        raise DomainError(_("Chỉ đợt nhập từ hồ sơ năm trước mới ghi thẳng kết quả."))
    rating.save()
    move.born(
        changes={
            "subject_kind": [None, subject_kind],
            "decided_level": [None, code],
            "scheme": [None, rule_set.code],
        }
    )
    if created is not None:
        created.add(rating.pk)
    return Imported(CREATED, rating)
