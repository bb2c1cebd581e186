from django.urls import path

from . import dmca, views, views_answers, views_bulk, views_review, views_seller

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
    path("review/items/<int:item_id>/", views_review.review_item, name="review_item"),
]
