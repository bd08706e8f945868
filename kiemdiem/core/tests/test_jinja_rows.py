"""The Jinja2 environment of the list rows (core/jinja.py): escaping, dates, links as Django
prints them, and the `{% jinja %}` tag."""

import datetime
import zoneinfo

from django.template import Context, Template, engines
from django.template.defaultfilters import date as django_date
from django.urls import reverse
from django.utils import timezone, translation

from kiemdiem.core.jinja import url_of


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


def test_the_tag_renders_a_row_template_safely():
    page = Template(
        '{% load kd %}<table>{% jinja "core/example_rows.html" rows=rows %}</table>'
    ).render(Context({"rows": [{"name": "<script>"}]}))
    assert page == "<table><tr><td>&lt;script&gt;</td></tr></table>"
