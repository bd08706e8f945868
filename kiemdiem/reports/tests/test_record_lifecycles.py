"""The lifecycles of the records that feed the rating (discipline cases, confidence polls,
suggestions, review dossiers): each table holds exactly the moves the domain allows, and every
arrow, taken through core.lifecycle, writes its audit row, while a user without the right, a
missing reason or a move the table lacks changes and audits nothing.

The objects are put in the arrow's starting state directly: this tests the tables, not the
services' own rules (those are in each app's test_services)."""

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.confidence.models import ConfidencePoll, PollStatus
from kiemdiem.confidence.states import POLL
from kiemdiem.core.errors import DomainError
from kiemdiem.core.lifecycle import BORN, GONE, TransitionNotAllowed, begin
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.discipline.models import DisciplineCase, DisciplineStatus
from kiemdiem.discipline.states import CASE
from kiemdiem.reviews.models import (
    DossierStatus,
    Review,
    ReviewDossier,
    ReviewSuggestion,
    SuggestionStatus,
)
from kiemdiem.reviews.states import DOSSIER, SUGGESTION

D = datetime.date
LIFECYCLES = [CASE, POLL, SUGGESTION, DOSSIER]

EXPECTED = {
    "discipline": {
        (BORN, "proposed"),
        (BORN, "decided"),
        ("proposed", "decided"),
        ("proposed", "dropped"),
        ("decided", "appealed"),
        ("appealed", "upheld"),
        ("appealed", "changed"),
        ("appealed", "annulled"),
        ("decided", "annulled"),
        ("upheld", "annulled"),
        ("changed", "annulled"),
    },
    "confidence_poll": {(BORN, "draft"), ("draft", "finalized"), ("finalized", "draft")},
    "suggestion": {(BORN, "issued"), ("issued", "withdrawn")},
    "dossier": {
        (BORN, "preparing"),
        ("preparing", "pending"),
        ("returned", "pending"),
        ("pending", "returned"),
        ("pending", "approved"),
        ("approved", "preparing"),
    },
}
# Arrows that need a reason: dropping a proposal, every change after an appeal but upholding,
# annulling, reopening a finalized poll, withdrawing a suggestion, returning a dossier.
NEED_REASON = {
    ("discipline", "proposed", "dropped"),
    ("discipline", "appealed", "changed"),
    ("discipline", "appealed", "annulled"),
    ("discipline", "decided", "annulled"),
    ("discipline", "upheld", "annulled"),
    ("discipline", "changed", "annulled"),
    ("confidence_poll", "finalized", "draft"),
    ("suggestion", "issued", "withdrawn"),
    ("dossier", "pending", "returned"),
}
# No user decides these: the dossier opens with the unit's first suggestion, and goes back to
# preparation when a new one arrives after its approval (the suggestion's issuer was checked).
SYSTEM_ARROWS = {("dossier", BORN, "preparing"), ("dossier", "approved", "preparing")}


def _states(lifecycle) -> list:
    return [BORN, *lifecycle.labels, GONE]


@pytest.mark.parametrize(
    ("lifecycle", "old", "new"),
    [(lc, a, b) for lc in LIFECYCLES for a, b in itertools.product(_states(lc), repeat=2)],
    ids=lambda v: getattr(v, "name", None) or str(v or "·"),
)
def test_each_table_holds_exactly_the_allowed_moves(lifecycle, old, new):
    assert ((old, new) in lifecycle.arrows) == ((old, new) in EXPECTED[lifecycle.name])


def test_reasons_and_system_arrows():
    for lifecycle in LIFECYCLES:
        for (old, new), arrow in lifecycle.arrows.items():
            key = (lifecycle.name, old, new)
            assert bool(arrow.reason) == (key in NEED_REASON), key
            assert (arrow.can is None) == (key in SYSTEM_ARROWS), key


