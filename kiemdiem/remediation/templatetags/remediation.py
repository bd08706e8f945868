"""Template helpers of the plan pages."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from kiemdiem.core.rows import ddmmyyyy, ddmmyyyy_hhmm, url_of
from kiemdiem.core.templatetags.kd import days_waiting
from kiemdiem.remediation.states import ReturnGround

register = template.Library()


@register.filter
def ground_labels(grounds: list[str]) -> list[str]:
    """The Vietnamese names of an appraisal's return grounds (stored as codes)."""
    labels = dict(ReturnGround.choices)
    return [str(labels.get(g, g)) for g in grounds or []]


def _hhmm_ddmmyyyy(value) -> str:
    """`value|date:"H:i d/m/Y"|default:"—"`."""
    if value is None:
        return "—"
    shown = ddmmyyyy_hhmm(value)  # "dd/mm/yyyy HH:MM" in the local time zone
    return f"{shown[11:]} {shown[:10]}"


@register.simple_tag
def verification_rows(items, today) -> SafeString:
    """The rows of "Chờ tôi xác nhận" (queue_verification.html), as plan_rows: one call."""
    url = url_of("remediation:action-detail")
    rows = []
    for a in items:
        plan = a.plan
        unit = escape(plan.unit.name)
        who = f"{escape(plan.person.full_name)} ({unit})" if plan.person_id else f"Tập thể {unit}"
        content = Truncator(a.content or "(chưa có nội dung)").chars(120)
        rows.append(
            f'<tr><td data-label="Nội dung khắc phục">'
            f'<a href="{url(a.pk)}">{escape(content)}</a></td>'
            f'<td data-label="Kế hoạch của">{who}</td>'
            f'<td data-label="Thời hạn">{ddmmyyyy(a.due_date) or "—"}</td>'
            f'<td data-label="Báo cáo hoàn thành lúc">{_hhmm_ddmmyyyy(a.done_at)}</td>'
            f'<td data-label="Đã chờ">{escape(days_waiting(a.done_at, today))}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # every database text above is escaped
