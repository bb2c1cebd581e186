from django.urls import path

from . import (
    dmca,
    views,
    views_admin,
    views_answers,
    views_bulk,
    views_good_faith,
    views_review,
    views_seller,
)
from .views_reports import admin_reports, admin_reports_export

urlpatterns = [
    # Filing and Manage Complaints (complaints/views.py)
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/export.csv", views.complaint_export, name="complaint_export"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/withdraw/", views.complaint_withdraw, name="complaint_withdraw"),
    path("complaints/<int:pk>/step/<slug:step>/", views.complaint_step, name="complaint_step"),
    path("complaints/<int:pk>/listings/search/", views.listing_search, name="complaint_listing_search"),
    path("complaints/<int:pk>/delete/", views.complaint_delete, name="complaint_delete"),
    # Answers to counter-notices (complaints/views_answers.py)
    path("complaints/<int:pk>/items/<int:item_id>/accept-counter-notice/", views_answers.counter_notice_accept,
         name="counter_notice_accept"),
    path("complaints/<int:pk>/items/<int:item_id>/maintain/", views_answers.complaint_maintain,
         name="complaint_maintain"),
    # Seller notices (complaints/views_seller.py)
    path("notices/", views_seller.seller_notices, name="seller_notices"),
    path("notices/<int:item_id>/", views_seller.seller_notice, name="seller_notice"),
    # Bulk upload (complaints/bulk.py)
    path("complaints/import/", views_bulk.complaint_import, name="complaint_import"),
    path("complaints/import/template.csv", views_bulk.complaint_import_template, name="complaint_import_template"),
    path("complaints/import/<int:pk>/", views_bulk.complaint_import_job, name="complaint_import_job"),
    # DMCA notices (complaints/dmca.py)
    path("dmca/", dmca.dmca_notice, name="dmca_notice"),
    path("dmca/sent/<str:token>/", dmca.dmca_sent, name="dmca_sent"),
    path("review/dmca/<int:pk>/", dmca.review_dmca, name="review_dmca"),
    # Reviewer decisions (complaints/views_review.py)
    path("review/items/", views_review.review_items, name="review_items"),
    path("review/items/<int:item_id>/", views_review.review_item, name="review_item"),
    path("review/items/<int:item_id>/claim/", views_review.review_item_claim, name="review_item_claim"),
    path("review/items/<int:item_id>/spot-check/", views_review.review_item_spot_check, name="review_item_spot_check"),
    # Admin area: sellers' penalty points and the platforms' settings (complaints/views_admin.py)
    path("admin-area/sellers/", views_admin.admin_sellers, name="admin_sellers"),
    path("admin-area/sellers/<int:shop_pk>/", views_admin.admin_seller_ledger, name="admin_seller_ledger"),
    path("admin-area/platforms/", views_admin.admin_platforms, name="admin_platforms"),
    path("admin-area/platforms/<str:code>/", views_admin.admin_platform_edit, name="admin_platform_edit"),
    # Admins' reports (complaints/views_reports.py)
    path("admin-area/good-faith/", views_good_faith.admin_good_faith, name="admin_good_faith"),
    path("admin-area/good-faith/<int:user_id>/", views_good_faith.admin_good_faith_complainant,
         name="admin_good_faith_complainant"),
    path("admin-area/reports/", admin_reports, name="admin_reports"),
    path("admin-area/reports.csv", admin_reports_export, name="admin_reports_export"),
]
