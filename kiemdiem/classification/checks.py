"""The checks of the rulebook at decision time, each with its rule and its source.

`decision_checks(rating, level)` gathers the facts of one rating (discipline cases and confidence
votes of the year from the records apps, shortcomings left from the previous review, the ratings
of the peer group, of the unit and of the subtree) and judges the level about to be decided by
the round's rule set (`rules.py`). A failed check blocks the decision unless it is `overridable`
(the rulebook leaves it to the competent level: a mitigation, an approximate rule) and the
decision gives a reason for it. Nothing here writes.
"""

import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kiemdiem.classification import rules
from kiemdiem.classification.case_checks import case_checks
from kiemdiem.classification.check_types import Check, _fail, _ok
from kiemdiem.classification.models import Rating, RatingStatus, SubjectKind
from kiemdiem.classification.rules import RuleSet
from kiemdiem.classification.states import DONE, OPEN
from kiemdiem.confidence.models import ConfidenceResult, PollStatus
from kiemdiem.discipline.models import IN_FORCE, DisciplineCase, DisciplineStatus
from kiemdiem.org.models import LEADER_ROLES, Position
from kiemdiem.reviews.models import CycleKind, Finding, FindingStatus


def _year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _label(rules_: RuleSet, subject: str, code: str) -> str:
    level = rules_.level(subject, code)
    return level.short if level else code


# --- scores, grades, conditions --------------------------------------------------------------


def score_ceiling(rating: Rating, grades: dict, total: Decimal | None) -> str | None:
    """The highest level the scores allow (the band of a points total, else what the grades of
    the criteria reach); None when the scheme or the scores set none. Checked when a level is
    proposed (`services`) and again at the decision (`score_check`)."""
    r = rating.round.rules
    if r.scoring == "points":
        return None if total is None else rules.level_for_score(r, rating.subject_kind, total)
    if r.scoring == "grades" and grades:
        return rules.level_for_grades(grades, criteria_for(rating))
    return None


def score_check(rating: Rating, level: str) -> Check | None:
    r = rating.round.rules
    title = _("Điểm và mức xếp loại")
    if r.scoring == "points":
        total = rating.appraisal_total if rating.appraisal_total is not None else rating.self_total
        band = score_ceiling(rating, {}, total)
        if band is None:
            return None
        if rules.rank(level) > rules.rank(band):
            return _fail(
                "score",
                title,
                r.source,
                _("Tổng điểm %(t)s chỉ đạt tối đa mức %(b)s, không xếp được %(l)s.")
                % {
                    "t": total,
                    "b": _label(r, rating.subject_kind, band),
                    "l": _label(r, rating.subject_kind, level),
                },
            )
        return _ok("score", title, r.source, _("Tổng điểm %(t)s.") % {"t": total})
    if r.scoring == "grades":
        best = score_ceiling(rating, rating.appraisal_scores or rating.self_scores, None)
        if best is None:
            return None
        if rules.rank(level) > rules.rank(best):
            return _fail(
                "grades",
                _("Cấp độ tiêu chí và mức xếp loại"),
                r.source,
                _("Cấp độ các tiêu chí chỉ cho phép tối đa mức %(b)s, không xếp được %(l)s.")
                % {
                    "b": _label(r, rating.subject_kind, best),
                    "l": _label(r, rating.subject_kind, level),
                },
            )
        return _ok("grades", _("Cấp độ tiêu chí và mức xếp loại"), r.source)
    return None


def criteria_for(rating: Rating) -> tuple[rules.Criterion, ...]:
    """The criteria a rating is scored on: its province's sheet, else the scheme's default."""
    if rating.sheet is not None:
        return tuple(
            rules.Criterion(
                c["code"],
                c["label"],
                c["group"],
                None if c.get("max_points") in (None, "") else Decimal(str(c["max_points"])),
            )
            for c in rating.sheet.criteria
        )
    return rating.round.rules.criteria.get(rating.subject_kind, ())


