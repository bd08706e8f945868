"""Home page and the audit trail page."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kiemdiem.core.forms import VnDateField
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.text import fold
from kiemdiem.org.models import Person, Unit
from kiemdiem.org.scoping import access_for, audit_in_subtrees, scope_audit, top_units


@login_required
def home(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    person = Person.objects.filter(user=request.user).first()
    ctx = {"access": access, "person": person, "roots": top_units(request.user).order_by("name")}
    return render(request, "core/home.html", ctx)


def _parse_date(value: str) -> datetime.date | None:
    try:
        return VnDateField().clean(value) if value else None
    except Exception:  # noqa: BLE001 - a bad filter date is ignored with a message
        return None


ACTOR_WORDS = 8


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit trail, filtered by unit subtree, person, actor and dates; scoped to the user."""
    access = access_for(request.user)
    if not access.can_read_audit:
        raise PermissionDenied(_("Bạn không có quyền xem nhật ký."))
    events = scope_audit(AuditEvent.objects.select_related("actor"), request.user)
    errors: list[str] = []
    unit_code = request.GET.get("unit", "").strip().upper()
    unit = None
    if unit_code:
        unit = Unit.objects.visible_to(request.user).filter(code=unit_code).first()
        if unit is None:
            errors.append(
                _("Không tìm thấy đơn vị có mã “%(c)s” trong phạm vi của bạn.") % {"c": unit_code}
            )
        else:
            events = audit_in_subtrees(events, (unit.path,))
    person_id = request.GET.get("person", "").strip()
    if person_id:
        if (
            person_id.isdigit()
            and Person.objects.visible_to(request.user).filter(pk=person_id).exists()
        ):
            events = events.filter(person_id_ref=int(person_id))
        else:
            errors.append(_("Không tìm thấy đảng viên này trong phạm vi của bạn."))
    actor = request.GET.get("actor", "").strip()
    words = fold(actor).split()
    if len(words) > ACTOR_WORDS or len(actor) > 150:
        # A name has a few words; hundreds would make a query SQLite refuses to build.
        errors.append(_("Tên người thực hiện quá dài: nhập tối đa %(n)s từ.") % {"n": ACTOR_WORDS})
    elif actor:
        # The name is matched accent-free, as the search does: "Nguyễn" and "nguyen" both find.
        name = Q()
        for word in words:
            name &= Q(person__search_text__contains=word)
        users = get_user_model().objects.filter(Q(username__iexact=actor) | name)
        events = events.filter(actor__in=users)
    for key, lookup in (("from", "at__date__gte"), ("to", "at__date__lte")):
        raw = request.GET.get(key, "").strip()
        if raw:
            day = _parse_date(raw)
            if day is None:
                errors.append(_("Ngày “%(d)s” không hợp lệ: hãy nhập dd/mm/yyyy.") % {"d": raw})
            else:
                events = events.filter(**{lookup: day})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    ctx = {"page": page, "errors": errors, "filters": request.GET, "unit": unit}
    return render(request, "core/audit_list.html", ctx)
