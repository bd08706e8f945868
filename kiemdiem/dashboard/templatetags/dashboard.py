"""Template helpers of the dashboard: Vietnamese number format, fast figure cells, detail links."""

import html

from django import template
from django.urls import NoReverseMatch
from django.utils.safestring import SafeString, mark_safe

from kiemdiem.core.jinja import vn_int

register = template.Library()


register.filter("vn_int", vn_int)  # 12345 → "12.345" (core/jinja.py, also the row templates')


@register.simple_tag
def figure_cards(groups: list[dict], unit_url: str) -> SafeString:
    """The unit's figures, one card per group, each figure a link to the rows behind it (with
    its share when it has one). Built as one string like the tables (16 figures through the
    template's loops and filters cost ~1.5 ms a page); labels are escaped, the rest are numbers
    and identifiers."""
    out = []
    for group in groups:
        out.append(
            '<div class="col-md-6 col-xl-3">\n<section class="card h-100"><div class="card-header">'
            f"{html.escape(str(group['label']))}</div>\n"
            '<ul class="list-group list-group-flush">\n'
        )
        for f in group["items"]:
            share = f["share"]
            tail = f' <span class="text-muted small">({share}%)</span>' if share is not None else ""
            out.append(
                '<li class="list-group-item d-flex flex-wrap justify-content-between '
                f'align-items-baseline gap-2">\n<span>{html.escape(str(f["label"]))}</span>\n'
                f'<span class="kd-count"><a class="fw-semibold" href="{unit_url}{f["metric"]}/" '
                f'data-testid="metric-{f["metric"]}">{vn_int(f["value"])}</a>{tail}</span>\n</li>\n'
            )
        out.append("</ul>\n</section>\n</div>\n")
    return mark_safe("".join(out))


@register.filter
def detail_url(obj) -> str:
    """The object's own page, or "" while the app that shows it has no such page yet."""
    get_url = getattr(obj, "get_absolute_url", None)
    if get_url is None:
        return ""
    try:
        return get_url()
    except NoReverseMatch:
        return ""