def condition_checks(rating: Rating, level: str) -> list[Check]:
    r = rating.round.rules
    lowest = r.lowest(rating.subject_kind).code
    ticked = set(rating.self_conditions) | set(rating.appraisal_conditions)
    out = []
    for cond in r.conditions_for(rating.subject_kind):
        if cond.code not in ticked or level == lowest:
            continue
        weigh = cond.mitigable and bool(rating.mitigation)
        message = _("Có trường hợp “%(c)s”: xếp loại %(low)s.") % {
            "c": cond.label,
            "low": _label(r, rating.subject_kind, lowest),
        }
        if weigh:
            message += " " + _(
                "Có tình tiết “%(m)s”: cấp có thẩm quyền xem xét, quyết định và nêu lý do."
            ) % {"m": rating.get_mitigation_display()}
        out.append(
            _fail(
                "condition_" + cond.code,
                _("Trường hợp không hoàn thành nhiệm vụ"),
                cond.source,
                message,
                weigh,
            )
        )
    return out


# --- discipline --------------------------------------------------------------------------------


def _cases_in_year(year: int) -> QuerySet[DisciplineCase]:
    first, last = _year_bounds(year)
    return DisciplineCase.objects.filter(
        status__in=IN_FORCE, decided_on__gte=first, decided_on__lte=last
    )


