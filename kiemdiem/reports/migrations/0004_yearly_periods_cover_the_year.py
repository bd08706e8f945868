"""The yearly report covers the whole year (from the cycle's start in its first year), not
01/07–31/12: correct the periods of the cycles still open. Reports already filed stay as they are
(their figures were computed as of the period's end, which does not change)."""

import datetime

from django.db import migrations


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")  # as core.audit.plain stores dates


def whole_years(apps, schema_editor):
    ReportPeriod = apps.get_model("reports", "ReportPeriod")
    AuditEvent = apps.get_model("core", "AuditEvent")
    periods = ReportPeriod.objects.filter(kind="year", cycle__status="open").select_related(
        "cycle", "cycle__scope_unit"
    )
    for period in periods:
        starts_on = max(datetime.date(period.ends_on.year, 1, 1), period.cycle.starts_on)
        if period.starts_on == starts_on:
            continue
        ReportPeriod.objects.filter(pk=period.pk).update(starts_on=starts_on)
        scope = period.cycle.scope_unit
        AuditEvent.objects.create(
            action="update",
            object_type="reports.reportperiod",
            object_id=str(period.pk),
            object_repr=f"{period.label} — {period.cycle.title}"[:300],
            unit_path=scope.path,
            unit_ref=scope.pk,
            changes={"starts_on": [_d(period.starts_on), _d(starts_on)]},
            reason="Kỳ báo cáo năm tính cả năm (từ 01/01, hoặc từ ngày bắt đầu đợt).",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_add_report_figures_as_of"),
        ("reviews", "0003_effective_dates"),
        ("core", "0006_audit_effective_on_summary_delta"),
    ]

    operations = [migrations.RunPython(whole_years, migrations.RunPython.noop)]
