"""The "Khóa đăng nhập" page: locked logins the office may unlock, and the unlock action."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiemdiem.core.errors import DomainError
from kiemdiem.core.page_cache import uncached
from kiemdiem.org.lockouts import locks_for, login_unlock
from kiemdiem.org.scoping import access_for


def _require_office(request: HttpRequest) -> None:
    access = access_for(request.user)
    if not (access.everything or access.office_paths):
        raise PermissionDenied(_("Chỉ văn phòng/ban tổ chức cấp ủy hoặc quản trị hệ thống."))


@login_required
@require_GET
def lockout_list(request: HttpRequest) -> HttpResponse:
    _require_office(request)
    # Locks end by themselves after the cool-off, with nothing written: never a kept page.
    return uncached(render(request, "org/lockout_list.html", {"locks": locks_for(request.user)}))


@login_required
@require_POST
def lockout_unlock(request: HttpRequest) -> HttpResponse:
    _require_office(request)
    username = request.POST.get("username", "")[:150]
    ip = request.POST.get("ip", "")[:45]
    try:
        login_unlock(username=username, ip=ip, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã mở khóa đăng nhập cho %(who)s.") % {"who": username or ip})
    return redirect(reverse("org:lockout-list"))
