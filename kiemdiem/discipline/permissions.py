"""Who may record, decide, review and read discipline cases.

Discipline is decided by the competent body (a cell, a committee, its standing committee or its
inspection committee) and recorded by that level's office or inspection committee, or by those of
a level above it. The person's cell secretary or the leaders above do not record or read a case
through their post (`org.scoping.scope_sensitive`). Appeals are settled, and wrongful decisions
annulled, by the level above the deciding body (annulment also by the deciding body itself,
which may correct its own wrongful decision).
"""

from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Actor, Decision, deny
from kiemdiem.discipline.models import DisciplineCase, DisciplineForm
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for


def _oversees(user: Actor, unit: Unit) -> bool:
    access = access_for(user)
    return access.manages(unit.path) or access.inspects(unit.path)


def can_record_discipline(user: Actor, deciding_unit: Unit) -> Decision:
    """Open or record a case decided by `deciding_unit`: its office or inspection committee, or
    those of a level above it."""
    if _oversees(user, deciding_unit):
        return ALLOW
    return deny(
        _(
            "Chỉ văn phòng, ban tổ chức hoặc ủy ban kiểm tra của cấp có thẩm quyền kỷ luật (hoặc "
            "cấp trên) mới được ghi nhận hồ sơ kỷ luật."
        )
    )


def can_record_case(user: Actor, case: DisciplineCase) -> Decision:
    """Edit a case, drop a proposal, record an appeal lodged."""
    return can_record_discipline(user, case.deciding_unit)


def can_decide_case(user: Actor, case: DisciplineCase) -> Decision:
    """Record the decision. An expulsion ends the member's party activity and a removal from post
    ends the post (through the organization's records), so those two also need the committee
    office that keeps the member's records."""
    decision = can_record_case(user, case)
    if not decision:
        return decision
    form = case.form
    if form in (DisciplineForm.EXPULSION, DisciplineForm.REMOVAL_FROM_POST):
        if not access_for(user).manages(case.unit.path):
            return deny(
                _(
                    "Quyết định khai trừ, cách chức chấm dứt sinh hoạt đảng hoặc chức vụ của "
                    "đảng viên: chỉ văn phòng, ban tổ chức cấp ủy quản lý hồ sơ đảng viên này mới "
                    "ghi nhận được."
                )
            )
    return ALLOW


def _above(user: Actor, unit: Unit) -> bool:
    """Whether the user oversees a level strictly above `unit`."""
    access = access_for(user)
    if access.everything:
        return True
    ancestors = [p for p in unit.ancestor_paths() if p != unit.path]
    return any(access.manages(p) or access.inspects(p) for p in ancestors[-1:])


def can_resolve_appeal(user: Actor, case: DisciplineCase) -> Decision:
    """Settle an appeal (uphold, change, annul): the level above the deciding body."""
    if _above(user, case.deciding_unit):
        return ALLOW
    return deny(
        _(
            "Khiếu nại kỷ luật do cấp trên của cấp đã quyết định giải quyết: chỉ văn phòng, ban tổ "
            "chức hoặc ủy ban kiểm tra cấp trên mới ghi nhận được kết quả."
        )
    )


def can_annul_case(user: Actor, case: DisciplineCase) -> Decision:
    """Annul a wrongful decision: the deciding body or a level above it."""
    if _oversees(user, case.deciding_unit):
        return ALLOW
    return deny(
        _(
            "Chỉ cấp đã quyết định kỷ luật hoặc cấp trên mới được xóa bỏ quyết định kỷ luật oan, "
            "sai."
        )
    )


def can_backdate_case(user: Actor, case: DisciplineCase) -> Decision:
    """Decisions are recorded after the fact with their own dates: whoever records them."""
    return can_record_case(user, case)
