"""The notifications page (the bell): a person's notifications, read on opening, and whether
they also come by e-mail."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kiemdiem.core import notifications
from kiemdiem.core.models import Notification


class EmailForm(forms.Form):
    email_enabled = forms.BooleanField(
        label=gettext_lazy("Nhận thông báo qua thư điện tử"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
    unread_only = request.GET.get("chua-doc") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    enabled = notifications.email_enabled(request.user.pk)
    ctx = {
        "page": page,
        "unread_only": unread_only,
        "unread": notifications.unread_count(request.user.pk),
        "email_form": EmailForm(initial={"email_enabled": enabled}),
        "has_address": bool(request.user.email),
    }
    return render(request, "core/notification_list.html", ctx)


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to what it is about."""
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    notifications.mark_read(user_id=request.user.pk, ids=[note.pk])
    target = note.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.mark_read(user_id=request.user.pk)
    messages.success(request, _("Đã đánh dấu %(n)s thông báo là đã đọc.") % {"n": count})
    return redirect("notifications")


@login_required
@require_POST
def notification_settings(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST)
    form.is_valid()
    enabled = bool(form.cleaned_data.get("email_enabled"))
    notifications.set_email(user_id=request.user.pk, enabled=enabled, by=request.user)
    if enabled:
        messages.success(request, _("Thông báo sẽ được gửi cả qua thư điện tử."))
    else:
        messages.success(request, _("Đã tắt thư thông báo; thông báo vẫn hiện trong hệ thống."))
    return redirect("notifications")