@pytest.fixture
def make(org_tree, open_cycle):
    """lifecycle name → a function making an object in a state (unsaved for BORN)."""
    review = Review.objects.get(cycle=open_cycle, unit=org_tree.cell_a1, person__isnull=True)
    n = itertools.count(1)

    def place(obj, state):
        if state is not BORN:
            obj.status = state
            obj.save()
        return obj

    def case(state):
        k = next(n)
        return place(
            DisciplineCase(
                subject_kind="individual",
                unit=org_tree.cell_a1,
                person=org_tree.members_a1[0],
                violation=f"Vi phạm số {k}",
                violation_key=f"vi pham so {k}",
                violation_on=D(2025, 9, 1),
                violation_area="discipline",
                deciding_unit=org_tree.grassroots_a1,
                authority="inspection",
                form="warning",
                decision_number=f"{k}-QĐ",
                decided_on=D(2025, 10, 1),
            ),
            state,
        )

    def poll(state):
        return place(
            ConfidencePoll(
                title=f"Lấy phiếu {next(n)}",
                body_unit=org_tree.grassroots_a1,
                held_on=D(2025, 11, 20),
                year=2025,
                convened_count=9,
                present_count=9,
                low_share_base="valid_ballots",
            ),
            state,
        )

    def suggestion(state):
        return place(
            ReviewSuggestion(
                review=review,
                cycle=open_cycle,
                unit=review.unit,
                issuing_unit=org_tree.grassroots_a1,
                document_number=f"{next(n)}-CV/ĐU",
                document_date=D(2026, 1, 5),
                grounds=["disunity"],
            ),
            state,
        )

    def dossier(state):
        ReviewDossier.objects.filter(cycle=open_cycle, unit=org_tree.cell_a1).delete()
        return place(
            ReviewDossier(
                cycle=open_cycle, unit=org_tree.cell_a1, vetting_unit=org_tree.grassroots_a1
            ),
            state,
        )

    return {
        "discipline": case,
        "confidence_poll": poll,
        "suggestion": suggestion,
        "dossier": dossier,
    }


def _take(lifecycle, old, new, obj, by, reason="Lý do ghi nhận"):
    move = begin(obj=obj, to=new, lifecycle=lifecycle, by=by, reason=reason)
    if old is BORN:
        obj.save()
        move.born(changes={})
    else:
        move.apply()


def test_every_arrow_is_audited_and_refused_to_an_outsider(make, outsider):
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
            if arrow.reason:
                with pytest.raises(DomainError):
                    _take(lifecycle, old, new, obj, SYSTEM, reason="  ")
                assert AuditEvent.objects.count() == before, label
            _take(lifecycle, old, new, obj, SYSTEM)
            assert AuditEvent.objects.count() == before + 1, label
            row = AuditEvent.objects.order_by("-id").first()
            assert row.object_type == obj._meta.label_lower, label
            if old is BORN:
                assert row.action == AuditAction.CREATE, label
            else:
                assert row.changes == {"status": [old, new]}, label
                assert type(obj).objects.get(pk=obj.pk).status == new, label
            walked += 1
    assert walked == sum(len(lc.arrows) for lc in LIFECYCLES) == 22


@pytest.mark.parametrize(
    ("lifecycle", "old", "new"),
    [
        (CASE, DisciplineStatus.DROPPED, DisciplineStatus.DECIDED),
        (CASE, DisciplineStatus.ANNULLED, DisciplineStatus.DECIDED),
        (CASE, DisciplineStatus.PROPOSED, DisciplineStatus.APPEALED),
        (POLL, PollStatus.FINALIZED, PollStatus.FINALIZED),
        (SUGGESTION, SuggestionStatus.WITHDRAWN, SuggestionStatus.ISSUED),
        (DOSSIER, DossierStatus.PREPARING, DossierStatus.APPROVED),
        (DOSSIER, DossierStatus.RETURNED, DossierStatus.APPROVED),
    ],
    ids=lambda v: getattr(v, "name", None) or str(v),
)
def test_moves_the_tables_do_not_have_are_refused(make, lifecycle, old, new):
    obj = make[lifecycle.name](old)
    before = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed, match="Không thể chuyển"):
        _take(lifecycle, old, new, obj, SYSTEM)
    assert AuditEvent.objects.count() == before
    assert type(obj).objects.get(pk=obj.pk).status == old
