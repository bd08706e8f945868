"""The commitments roster's rows, rendered in Python (issue 17)."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from kiemdiem.core.rows import url_of

register = template.Library()


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
