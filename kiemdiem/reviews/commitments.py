"""Every write to the members' yearly commitments (bản cam kết tu dưỡng, rèn luyện, phấn đấu).

A member commits at the start of the year (or the cell enters it on their behalf); the year-end
self-review assesses each item (rules.md 4). The items are rewritten only until one is
assessed; the assessment is the member's, with the cell's leaders able to enter it for them.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record
from kiemdiem.core.errors import DomainError, full_clean
from kiemdiem.core.models import AuditAction
from kiemdiem.core.permissions import Actor, acting_user, require
from kiemdiem.core.text import normalize_text_block
from kiemdiem.core.versions import require_version, save_if_unchanged
from kiemdiem.org.models import Membership, Person
from kiemdiem.reviews.models import Commitment, CommitmentItem, Fulfilment
from kiemdiem.reviews.permissions import can_edit_commitment, can_file_commitment

MAX_ITEMS = 30


def _items(texts: list[str]) -> list[str]:
    items = [normalize_text_block(t) for t in texts]
    items = [t for t in items if t]
    if not items:
        raise DomainError(_("Phải nêu ít nhất một nội dung cam kết."), field="items")
    if len(items) > MAX_ITEMS:
        raise DomainError(_("Tối đa %(n)s nội dung cam kết.") % {"n": MAX_ITEMS}, field="items")
    return items


def _check_year(year: int) -> None:
    this_year = timezone.localdate().year
    if not 2000 <= year <= this_year + 1:
        raise DomainError(
            _("Năm cam kết phải từ 2000 đến %(y)s.") % {"y": this_year + 1}, field="year"
        )


def _cell_of(person: Person) -> Membership:
    memberships = Membership.objects.current().filter(person=person).select_related("unit")
    # the official cell first ("official" < "temporary")
    membership = memberships.order_by("kind", "-valid_from").first()
    if membership is None:
        raise DomainError(
            _("Đồng chí %(p)s hiện không sinh hoạt ở chi bộ nào.") % {"p": person},
            field="person",
        )
    return membership


@transaction.atomic
def commitment_file(
    *,
    person: Person,
    year: int,
    items: list[str],
    by: Actor,
    filed_on: datetime.date | None = None,
) -> Commitment:
    """A member's commitment for a year, entered by the member or their cell."""
    require(can_file_commitment(by, person))
    _check_year(year)
    texts = _items(items)
    if Commitment.objects.filter(person=person, year=year).exists():
        raise DomainError(
            _("Đồng chí %(p)s đã có bản cam kết năm %(y)s: hãy sửa bản đó.")
            % {"p": person, "y": year},
            field="year",
        )
    today = timezone.localdate()
    filed_on = filed_on or today
    if filed_on > today:
        raise DomainError(_("Ngày cam kết ở tương lai."), field="filed_on")
    cell = _cell_of(person).unit
    commitment = Commitment(
        person=person, year=year, unit=cell, filed_on=filed_on, filed_by=acting_user(by)
    )
    full_clean(commitment, exclude=["filed_by"])
    commitment.save()
    audit_record(
        obj=commitment,
        action=AuditAction.CREATE,
        by=by,
        changes={"year": [None, year], "filed_on": [None, filed_on]},
        unit_path=cell.path,
        person_id=person.pk,
    )
    _write_items(commitment, texts, by=by)
    return commitment


def _write_items(commitment: Commitment, texts: list[str], *, by: Actor, reason: str = "") -> None:
    """Create the items, one audit row each (the commitment's history lists them)."""
    for n, text in enumerate(texts, start=1):
        item = CommitmentItem.objects.create(commitment=commitment, position=n, text=text)
        audit_record(
            obj=item,
            action=AuditAction.CREATE,
            by=by,
            changes={"position": [None, n], "text": [None, text]},
            reason=reason,
            unit_path=commitment.unit.path,
            person_id=commitment.person_id,
        )


@transaction.atomic
def commitment_revise(
    *,
    commitment: Commitment,
    items: list[str],
    by: Actor,
    version: int | None = None,
    reason: str = "",
) -> Commitment:
    """Rewrite the items of a commitment, until one of them has been assessed."""
    require(can_edit_commitment(by, commitment))
    require_version(commitment, version)
    texts = _items(items)
    current = list(commitment.items.all())
    if any(i.fulfilment for i in current):
        raise DomainError(
            _("Đã tự đánh giá việc thực hiện cam kết: không sửa nội dung cam kết được nữa.")
        )
    before = [i.text for i in current]
    if before == texts:
        return commitment
    save_if_unchanged(commitment, version)
    for item in current:
        audit_record(
            obj=item,
            action=AuditAction.DELETE,
            by=by,
            changes={"text": [item.text, None]},
            reason=reason,
            unit_path=commitment.unit.path,
            person_id=commitment.person_id,
        )
    commitment.items.all().delete()
    _write_items(commitment, texts, by=by, reason=reason)
    return commitment


@transaction.atomic
def commitment_assess(
    *,
    item: CommitmentItem,
    fulfilment: str,
    by: Actor,
    note: str = "",
    version: int | None = None,
) -> CommitmentItem:
    """Say how far an item was kept (the year-end self-review); a note says why when it was
    not kept in full."""
    commitment = item.commitment
    require(can_edit_commitment(by, commitment))
    require_version(item, version)
    if fulfilment not in Fulfilment.values:
        raise DomainError(
            _("Hãy chọn: thực hiện tốt, thực hiện một phần hoặc chưa thực hiện."),
            field="fulfilment",
        )
    note = normalize_text_block(note)
    if fulfilment != Fulfilment.FULFILLED and not note:
        raise DomainError(
            _("Hãy ghi chú vì sao chưa thực hiện đầy đủ nội dung cam kết."), field="note"
        )
    before = {"fulfilment": item.fulfilment, "note": item.note}
    if before == {"fulfilment": fulfilment, "note": note}:
        return item
    save_if_unchanged(item, version, fulfilment=fulfilment, note=note, assessed_at=timezone.now())
    item.fulfilment, item.note = fulfilment, note
    audit_record(
        obj=item,
        action=AuditAction.UPDATE,
        by=by,
        changes={
            "fulfilment": [before["fulfilment"], fulfilment],
            "note": [before["note"], note],
        },
        unit_path=commitment.unit.path,
        person_id=commitment.person_id,
    )
    return item
