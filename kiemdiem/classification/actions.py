"""What the pages offer beyond the three steps (shared by views.py and views_round.py): the
job that opens a round's subjects, and the buttons of a rating's page for its special cases."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kiemdiem.classification import rules
from kiemdiem.classification.case_checks import led_task_share, quarters_of
from kiemdiem.classification.models import Rating, RatingRound, RatingStatus
from kiemdiem.classification.permissions import (
    can_comment_temporary,
    can_manage_rating,
    can_record_quarter,
)
from kiemdiem.classification.states import OPEN
from kiemdiem.classification.terms import years_of
from kiemdiem.core.precompiled import Precompiled
from kiemdiem.core.tasks import enqueue_job
from kiemdiem.org.scoping import access_for


def start_populate(request: HttpRequest, round_: RatingRound) -> Any:
    return enqueue_job(
        "kiemdiem.classification.tasks.round_populate",
        round_.pk,
        request.user.pk,
        name=_("Mở đánh giá, xếp loại các đối tượng: %(t)s") % {"t": round_.title},
        by=request.user,
        url=round_.get_absolute_url(),
    )


def rating_actions(user: Any, rating: Rating) -> dict[str, Any]:
    """What the rating page offers from these pages (buttons shown only to who may use them)."""
    manage = can_manage_rating(user, rating)
    # QĐ 366: a leader's "< 70% of tasks" is read from the units they lead, not typed.
    leader = rating.subject_kind == "leader" and rating.round.rules.leader_units_rule
    led = led_task_share(rating) if leader else None
    quarterly = rating.round.scheme == rules.QD366.code and not rating.round.is_term
    return {
        "can_exempt": bool(manage)
        and rating.subject_kind == "member"
        and rating.status == RatingStatus.DRAFT,
        "can_special": bool(manage) and rating.person_id is not None and rating.status in OPEN,
        "can_comment": rating.special_case == "temporary"
        and rating.status in (RatingStatus.DRAFT, RatingStatus.SELF_ASSESSED)
        and bool(can_comment_temporary(user, rating)),
        "led_share": led[1] if led else "",
        "quarters": quarters_of(rating) if quarterly else [],
        "can_quarters": quarterly and bool(can_record_quarter(user, rating)),
        # A term rating (QĐ 366): the published results of each year of the term.
        "term_years": years_of(rating),
    }


def awaiting_temporary_comment(user: Any) -> list[Rating]:
    """Members in temporary party activity in a cell the user leads, whose comment the official
    cell still waits for (HD 43 §7): the cell's next step, on the classification home page."""
    own = tuple(sorted(access_for(user).own_unit_ids))
    if not own:
        return []
    return _AWAITING_COMMENT(own)


def _awaiting_comment_read(own: tuple[int, ...]) -> QuerySet[Rating]:
    """`awaiting_temporary_comment` of the cells `own`: the first 20."""
    qs = Rating.objects.filter(
        special_case="temporary",
        special_note="",
        temporary_unit_id__in=own,
        status__in=[RatingStatus.DRAFT, RatingStatus.SELF_ASSESSED],
    ).select_related("person", "unit", "round")
    return qs.order_by("round__year", "person__sort_key", "pk")[:20]


# Compiled once per process and number of cells (core.precompiled): building and compiling it
# cost ~1.8 ms of Python on each rounds page (issue 17, part 15c).
_AWAITING_COMMENT = Precompiled(_awaiting_comment_read)
