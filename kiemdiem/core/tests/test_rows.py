"""List rows rendered in Python (core.rows, the audit page's audit_rows tag, issue 17): the same
cells as the template printed, every stored text escaped."""

import datetime

from django.utils import timezone

from kiemdiem.core.models import AuditEvent
from kiemdiem.core.rows import ddmmyyyy, ddmmyyyy_hhmm, url_of
from kiemdiem.core.templatetags.fastdate import date
from kiemdiem.core.templatetags.kd import audit_rows


def test_row_helpers_print_as_the_templates_did():
    at = datetime.datetime(2026, 1, 31, 18, 5, tzinfo=datetime.UTC)  # 01:05 next day in Hà Nội
    assert ddmmyyyy_hhmm(at) == date(timezone.localtime(at), "d/m/Y H:i") == "01/02/2026 01:05"
    assert ddmmyyyy(datetime.date(2026, 2, 3)) == "03/02/2026" and ddmmyyyy(None) == ""
    assert url_of("remediation:plan-detail")(42) == "/ke-hoach/42/"


def test_audit_rows_escape_and_read_codes_by_their_labels():
    event = AuditEvent(
        at=datetime.datetime(2026, 3, 1, 2, 0, tzinfo=datetime.UTC),
        action="transition",
        object_type="remediation.remediationplan",
        object_repr="Kế hoạch <b>X</b>",
        changes={"status": ["draft", "submitted"], "note": {"a": 1}},
        reason="<script>",
    )
    html = audit_rows([event])
    assert "<b>" not in html and "<script>" not in html and "&lt;script&gt;" in html
    assert ">09:00 01/03/2026<" not in html and ">01/03/2026 09:00<" in html
    assert '<td data-label="Người thực hiện">hệ thống</td>' in html
    assert '<span class="text-muted">Trạng thái</span>: Dự thảo → Chờ thẩm định</div>' in html
    assert ": — → a: 1</div>" in html  # a value that is not a (before, after) pair
