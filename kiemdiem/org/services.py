"""Every write to the organization tree and the people in it. Each call is audited."""

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, snapshot
from kiemdiem.core.dates import vn_date
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, require
from kiemdiem.core.tasks import enqueue
from kiemdiem.core.text import fold, normalize_text
from kiemdiem.core.versions import save_if_unchanged
from kiemdiem.org import member_counts
from kiemdiem.org.models import (
    CELL_KINDS,
    PATH_STEP,
    AccessGrant,
    AccessRole,
    Membership,
    MembershipKind,
    Person,
    Position,
    Unit,
    UnitMemberCount,
    ancestor_paths,
    path_segment,
)
from kiemdiem.org.permissions import (
    can_edit_person,
    can_end_period,
    can_link_person_account,
    can_manage_access,
    can_manage_unit,
    can_move_unit,
    can_place_person,
    can_register_person,
)
from kiemdiem.org.scoping import access_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

UNIT_FIELDS = [
    "code",
    "name",
    "kind",
    "parent",
    "valid_from",
    "valid_to",
    "admin_code",
    "merged_into",
]
PERSON_FIELDS = [
    "full_name",
    "birth_date",
    "gender",
    "party_card_number",
    "admission_date",
    "official_date",
]


def unit_search_text(code: str, name: str) -> str:
    return f"{fold(name)} {code.lower()}"[:400]


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    by: Actor,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    admin_code: str = "",
    reason: str = "",
) -> Unit:
    """Create a unit under `parent` (None for a root)."""
    if parent is not None:
        require(can_manage_unit(by, parent))
    elif not access_for(by).everything:
        raise PermissionDenied(_("Chỉ quản trị hệ thống mới được tạo đơn vị gốc."))
    code = normalize_text(code).upper()
    name = normalize_text(name)
    if Unit.objects.filter(code=code).exists():
        raise DomainError(_("Mã đơn vị “%(code)s” đã được dùng.") % {"code": code}, field="code")
    unit = Unit(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
        admin_code=admin_code,
        search_text=unit_search_text(code, name),
    )
    full_clean(unit, exclude=["path"])
    check_parent_allows(parent, kind)
    unit.save()
    unit.path = (parent.path if parent else "") + path_segment(unit.pk)
    unit.depth = len(unit.path) // PATH_STEP - 1
    Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
    audit_record(
        obj=unit,
        action=AuditAction.CREATE,
        by=by,
        changes=diff({}, snapshot(unit, UNIT_FIELDS)),
        reason=reason,
        unit_path=unit.path,
    )
    return unit


def check_parent_allows(parent: Unit | None, kind: str) -> None:
    """A cell may only contain cells (or party groups): the kind rule of every unit placement."""
    if parent is not None and parent.kind in CELL_KINDS and kind not in CELL_KINDS:
        raise DomainError(
            _("Không thể đặt %(kind)s dưới một chi bộ.")
            % {"kind": Unit(kind=kind).get_kind_display()},
            field="parent",
        )


