from django.contrib import admin

from .models import Complaint, ComplaintItem, ComplaintItemEvent


class ComplaintItemInline(admin.TabularInline):
    model = ComplaintItem
    extra = 0
    fields = ["listing_url", "state", "held_from", "updated_at"]
    readonly_fields = fields


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["pk", "complainant", "platform", "ipr", "reason", "created_at"]
    list_filter = ["platform"]
    search_fields = ["complainant__email", "ipr__number"]
    list_select_related = ["complainant", "ipr"]
    raw_id_fields = ["complainant", "ipr"]
    inlines = [ComplaintItemInline]


@admin.register(ComplaintItemEvent)
class ComplaintItemEventAdmin(admin.ModelAdmin):
    list_display = ["at", "item", "from_state", "to_state", "reason", "actor"]
    list_filter = ["to_state"]
    list_select_related = ["item", "actor"]
    raw_id_fields = ["item", "actor"]
