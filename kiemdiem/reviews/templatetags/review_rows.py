"""The cycle page's table of reviews, rendered in Python (issue 17): 50 rows through the
template engine — lookups, a status include and a `reverse` per row — were half the page's
CPU. Same cells as before; every text from the database goes through `escape`."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from kiemdiem.core.rows import ddmmyyyy_hhmm, url_of
from kiemdiem.reviews.models import ReviewStatus, SubjectKind

register = template.Library()

# reviews/includes/status.html's colours
STATUS_STYLE = {
    "draft": "text-bg-secondary",
    "submitted": "text-bg-primary",
    "discussed": "text-bg-info",
    "finalized": "text-bg-success",
    "open": "text-bg-success",
    "closed": "text-bg-dark",
}

REVIEW_ROW_FIELDS = (
    "person_id",
    "unit_id",
    "subject_kind",
    "status",
    "submitted_at",
    "person__full_name",
    "unit__name",
)


@register.simple_tag
def review_rows(reviews) -> SafeString:
    url = url_of("reviews:review-detail")
    kinds = {value: escape(str(label)) for value, label in SubjectKind.choices}
    statuses = {value: escape(str(label)) for value, label in ReviewStatus.choices}
    rows = []
    for r in reviews:
        unit = escape(r.unit.name)
        who = escape(r.person.full_name) if r.person_id else f"Tập thể {unit}"
        status = escape(r.status)
        rows.append(
            f'<tr><td><a href="{url(r.pk)}">{who}</a></td>'
            f'<td class="small">{unit}</td>'
            f'<td class="small">{kinds.get(r.subject_kind) or escape(r.subject_kind)}</td>'
            f'<td class="text-end kd-count">{r.finding_count}</td>'
            f'<td class="small">{ddmmyyyy_hhmm(r.submitted_at) or "—"}</td>'
            f'<td><span class="badge {STATUS_STYLE.get(r.status, "text-bg-light")}" '
            f'data-status="{status}">{statuses.get(r.status) or status}</span></td></tr>'
        )
    return mark_safe("\n".join(rows))  # every text above is escaped


@register.simple_tag
def commitment_rows(people, year) -> SafeString:
    """The commitments roster's rows (commitment_list.html): the member, and their commitment
    of the year or the button to enter it for them."""
    detail = url_of("reviews:commitment-detail")
    create = reverse("reviews:commitment-create")
    rows = []
    for p in people:
        name = escape(p.full_name)
        if p.commitment_id:
            cell = f'<a href="{detail(p.commitment_id)}">Đã có</a>'
        else:
            cell = (
                '<span class="badge text-bg-warning">Chưa có</span> '
                f'<a class="btn btn-sm btn-outline-primary ms-2" '
                f'href="{create}?person={p.pk}&amp;nam={escape(str(year))}">Nhập thay '
                f'<span class="visually-hidden">{name}</span></a>'
            )
        rows.append(f"<tr><td>{name}</td><td>{cell}</td></tr>")
    return mark_safe("\n".join(rows))  # every text above is escaped
