"""Every arrow of the oversight lifecycles, taken through core.lifecycle: one audit row with the
status codes; a user without the right (an outsider) refused with the reason, nothing written;
a move the table does not have refused. One test walks them all (the fixtures are set up once)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.core.lifecycle import BORN, TransitionNotAllowed, begin
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.oversight.models import (
    Activity,
    Assessment,
    DirectiveTask,
    GroupReport,
    ImplementationPlan,
    ImplementationReport,
    WorkProgramme,
)
from kiemdiem.oversight.states import (
    ACTIVITY,
    ASSESSMENT,
    GROUP_REPORT,
    IMPLEMENTATION,
    IMPLEMENTATION_REPORT,
    PROGRAMME,
    TASK,
)
from kiemdiem.reports.models import ReportPeriod

D = datetime.date
LIFECYCLES = [
    PROGRAMME,
    ACTIVITY,
    ASSESSMENT,
    GROUP_REPORT,
    IMPLEMENTATION,
    TASK,
    IMPLEMENTATION_REPORT,
]


def _factory(oversight, open_cycle, org_tree):
    """lifecycle → a function making an object in a state (unsaved for BORN)."""
    period = ReportPeriod.objects.filter(cycle=open_cycle).order_by("ends_on").first()
    programme = WorkProgramme.objects.create(
        group=oversight.group, title="CT", starts_on=D(2026, 1, 1), ends_on=D(2026, 12, 31)
    )
    plan = ImplementationPlan.objects.create(
        committee=org_tree.province_a, title="KH", directive="NQ 12"
    )

    def make(model, state, **values):
        obj = model(**values)
        if state is not BORN:
            obj.status = state
            obj.save()
        return obj

    return {
        "programme": lambda s: make(
            WorkProgramme,
            s,
            group=oversight.group,
            title="CT2",
            starts_on=D(2026, 1, 1),
            ends_on=D(2026, 12, 31),
        ),
        "activity": lambda s: make(
            Activity,
            s,
            programme=programme,
            unit=org_tree.district_a1,
            kind="urging",
            planned_on=D(2026, 2, 1),
        ),
        "assessment": lambda s: make(
            Assessment,
            s,
            group=oversight.group,
            unit=org_tree.district_a1,
            period=ReportPeriod.objects.create(
                cycle=open_cycle,
                kind="half_year",
                label=f"Kỳ {s}",
                starts_on=period.starts_on,
                ends_on=D(2026, 3, 1 + len(str(s))),
                due_on=D(2026, 4, 1),
            ),
        ),
        "group_report": lambda s: make(
            GroupReport,
            s,
            group=oversight.group,
            kind="half_year",
            year=2000 + GroupReport.objects.count(),
            starts_on=D(2026, 1, 1),
            ends_on=D(2026, 6, 30),
            due_on=D(2026, 7, 15),
        ),
        "implementation_plan": lambda s: make(
            ImplementationPlan, s, committee=org_tree.province_a, title="KH", directive="NQ"
        ),
        "directive_task": lambda s: make(
            DirectiveTask,
            s,
            plan=plan,
            content="NV",
            lead_unit=oversight.board,
            due_date=D(2026, 6, 30),
        ),
        "implementation_report": lambda s: make(
            ImplementationReport,
            s,
            plan=plan,
            kind="year",
            year=2000 + ImplementationReport.objects.count(),
            starts_on=D(2026, 1, 1),
            ends_on=D(2026, 12, 31),
            due_on=D(2027, 1, 15),
        ),
    }


def _take(lifecycle, old, new, obj, by, reason="Lý do ghi nhận"):
    move = begin(obj=obj, to=new, lifecycle=lifecycle, by=by, reason=reason)
    if old is BORN:
        obj.save()
        move.born(changes={})
    else:
        move.apply()


def test_every_arrow_is_audited_and_refused_to_an_outsider(
    oversight, open_cycle, org_tree, outsider
):
    make = _factory(oversight, open_cycle, org_tree)
    walked = 0
    for lifecycle in LIFECYCLES:
        for (old, new), arrow in lifecycle.arrows.items():
            label = f"{lifecycle.name}: {old} → {new}"
            obj = make[lifecycle.name](old)
            before = AuditEvent.objects.count()
            if arrow.can is not None:
                with pytest.raises(PermissionDenied) as refused:
                    _take(lifecycle, old, new, obj, outsider)
                assert str(refused.value), label
                assert AuditEvent.objects.count() == before, label
            _take(lifecycle, old, new, obj, SYSTEM)
            row = AuditEvent.objects.order_by("-id").first()
            assert AuditEvent.objects.count() == before + 1, label
            assert row.object_type == obj._meta.label_lower, label
            if old is BORN:
                assert row.action == AuditAction.CREATE, label
            else:
                assert row.changes == {"status": [old, new]}, label
                assert type(obj).objects.get(pk=obj.pk).status == new, label
            walked += 1
    assert walked == sum(len(lc.arrows) for lc in LIFECYCLES)


def test_moves_the_tables_do_not_have_are_refused(oversight, open_cycle, org_tree):
    make = _factory(oversight, open_cycle, org_tree)
    for lifecycle in LIFECYCLES:
        states = list(lifecycle.labels)
        old, new = next(
            (a, b) for a in states for b in states if (a, b) not in lifecycle.arrows and a != b
        )
        obj = make[lifecycle.name](old)
        before = AuditEvent.objects.count()
        with pytest.raises(TransitionNotAllowed, match="Không thể chuyển"):
            _take(lifecycle, old, new, obj, SYSTEM)
        assert AuditEvent.objects.count() == before
