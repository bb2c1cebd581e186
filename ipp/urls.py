from django.contrib import admin
from django.urls import include, path

from . import documents, views, views_notifications

urlpatterns = [
    path("", views.home, name="home"),
    path("agreement/", views.agreement, name="agreement"),
    path("health/", views.health, name="health"),
    path("documents/<uuid:document_id>/", documents.document_view, name="document"),
    path("notifications/", views_notifications.notification_list, name="notifications"),
    path("notifications/read/", views_notifications.notifications_read, name="notifications_read"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("ipp.api_urls")),
    path("", include("accounts.urls")),
    path("", include("ipr.urls")),
    path("", include("complaints.urls")),
]

handler403 = "ipp.views.permission_denied"
handler404 = "ipp.views.page_not_found"
handler500 = "ipp.views.server_error"
