from django.urls import path

from . import dmca, views, views_bulk

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
    # Bulk upload (complaints/bulk.py)
    path("complaints/import/", views_bulk.complaint_import, name="complaint_import"),
    path("complaints/import/template.csv", views_bulk.complaint_import_template, name="complaint_import_template"),
    path("complaints/import/<int:pk>/", views_bulk.complaint_import_job, name="complaint_import_job"),
    # DMCA notices (complaints/dmca.py)
    path("dmca/", dmca.dmca_notice, name="dmca_notice"),
    path("dmca/sent/<str:token>/", dmca.dmca_sent, name="dmca_sent"),
    path("review/dmca/<int:pk>/", dmca.review_dmca, name="review_dmca"),
]
