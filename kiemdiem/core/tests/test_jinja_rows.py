"""The Jinja2 environment of the list rows (core/jinja.py): escaping, dates, links as Django
prints them, and the `{% jinja %}` tag."""

import datetime
import zoneinfo

from django.template import Context, Template, engines
from django.template.defaultfilters import date as django_date
from django.urls import reverse
from django.utils import timezone, translation

from kiemdiem.core.jinja import url_of
from kiemdiem.core.models import AuditEvent


def render(source: str, **context) -> str:
    return engines["jinja2"].env.from_string(source).render(**context)


def test_values_are_escaped():
    assert render("<td>{{ name }}</td>", name='<b>"Nguyễn" & Co</b>') == (
        "<td>&lt;b&gt;&#34;Nguyễn&#34; &amp; Co&lt;/b&gt;</td>"
    )


def test_dates_print_as_django_prints_them_in_local_time():
    aware = datetime.datetime(2026, 12, 31, 20, 5, tzinfo=zoneinfo.ZoneInfo("UTC"))
    with timezone.override("Asia/Ho_Chi_Minh"):
        local = timezone.localtime(aware)
        for fmt in ("d/m/Y", "d/m/Y H:i", "H:i d/m/Y", "j F Y"):
            assert render("{{ v|date(f) }}", v=aware, f=fmt) == django_date(local, fmt)
        assert render("{{ v|date }}", v=aware) == "01/01/2027"
    assert render("{{ v|date }}", v=datetime.date(2026, 3, 9)) == "09/03/2026"
    assert render("{{ v|date }}", v=None) == ""


def test_links_are_the_resolvers():
    plan_url = url_of("remediation:plan-detail")
    assert plan_url(8531) == reverse("remediation:plan-detail", args=[8531])
    assert render('{{ url("remediation:plan-detail", 7) }}') == reverse(
        "remediation:plan-detail", args=[7]
    )


def test_translations_go_through_django():
    with translation.override("vi"):
        assert render('{{ _("Trạng thái") }}') == "Trạng thái"


def test_the_tag_renders_a_row_template_escaped_with_codes_read_by_their_labels():
    """{% jinja %} renders a real row template (the audit page's): every stored text escaped,
    dates in local time, a status code by its label."""
    event = AuditEvent(
        at=datetime.datetime(2026, 3, 1, 2, 0, tzinfo=datetime.UTC),
        action="transition",
        object_type="remediation.remediationplan",
        object_repr="Kế hoạch <b>X</b>",
        changes={"status": ["draft", "submitted"], "note": {"a": 1}},
        reason="<script>",
    )
    html = Template(
        '{% load kd %}<table>{% jinja "core/audit_rows.html" rows=rows %}</table>'
    ).render(Context({"rows": [event]}))
    assert html.startswith("<table>\n<tr><td") and html.endswith("</td></tr></table>")
    assert "<b>" not in html and "<script>" not in html and "&lt;script&gt;" in html
    assert ">09:00 01/03/2026<" not in html and ">01/03/2026 09:00<" in html
    assert '<td data-label="Người thực hiện">hệ thống</td>' in html
    assert '<span class="text-muted">Trạng thái</span>: Dự thảo → Chờ thẩm định</div>' in html
    assert ": — → a: 1</div>" in html  # a value that is not a (before, after) pair
