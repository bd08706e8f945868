"""The user's API tokens page: create (the key is shown once) and revoke."""

import functools
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from drf_spectacular.generators import SchemaGenerator

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


@functools.cache
def _reference() -> list[dict[str, Any]]:
    """The OpenAPI schema as sections a person reads: per resource, each operation with its
    method, path, summary, query parameters, body fields and answers (built once per process)."""
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})
    sections: dict[str, list[dict[str, Any]]] = {}
    for path, operations in schema.get("paths", {}).items():
        for method, op in operations.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            resource = path.removeprefix("/api/v1/").split("/")[0] or "api"
            body = (op.get("requestBody") or {}).get("content", {})
            body_ref = next(iter(body.values()), {}).get("schema", {}).get("$ref", "")
            fields = components.get(body_ref.rsplit("/", 1)[-1], {}).get("properties", {})
            sections.setdefault(resource, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": (op.get("description") or op.get("summary") or "").strip(),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": {"query": "?", "header": "tiêu đề", "path": "đường dẫn"}.get(
                                p.get("in", ""), p.get("in", "")
                            ),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "fields": [
                        {"name": name, "description": spec.get("description", "")}
                        for name, spec in fields.items()
                        if not spec.get("readOnly")
                    ],
                    "answers": sorted(op.get("responses", {})),
                }
            )
    return [{"resource": name, "operations": ops} for name, ops in sorted(sections.items())]


def reference(request: HttpRequest) -> HttpResponse:
    """The API reference as an ordinary, accessible page (the schema is at /api/v1/schema/)."""
    return render(request, "api/reference.html", {"sections": _reference()})
