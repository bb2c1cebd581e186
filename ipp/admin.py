from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Document, DocumentView, Heartbeat, ImportJob


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "purpose", "original_name", "content_type", "size", "created_at"]
    list_filter = ["purpose", "content_type"]
    search_fields = ["owner__email", "original_name", "sha256"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    # The stored file is reached only through the checked, logged view, never a storage URL.
    exclude = ["file"]
    readonly_fields = ["open_document", "purpose", "original_name", "content_type", "size", "sha256", "created_at"]

    @admin.display(description=_("File"))
    def open_document(self, document):
        return format_html('<a href="{}" target="_blank">{}</a>', reverse("document", args=[document.pk]), document.original_name)


@admin.register(DocumentView)
class DocumentViewAdmin(admin.ModelAdmin):
    list_display = ["viewed_at", "document", "viewer", "ip_address"]
    list_select_related = ["document", "viewer"]
    raw_id_fields = ["document", "viewer"]


admin.site.register(Heartbeat)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "owner", "status", "phase", "processed_rows", "total_rows", "records", "created_at",
                    "finished_at"]
    list_filter = ["kind", "status"]
    search_fields = ["owner__email", "csv_name"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["problems", "created_ids"]
