"""Who may run a cycle, write a review and its shortcomings, record a conference."""

from django.utils.translation import gettext as _

from kiemdiem.core.permissions import ALLOW, Actor, Decision, deny
from kiemdiem.org.models import Membership, Person, Unit
from kiemdiem.org.permissions import can_backdate
from kiemdiem.org.scoping import access_for
from kiemdiem.reviews.models import (
    Commitment,
    Finding,
    FindingSource,
    Review,
    ReviewCycle,
    ReviewDossier,
    ReviewMeeting,
    ReviewSuggestion,
    SuggestionItem,
)

# Shortcomings pointed out from above: those overseeing the unit may record them too.
UPPER_SOURCES = frozenset({FindingSource.UPPER_LEVEL, FindingSource.INSPECTION})


def can_manage_cycle(user: Actor, unit: Unit) -> Decision:
    """Open, edit and close cycles over a unit's subtree: that committee's office."""
    if access_for(user).manages(unit.path):
        return ALLOW
    return deny(_("Chỉ văn phòng/ban tổ chức của cấp ủy này mới được quản lý đợt kiểm điểm."))


def can_run_cycle(user: Actor, cycle: ReviewCycle) -> Decision:
    """Create, open, edit or close this cycle: the office of its scope committee."""
    return can_manage_cycle(user, cycle.scope_unit)


def can_edit_review(user: Actor, review: Review) -> Decision:
    """Collective review: the unit's leaders or office; individual: the person or the leaders."""
    access = access_for(user)
    if review.person_id and access.person_id == review.person_id:
        return ALLOW
    if access.leads(review.unit.path) or access.manages(review.unit.path):
        return ALLOW
    return deny(_("Chỉ người được kiểm điểm hoặc lãnh đạo đơn vị mới được sửa bản kiểm điểm này."))


def can_edit_finding(user: Actor, finding: Finding) -> Decision:
    """A shortcoming is written by whoever writes its review."""
    return can_edit_review(user, finding.review)


def can_add_finding(user: Actor, finding: Finding) -> Decision:
    """Record a shortcoming: whoever writes the review; and, for one pointed out from above (an
    upper level's remark, an inspection), whoever oversees the unit (working group, assigned
    committee member)."""
    decision = can_edit_finding(user, finding)
    if decision or finding.source not in UPPER_SOURCES:
        return decision
    if access_for(user).oversees(finding.unit.path):
        return ALLOW
    return deny(
        _(
            "Chỉ người viết bản kiểm điểm, hoặc tổ công tác, cấp ủy viên được phân công theo dõi "
            "đơn vị, mới được ghi hạn chế, khuyết điểm này."
        )
    )


def can_record_meeting(user: Actor, unit: Unit) -> Decision:
    access = access_for(user)
    if access.leads(unit.path) or access.manages(unit.path):
        return ALLOW
    return deny(_("Chỉ lãnh đạo đơn vị hoặc văn phòng cấp ủy mới được ghi nhận hội nghị."))


def may_record_discipline_about(user: Actor, review: Review) -> bool:
    """Whether the review's subject lies where the user keeps discipline records (a committee
    office or inspection committee over it; an organization only from above): the link from a
    shortcoming to recording its discipline case. The discipline app decides the rest."""
    access = access_for(user)
    if access.everything:
        return True
    path = review.unit.path
    if review.person_id is None:
        return any(path.startswith(p) and path != p for p in access.sensitive_paths)
    return any(path.startswith(p) for p in access.sensitive_paths)


def can_record_meeting_of(user: Actor, meeting: ReviewMeeting) -> Decision:
    """Record or correct this conference: the unit's leaders or its office."""
    return can_record_meeting(user, meeting.unit)


def can_discuss_review(user: Actor, review: Review) -> Decision:
    """Mark a review discussed at its unit's conference: whoever records the conference."""
    return can_record_meeting(user, review.unit)


def can_backdate_review(user: Actor, review: Review) -> Decision:
    """Enter a past conference's outcome from paper records: the office over the unit."""
    return can_backdate(user, review.unit)


# --- suggestions, dossiers, commitments ----------------------------------------------------


def can_suggest_for(user: Actor, issuing_unit: Unit) -> Decision:
    """Issue a suggestion on behalf of `issuing_unit`: its standing committee (a standing post or
    grant on that very committee) or its office (or one above it)."""
    access = access_for(user)
    if access.manages(issuing_unit.path) or issuing_unit.pk in access.recipient_unit_ids:
        return ALLOW
    return deny(
        _(
            "Chỉ Ban Thường vụ hoặc văn phòng, ban tổ chức của cấp ủy cấp trên mới được gợi ý "
            "kiểm điểm."
        )
    )


def can_issue_suggestion(user: Actor, suggestion: ReviewSuggestion) -> Decision:
    """Issue or withdraw this suggestion: its issuing committee."""
    return can_suggest_for(user, suggestion.issuing_unit)


def can_answer_suggestion(user: Actor, item: SuggestionItem) -> Decision:
    """A point is answered in the review it was put to, by whoever writes that review."""
    return can_edit_review(user, item.suggestion.review)


def can_prepare_dossier(user: Actor, dossier: ReviewDossier) -> Decision:
    """Send the dossier for vetting and set the meeting date: the unit's leaders or office."""
    return can_record_meeting(user, dossier.unit)


def can_vet_dossier(user: Actor, dossier: ReviewDossier) -> Decision:
    """Approve or return the dossier: the Organization Board (office) of the committee that
    suggested the review, or one above it; never the unit's own office."""
    if access_for(user).manages(dossier.vetting_unit.path):
        return ALLOW
    return deny(
        _(
            "Chỉ ban tổ chức của cấp ủy đã gợi ý kiểm điểm (%(u)s) hoặc cấp trên mới thẩm định "
            "hồ sơ, nội dung kiểm điểm."
        )
        % {"u": dossier.vetting_unit}
    )


def can_file_commitment(user: Actor, person: Person) -> Decision:
    """A member's commitment is entered by the member, or by the cell (its leaders or the
    offices over it) on their behalf."""
    access = access_for(user)
    if access.everything or access.person_id == person.pk:
        return ALLOW
    cells = Membership.objects.current().filter(person=person).values_list("unit__path", flat=True)
    if any(access.leads(path) or access.manages(path) for path in cells):
        return ALLOW
    return deny(
        _(
            "Đồng chí %(p)s không sinh hoạt trong chi bộ thuộc phạm vi của bạn: chỉ đảng viên đó "
            "hoặc chi bộ, cấp ủy quản lý mới được nhập bản cam kết."
        )
        % {"p": person}
    )


def can_edit_commitment(user: Actor, commitment: Commitment) -> Decision:
    return can_file_commitment(user, commitment.person)
