"""Django admin: changes to logins, groups and permissions go to the audit trail; the login logs
(django-axes) can be read but neither changed nor deleted."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext as _

from kiemdiem.core.audit import audit_record, diff, plain
from kiemdiem.core.models import AuditAction

User = get_user_model()
REASON = "Thay đổi trên trang quản trị"


def snapshot(obj: models.Model) -> dict:
    """Every concrete field (the password only as a mark) and every many-to-many as names."""
    if obj.pk is None:
        return {}
    obj = type(obj)._base_manager.get(pk=obj.pk)
    values = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        values[field.name] = "***" if field.name == "password" else plain(value)
    for field in obj._meta.many_to_many:
        values[field.name] = sorted(str(o) for o in getattr(obj, field.name).all())
    values.pop("last_login", None)
    return values


class AuditedAdmin(admin.ModelAdmin):
    """Writes one audit row per add, change or delete, with before and after of every field
    (many-to-many ones included, read after save_related has saved them)."""

    def save_model(self, request, obj, form, change):
        request._audit_before = snapshot(obj) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_audit_before", {})
        changes = diff(before, snapshot(form.instance))
        if changes or not change:
            audit_record(
                obj=form.instance,
                action=AuditAction.UPDATE if change else AuditAction.CREATE,
                by=request.user,
                changes=changes,
                reason=_(REASON),
            )

    def delete_model(self, request, obj):
        audit_record(
            obj=obj,
            action=AuditAction.DELETE,
            by=request.user,
            changes={k: [v, None] for k, v in snapshot(obj).items()},
            reason=_(REASON),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    pass


class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    pass


class LockoutAdmin(AuditedAdmin, AccessAttemptAdmin):
    """Deleting a failed-attempt counter unlocks a login: allowed, and audited."""

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyLogAdmin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LoginLogAdmin(ReadOnlyLogAdmin, AccessLogAdmin):
    pass


class LoginFailureLogAdmin(ReadOnlyLogAdmin, AccessFailureLogAdmin):
    pass


for model, model_admin in [
    (User, AuditedUserAdmin),
    (Group, AuditedGroupAdmin),
    (AccessAttempt, LockoutAdmin),
    (AccessLog, LoginLogAdmin),
    (AccessFailureLog, LoginFailureLogAdmin),
]:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
