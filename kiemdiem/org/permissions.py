"""Who may change the organization tree and the people in it."""

from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Actor, Decision, deny
from kiemdiem.org.models import Membership, Person, Position, Unit, WorkingGroup
from kiemdiem.org.scoping import access_for


def can_manage_unit(user: Actor, unit: Unit) -> Decision:
    """Create sub-units, edit or move a unit: the committee office above it, or an administrator."""
    access = access_for(user)
    if access.manages(unit.path):
        return ALLOW
    return deny(_("Chỉ văn phòng/ban tổ chức cấp ủy quản lý đơn vị này mới được thay đổi."))


def can_move_unit(user: Actor, unit: Unit, new_parent: Unit) -> Decision:
    """Moving needs management rights over both the unit and its new parent."""
    decision = can_manage_unit(user, unit)
    if not decision:
        return decision
    if unit.parent_id is None:
        return deny(_("Không thể chuyển đơn vị gốc."))
    if not access_for(user).manages(new_parent.path):
        return deny(_("Bạn không quản lý đơn vị cấp trên mới."))
    return ALLOW


def _not_ended(periods: Sequence[Membership | Position]) -> list[Membership | Position]:
    """Periods running today or later: ended ones give no say over the person any more."""
    today = timezone.localdate()
    return [p for p in periods if p.valid_to is None or p.valid_to >= today]


def person_answering_cells(memberships: Sequence[Membership]) -> list[Unit]:
    """The cells whose office answers for a person, from all their memberships (units loaded).

    Their current cells; when they sit in none (between a transfer out and in, or after leaving
    the party), the cell they left last, so a transfer can be completed and the record kept.
    A cell they left while sitting in another one gives no say: the person now belongs there.
    """
    current = _not_ended(memberships)
    if current:
        return [m.unit for m in current]
    if not memberships:
        return []
    last = max(memberships, key=lambda m: (m.valid_to, m.valid_from))
    return [last.unit]


def can_edit_person(
    user: Actor, person: Person, *, memberships: Sequence[Membership] | None = None
) -> Decision:
    """Edit a person's record: the committee office over one of their current cells (see
    `person_answering_cells`), or an administrator. `memberships`: all of the person's, units
    loaded, when the caller already has them (saves the query)."""
    access = access_for(user)
    if access.everything:
        return ALLOW
    if memberships is None:
        memberships = list(person.memberships.select_related("unit"))
    if any(access.manages(u.path) for u in person_answering_cells(memberships)):
        return ALLOW
    return deny(_("Chỉ văn phòng/ban tổ chức cấp ủy quản lý đảng viên này mới được sửa hồ sơ."))


def can_link_person_account(
    user: Actor,
    person: Person,
    *,
    memberships: Sequence[Membership] | None = None,
    positions: Sequence[Position] | None = None,
) -> Decision:
    """Link a login to a person or unlink it. A linked login gets the person's leading posts and
    cells as its scope, so besides editing the person the office must manage the unit of every
    current or upcoming post and membership of theirs. `memberships`/`positions`: all of the
    person's, units loaded, when the caller already has them."""
    if memberships is None:
        memberships = list(person.memberships.select_related("unit"))
    decision = can_edit_person(user, person, memberships=memberships)
    access = access_for(user)
    if not decision or access.everything:
        return decision
    if positions is None:
        positions = list(person.positions.select_related("unit"))
    outside = sorted(
        {
            p.unit.name
            for p in _not_ended([*memberships, *positions])
            if not access.manages(p.unit.path)
        }
    )
    if outside:
        return deny(
            _(
                "Tài khoản gắn với đảng viên nhận quyền theo mọi chức vụ và nơi sinh hoạt hiện tại "
                "của người đó: chỉ văn phòng/ban tổ chức cấp ủy quản lý tất cả các đơn vị ấy mới "
                "được gắn hoặc gỡ tài khoản. Bạn không quản lý: %(units)s."
            )
            % {"units": ", ".join(outside)}
        )
    return ALLOW


def can_register_person(user: Actor) -> Decision:
    """Register a person record: a committee office (of any subtree) or an administrator."""
    access = access_for(user)
    if access.everything or access.office_paths:
        return ALLOW
    return deny(_("Chỉ văn phòng/ban tổ chức cấp ủy mới được lập hồ sơ đảng viên."))


def can_place_person(user: Actor, person: Person, unit: Unit) -> Decision:
    """Give a person a membership or a post in `unit`: the office over the unit, and, when the
    person already belongs somewhere, edit rights over the person (see can_edit_person)."""
    decision = can_manage_unit(user, unit)
    if not decision:
        return decision
    if person.pk is None or not person.memberships.exists():
        return ALLOW  # a new member, or someone appointed from outside the party's cells
    return can_edit_person(user, person)


def can_end_period(
    user: Actor, period: Membership | Position, *, person_decision: Decision | None = None
) -> Decision:
    """End a membership or a post: edit rights over the person and the office over its unit.
    `person_decision`: `can_edit_person` for `period.person`, when the caller has it already."""
    decision = (
        person_decision if person_decision is not None else can_edit_person(user, period.person)
    )
    if not decision:
        return decision
    return can_manage_unit(user, period.unit)


def can_manage_access(user: Actor, unit: Unit) -> Decision:
    """Grant or revoke roles on a unit: the committee office above it, or an administrator."""
    if access_for(user).manages(unit.path):
        return ALLOW
    return deny(_("Chỉ văn phòng/ban tổ chức cấp ủy quản lý đơn vị này mới được phân quyền."))


def can_backdate(user: Actor, unit: Unit) -> Decision:
    """Record an event as having taken effect before today (a past campaign entered from paper
    records): the committee office over the unit, or an administrator."""
    if access_for(user).manages(unit.path):
        return ALLOW
    return deny(
        _(
            "Chỉ văn phòng/ban tổ chức cấp ủy quản lý đơn vị mới được ghi nhận việc đã diễn ra "
            "với ngày trước hôm nay (nhập lại từ hồ sơ giấy)."
        )
    )


def can_manage_oversight(user: Actor, committee: Unit) -> Decision:
    """Set up working groups, seat their members and assign groups or committee members to units:
    the office of the committee that decides it (or an office above it), or an administrator."""
    if access_for(user).manages(committee.path):
        return ALLOW
    return deny(
        _(
            "Chỉ văn phòng/ban tổ chức của %(c)s mới được thành lập tổ công tác và phân công "
            "theo dõi, phụ trách."
        )
        % {"c": committee}
    )


def can_manage_group(user: Actor, group: WorkingGroup) -> Decision:
    """Change a working group, its members and its assignments: see can_manage_oversight."""
    return can_manage_oversight(user, group.committee)