def _leaders_of(rating: Rating, year: int) -> list[int]:
    first, last = _year_bounds(year)
    return list(
        Position.objects.filter(unit=rating.unit, role__in=LEADER_ROLES, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .values_list("person_id", flat=True)
    )


def discipline_check(rating: Rating, level: str) -> Check | None:
    """rules.md §6: the discipline → classification table of the round's regime."""
    r = rating.round.rules
    year = rating.round.year
    subject = rating.subject_kind
    title = _("Kỷ luật trong năm")
    source = r.source + "; " + _("QĐ 69-QĐ/TW")
    second, lowest = r.second(subject).code, r.lowest(subject).code
    cases = _cases_in_year(year)
    regime = r.discipline_regime
    # (ceiling level, reason, overridable)
    ceiling: tuple[str, str, bool] | None = None

    if subject in rules.INDIVIDUAL_SUBJECTS:
        mine = list(cases.filter(person=rating.person))
        if not mine:
            return _ok(
                "discipline", title, source, _("Không bị kỷ luật trong năm %(y)s.") % {"y": year}
            )
        forms = ", ".join(c.get_form_in_force_display() for c in mine)
        if regime == "366":
            duty = [c for c in mine if c.duty_related]
            if duty:
                weigh = bool(rating.mitigation) or all(c.self_reported for c in duty)
                what = (
                    _("vi phạm liên quan chức trách, nhiệm vụ")
                    if subject == SubjectKind.LEADER
                    else _("vi phạm trong thực hiện nhiệm vụ, công vụ")
                )
                ceiling = (
                    lowest,
                    _("Bị kỷ luật %(f)s năm %(y)s do %(w)s: xếp loại KHTNV.")
                    % {"f": forms, "y": year, "w": what},
                    weigh,
                )
        elif regime == "124":
            plain = [c for c in mine if not c.self_reported]
            if plain:
                ceiling = (
                    lowest,
                    _(
                        "Bị kỷ luật %(f)s trong năm %(y)s (không thuộc trường hợp tự phát hiện, "
                        "khắc phục): xếp loại KHTNV."
                    )
                    % {"f": forms, "y": year},
                    False,
                )
        else:  # 132 (a violation counts once: in the year it was decided) and 2014
            ceiling = (
                lowest,
                _("Bị kỷ luật %(f)s trong năm %(y)s: xếp loại KHTNV.") % {"f": forms, "y": year},
                False,
            )
    else:
        unit = rating.unit
        inside = cases.filter(unit__path__startswith=unit.path)
        own = list(inside.filter(person__isnull=True, unit=unit))
        below = list(inside.filter(person__isnull=True).exclude(unit=unit))
        leaders = _leaders_of(rating, year)
        members = list(inside.filter(person_id__in=leaders))
        if not (own or below or members):
            return _ok(
                "discipline",
                title,
                source,
                _("Không có tổ chức trực thuộc, thành viên bị kỷ luật trong năm."),
            )
        if regime == "366":
            duty = [c for c in members if c.duty_related]
            if subject == SubjectKind.LEADERSHIP_COLLECTIVE and duty:
                weigh = bool(rating.mitigation) or all(c.self_reported for c in duty)
                ceiling = (
                    lowest,
                    _(
                        "Thành viên tập thể lãnh đạo bị kỷ luật do vi phạm liên quan chức trách, "
                        "nhiệm vụ: xếp loại KHTNV."
                    ),
                    weigh,
                )
            else:
                ceiling = (
                    second,
                    _(
                        "Có tổ chức trực thuộc hoặc thành viên tập thể lãnh đạo bị kỷ luật trong "
                        "năm: không xếp loại HTXSNV."
                    ),
                    False,
                )
        elif regime == "124":
            children = unit.children.count()
            share_over = children and 5 * len({c.unit_id for c in below}) > children
            plain = [c for c in below + members if not c.self_reported]
            if own or share_over:
                ceiling = (
                    lowest,
                    _(
                        "Tập thể bị kỷ luật hoặc trên 20% tổ chức trực thuộc bị kỷ luật trong "
                        "năm: xếp loại KHTNV."
                    ),
                    False,
                )
            elif plain:
                ceiling = (
                    lowest,
                    _(
                        "Có tổ chức trực thuộc, thành viên bị kỷ luật (không tự phát hiện, khắc "
                        "phục): xếp loại KHTNV."
                    ),
                    False,
                )
            else:
                ceiling = (
                    second,
                    _(
                        "Có tổ chức trực thuộc, thành viên bị kỷ luật (đã tự phát hiện, khắc "
                        "phục): không xếp loại HTXSNV."
                    ),
                    False,
                )
        elif regime == "132":
            warned = [c for c in members if c.form_in_force != "reprimand"]
            if own or (subject == SubjectKind.LEADERSHIP_COLLECTIVE and warned):
                ceiling = (
                    lowest,
                    _(
                        "Tập thể bị kỷ luật, hoặc thành viên bị kỷ luật từ cảnh cáo trở lên: xếp "
                        "loại KHTNV."
                    ),
                    False,
                )
        else:  # 2014: "Yếu kém" where corruption or degradation led to a member's discipline
            ceiling = (
                lowest,
                _(
                    "Có đảng viên bị kỷ luật trong năm: nếu do tham nhũng, suy thoái thì xếp loại "
                    "Yếu kém (cấp có thẩm quyền nêu lý do nếu không thuộc trường hợp này)."
                ),
                True,
            )
    if ceiling is None:
        return _ok("discipline", title, source, _("Kỷ luật trong năm không giới hạn mức xếp loại."))
    cap, reason, overridable = ceiling
    if rules.rank(level) <= rules.rank(cap):
        return _ok("discipline", title, source, reason)
    return _fail("discipline", title, source, reason, overridable)


# --- confidence votes, remediation, leaders' units --------------------------------------------


def confidence_check(rating: Rating, level: str) -> Check | None:
    r = rating.round.rules
    if not r.low_confidence_rule or rating.subject_kind != SubjectKind.LEADER:
        return None
    title = _("Lấy phiếu tín nhiệm trong năm")
    source = _("QĐ 366-QĐ/TW Điều 11; QĐ 96-QĐ/TW")
    lowest = r.lowest(rating.subject_kind).code
    results = ConfidenceResult.objects.filter(
        person=rating.person,
        year=rating.round.year,
        poll__status=PollStatus.FINALIZED,
        excluded_reason="",
    )
    over = [x for x in results if rules.low_votes_over_half(x.low_count, x.base_count)]
    if not over or level == lowest:
        return _ok("confidence", title, source)
    x = over[0]
    return _fail(
        "confidence",
        title,
        source,
        _("Có %(low)s/%(base)s phiếu tín nhiệm thấp (trên 50%%) trong năm %(y)s: xếp loại KHTNV.")
        % {"low": x.low_count, "base": x.base_count, "y": rating.round.year},
    )


def remediation_check(rating: Rating, level: str) -> Check | None:
    """QĐ 366: HTXSNV needs 100% of the shortcomings identified at the previous review remedied."""
    r = rating.round.rules
    if not r.top_needs_remediation or level != r.top(rating.subject_kind).code:
        return None
    title = _("Khắc phục hạn chế, khuyết điểm kỳ trước")
    source = _("QĐ 366-QĐ/TW Điều 11 (mức HTXSNV)")
    findings = Finding.objects.filter(
        review__cycle__year=rating.round.year - 1, review__cycle__kind=CycleKind.ANNUAL
    )
    if rating.person is not None:
        findings = findings.filter(review__person=rating.person)
    else:
        findings = findings.filter(review__person__isnull=True, review__unit_id=rating.unit_id)
    total = findings.count()
    left = findings.exclude(status=FindingStatus.RESOLVED).count()
    if not left:
        return _ok(
            "remediation",
            title,
            source,
            _("Đã khắc phục %(n)s/%(n)s hạn chế kỳ trước.") % {"n": total},
        )
    return _fail(
        "remediation",
        title,
        source,
        _(
            "Còn %(left)s/%(total)s hạn chế, khuyết điểm kỳ trước chưa khắc phục xong: chưa xếp "
            "được HTXSNV."
        )
        % {"left": left, "total": total},
    )


def leader_units_check(rating: Rating, level: str) -> Check | None:
    """QĐ 366: a leader is KHTNV when more than half the units under them are KHTNV."""
    r = rating.round.rules
    if not r.leader_units_rule or rating.subject_kind != SubjectKind.LEADER:
        return None
    title = _("Kết quả các đơn vị do cán bộ trực tiếp lãnh đạo")
    source = _("QĐ 366-QĐ/TW Điều 11 (cán bộ lãnh đạo, quản lý)")
    units = Rating.objects.filter(
        round=rating.round,
        subject_kind=SubjectKind.ORGANIZATION,
        unit__parent_id=rating.unit_id,
        status__in=DONE,
    )
    levels = list(units.values_list("decided_level", flat=True))
    lowest = r.lowest(SubjectKind.ORGANIZATION).code
    low = sum(1 for lv in levels if lv == lowest)
    if not levels or 2 * low <= len(levels) or level == r.lowest(rating.subject_kind).code:
        return _ok("leader_units", title, source)
    return _fail(
        "leader_units",
        title,
        source,
        _("%(low)s/%(n)s đơn vị trực thuộc xếp loại KHTNV (trên 50%%): cán bộ xếp loại KHTNV.")
        % {"low": low, "n": len(levels)},
    )


# --- quota, head vs unit, ordering, verification ----------------------------------------------


def quota_check(rating: Rating, level: str) -> Check | None:
    """QĐ 366 Art. 11.1.5: HTXSNV ≤ 20% (25% granted) of the HTTNV count in the peer group, as
    the group stands with this decision: decided levels, else the proposed ones (a rating not
    yet self-assessed does not count)."""
    r = rating.round.rules
    group = rating.peer_group
    if r.quota_ratio is None or group is None:
        return None
    base_ratio: Decimal = r.quota_ratio
    top, second = r.top(rating.subject_kind).code, r.second(rating.subject_kind).code
    if level != top:
        # Only a top level is refused: a lower decision (discipline, a downgrade) that shrinks
        # the base is never blocked by the group's earlier top levels.
        return None
    others = (
        Rating.objects.standing()
        .filter(peer_group=group)
        .exclude(pk=rating.pk)
        .exclude(status=RatingStatus.DRAFT)
    )
    levels = [x.standing_level for x in others] + [level]
    tops, seconds = levels.count(top), levels.count(second)
    granted = group.quota_granted and r.quota_ratio_granted is not None
    ratio = r.quota_ratio_granted if granted and r.quota_ratio_granted else base_ratio
    cap = rules.quota_cap(seconds, ratio, rating.round.quota_rounding)
    title = _("Tỉ lệ HTXSNV trong nhóm “%(g)s”") % {"g": group.name}
    percent = int(ratio * 100)
    summary = _(
        "%(tops)s HTXSNV trên %(seconds)s HTTNV; tối đa %(cap)s (%(p)s%% số HTTNV%(granted)s)."
    ) % {
        "tops": tops,
        "seconds": seconds,
        "cap": cap,
        "p": percent,
        "granted": _(", được cấp có thẩm quyền nâng") if granted else "",
    }
    if tops <= cap:
        return _ok("quota", title, r.quota_source, summary)
    return _fail(
        "quota",
        title,
        r.quota_source,
        _("Vượt tỉ lệ HTXSNV: %(s)s") % {"s": summary},
    )


def _counterpart(rating: Rating) -> Rating | None:
    """The rating a head (or a leadership collective) may not be rated above: the leadership
    collective of the unit for its head (else the organization), the organization for its
    leadership collective."""
    ratings = Rating.objects.standing().filter(round_id=rating.round_id, unit_id=rating.unit_id)
    if rating.subject_kind == SubjectKind.LEADER:
        return (
            ratings.filter(subject_kind=SubjectKind.LEADERSHIP_COLLECTIVE).first()
            or ratings.filter(subject_kind=SubjectKind.ORGANIZATION).first()
        )
    if rating.subject_kind == SubjectKind.LEADERSHIP_COLLECTIVE:
        return ratings.filter(subject_kind=SubjectKind.ORGANIZATION).first()
    return None


def head_check(rating: Rating, level: str) -> Check | None:
    """HD 21 §II.B.3 (configurable, on by default): the head not above the collective or unit
    they head; a leadership collective not above its organization. Checked whichever is decided
    second."""
    if not rating.round.head_rule:
        return None
    title = _("Người đứng đầu, tập thể lãnh đạo không cao hơn đơn vị")
    source = _("HD 21-HD/BTCTW mục II.B.3 (đợt áp dụng quy tắc này)")
    pairs: list[tuple[Rating, str, Rating, str]] = []  # (upper, its level, lower, its level)
    counterpart = _counterpart(rating)
    if counterpart is not None and counterpart.status in DONE:
        pairs.append((rating, level, counterpart, counterpart.decided_level))
    if rating.subject_kind in rules.COLLECTIVE_SUBJECTS:
        # Only a head or a leadership collective has a counterpart: the members of the unit are
        # not read.
        for other in Rating.objects.standing().filter(
            round_id=rating.round_id,
            unit_id=rating.unit_id,
            status__in=DONE,
            subject_kind__in=[SubjectKind.LEADER, SubjectKind.LEADERSHIP_COLLECTIVE],
        ):
            if other.pk != rating.pk and _counterpart(other) == rating:
                pairs.append((other, other.decided_level, rating, level))
    if not pairs:
        return None
    for upper, upper_level, lower, lower_level in pairs:
        if rules.rank(upper_level) > rules.rank(lower_level):
            return _fail(
                "head",
                title,
                source,
                _("%(u)s (%(ul)s) không được xếp cao hơn %(l)s (%(ll)s).")
                % {
                    "u": upper.subject_label,
                    "ul": rules.short(upper_level),
                    "l": lower.subject_label,
                    "ll": rules.short(lower_level),
                },
            )
    return _ok("head", title, source)


def waiting_for(rating: Rating) -> list[Rating]:
    """The ratings QĐ 366 Art. 12.2 says must be decided before this one: a head after the
    leadership collective (and the unit, with the head rule); an organization after its members,
    its sub-units and their leaders, and the leadership collective of its agency; a leadership
    collective after the collectives below it."""
    same_round = Rating.objects.filter(round=rating.round, status__in=OPEN).exclude(pk=rating.pk)
    unit = rating.unit
    if rating.subject_kind == SubjectKind.LEADER:
        kinds = [SubjectKind.LEADERSHIP_COLLECTIVE]
        if rating.round.head_rule:
            kinds.append(SubjectKind.ORGANIZATION)
        qs = same_round.filter(unit=unit, subject_kind__in=kinds)
    elif rating.subject_kind == SubjectKind.ORGANIZATION:
        below = Q(unit__path__startswith=unit.path) & ~Q(unit=unit)
        members_here = Q(unit=unit, subject_kind=SubjectKind.MEMBER)
        collective_here = Q(unit=unit, subject_kind=SubjectKind.LEADERSHIP_COLLECTIVE)
        qs = same_round.filter(below | members_here | collective_here)
    elif rating.subject_kind == SubjectKind.LEADERSHIP_COLLECTIVE:
        qs = (
            same_round.filter(unit__path__startswith=unit.path)
            .exclude(unit=unit)
            .filter(subject_kind__in=sorted(rules.COLLECTIVE_SUBJECTS))
        )
    else:
        return []
    return list(qs.select_related("unit", "person")[:20])


def ordering_check(rating: Rating, level: str) -> Check:
    title = _("Trình tự đánh giá, xếp loại")
    source = _("QĐ 366-QĐ/TW Điều 12 khoản 2")
    waiting = waiting_for(rating)
    if not waiting:
        return _ok("ordering", title, source)
    names = ", ".join(x.subject_label for x in waiting[:5]) + ("…" if len(waiting) > 5 else "")
    return _fail(
        "ordering",
        title,
        source,
        _(
            "Chưa quyết định được: phải xếp loại trước %(names)s (tập thể lãnh đạo trước người "
            "đứng đầu; tổ chức trực thuộc, đảng viên trước tổ chức đảng; cấp dưới trước cấp trên)."
        )
        % {"names": names},
    )


def verification_check(rating: Rating, level: str) -> Check:
    """QĐ 366 Art. 12.3: complaints, denunciations, discipline violations or signs of disunity
    are checked and verified by the directly higher committee before the decision."""
    title = _("Kiểm tra, xác minh trước khi quyết định")
    source = _("QĐ 366-QĐ/TW Điều 12 khoản 3")
    pending = DisciplineCase.objects.filter(status=DisciplineStatus.PROPOSED)
    if rating.person_id:
        pending = pending.filter(person_id=rating.person_id)
    else:
        pending = pending.filter(unit__path__startswith=rating.unit.path)
    signs = []
    if rating.complaints.strip():
        signs.append(_("có đơn thư, phản ánh, dấu hiệu mất đoàn kết"))
    if pending.exists():
        signs.append(_("có vụ việc đang xem xét kỷ luật"))
    if not signs or rating.verification.strip():
        return _ok("verification", title, source)
    return _fail(
        "verification",
        title,
        source,
        _("Chờ cấp ủy cấp trên trực tiếp kiểm tra, xác minh (%(s)s) rồi mới quyết định.")
        % {"s": "; ".join(signs)},
    )


def decision_checks(rating: Rating, level: str) -> list[Check]:
    """Every check of the round's rulebook for deciding `rating` at `level`."""
    found: list[Check | None] = [
        ordering_check(rating, level),
        verification_check(rating, level),
        score_check(rating, level),
        *condition_checks(rating, level),
        discipline_check(rating, level),
        confidence_check(rating, level),
        leader_units_check(rating, level),
        remediation_check(rating, level),
        quota_check(rating, level),
        head_check(rating, level),
    ]
    return [c for c in found if c is not None] + case_checks(rating, level)


def blocking(checks: list[Check], overrides: dict[str, str]) -> list[Check]:
    """The failed checks that stop the decision: not overridable, or overridable without a
    reason given."""
    return [
        c
        for c in checks
        if not c.passed and (not c.overridable or not (overrides.get(c.code) or "").strip())
    ]
