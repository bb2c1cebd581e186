from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
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
    """Read-only here: a platform's settings change on the admin area's page (``admin_platform_edit``), the one write
    that refuses an edit made over someone else's (``platform_settings.platform_settings_update``) and records every
    field's old and new value."""

    list_display = ["code", "name", "edit_link", "is_active", "seller_response_days", "complainant_answer_working_days",
                    "requires_china_rights"]

    @admin.display(description=_("Admin area"))
    def edit_link(self, platform):
        return format_html('<a href="{}">{}</a>', reverse("admin_platform_edit", args=[platform.pk]), _("Edit"))

    def has_add_permission(self, request):
        return False  # the codes are part of the API; a new marketplace comes with code (its adapter)

    def has_change_permission(self, request, obj=None):
        return False

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
    list_select_related = ["owner", "platform"]
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
    list_display = ["listing_id", "platform", "title", "shop", "category", "status", "listed_on", "updated_at"]
    list_filter = ["platform", "status"]
    search_fields = ["=listing_id", "title", "shop__name", "shop__shop_id", "url"]
    list_select_related = ["platform", "shop"]
    raw_id_fields = ["shop"]
    readonly_fields = ["updated_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """The workflow's records: complaints, their items and every move, counter-notices, DMCA notices and penalty
    points change through the portal's services (the state machine, its audit rows and side effects), never by
    hand. Staff see them here as they are."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ComplaintItemInline(ReadOnlyInline):
    model = ComplaintItem
    fields = ["listing", "listing_url", "state", "held_from", "respond_by", "answer_by", "decided_at", "updated_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("listing")  # one query for up to 200 items


class ComplaintEvidenceInline(ReadOnlyInline):
    model = ComplaintEvidence
    fields = readonly_fields = ["document"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("document")


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["reference", "complainant", "platform", "ipr", "reason", "status", "source", "listings",
                    "submitted_at"]
    list_filter = ["status", "platform", "source", "reason"]
    search_fields = ["=id", "complainant__email", "complainant__complainant_name", "ipr__number", "ipr__name",
                     "dmca__full_name", "dmca__email"]
    list_select_related = ["complainant", "ipr", "platform"]
    date_hierarchy = "submitted_at"
    inlines = [ComplaintItemInline, ComplaintEvidenceInline]

    def get_queryset(self, request):
        # Counted per row shown: a Count("items") join grouped all 200,000 complaints and their million items
        # before taking a page (2 s; docs/benchmarks.md).
        listings = (ComplaintItem.objects.filter(complaint=OuterRef("pk")).order_by().values("complaint")
                    .annotate(n=Count("pk")).values("n"))
        return super().get_queryset(request).annotate(listing_count=Coalesce(Subquery(listings), 0))

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, complaint) -> str:
        return complaint.reference

    @admin.display(description=_("listings"), ordering="listing_count")
    def listings(self, complaint) -> int:
        return complaint.listing_count


class ComplaintItemEventInline(ReadOnlyInline):
    model = ComplaintItemEvent
    fields = ["at", "from_state", "to_state", "reason", "actor", "note", "effects_done_at"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(ComplaintItem)
class ComplaintItemAdmin(ReadOnlyAdmin):
    list_display = ["pk", "complaint_reference", "platform", "listing_title", "shop", "state", "respond_by",
                    "answer_by", "decided_at", "updated_at"]
    list_filter = ["state", "complaint__platform", "complaint__reason", "complaint__source"]
    search_fields = ["=id", "=complaint__id", "=listing__listing_id", "listing__title", "listing__shop__name",
                     "complaint__complainant__email", "complaint__complainant__complainant_name"]
    list_select_related = ["complaint__platform", "listing__shop"]
    # No date_hierarchy (nor on the events and penalties): its year links read every row's date, half a second at a
    # million items, 1.2 s at the 3.8 million events.
    inlines = [ComplaintItemEventInline]

    @admin.display(description=_("complaint"), ordering="complaint_id")
    def complaint_reference(self, item) -> str:
        return item.complaint.reference

    @admin.display(description=_("platform"), ordering="complaint__platform")
    def platform(self, item):
        return item.complaint.platform

    @admin.display(description=_("listing"), ordering="listing__title")
    def listing_title(self, item) -> str:
        return item.listing.title

    @admin.display(description=_("shop"), ordering="listing__shop__name")
    def shop(self, item) -> str:
        return item.listing.shop.name


@admin.register(ComplaintItemEvent)
class ComplaintItemEventAdmin(ReadOnlyAdmin):
    """Every move of every item, as the state machine recorded it: the audit trail, read-only."""

    list_display = ["at", "item", "complaint_reference", "from_state", "to_state", "why", "actor", "effects_done_at"]
    list_filter = ["to_state", "from_state", "item__complaint__platform"]
    search_fields = ["=item__id", "=item__complaint__id", "actor__email", "note"]
    list_select_related = ["item", "actor"]

    @admin.display(description=_("complaint"), ordering="item__complaint_id")
    def complaint_reference(self, event) -> str:
        return f"C{event.item.complaint_id:07d}"

    @admin.display(description=_("reason"), ordering="reason")
    def why(self, event) -> str:
        return event.reason_label


@admin.register(CounterNotice)
class CounterNoticeAdmin(ReadOnlyAdmin):
    list_display = ["item", "listing_title", "seller", "ground", "created_at"]
    list_filter = ["ground", "item__complaint__platform"]
    search_fields = ["=item__id", "seller__email", "item__listing__title", "statement"]
    list_select_related = ["item__listing", "seller"]
    date_hierarchy = "created_at"

    @admin.display(description=_("listing"), ordering="item__listing__title")
    def listing_title(self, notice) -> str:
        return notice.item.listing.title


@admin.register(DmcaNotice)
class DmcaNoticeAdmin(ReadOnlyAdmin):
    """DMCA notices as sent (the six elements are the notifier's own words) and as reviewers decided them."""

    list_display = ["pk", "full_name", "company", "email", "complaint", "status", "due_on", "decided_by", "decided_at"]
    list_filter = ["status", "rejection_reason", "language"]
    search_fields = ["full_name", "email", "company", "signature", "=complaint__id"]
    list_select_related = ["complaint", "decided_by"]
    date_hierarchy = "due_on"


@admin.register(PenaltyEntry)
class PenaltyEntryAdmin(ReadOnlyAdmin):
    """Points come from takedowns (complaints.effects), never by hand; the portal's ledger is /admin-area/sellers/."""

    list_display = ["created_at", "shop", "platform", "points", "counted_as", "item"]
    list_filter = ["shop__platform"]
    search_fields = ["shop__name", "shop__shop_id", "shop__owner__email", "=counted_as"]
    list_select_related = ["shop__platform", "item"]

    @admin.display(description=_("platform"), ordering="shop__platform")
    def platform(self, entry):
        return entry.shop.platform