@transaction.atomic
def unit_update(
    *, unit: Unit, by: Actor, expected_version: int | None = None, reason: str = "", **values: Any
) -> Unit:
    """Change a unit's own fields (not its parent: use unit_move)."""
    require(can_manage_unit(by, unit))
    allowed = {"code", "name", "kind", "valid_from", "valid_to", "admin_code", "merged_into"}
    unknown = set(values) - allowed
    if unknown:
        raise DomainError(
            _("Trường không được phép sửa: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    before = snapshot(unit, UNIT_FIELDS)
    if "code" in values:
        values["code"] = normalize_text(values["code"]).upper()
        if Unit.objects.filter(code=values["code"]).exclude(pk=unit.pk).exists():
            raise DomainError(
                _("Mã đơn vị “%(code)s” đã được dùng.") % {"code": values["code"]}, field="code"
            )
    if "name" in values:
        values["name"] = normalize_text(values["name"])
    for key, value in values.items():
        setattr(unit, key, value)
    if unit.merged_into_id and unit.merged_into_id == unit.pk:
        raise DomainError(_("Một đơn vị không thể sáp nhập vào chính nó."), field="merged_into")
    unit.search_text = unit_search_text(unit.code, unit.name)
    full_clean(unit, exclude=["path", "code"])
    changes = diff(before, snapshot(unit, UNIT_FIELDS))
    if not changes:
        return unit
    if "kind" in changes:
        check_parent_allows(unit.parent, unit.kind)
        check_kind_fits_contents(unit)
    if "valid_from" in changes or "valid_to" in changes:
        check_validity_covers_contents(unit)
    values["search_text"] = unit.search_text
    save_if_unchanged(unit, expected_version, **values)
    audit_record(
        obj=unit,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=unit.path,
    )
    return unit


def check_kind_fits_contents(unit: Unit) -> None:
    """A unit's (new) kind must suit what it holds: members only in a cell, a cell holds cells."""
    if unit.kind not in CELL_KINDS and Membership.objects.filter(unit=unit).exists():
        raise DomainError(
            _(
                "Không thể đổi “%(u)s” thành %(kind)s: đơn vị có đảng viên sinh hoạt, nên phải là "
                "chi bộ hoặc tổ đảng."
            )
            % {"u": unit, "kind": unit.get_kind_display()},
            field="kind",
        )
    if unit.kind in CELL_KINDS:
        child = unit.children.exclude(kind__in=CELL_KINDS).first()
        if child is not None:
            raise DomainError(
                _(
                    "Không thể đổi “%(u)s” thành %(kind)s: đơn vị trực thuộc “%(c)s” (%(ck)s) "
                    "không thể nằm dưới một chi bộ."
                )
                % {
                    "u": unit,
                    "kind": unit.get_kind_display(),
                    "c": child,
                    "ck": child.get_kind_display(),
                },
                field="kind",
            )


def _outside(qs: QuerySet, unit: Unit) -> Any:
    """The first row of `qs` whose period is not inside the unit's validity."""
    q = Q(pk__in=[])
    if unit.valid_from:
        q |= Q(valid_from__lt=unit.valid_from)
    if unit.valid_to:
        q |= Q(valid_to__isnull=True) | Q(valid_to__gt=unit.valid_to)
    return qs.filter(q).first()


def check_validity_covers_contents(unit: Unit) -> None:
    """A unit's validity must cover its children's and its members' and post holders' periods."""
    dates = _("từ %(f)s đến %(t)s") % {
        "f": vn_date(unit.valid_from) if unit.valid_from else "…",
        "t": vn_date(unit.valid_to) if unit.valid_to else "…",
    }
    child = _outside(unit.children.all(), unit)
    if child is not None:
        raise DomainError(
            _(
                "Không thể đặt hiệu lực %(dates)s: đơn vị trực thuộc “%(c)s” có hiệu lực ngoài "
                "khoảng này. Hãy sửa hoặc chuyển đơn vị trực thuộc trước."
            )
            % {"dates": dates, "c": child},
            field="valid_to" if unit.valid_to else "valid_from",
        )
    membership = _outside(Membership.objects.filter(unit=unit).select_related("person"), unit)
    if membership is not None:
        raise DomainError(
            _(
                "Không thể đặt hiệu lực %(dates)s: %(p)s sinh hoạt tại đơn vị ngoài khoảng này. "
                "Hãy kết thúc hoặc chuyển sinh hoạt đảng trước."
            )
            % {"dates": dates, "p": membership.person},
            field="valid_to" if unit.valid_to else "valid_from",
        )
    position = _outside(Position.objects.filter(unit=unit).select_related("person"), unit)
    if position is not None:
        raise DomainError(
            _(
                "Không thể đặt hiệu lực %(dates)s: %(p)s giữ chức vụ %(r)s ngoài khoảng này. "
                "Hãy kết thúc chức vụ trước."
            )
            % {"dates": dates, "p": position.person, "r": position.get_role_display()},
            field="valid_to" if unit.valid_to else "valid_from",
        )


@transaction.atomic
def unit_move(
    *,
    unit: Unit,
    new_parent: Unit,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
) -> Unit:
    """Move a unit (with its whole subtree) under a new parent, rewriting descendants' paths."""
    require(can_move_unit(by, unit, new_parent))
    if not reason.strip():
        raise DomainError(_("Phải nêu lý do chuyển đơn vị."), field="reason")
    new_parent = Unit.objects.select_for_update().get(pk=new_parent.pk)
    if new_parent.path.startswith(unit.path):
        raise DomainError(
            _(
                "Không thể chuyển “%(unit)s” vào “%(parent)s”: đơn vị cấp trên mới nằm trong chính "
                "nhánh của đơn vị này (sẽ tạo vòng lặp)."
            )
            % {"unit": unit, "parent": new_parent},
            field="parent",
        )
    if unit.parent_id == new_parent.pk:
        raise DomainError(_("Đơn vị đã trực thuộc “%(p)s”.") % {"p": new_parent}, field="parent")
    check_parent_allows(new_parent, unit.kind)
    old_parent = unit.parent
    old_path = unit.path
    new_path = new_parent.path + path_segment(unit.pk)
    # No merge may add a membership change to the old ancestors after the subtree's totals moved.
    member_counts.lock_for_move()
    save_if_unchanged(unit, expected_version, parent=new_parent)
    # One statement rewrites the prefix of the whole subtree (the unit included).
    depth_shift = (len(new_path) - len(old_path)) // PATH_STEP
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    _move_member_counts(unit, old_path, new_path)
    unit.parent = new_parent
    unit.path = new_path
    unit.depth = len(new_path) // PATH_STEP - 1
    audit_record(
        obj=unit,
        action=AuditAction.MOVE,
        by=by,
        changes={"parent": [str(old_parent) if old_parent else None, str(new_parent)]},
        reason=reason,
        unit_path=new_path,
    )
    # The campaign summaries are kept per unit path: the cycles around the old and the new
    # place are rebuilt by the task workers (queued with this transaction, by name: the
    # dashboard sits above org).
    enqueue(
        "kiemdiem.dashboard.tasks.summaries_rebuild_after_move",
        old_path,
        new_path,
        name=_("Tính lại số liệu sau khi chuyển %(unit)s") % {"unit": unit},
    )
    return unit


def _move_member_counts(unit: Unit, old_path: str, new_path: str) -> None:
    """The moved subtree's open memberships leave the old ancestors' totals (UnitMemberCount)
    and join the new ones'; the ancestors both share keep theirs."""
    row = UnitMemberCount.objects.filter(unit=unit).values_list("official", "temporary").first()
    if not row or not any(row):
        return
    official, temporary = row
    above_old, above_new = ancestor_paths(old_path)[:-1], ancestor_paths(new_path)[:-1]
    ids = Unit.objects.ids_by_path([*above_old, *above_new])  # one read for both branches
    old = {ids[path] for path in above_old if path in ids}
    new = {ids[path] for path in above_new if path in ids}
    UnitMemberCount.objects.filter(unit_id__in=old - new).update(
        official=F("official") - official, temporary=F("temporary") - temporary
    )
    UnitMemberCount.objects.bulk_create(
        [UnitMemberCount(unit_id=pk) for pk in new - old], ignore_conflicts=True
    )
    UnitMemberCount.objects.filter(unit_id__in=new - old).update(
        official=F("official") + official, temporary=F("temporary") + temporary
    )


def person_cell_path(person: Person) -> str:
    """Path of the person's current official cell (else their latest cell): their audit rows'."""
    if person.pk is None:
        return ""
    today = timezone.localdate()
    memberships = Membership.objects.filter(person=person).select_related("unit")
    current = (
        memberships.current(today).order_by("kind", "-valid_from").first()
        or memberships.order_by("-valid_from").first()
    )
    return current.unit.path if current else ""


def _person_checks(person: Person) -> None:
    if person.party_card_number:
        clash = Person.objects.filter(party_card_number=person.party_card_number)
        if person.pk:
            clash = clash.exclude(pk=person.pk)
        if clash.exists():
            raise DomainError(
                _("Số thẻ đảng viên %(n)s đã thuộc về người khác.")
                % {"n": person.party_card_number},
                field="party_card_number",
            )
    check_person_dates(person)


def check_person_dates(person: Person, today: datetime.date | None = None) -> None:
    """The date rules of a person's record (no database access: bulk imports call it per row,
    passing `today` once: timezone.localdate() costs more than the rules themselves)."""
    today = today or timezone.localdate()
    if person.birth_date and person.birth_date > today:
        raise DomainError(_("Ngày sinh không thể ở tương lai."), field="birth_date")
    if person.birth_date and person.admission_date:
        age = (person.admission_date - person.birth_date).days / 365.25
        if age < 18:
            raise DomainError(
                _("Ngày vào Đảng phải khi đã đủ 18 tuổi (ngày sinh %(b)s).")
                % {"b": vn_date(person.birth_date)},
                field="admission_date",
            )
    if person.official_date and not person.admission_date:
        raise DomainError(
            _("Có ngày chính thức thì phải có ngày vào Đảng."), field="admission_date"
        )


@transaction.atomic
def person_create(*, by: Actor, reason: str = "", **values: Any) -> Person:
    """Register a person."""
    require(can_register_person(by))
    values = {k: v for k, v in values.items() if k in PERSON_FIELDS}
    if values.get("party_card_number"):
        values["party_card_number"] = normalize_text(values["party_card_number"]).replace(" ", "")
    else:
        values["party_card_number"] = None
    person = Person(**values)
    person.refresh_derived()
    full_clean(person, exclude=["party_card_number"])
    _person_checks(person)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent insert of the same card number
        raise DomainError(_("Số thẻ đảng viên đã tồn tại."), field="party_card_number") from exc
    audit_record(
        obj=person,
        action=AuditAction.CREATE,
        by=by,
        changes=diff({}, snapshot(person, PERSON_FIELDS)),
        reason=reason,
        person_id=person.pk,  # no cell yet: the audit page finds it through the person
    )
    return person


@transaction.atomic
def person_register(*, cell: Unit, by: Actor, reason: str = "", **values: Any) -> Person:
    """Register a new member directly in `cell`: the person and their membership, or neither.

    The membership starts on the admission date, else the cell's start, else today.
    """
    person = person_create(by=by, reason=reason, **values)
    membership_add(
        person=person,
        unit=cell,
        valid_from=person.admission_date or cell.valid_from or person.created_at.date(),
        by=by,
        reason=reason,
    )
    return person


@transaction.atomic
def person_update(
    *,
    person: Person,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
    **values: Any,
) -> Person:
    """Change a person's details."""
    require(can_edit_person(by, person))
    values = {k: v for k, v in values.items() if k in PERSON_FIELDS}
    if "party_card_number" in values:
        card = normalize_text(values["party_card_number"] or "").replace(" ", "")
        values["party_card_number"] = card or None
    before = snapshot(person, PERSON_FIELDS)
    for key, value in values.items():
        setattr(person, key, value)
    person.refresh_derived()
    full_clean(person, exclude=["party_card_number"])
    _person_checks(person)
    first = person.memberships.order_by("valid_from").first()
    check_first_membership(person, first.valid_from if first else None)
    changes = diff(before, snapshot(person, PERSON_FIELDS))
    if not changes:
        return person
    values.update(
        full_name=person.full_name, search_text=person.search_text, sort_key=person.sort_key
    )
    save_if_unchanged(person, expected_version, **values)
    audit_record(
        obj=person,
        action=AuditAction.UPDATE,
        by=by,
        changes=changes,
        reason=reason,
        unit_path=person_cell_path(person),
        person_id=person.pk,
    )
    return person


def check_first_membership(person: Person, first_start: datetime.date | None) -> None:
    """A person's party activity cannot start before their admission date."""
    if first_start and person.admission_date and first_start < person.admission_date:
        raise DomainError(
            _("Đã có sinh hoạt đảng từ %(d)s, trước ngày vào Đảng mới.")
            % {"d": vn_date(first_start)},
            field="admission_date",
        )


def check_period(
    person: Person, unit: Unit, start: datetime.date, end: datetime.date | None
) -> None:
    """A membership or position period must fit the person's admission and the unit's validity."""
    if end and end < start:
        raise DomainError(_("Ngày kết thúc phải sau ngày bắt đầu."), field="valid_to")
    if person.admission_date and start < person.admission_date:
        raise DomainError(
            _("Ngày bắt đầu %(s)s trước ngày vào Đảng của %(p)s (%(a)s).")
            % {
                "s": vn_date(start),
                "p": person,
                "a": vn_date(person.admission_date),
            },
            field="valid_from",
        )
    if unit.valid_from and start < unit.valid_from:
        raise DomainError(
            _("Đơn vị “%(u)s” chỉ có hiệu lực từ %(d)s.")
            % {"u": unit, "d": vn_date(unit.valid_from)},
            field="valid_from",
        )
    if unit.valid_to and (end is None or end > unit.valid_to):
        raise DomainError(
            _("Đơn vị “%(u)s” hết hiệu lực ngày %(d)s.") % {"u": unit, "d": vn_date(unit.valid_to)},
            field="valid_to",
        )


def periods_overlap(
    start: datetime.date,
    end: datetime.date | None,
    other_start: datetime.date,
    other_end: datetime.date | None,
) -> bool:
    """Do two periods (open-ended when the end is None) share at least one day?"""
    return (other_end is None or other_end >= start) and (end is None or other_start <= end)


def check_membership_unit(unit: Unit) -> None:
    """Members hold party activity in a cell or party group only."""
    if unit.kind not in CELL_KINDS:
        raise DomainError(
            _("Đảng viên chỉ sinh hoạt tại chi bộ hoặc tổ đảng, không phải “%(u)s”.") % {"u": unit},
            field="unit",
        )


def official_overlap_error(person: Person, unit: Unit) -> DomainError:
    """A person has one official cell at a time."""
    return DomainError(
        _("%(p)s đang sinh hoạt chính thức tại “%(u)s” trong khoảng thời gian này.")
        % {"p": person, "u": unit},
        field="valid_from",
    )


# A unit has one secretary and one head at a time.
SINGLE_HOLDER_ROLES = ("secretary", "head")


def single_holder_error(unit: Unit, role_label: str, holder: Person) -> DomainError:
    return DomainError(
        _("“%(u)s” đã có %(r)s là %(p)s trong khoảng thời gian này.")
        % {"u": unit, "r": role_label, "p": holder},
        field="role",
    )


def _overlapping(qs: QuerySet, start: datetime.date, end: datetime.date | None) -> QuerySet:
    qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    if end is not None:
        qs = qs.filter(valid_from__lte=end)
    return qs


@transaction.atomic
def membership_add(
    *,
    person: Person,
    unit: Unit,
    valid_from: datetime.date,
    by: Actor,
    valid_to: datetime.date | None = None,
    kind: str = MembershipKind.OFFICIAL,
    reason: str = "",
) -> Membership:
    """Record a person's party activity in a cell for a period."""
    require(can_place_person(by, person, unit))
    Person.objects.select_for_update().filter(pk=person.pk).first()  # serialize per person
    check_membership_unit(unit)
    check_period(person, unit, valid_from, valid_to)
    if kind == MembershipKind.OFFICIAL:
        clash = _overlapping(
            Membership.objects.filter(person=person, kind=MembershipKind.OFFICIAL),
            valid_from,
            valid_to,
        ).first()
        if clash:
            raise official_overlap_error(person, clash.unit)
    membership = Membership(
        person=person, unit=unit, kind=kind, valid_from=valid_from, valid_to=valid_to
    )
    full_clean(membership)
    membership.save()
    audit_record(
        obj=membership,
        action=AuditAction.CREATE,
        by=by,
        changes=diff(
            {}, snapshot(membership, ["person", "unit", "kind", "valid_from", "valid_to"])
        ),
        reason=reason,
        unit_path=unit.path,
        person_id=person.pk,
    )
    return membership


def check_period_end(
    start: datetime.date, end: datetime.date, current_end: datetime.date | None
) -> None:
    """Ending a period: not already ended, not before its start, not after today.

    The end is recorded once the decision has taken effect; scoping and reviews read the
    current memberships and posts, so a planned end in the future would be a guess.
    """
    if current_end is not None:
        raise DomainError(
            _("Đã kết thúc ngày %(d)s.") % {"d": vn_date(current_end)},
            field="valid_to",
        )
    if end < start:
        raise DomainError(
            _("Ngày kết thúc phải từ ngày bắt đầu (%(s)s) trở đi.") % {"s": vn_date(start)},
            field="valid_to",
        )
    if end > timezone.localdate():
        raise DomainError(
            _("Ngày kết thúc không thể ở tương lai: hãy ghi nhận khi quyết định đã có hiệu lực."),
            field="valid_to",
        )


def _period_end(
    obj: Membership | Position,
    *,
    valid_to: datetime.date,
    by: Actor,
    expected_version: int | None,
    reason: str,
) -> None:
    """Close a membership or a post on `valid_to`: checked, version-guarded, audited."""
    check_period_end(obj.valid_from, valid_to, obj.valid_to)
    before = obj.valid_to
    save_if_unchanged(obj, expected_version, valid_to=valid_to)
    obj.valid_to = valid_to
    audit_record(
        obj=obj,
        action=AuditAction.UPDATE,
        by=by,
        changes={"valid_to": [before, valid_to]},
        reason=reason,
        unit_path=obj.unit.path,
        person_id=obj.person_id,
    )


@transaction.atomic
def membership_end(
    *,
    membership: Membership,
    valid_to: datetime.date,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
) -> Membership:
    """Close a membership on `valid_to` (transfer out, death, removal...)."""
    require(can_end_period(by, membership))
    _period_end(
        membership, valid_to=valid_to, by=by, expected_version=expected_version, reason=reason
    )
    return membership


@transaction.atomic
def position_end(
    *,
    position: Position,
    valid_to: datetime.date,
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
) -> Position:
    """Close a post on `valid_to` (end of term, dismissal, transfer...)."""
    require(can_end_period(by, position))
    _period_end(
        position, valid_to=valid_to, by=by, expected_version=expected_version, reason=reason
    )
    return position


@transaction.atomic
def position_add(
    *,
    person: Person,
    unit: Unit,
    role: str,
    valid_from: datetime.date,
    by: Actor,
    valid_to: datetime.date | None = None,
    is_concurrent: bool = False,
    reason: str = "",
) -> Position:
    """Appoint a person to a post in a unit for a period."""
    require(can_place_person(by, person, unit))
    check_period(person, unit, valid_from, valid_to)
    if role in SINGLE_HOLDER_ROLES:
        clash = (
            _overlapping(
                Position.objects.filter(unit=unit, role=role).exclude(person=person),
                valid_from,
                valid_to,
            )
            .select_related("person")
            .first()
        )
        if clash:
            raise single_holder_error(unit, clash.get_role_display(), clash.person)
    position = Position(
        person=person,
        unit=unit,
        role=role,
        valid_from=valid_from,
        valid_to=valid_to,
        is_concurrent=is_concurrent,
    )
    full_clean(position)
    position.save()
    audit_record(
        obj=position,
        action=AuditAction.CREATE,
        by=by,
        changes=diff({}, snapshot(position, ["person", "unit", "role", "valid_from", "valid_to"])),
        reason=reason,
        unit_path=unit.path,
        person_id=person.pk,
    )
    return position


@transaction.atomic
def access_grant(
    *,
    user: "User",
    unit: Unit,
    role: str,
    by: Actor,
    valid_from: datetime.date | None = None,
    reason: str = "",
) -> AccessGrant:
    """Give a user account a role on a unit's subtree (from `valid_from`, default today).

    A grant revoked earlier is opened again (one row per user, unit and role).
    """
    require(can_manage_access(by, unit))
    if role not in AccessRole.values:
        raise DomainError(_("Vai trò không hợp lệ."), field="role")
    start = valid_from or timezone.localdate()
    grant, created = AccessGrant.objects.select_for_update().get_or_create(
        user=user, unit=unit, role=role, defaults={"valid_from": start}
    )
    if created:
        audit_record(
            obj=grant,
            action=AuditAction.CREATE,
            by=by,
            changes={"role": [None, grant.get_role_display()], "unit": [None, str(unit)]},
            reason=reason,
            unit_path=unit.path,
        )
    elif grant.valid_to is not None and grant.valid_to < start:
        before = {"valid_from": grant.valid_from, "valid_to": grant.valid_to}
        save_if_unchanged(grant, None, valid_from=start, valid_to=None)
        grant.valid_from, grant.valid_to = start, None
        audit_record(
            obj=grant,
            action=AuditAction.UPDATE,
            by=by,
            changes=diff(before, {"valid_from": start, "valid_to": None}),
            reason=reason,
            unit_path=unit.path,
        )
    return grant


@transaction.atomic
def access_revoke(
    *, grant: AccessGrant, by: Actor, expected_version: int | None = None, reason: str = ""
) -> AccessGrant:
    """Take a role away from today on: the grant ends yesterday (kept, with its history)."""
    require(can_manage_access(by, grant.unit))
    today = timezone.localdate()
    if grant.valid_to is not None and grant.valid_to < today:
        raise DomainError(_("Quyền này đã hết hiệu lực từ %(d)s.") % {"d": vn_date(grant.valid_to)})
    end = today - datetime.timedelta(days=1)
    before = grant.valid_to
    save_if_unchanged(grant, expected_version, valid_to=end)
    grant.valid_to = end
    audit_record(
        obj=grant,
        action=AuditAction.UPDATE,
        by=by,
        changes={"valid_to": [before, end]},
        reason=reason,
        unit_path=grant.unit.path,
    )
    return grant


@transaction.atomic
def person_link_user(
    *,
    person: Person,
    user: "User | None",
    by: Actor,
    expected_version: int | None = None,
    reason: str = "",
) -> Person:
    """Link a login to a person (their positions and cell then give it a scope), or unlink (None).

    A login belongs to one person at most; an administrator account is never linked.
    """
    require(can_link_person_account(by, person))
    if user is not None:
        if user.is_superuser:
            raise DomainError(
                _("Không gắn tài khoản quản trị hệ thống với một đảng viên."), field="account"
            )
        other = Person.objects.filter(user=user).exclude(pk=person.pk).first()
        if other is not None:
            raise DomainError(
                _("Tài khoản “%(u)s” đã gắn với %(p)s.") % {"u": user.get_username(), "p": other},
                field="account",
            )
        if person.user is not None and person.user_id != user.pk:
            raise DomainError(
                _("%(p)s đã có tài khoản “%(u)s”: hãy gỡ tài khoản đó trước.")
                % {"p": person, "u": person.user.get_username()},
                field="account",
            )
    before = person.user.get_username() if person.user is not None else None
    after = user.get_username() if user is not None else None
    if before == after:
        return person
    save_if_unchanged(person, expected_version, user=user)
    person.user = user
    audit_record(
        obj=person,
        action=AuditAction.UPDATE,
        by=by,
        changes={"user": [before, after]},
        reason=reason,
        unit_path=person_cell_path(person),
        person_id=person.pk,
    )
    return person
