"""Pages of the organization tree, units and people. Every fetch goes through the scoping layer."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemdiem.core.audit import history_for
from kiemdiem.core.dates import today, vn_date
from kiemdiem.core.forms import PICKER_RESULTS, picker_context, run_service
from kiemdiem.core.models import AuditEvent
from kiemdiem.core.paging import CappedCountPaginator, rows_by_key
from kiemdiem.core.permissions import require
from kiemdiem.core.sorting import natural_key
from kiemdiem.org import selectors, services
from kiemdiem.org.forms import (
    AccessGrantForm,
    AccessRevokeForm,
    MembershipForm,
    PeriodEndForm,
    PersonAccountForm,
    PersonForm,
    PositionForm,
    SearchForm,
    UnitForm,
    UnitMoveForm,
    unit_initial,
    unit_option,
)
from kiemdiem.org.models import Person, Unit, UnitKind
from kiemdiem.org.permissions import (
    can_edit_person,
    can_end_period,
    can_link_person_account,
    can_manage_access,
    can_manage_unit,
    can_move_unit,
)
from kiemdiem.org.scoping import (
    VisibleByKey,
    access_for,
    top_units_of,
    visible_people,
    visible_units,
)

MEMBERS_PER_PAGE = 50


# The unit of a page and of every post on it, if the user may see it (compiled once).
_UNIT = VisibleByKey(lambda: Unit.objects.all(), via="")


def _unit(request: HttpRequest, pk: int) -> Unit:
    return _UNIT(request.user, pk)


def _person(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(visible_people(request.user), pk=pk)


@login_required
def unit_tree(request: HttpRequest) -> HttpResponse:
    roots = sorted(top_units_of(request.user), key=lambda u: natural_key(u.name))
    counts = selectors.subtree_member_counts(roots)  # the same reads for any number of roots
    for root in roots:
        root.member_count = sum(counts[root.pk])
    past = request.GET.get("lich-su") == "1"
    return render(request, "org/unit_tree.html", {"roots": roots, "past": past})


@login_required
def unit_children(request: HttpRequest, pk: int) -> HttpResponse:
    """The children of a unit as tree rows (htmx drill-down)."""
    unit = _unit(request, pk)
    past = request.GET.get("lich-su") == "1"
    children = selectors.children_with_member_counts(unit, include_past=past)
    ctx = {"unit": unit, "children": children, "past": past}
    return render(request, "org/unit_tree.html#children", ctx)


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    access = access_for(request.user)
    around = selectors.unit_surroundings(unit)  # and unit.member_count
    into, out_of = selectors.successions(unit)
    ctx = {
        "unit": unit,
        "ancestors": [a for a in around.ancestors if access.covers(a.path)],
        "leaders": selectors.unit_leaders(unit),
        "children": around.children,
        "past_children": around.past_children,
        "member_total": unit.member_count,
        "members": selectors.unit_members_page(unit, request.GET.get("page"), MEMBERS_PER_PAGE),
        "history": history_for(unit, unit_path=unit.path)[:50],
        # Units before and after a reorganization: links only to those the user may open.
        "successors": [(s.successor, access.covers(s.successor.path)) for s in into],
        "predecessors": [(s.predecessor, access.covers(s.predecessor.path)) for s in out_of],
        "can_manage": can_manage_unit(request.user, unit),
    }
    return render(request, "org/unit_detail.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def unit_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Create a sub-unit under unit `pk`."""
    parent = _unit(request, pk)
    require(can_manage_unit(request.user, parent))
    form = UnitForm(request.POST or None, user=request.user, new=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = run_service(
            form,
            lambda: services.unit_create(
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=parent,
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                admin_code=data["admin_code"],
                reason=data["reason"],
                by=request.user,
            ),
        )
        if unit is not None:
            messages.success(request, _("Đã tạo đơn vị “%(u)s”.") % {"u": unit})
            return redirect(unit)
    return render(request, "org/unit_form.html", {"form": form, "parent": parent, "unit": None})


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    require(can_manage_unit(request.user, unit))
    form = UnitForm(request.POST or None, user=request.user, initial=unit_initial(unit))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        reason = data.pop("reason")
        done = run_service(
            form,
            lambda: services.unit_update(
                unit=unit, by=request.user, expected_version=version, reason=reason, **data
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu thay đổi của đơn vị."))
            return redirect(unit)
    return render(
        request, "org/unit_form.html", {"form": form, "parent": unit.parent, "unit": unit}
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _unit(request, pk)
    require(can_manage_unit(request.user, unit))
    form = UnitMoveForm(request.POST or None, user=request.user, initial={"version": unit.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = can_move_unit(request.user, unit, data["new_parent"])
        if not decision:
            form.add_error("new_parent", decision.reason)
        else:
            done = run_service(
                form,
                lambda: services.unit_move(
                    unit=unit,
                    new_parent=data["new_parent"],
                    by=request.user,
                    expected_version=data["version"],
                    reason=data["reason"],
                ),
            )
            if done is not None:
                messages.success(
                    request, _("Đã chuyển đơn vị sang “%(p)s”.") % {"p": data["new_parent"]}
                )
                return redirect(unit)
    return render(request, "org/unit_move.html", {"form": form, "unit": unit})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    memberships = list(person.memberships.select_related("unit"))
    positions = list(person.positions.select_related("unit"))
    can_edit = can_edit_person(request.user, person, memberships=memberships)
    # Decided here from the loaded units, so the "Kết thúc" buttons cost no query per row.
    for period in [*memberships, *positions]:
        period.can_end = can_end_period(request.user, period, person_decision=can_edit)
    ctx = {
        "person": person,
        "memberships": memberships,
        "positions": positions,
        "history": history_for(person, person_id=person.pk)[:50],
        "can_edit": can_edit,
        "can_link": can_link_person_account(
            request.user, person, memberships=memberships, positions=positions
        ),
    }
    return render(request, "org/person_detail.html", ctx)


def _person_initial(person: Person) -> dict:
    fields = [
        "full_name",
        "birth_date",
        "gender",
        "party_card_number",
        "admission_date",
        "official_date",
    ]
    return {**{f: getattr(person, f) for f in fields}, "version": person.version}


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a new member directly in cell `pk`."""
    cell = _unit(request, pk)
    require(can_manage_unit(request.user, cell))
    form = PersonForm(request.POST or None, user=request.user, new=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")

        person = run_service(
            form,
            lambda: services.person_register(cell=cell, by=request.user, reason=reason, **data),
        )
        if person is not None:
            messages.success(request, _("Đã thêm đảng viên %(p)s.") % {"p": person})
            return redirect(person)
    return render(request, "org/person_form.html", {"form": form, "cell": cell, "person": None})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    require(can_edit_person(request.user, person))
    form = PersonForm(request.POST or None, user=request.user, initial=_person_initial(person))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        reason = data.pop("reason")
        done = run_service(
            form,
            lambda: services.person_update(
                person=person, by=request.user, expected_version=version, reason=reason, **data
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu hồ sơ đảng viên."))
            return redirect(person)
    return render(request, "org/person_form.html", {"form": form, "person": person, "cell": None})


@login_required
@require_http_methods(["GET", "POST"])
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    require(can_edit_person(request.user, person))
    form = MembershipForm(request.POST or None, user=request.user, new=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.membership_add(
                person=person,
                unit=data["unit"],
                kind=data["kind"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                reason=data["reason"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã ghi nhận sinh hoạt đảng."))
            return redirect(person)
    ctx = {"form": form, "person": person, "title": _("Thêm nơi sinh hoạt đảng")}
    return render(request, "org/person_subform.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def position_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    require(can_edit_person(request.user, person))
    form = PositionForm(request.POST or None, user=request.user, new=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.position_add(
                person=person,
                unit=data["unit"],
                role=data["role"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                is_concurrent=data["is_concurrent"],
                reason=data["reason"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, _("Đã ghi nhận chức vụ."))
            return redirect(person)
    ctx = {"form": form, "person": person, "title": _("Thêm chức vụ")}
    return render(request, "org/person_subform.html", ctx)


def _end_period(request: HttpRequest, person: Person, obj, *, end, title: str, done_text):
    """The shared page of membership_end and position_end: a date, a reason, the version."""
    require(can_end_period(request.user, obj))
    form = PeriodEndForm(request.POST or None, user=request.user, initial={"version": obj.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: end(
                valid_to=data["valid_to"],
                expected_version=data["version"],
                reason=data["reason"],
                by=request.user,
            ),
        )
        if done is not None:
            messages.success(request, done_text(vn_date(data["valid_to"])))
            return redirect(person)
    ctx = {"form": form, "person": person, "title": title}
    return render(request, "org/person_subform.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def membership_end(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """End one of the person's memberships (a transfer: end here, then add the new cell)."""
    person = _person(request, pk)
    membership = get_object_or_404(person.memberships.select_related("unit"), pk=item)
    return _end_period(
        request,
        person,
        membership,
        end=functools.partial(services.membership_end, membership=membership),
        title=_("Kết thúc sinh hoạt tại “%(u)s”") % {"u": membership.unit},
        done_text=lambda day: (
            _("Đã kết thúc sinh hoạt tại “%(u)s” ngày %(d)s.") % {"u": membership.unit, "d": day}
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def position_end(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """End one of the person's posts."""
    person = _person(request, pk)
    position = get_object_or_404(person.positions.select_related("unit"), pk=item)
    role = position.get_role_display()
    return _end_period(
        request,
        person,
        position,
        end=functools.partial(services.position_end, position=position),
        title=_("Kết thúc chức vụ %(r)s tại “%(u)s”") % {"r": role, "u": position.unit},
        done_text=lambda day: _("Đã kết thúc chức vụ %(r)s ngày %(d)s.") % {"r": role, "d": day},
    )


def _access_page(request: HttpRequest, unit: Unit, form: AccessGrantForm) -> HttpResponse:
    grants = unit.access_grants.select_related("user", "user__person").order_by(
        "role", "user__username"
    )
    ctx = {"unit": unit, "form": form, "grants": grants, "today": timezone.localdate()}
    return render(request, "org/unit_access.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def unit_access(request: HttpRequest, pk: int) -> HttpResponse:
    """The roles given on a unit (committee office, standing committee, head): list and grant."""
    unit = _unit(request, pk)
    require(can_manage_access(request.user, unit))
    form = AccessGrantForm(request.POST or None, user=request.user, new=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grant = run_service(
            form,
            lambda: services.access_grant(
                user=data["account"],
                unit=unit,
                role=data["role"],
                reason=data["reason"],
                by=request.user,
            ),
        )
        if grant is not None:
            messages.success(
                request,
                _("Đã giao quyền %(r)s cho “%(u)s”.")
                % {"r": grant.get_role_display(), "u": grant.user.get_username()},
            )
            return redirect("org:unit-access", pk=unit.pk)
    return _access_page(request, unit, form)


@login_required
@require_POST
def access_revoke(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    unit = _unit(request, pk)
    grant = get_object_or_404(unit.access_grants.select_related("user", "unit"), pk=item)
    require(can_manage_access(request.user, unit))
    form = AccessRevokeForm(request.POST, user=request.user)
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.access_revoke(
                grant=grant,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Đã thu hồi quyền %(r)s của “%(u)s”.")
                % {"r": grant.get_role_display(), "u": grant.user.get_username()},
            )
            return redirect("org:unit-access", pk=unit.pk)
    for error in form.non_field_errors():
        messages.error(request, error)
    return redirect("org:unit-access", pk=unit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def person_account(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a login to the person, or remove the link."""
    person = _person(request, pk)
    require(can_link_person_account(request.user, person))
    initial = {"version": person.version, "account": person.user.username if person.user else ""}
    form = PersonAccountForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form,
            lambda: services.person_link_user(
                person=person,
                user=data["account"],
                by=request.user,
                expected_version=data["version"],
                reason=data["reason"],
            ),
        )
        if done is not None:
            messages.success(request, _("Đã lưu tài khoản đăng nhập của đảng viên."))
            return redirect(person)
    ctx = {"form": form, "person": person, "title": _("Tài khoản đăng nhập")}
    return render(request, "org/person_subform.html", ctx)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    units = people = None
    query = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        query = form.cleaned_data["q"]
        units = selectors.units_search(visible_units(request.user), query)[:30]
        people = selectors.people_search(visible_people(request.user), query)[:50]
    template = "org/search.html#results" if request.htmx else "org/search.html"
    return render(request, template, {"form": form, "units": units, "people": people, "q": query})


@login_required
@require_GET
def unit_picker(request: HttpRequest) -> HttpResponse:
    """Results of a unit picker (htmx): units of the `within` subtree that the user can see,
    by name, accents ignored; the current choice stays first."""
    ctx = picker_context(request)
    units = visible_units(request.user).valid_on(today())
    within = (
        units.filter(pk=request.GET.get("within", "")).first()
        if request.GET.get("within", "").isdigit()
        else None
    )
    if within is None:
        ctx.update(
            refused=True,
            message=_("Không tìm trong đơn vị này được: đơn vị không thuộc phạm vi của đồng chí."),
        )
        return render(request, "includes/picker_options.html", ctx)
    inside = units.filter(path__startswith=within.path)
    kinds = [k for k in request.GET.get("kinds", "").split(",") if k in UnitKind.values]
    if kinds:  # e.g. only cells, for a membership
        inside = inside.filter(kind__in=kinds)
    chosen = request.GET.get(ctx["name"], "")
    selected = inside.filter(pk=chosen).first() if chosen.isdigit() else None
    if ctx["query"]:
        found = list(selectors.units_search(inside, ctx["query"])[:PICKER_RESULTS])
        if not found:
            ctx["message"] = _(
                "Không có đơn vị nào tên như “%(q)s” trong %(u)s và các đơn vị trực thuộc."
            ) % {"q": ctx["query"], "u": within.name}
    else:
        found = [within, *selectors.unit_children_sorted(within)][:PICKER_RESULTS]
    ctx["selected"] = unit_option(selected) if selected else None
    ctx["options"] = [unit_option(u) for u in found if u != selected]
    return render(request, "includes/picker_options.html", ctx)


# --- the audit trail ---------------------------------------------------------------------

AUDIT_PER_PAGE = 50
# The page's rows by key, compiled once: the scoped query compiled for them in 1.8 ms (issue 17).
_AUDIT_ROWS = rows_by_key(AuditEvent, selectors.audit_rows)


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit trail, filtered by unit subtree, person, actor and dates; scoped to the user."""
    access = access_for(request.user)
    if not access.can_read_audit:
        raise PermissionDenied(_("Bạn không có quyền xem nhật ký."))
    found = selectors.audit_filtered(request.user, request.GET)
    # At most paging.COUNT_CAP rows counted (a province's whole trail took 44–150 ms per load).
    paginator = CappedCountPaginator(found.events, AUDIT_PER_PAGE, rows=_AUDIT_ROWS)
    page = paginator.get_page(request.GET.get("page"))
    ctx = {"page": page, "errors": found.errors, "filters": request.GET, "unit": found.unit}
    return render(request, "org/audit_list.html", ctx)
