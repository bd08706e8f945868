"""{% export_button "remediation.plans" %}: the "Xuất Excel" button of a list page.

The button posts the list's name and the page's current filters (its GET parameters, without
the page number), so the workbook holds what the page lists; `extra` adds fixed parameters
(e.g. the cycle and unit of a dashboard drill-down).
"""

from django import template

register = template.Library()


@register.inclusion_tag("exports/includes/button.html", takes_context=True)
def export_button(context, kind: str, label: str = "", **extra) -> dict:
    request = context["request"]
    params = {k: v for k, v in request.GET.items() if k != "page" and v != ""}
    params.update({k: str(v) for k, v in extra.items()})
    return {
        "kind": kind,
        "params": params,
        "next": request.get_full_path(),
        "label": label,
        "csrf_token": context.get("csrf_token"),
    }
