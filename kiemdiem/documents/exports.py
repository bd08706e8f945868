"""The register of outgoing documents exports to Excel (the unit's page lists the same rows)."""

from django.utils.translation import gettext as _

from kiemdiem.core.xlsx import Column
from kiemdiem.documents import selectors
from kiemdiem.exports.registry import Sheet, exporter, one_of
from kiemdiem.org.scoping import visible_units


@exporter("documents.register")
def register(user, params: dict[str, str]) -> Sheet:
    unit = one_of(
        visible_units(user), params.get("unit", ""), _("Không có đơn vị này trong phạm vi.")
    )
    return Sheet(
        title=_("Sổ văn bản đi"),
        filename="so-van-ban-di",
        columns=[
            Column(_("Số, ký hiệu"), lambda d: d.symbol, width=16),
            Column(_("Ngày ban hành"), lambda d: d.issued_on, kind="date", width=12),
            Column(_("Loại văn bản"), lambda d: d.get_doc_type_display(), width=14),
            Column(_("Trích yếu"), lambda d: d.title, width=50),
            Column(_("Người ký"), lambda d: d.signer, width=24),
            Column(_("Nơi nhận"), lambda d: d.recipients, width=30),
        ],
        rows=selectors.register_of(unit),
    )
