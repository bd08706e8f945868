"""What a group's activity report and a plan's report share: writing the narrative of a draft
(and refreshing its figures), checked, version-guarded and audited; sending it with its figures
taken afresh."""

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.errors import DomainError
from kiemdiem.core.lifecycle import Lifecycle, begin
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, Decision, acting_user, require
from kiemdiem.core.text import normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.oversight.models import HalfYearReport, ReportStatus


def halfyear_update(
    *,
    report: HalfYearReport,
    narrative: str,
    refresh: bool,
    by: Actor,
    expected_version: int | None,
    decision: Decision,
    figures: Callable[[], dict[str, int]],
    unit_path: str,
) -> HalfYearReport:
    """Write the narrative of a draft report (and refresh its figures when asked)."""
    require(decision)
    require_version(report, expected_version)
    if report.status != ReportStatus.DRAFT:
        raise DomainError(_("Báo cáo đã gửi, không sửa được nữa."))
    values: dict[str, Any] = {"narrative": normalize_text_block(narrative)}
    if refresh:
        values["figures"] = figures()
    changes = {k: [getattr(report, k), v] for k, v in values.items() if getattr(report, k) != v}
    if not changes:
        return report
    save_if_unchanged(report, expected_version, **values)
    for key, value in values.items():
        setattr(report, key, value)
    audit_record(obj=report, action=AuditAction.UPDATE, by=by, changes=changes, unit_path=unit_path)
    return report


def halfyear_submit(
    *,
    report: HalfYearReport,
    lifecycle: Lifecycle,
    by: Actor,
    expected_version: int | None,
    figures: Callable[[], dict[str, int]],
    narrative_missing: str,
) -> None:
    """Send a draft report (its narrative written) with its figures as of now."""
    move = begin(
        obj=report,
        to=ReportStatus.SUBMITTED,
        lifecycle=lifecycle,
        by=by,
        version=expected_version,
    )
    if not report.narrative.strip():
        raise DomainError(narrative_missing, field="narrative")
    move.apply(
        figures=figures(),
        submitted_at=timezone.now(),
        submitted_on=move.effective_on,
        submitted_by=acting_user(by),
    )
