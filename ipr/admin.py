from django.contrib import admin

from .models import IPR, Attachment, ExpiryReminder, IPREvent, NiceClass


class NiceClassInline(admin.TabularInline):
    model = NiceClass
    extra = 0


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    raw_id_fields = ["document"]


class IPREventInline(admin.TabularInline):
    model = IPREvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_status", "to_status", "reason", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # history is written by the services, never by hand


@admin.register(IPR)
class IPRAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "kind", "jurisdiction", "owner_name", "filed_by", "status", "expires_on",
                    "letter_valid_until", "due_on"]
    list_filter = ["status", "kind", "patent_type", "withdrawal_reason", "failure_reason", "jurisdiction"]
    search_fields = ["number", "name", "owner_name", "filed_by__email", "filed_by__complainant_name"]
    list_select_related = ["filed_by"]
    date_hierarchy = "created_at"
    raw_id_fields = ["filed_by", "certificate", "letter", "decided_by"]
    # Status moves go through the services (history, emails, held items): read-only here.
    readonly_fields = ["status", "submitted_at", "due_on", "decided_at", "decided_by", "failure_reason", "failure_note",
                       "withdrawn_at", "withdrawal_reason", "created_at", "updated_at"]
    inlines = [NiceClassInline, AttachmentInline, IPREventInline]


@admin.register(IPREvent)
class IPREventAdmin(admin.ModelAdmin):
    list_display = ["at", "ipr", "action", "from_status", "to_status", "reason", "actor"]
    list_filter = ["action", "reason"]
    search_fields = ["ipr__number", "ipr__filed_by__email"]
    list_select_related = ["ipr", "actor"]
    raw_id_fields = ["ipr", "actor"]


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(admin.ModelAdmin):
    list_display = ["deadline", "subject", "object_id", "days_before", "user", "created_at", "sent_at"]
    list_filter = ["subject", "days_before"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
