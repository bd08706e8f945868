"""Navigation by role: what the top bar offers to the signed-in user."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    from kiemdiem.org import scoping  # imported late: apps are loaded by then

    access = scoping.access_for(user)
    items = [(_("Trang chủ"), reverse("core:home"))]
    if access.unit_paths or access.everything:
        items.append((_("Cây tổ chức"), reverse("org:unit-tree")))
        items.append((_("Tìm kiếm"), reverse("org:search")))
    if access.can_read_audit:
        items.append((_("Nhật ký"), reverse("core:audit-list")))
    return {"nav_items": items, "access": access}
