"""Navigation by role: what the top bar offers to the signed-in user."""

import functools

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _

from kiemdiem.org.scoping import access_for

# (label, URL name, who sees it: "scope" = anyone with a visible unit, "lead" = whoever leads or
# serves a subtree, "queue" = those and whoever sits in a working group or is assigned to a unit
# (plan recipients are among them), "audit" = audit readers, "office" = a committee office of some
# subtree, or an administrator, "admin" = administrators, "oversight" = working groups, assigned
# members and the units and committees they deal with)
NAV = [
    (_("Việc cần làm"), "home", "all"),
    (_("Chờ tôi thẩm định"), "remediation:queue-appraisal", "queue"),
    (_("Chờ tôi xác nhận"), "remediation:queue-verification", "queue"),
    (_("Kế hoạch khắc phục"), "remediation:plan-list", "scope"),
    (_("Đợt kiểm điểm"), "reviews:cycle-list", "scope"),
    (_("Theo dõi"), "dashboard:cycle-list", "lead"),
    (_("Báo cáo"), "reports:index", "lead"),
    (_("Kỷ luật, tín nhiệm, cam kết"), "reports:records", "scope"),
    (_("Xếp loại chất lượng"), "classification:round-list", "scope"),
    (_("Cây tổ chức"), "org:unit-tree", "scope"),
    (_("Giám sát"), "oversight:index", "oversight"),
    (_("Nhập, xuất dữ liệu"), "transfer:index", "office"),
    (_("Nhật ký"), "audit-list", "audit"),
    (_("Khóa đăng nhập"), "org:lockout-list", "office"),
    (_("Tiến trình nền"), "task-list", "admin"),
]


@functools.lru_cache(maxsize=16)
def _nav_urls(script_prefix: str, urlconf: str) -> dict[str, str]:
    """Each menu entry's URL, reversed once per URL configuration and prefix (15 reversals took
    ~0.4 ms of every page); entries whose app is not installed are left out."""
    urls = {}
    for _label, name, _who in NAV:
        try:
            urls[name] = reverse(name, urlconf=urlconf)
        except NoReverseMatch:  # an app whose pages are not installed
            continue
    return urls


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    access = access_for(user)
    allowed = {
        "all": True,
        "scope": access.everything or bool(access.visible_paths),
        "lead": access.everything or bool(access.unit_paths),
        "audit": access.can_read_audit,
        "office": access.everything or bool(access.office_paths),
        "admin": user.is_superuser,
        "queue": access.everything
        or bool(access.unit_paths or access.group_ids or access.assigned_pairs),
        # working groups, assigned members, and those they report to or oversee
        "oversight": access.everything
        or bool(access.unit_paths or access.group_ids or access.assigned_pairs),
    }
    urls = _nav_urls(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    items = [(label, urls[name]) for label, name, who in NAV if allowed[who] and name in urls]
    return {"nav_items": items, "access": access}
