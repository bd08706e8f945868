import datetime

import pytest
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.utils import timezone

from kiemdiem.core.templatetags.fastdate import DATE_FORMATS, DATETIME_FORMATS

VALUES = [
    datetime.date(2026, 1, 5),
    datetime.date(987, 12, 31),
    datetime.datetime(2026, 11, 30, 23, 59, tzinfo=datetime.UTC),  # the next day in Hà Nội
    datetime.datetime(2026, 3, 4, 7, 8),
    None,
    "",
]


@pytest.mark.parametrize("fmt", [*DATE_FORMATS, *DATETIME_FORMATS, "H:i:s d/m/Y", "j F Y"])
def test_the_date_filter_in_templates_prints_what_django_prints(fmt):
    template = engines["django"].from_string(f'{{{{ v|date:"{fmt}" }}}}')
    for value in VALUES:
        local = (
            timezone.localtime(value)
            if isinstance(value, datetime.datetime) and timezone.is_aware(value)
            else value
        )
        assert outcome(template.render, {"v": value}) == outcome(django_date, local, fmt), value


def outcome(fn, *args):
    """What the call gives: its text, or the kind of error (a date has no hours)."""
    try:
        return fn(*args)
    except TypeError as error:
        return type(error)


def test_choice_labels_come_from_the_cache_and_equal_djangos():
    from django.db.models import Model
    from django.utils import translation

    from kiemdiem.core.models import AuditAction, AuditEvent
    from kiemdiem.reviews.models import Review, ReviewStatus

    cases = (
        [(Review(status=s), "status") for s in [*ReviewStatus.values, "unknown"]]
        + [(AuditEvent(action=a), "action") for a in AuditAction.values]
        + [(Review(), "subject_kind")]
    )
    for language in ("vi", "en"):
        with translation.override(language):
            for obj, name in cases:
                field = obj._meta.get_field(name)
                assert obj._get_FIELD_display(field) == Model._get_FIELD_display(obj, field)
    assert Review(status="draft").get_status_display() == "Dự thảo"


def test_vn_date_prints_what_djangos_short_date_format_prints():
    from django.utils import formats

    from kiemdiem.core.dates import vn_date

    for value in [datetime.date(2026, 1, 5), datetime.date(987, 12, 31), VALUES[3]]:
        assert vn_date(value) == formats.date_format(value, "SHORT_DATE_FORMAT")
    assert vn_date(None) == ""
