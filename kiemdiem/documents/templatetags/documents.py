"""{% document_actions "ke-hoach-khac-phuc" plan %}: the document row of an object's page —
"Tải DOCX" (the draft, or the issued copy), and for the office "Cấp số và phát hành…", which
opens the form with the signers (documents.views.document_issue: read only then); once issued,
its number and the register."""

from typing import Any

from django import template

from kiemdiem.documents.kinds import kind_of
from kiemdiem.documents.services import issue_decision, issued_copy
from kiemdiem.org.scoping import access_for

register = template.Library()


@register.inclusion_tag("documents/includes/actions.html", takes_context=True)
def document_actions(context: Any, code: str, obj: Any) -> dict[str, Any]:
    kind = kind_of(code)
    request = context["request"]
    unit = kind.unit_of(obj)
    issued = issued_copy(kind, obj)
    # once issued, no permission to read: the button is gone either way
    may_issue = issued is None and bool(
        issue_decision(kind=kind, obj=obj, by=request.user, issued=issued)
    )
    return {
        # the register and the templates are pages of the unit: for those who see it
        "sees_unit": access_for(request.user).covers(unit.path),
        "kind": kind,
        "obj": obj,
        "unit": unit,
        "issued": issued,
        "may_issue": may_issue,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
