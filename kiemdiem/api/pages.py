"""The user's API tokens page: create (the key is shown once) and revoke."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from kiemdiem.api import services
from kiemdiem.api.models import ApiToken
from kiemdiem.core.forms import StyledForm, run_service


class TokenForm(StyledForm):
    name = forms.CharField(
        label=_("Tên gợi nhớ (hệ thống nào dùng mã này)"),
        max_length=100,
        error_messages={"required": _("Phải đặt tên gợi nhớ cho mã truy cập.")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        created = run_service(
            form, lambda: services.token_create(user=request.user, name=form.cleaned_data["name"])
        )
        if created is not None:
            new_key = created[1]
            form = TokenForm()
    ctx = {
        "form": form,
        "new_key": new_key,
        "tokens": ApiToken.objects.filter(user=request.user),
    }
    return render(request, "api/tokens.html", ctx)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # another's token: 404
    services.token_revoke(token=token, by=request.user)
    return redirect("account:tokens")
