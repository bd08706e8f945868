"""Template helpers of the plan pages."""

from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from kiemdiem.core.rows import ddmmyyyy, url_of
from kiemdiem.remediation.states import PlanStatus, ReturnGround

register = template.Library()


@register.filter
def ground_labels(grounds: list[str]) -> list[str]:
    """The Vietnamese names of an appraisal's return grounds (stored as codes)."""
    labels = dict(ReturnGround.choices)
    return [str(labels.get(g, g)) for g in grounds or []]


_STATUS_STYLE = {
    PlanStatus.RETURNED: "warning",
    PlanStatus.ACCEPTED: "success",
    PlanStatus.ADOPTED: "success",
    PlanStatus.SUBMITTED: "info",
}


@register.simple_tag
def plan_rows(plans) -> SafeString:
    """The plan list's table rows, from remediation.selectors.plans_list's tuples.

    Rendered here rather than per row through the template engine (issue 17): 50 rows of
    lookups, an include per row and a `reverse` per link were half the page's CPU. Every
    text from the database goes through `escape`.
    """
    url = url_of("remediation:plan-detail")
    labels = {value: escape(str(label)) for value, label in PlanStatus.choices}
    today = timezone.localdate()
    rows = []
    for p in plans:
        label = p.review__person__full_name if p.review__person_id else p.review__unit__name
        unit = f' <span class="text-muted small">({escape(p.unit__name)})</span>'
        status = (
            f'<span class="badge text-bg-{_STATUS_STYLE.get(p.status, "secondary")}">'
            f"{labels.get(p.status) or escape(p.status)}</span>"
        )
        if (p.first_submitted_on or today) > p.due_date:  # RemediationPlan.is_late
            late = "nộp muộn" if p.first_submitted_at else "quá hạn nộp"
            status += f' <span class="badge text-bg-danger">{late}</span>'
        rows.append(
            f'<tr><td data-label="Đơn vị / cá nhân"><a href="{url(p.pk)}">{escape(label)}</a>'
            f"{unit if p.person_id else ''}</td>"
            f'<td data-label="Đợt">{escape(p.cycle__title)}</td>'
            f'<td data-label="Trạng thái">{status}</td>'
            f'<td data-label="Hạn nộp">{ddmmyyyy(p.due_date)}</td>'
            f'<td data-label="Số nội dung" class="text-end">{p.n_actions}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # every database text above is escaped
