"""Who may take each step of a rating (QĐ 366 Art. 12–13; HD 43 §3).

- Self-assessment: a collective by its own leaders (its committee, its head, its office); a
  member or a leader by themself.
- Appraisal: the organization board (the office grant) of the competent level or a level above
  it, or an appraisal team: a working group (or a committee member) assigned to the rated unit.
  Nobody appraises their own rating.
- Decision and publication: the competent level (`Rating.deciding_unit`): its standing
  committee, head or office acting for it. Nobody decides their own rating.
- Cancel and order a re-rating (Mẫu 03): the committee directly above the competent level.
- Opening a round, exempting a member: the office of the round's scope.
"""

from django.utils.translation import gettext as _

from kiemdiem.classification.models import Rating, RatingRound, SubjectKind
from kiemdiem.core.permissions import ALLOW, Actor, Decision, deny
from kiemdiem.org.models import Unit
from kiemdiem.org.scoping import access_for


def _own(user: Actor, rating: Rating) -> bool:
    access = access_for(user)
    return rating.person_id is not None and access.person_id == rating.person_id


def can_manage_round(user: Actor, round_: RatingRound) -> Decision:
    """Open a round, add or exempt subjects, set peer groups: the office of the scope (or above)."""
    if access_for(user).manages(round_.scope_unit.path):
        return ALLOW
    return deny(
        _("Chỉ văn phòng, ban tổ chức của cấp ủy phụ trách đợt mới được quản lý đợt đánh giá.")
    )


def can_open_round(user: Actor, scope_unit: Unit) -> Decision:
    if access_for(user).manages(scope_unit.path):
        return ALLOW
    return deny(
        _("Chỉ văn phòng, ban tổ chức cấp ủy mới được mở đợt đánh giá, xếp loại cho đơn vị này.")
    )


def can_manage_rating(user: Actor, rating: Rating) -> Decision:
    return can_manage_round(user, rating.round)


def can_self_assess(user: Actor, rating: Rating) -> Decision:
    access = access_for(user)
    if rating.subject_kind in (SubjectKind.MEMBER, SubjectKind.LEADER):
        if access.everything or _own(user, rating):
            return ALLOW
        return deny(_("Chỉ chính đảng viên, cán bộ được đánh giá mới tự đánh giá, xếp loại."))
    if access.everything or rating.unit_id in access.own_unit_ids:
        return ALLOW
    return deny(_("Tập thể tự đánh giá, xếp loại qua cấp ủy, người đứng đầu của chính tập thể đó."))


def can_appraise(user: Actor, rating: Rating) -> Decision:
    access = access_for(user)
    if _own(user, rating):
        return deny(_("Không được thẩm định kết quả xếp loại của chính mình."))
    if access.manages(rating.deciding_unit.path) or access.oversees(rating.unit.path):
        return ALLOW
    return deny(
        _(
            "Chỉ ban tổ chức của cấp có thẩm quyền (hoặc cấp trên), hoặc tổ thẩm định, tổ công "
            "tác được phân công theo dõi đơn vị mới được thẩm định, đề xuất mức xếp loại."
        )
    )


def decides(user: Actor, unit: Unit) -> bool:
    access = access_for(user)
    return access.everything or unit.pk in access.recipient_unit_ids


def can_decide(user: Actor, rating: Rating) -> Decision:
    if _own(user, rating):
        return deny(_("Không được quyết định xếp loại của chính mình."))
    if decides(user, rating.deciding_unit):
        return ALLOW
    return deny(
        _(
            "Cấp có thẩm quyền quyết định xếp loại %(subject)s là %(unit)s (Hướng dẫn 43-HD/BTCTW "
            "mục 3; Quy định 366-QĐ/TW Điều 13): chỉ Ban Thường vụ, người đứng đầu hoặc văn "
            "phòng của cấp đó mới quyết định, công khai."
        )
        % {"subject": rating.subject_label, "unit": rating.deciding_unit}
    )


def can_cancel(user: Actor, rating: Rating) -> Decision:
    """The committee directly above the competent level (QĐ 366 Art. 13)."""
    above = rating.deciding_unit.parent
    if _own(user, rating):
        return deny(_("Không được hủy kết quả xếp loại của chính mình."))
    if access_for(user).everything or (above is not None and decides(user, above)):
        return ALLOW
    return deny(
        _(
            "Chỉ cấp ủy cấp trên trực tiếp của cấp đã quyết định (%(unit)s) mới được hủy kết quả "
            "và quyết định đánh giá, xếp loại lại (Quy định 366-QĐ/TW Điều 13, Mẫu 03)."
        )
        % {"unit": above or rating.deciding_unit}
    )


def can_verify(user: Actor, rating: Rating) -> Decision:
    """Record the verification of complaints before the decision: the committee directly above
    the competent level, or its organization board / inspection committee."""
    access = access_for(user)
    above = rating.deciding_unit.parent or rating.deciding_unit
    if access.manages(above.path) or access.inspects(above.path) or decides(user, above):
        return ALLOW
    return deny(
        _(
            "Việc kiểm tra, xác minh đơn thư, dấu hiệu mất đoàn kết do cấp ủy cấp trên trực tiếp "
            "(ban tổ chức, ủy ban kiểm tra) thực hiện (Quy định 366-QĐ/TW Điều 12)."
        )
    )


def can_comment_temporary(user: Actor, rating: Rating) -> Decision:
    """The temporary cell's comment (HD 43 §7): its leaders, or an office above it."""
    access = access_for(user)
    unit = rating.temporary_unit
    if unit is not None and (
        access.everything or unit.pk in access.own_unit_ids or access.manages(unit.path)
    ):
        return ALLOW
    return deny(
        _("Chỉ chi bộ nơi đảng viên sinh hoạt tạm thời (chi ủy, bí thư) mới ghi nhận xét này.")
    )


def can_record_quarter(user: Actor, rating: Rating) -> Decision:
    """Quarterly results: the competent level of the subject, or the round's office."""
    if _own(user, rating):
        return deny(_("Không được ghi kết quả xếp loại quý của chính mình."))
    if decides(user, rating.deciding_unit) or can_manage_round(user, rating.round):
        return ALLOW
    return deny(
        _("Chỉ cấp có thẩm quyền (%(u)s) hoặc văn phòng của đợt mới ghi kết quả xếp loại quý.")
        % {"u": rating.deciding_unit}
    )
