"""bench/profile_pages.py --breakdown: the parts of a page's time it reports add up, Jinja rendered
inside a Django template counts once, and the server's planning and execution come only from
PostgreSQL. (A development tool, but the lead reads its numbers into docs/performance.md.)"""

import datetime
import time

import pytest
from django.db import connection
from django.template import Context, Template
from django.template.base import Template as DjangoTemplate
from django.urls import reverse

from bench.profile_pages import breakdown, explained, markdown_table, timing_parts
from kiemdiem.core.models import AuditEvent


def test_a_page_splits_into_database_templates_and_the_rest(client, office, built_pages):
    client.force_login(office)
    numbers = breakdown(client, reverse("home"), runs=2)

    assert numbers["status"] == 200
    assert numbers["queries"] > 0 and numbers["db"] > 0 and numbers["templates"] > 0
    assert 0 <= numbers["jinja"] <= numbers["templates"]
    assert numbers["rest"] >= 0 and numbers["db"] + numbers["templates"] <= numbers["wall"]
    if connection.vendor == "postgresql":
        assert numbers["explained"] > 0 and numbers["skipped"] == 0
        assert numbers["planning"] > 0 and numbers["execution"] > 0
    else:
        assert numbers["planning"] is None and numbers["execution"] is None
    assert "| home | " in markdown_table({"home": numbers})


def test_jinja_inside_a_django_template_counts_once_and_the_engines_are_restored():
    """The audit page's rows: the {% jinja %} tag's render is inside the Django one, so the
    templates' time is within the block's and Jinja's share within the templates'."""
    event = AuditEvent(at=datetime.datetime(2026, 3, 1, 2, 0, tzinfo=datetime.UTC), action="create")
    template = Template('{% load kd %}<table>{% jinja "core/audit_rows.html" rows=rows %}</table>')
    original = DjangoTemplate.__dict__["_render"]
    with timing_parts(connection) as parts:
        started = time.perf_counter()
        template.render(Context({"rows": [event] * 300}))
        elapsed = (time.perf_counter() - started) * 1000

    assert 0 < parts.jinja <= parts.templates <= elapsed
    assert parts.db == 0 and parts.statements == []
    assert DjangoTemplate.__dict__["_render"] is original


@pytest.mark.django_db
def test_explain_counts_the_statements_it_refuses_and_goes_on():
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN (ANALYZE, SUMMARY) is PostgreSQL's")
    statements = [
        ("SELECT * FROM no_such_table", None, False),
        ("UPDATE django_session SET expire_date = now()", None, False),  # not a read: left out
        ("SELECT %s::int + 1", (1,), False),
        ("(SELECT 1) UNION ALL (SELECT 2)", None, False),  # a union of two querysets
    ]
    planning, execution, done, skipped = explained(connection, statements)
    assert (done, skipped) == (2, 1)
    assert planning >= 0 and execution >= 0
