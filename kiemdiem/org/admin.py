"""Django admin: read-only views of the tree for administrators; access grants are audited."""

from django.contrib import admin

from kiemdiem.core.audit import audit_record
from kiemdiem.core.models import AuditAction
from kiemdiem.org.models import AccessGrant, Person, Unit


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes to the tree go through the app's pages and services (validated and audited)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "valid_from", "valid_to"]
    search_fields = ["code", "search_text"]
    list_filter = ["kind"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "party_card_number", "birth_date"]
    search_fields = ["search_text", "party_card_number"]


@admin.register(AccessGrant)
class AccessGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "valid_from", "valid_to"]
    raw_id_fields = ["user", "unit"]
    list_filter = ["role"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changes = {f: [form.initial.get(f), form.cleaned_data.get(f)] for f in form.changed_data}
        action = AuditAction.UPDATE if change else AuditAction.CREATE
        audit_record(
            obj=obj, action=action, by=request.user, changes=changes, unit_path=obj.unit.path
        )

    def delete_model(self, request, obj):
        audit_record(obj=obj, action=AuditAction.DELETE, by=request.user, unit_path=obj.unit.path)
        super().delete_model(request, obj)

    def get_actions(self, request):
        # The bulk delete action would skip delete_model and so the audit trail.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions
