"""The audit trail's scope (org.scoping.audit_in_subtrees) reads the same rows whether the
subtree counts as small (its unit ids written into the query) or as large (each row tested
through the unit's primary key and the person's memberships and posts, issue 17: the national
tree)."""

from kiemdiem.core.audit import audit_record
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import scoping, services
from kiemdiem.org.tests.factories import PersonFactory


def _row(write) -> int:
    """The id of the audit row `write()` appends."""
    write()
    return AuditEvent.objects.latest("id").pk


def test_a_large_subtree_reads_the_same_rows_as_a_small_one(org_tree, office, monkeypatch):
    inside, outside = org_tree.members_a1[1], org_tree.member_b1
    wanted = {
        _row(lambda: services.unit_update(unit=org_tree.cell_a1, by=office, name="Tổ Toán 1")),
        # a person's own record written without a unit: theirs through their cell
        _row(lambda: audit_record(obj=inside, action="update", by=SYSTEM, person_id=inside.pk)),
        # a bulk write known by its path
        _row(
            lambda: audit_record(
                obj=org_tree.cell_a1b, action="update", by=SYSTEM, unit_path=org_tree.cell_a1b.path
            )
        ),
    }
    unwanted = {
        _row(lambda: services.unit_update(unit=org_tree.cell_b1, by=SYSTEM, name="Khối phố 1A")),
        _row(lambda: audit_record(obj=outside, action="update", by=SYSTEM, person_id=outside.pk)),
        # a person in no cell yet: in no office's trail
        _row(lambda: audit_record(obj=PersonFactory(), action="create", by=SYSTEM)),
    }

    def shown() -> set[int]:
        rows = scoping.scope_audit(AuditEvent.objects.all(), office)
        return set(rows.values_list("pk", flat=True))

    small = shown()
    assert wanted <= small and not unwanted & small
    monkeypatch.setattr(scoping, "SMALL_SUBTREE", 0)  # every subtree is large now
    assert shown() == small
