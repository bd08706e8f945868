"""The organization lists that export to Excel: the audit trail (with the page's filters) and
the members of a unit. Same scope as the pages."""

from django.apps import apps
from django.utils.translation import gettext as _

from kiemdiem.core.audit import field_label, field_value
from kiemdiem.core.labels import readable
from kiemdiem.core.xlsx import Column
from kiemdiem.exports.registry import ExportRefused, Sheet, exporter, one_of
from kiemdiem.org import selectors
from kiemdiem.org.scoping import access_for, visible_units


def _changes(event) -> str:
    """The changed fields of an audit row by their Vietnamese names, one per line."""
    model = _model(event.object_type)
    lines = []
    for field, pair in (event.changes or {}).items():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            before, after = (readable(field_value(model, field, v)) for v in pair)
            lines.append(f"{field_label(model, field)}: {before} → {after}")
    return "\n".join(lines)


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


@exporter("org.audit")
def audit(user, params: dict[str, str]) -> Sheet:
    if not access_for(user).can_read_audit:
        raise ExportRefused(_("Đồng chí không có quyền xem nhật ký."))
    found = selectors.audit_filtered(user, params)
    if found.errors:
        raise ExportRefused(" ".join(found.errors))
    columns = [
        Column(_("Thời điểm"), lambda e: e.at, kind="datetime", width=17),
        Column(
            _("Người thực hiện"),
            lambda e: e.actor.get_username() if e.actor_id else _("hệ thống"),
            width=18,
        ),
        Column(_("Hành động"), lambda e: e.get_action_display(), width=18),
        Column(_("Đối tượng"), lambda e: e.object_repr, width=40),
        Column(_("Thay đổi"), _changes, width=60),
        Column(_("Lý do"), lambda e: e.reason, width=30),
        Column(_("Có hiệu lực từ"), lambda e: e.effective_on, kind="date", width=12),
    ]
    return Sheet(
        title=_("Nhật ký thay đổi"),
        filename="nhat-ky",
        columns=columns,
        rows=found.events.order_by("-at", "-pk"),
        unit_path=found.unit.path if found.unit else "",
    )


@exporter("org.unit-members")
def unit_members(user, params: dict[str, str]) -> Sheet:
    unit = one_of(
        visible_units(user),
        params.get("unit", ""),
        _("Đơn vị này không thuộc phạm vi của đồng chí."),
    )
    columns = [
        Column(_("Họ và tên"), lambda p: p.full_name, width=28),
        Column(_("Ngày sinh"), lambda p: p.birth_date, kind="date", width=12),
        Column(_("Số thẻ đảng viên"), lambda p: p.party_card_number, width=16),
        Column(_("Ngày vào Đảng"), lambda p: p.admission_date, kind="date", width=12),
        Column(_("Ngày chính thức"), lambda p: p.official_date, kind="date", width=12),
    ]
    return Sheet(
        title=_("Đảng viên — %(u)s") % {"u": unit.name},
        filename=f"dang-vien-{unit.code.lower()}",
        columns=columns,
        rows=selectors.unit_members(unit),
        unit_path=unit.path,
    )
