"""The lifecycle of a discipline case.

A case is opened when a violation is being considered (proposed, with the form the inspection
committee or the cell proposes), or recorded directly as decided (a decision taken on paper,
entered later or imported). A proposal ends in a decision or in no discipline (with the reason).
A decision may be appealed; the level above the deciding body upholds it, changes the form, or
annuls it. A wrongful decision may also be annulled without an appeal (rectification, Quy định
117-QĐ/TW). Nothing is ever removed: the original decision stays on the case whatever follows.

There are no campaign counters here: discipline is counted by the statistics page, per year.
"""

from kiemdiem.core.lifecycle import BORN, Arrow, Lifecycle, Place
from kiemdiem.discipline.models import IN_FORCE, LIVE, DisciplineCase, DisciplineStatus
from kiemdiem.discipline.permissions import (
    can_annul_case,
    can_backdate_case,
    can_decide_case,
    can_record_case,
    can_resolve_appeal,
)

__all__ = ["CASE", "IN_FORCE", "LIVE", "DisciplineStatus"]


def _case_place(case: DisciplineCase) -> Place:
    return Place(unit_path=case.unit.path, person_id=case.person_id)


_annul = Arrow(can=can_annul_case, reason=True)

CASE = Lifecycle(
    name="discipline",
    labels=dict(DisciplineStatus.choices),
    place=_case_place,
    backdate=can_backdate_case,
    arrows={
        (BORN, DisciplineStatus.PROPOSED): Arrow(can=can_record_case),
        (BORN, DisciplineStatus.DECIDED): Arrow(can=can_decide_case),
        (DisciplineStatus.PROPOSED, DisciplineStatus.DECIDED): Arrow(can=can_decide_case),
        (DisciplineStatus.PROPOSED, DisciplineStatus.DROPPED): Arrow(
            can=can_record_case, reason=True
        ),
        (DisciplineStatus.DECIDED, DisciplineStatus.APPEALED): Arrow(can=can_record_case),
        (DisciplineStatus.APPEALED, DisciplineStatus.UPHELD): Arrow(can=can_resolve_appeal),
        (DisciplineStatus.APPEALED, DisciplineStatus.CHANGED): Arrow(
            can=can_resolve_appeal, reason=True
        ),
        (DisciplineStatus.APPEALED, DisciplineStatus.ANNULLED): Arrow(
            can=can_resolve_appeal, reason=True
        ),
        (DisciplineStatus.DECIDED, DisciplineStatus.ANNULLED): _annul,
        (DisciplineStatus.UPHELD, DisciplineStatus.ANNULLED): _annul,
        (DisciplineStatus.CHANGED, DisciplineStatus.ANNULLED): _annul,
    },
)
