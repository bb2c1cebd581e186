from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AccountEvent, IdentityProof, KnownDevice, SoleAccountStatement, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "complainant_name", "role", "identity", "registrant_category", "location", "date_joined", "is_active"]
    list_filter = ["role", "identity", "registrant_category", "is_active", "is_staff"]
    search_fields = ["email", "complainant_name", "contact_email"]
    readonly_fields = ["complainant_key", "agreement_version", "agreement_accepted_at", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Portal"), {"fields": ["role", "complainant_name", "complainant_key", "identity", "registrant_category",
                                  "location", "contact_email", "agreement_version", "agreement_accepted_at"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]})]


@admin.register(IdentityProof)
class IdentityProofAdmin(admin.ModelAdmin):
    list_display = ["user", "document_kind", "status", "submitted_at", "due_on", "decided_by"]
    list_filter = ["status", "document_kind"]
    search_fields = ["user__email", "user__complainant_name", "document_number"]
    list_select_related = ["user", "decided_by"]
    raw_id_fields = ["user", "document", "legal_representative_document", "decided_by"]


@admin.register(SoleAccountStatement)
class SoleAccountStatementAdmin(admin.ModelAdmin):
    list_display = ["user", "complainant_key", "status", "submitted_at", "due_on"]
    list_filter = ["status"]
    search_fields = ["user__email", "complainant_key"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "document", "decided_by"]


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "from_status", "to_status", "reason", "actor"]
    list_filter = ["action"]
    search_fields = ["user__email"]
    list_select_related = ["user", "actor"]
    raw_id_fields = ["user", "actor"]


@admin.register(KnownDevice)
class KnownDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "network", "first_seen", "last_seen"]
    search_fields = ["user__email", "network"]
    list_select_related = ["user"]
