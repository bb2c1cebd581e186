from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Complaint,
    ComplaintEvidence,
    ComplaintItem,
    ComplaintItemEvent,
    CounterNotice,
    DmcaNotice,
    Listing,
    PenaltyEntry,
    Platform,
    Shop,
)
from .selectors import shops_with_points


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    """Each platform's rules are data: admins change windows, the jurisdiction rule and URL shapes here."""

    list_display = ["code", "name", "is_active", "requires_china_rights", "seller_response_days",
                    "complainant_answer_working_days", "penalty_points_per_takedown", "max_listings_per_complaint",
                    "position"]
    list_editable = ["is_active", "requires_china_rights", "seller_response_days", "complainant_answer_working_days",
                     "penalty_points_per_takedown", "max_listings_per_complaint", "position"]
    readonly_fields = ["code"]

    def has_add_permission(self, request):
        return False  # the codes are part of the API; a new marketplace comes with code (its adapter)

    def has_delete_permission(self, request, obj=None):
        return False


class RepeatInfringerFilter(admin.SimpleListFilter):
    title = _("repeat infringer")
    parameter_name = "repeat_infringer"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(repeat_infringer=self.value() == "yes")
        return queryset


class PenaltyEntryInline(admin.TabularInline):
    model = PenaltyEntry
    extra = 0
    fields = ["points", "counted_as", "item", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # points come from takedowns, not by hand


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    """Sellers' shops with their penalty points; those at the threshold (IPP_REPEAT_INFRINGER_POINTS) are flagged."""

    list_display = ["name", "platform", "shop_id", "owner", "points", "repeat_infringer"]
    list_filter = [RepeatInfringerFilter, "platform"]
    search_fields = ["name", "shop_id", "owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    inlines = [PenaltyEntryInline]

    def get_queryset(self, request):
        return shops_with_points()

    @admin.display(description=_("penalty points"), ordering="points")
    def points(self, shop) -> int:
        return shop.points

    @admin.display(description=_("repeat infringer"), boolean=True, ordering="points")
    def repeat_infringer(self, shop) -> bool:
        return shop.repeat_infringer


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["listing_id", "platform", "title", "shop", "category", "status"]
    list_filter = ["platform", "status"]
    search_fields = ["listing_id", "title", "shop__name"]
    list_select_related = ["shop"]
    raw_id_fields = ["shop"]


class ComplaintItemInline(admin.TabularInline):
    model = ComplaintItem
    extra = 0
    fields = ["listing", "listing_url", "state", "held_from", "updated_at"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("listing")  # one query for up to 200 items


class ComplaintEvidenceInline(admin.TabularInline):
    model = ComplaintEvidence
    extra = 0
    readonly_fields = ["document"]
    can_delete = False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["reference", "complainant", "platform", "ipr", "reason", "status", "source", "submitted_at"]
    list_filter = ["platform", "status", "source", "reason"]
    search_fields = ["=id", "complainant__email", "complainant__complainant_name", "ipr__number"]
    list_select_related = ["complainant", "ipr", "platform"]
    raw_id_fields = ["complainant", "ipr"]
    date_hierarchy = "created_at"
    inlines = [ComplaintItemInline, ComplaintEvidenceInline]


@admin.register(DmcaNotice)
class DmcaNoticeAdmin(admin.ModelAdmin):
    list_display = ["pk", "full_name", "email", "status", "complaint"]
    list_filter = ["status"]
    search_fields = ["full_name", "email", "company"]
    raw_id_fields = ["complaint", "decided_by"]


@admin.register(ComplaintItemEvent)
class ComplaintItemEventAdmin(admin.ModelAdmin):
    list_display = ["at", "item", "from_state", "to_state", "reason", "actor"]
    list_filter = ["to_state"]
    list_select_related = ["item", "actor"]
    raw_id_fields = ["item", "actor"]


@admin.register(CounterNotice)
class CounterNoticeAdmin(admin.ModelAdmin):
    list_display = ["item", "seller", "ground", "created_at"]
    list_filter = ["ground"]
    raw_id_fields = ["item", "seller"]


@admin.register(PenaltyEntry)
class PenaltyEntryAdmin(admin.ModelAdmin):
    list_display = ["shop", "points", "counted_as", "created_at"]
    list_select_related = ["shop"]
    search_fields = ["shop__name"]
    raw_id_fields = ["shop", "item"]
