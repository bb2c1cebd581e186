from django.contrib import admin

from .models import Document, DocumentView, Heartbeat


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "purpose", "original_name", "content_type", "size", "created_at"]
    list_filter = ["purpose", "content_type"]
    search_fields = ["owner__email", "original_name", "sha256"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]


@admin.register(DocumentView)
class DocumentViewAdmin(admin.ModelAdmin):
    list_display = ["viewed_at", "document", "viewer", "ip_address"]
    list_select_related = ["document", "viewer"]
    raw_id_fields = ["document", "viewer"]


admin.site.register(Heartbeat)
