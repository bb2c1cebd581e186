from django.urls import path

from . import views

urlpatterns = [
    path("ipr/", views.ipr_list, name="ipr_list"),
    path("ipr/new/", views.ipr_new, name="ipr_new"),
    path("ipr/<int:pk>/", views.ipr_detail, name="ipr_detail"),
    path("ipr/<int:pk>/edit/", views.ipr_edit, name="ipr_edit"),
    path("ipr/<int:pk>/submit/", views.ipr_submit, name="ipr_submit"),
    path("ipr/<int:pk>/authorisation-letter.pdf", views.ipr_letter_pdf, name="ipr_letter_pdf"),
    path("ipr/<int:pk>/authorisation-letter/", views.ipr_letter_upload, name="ipr_letter_upload"),
    path("review/ipr/<int:pk>/", views.review_ipr, name="review_ipr"),
    path("review/ipr/<int:pk>/withdraw/", views.review_ipr_withdraw, name="review_ipr_withdraw"),
    path("ipr/import/", views.ipr_import, name="ipr_import"),
    path("ipr/import/template.csv", views.ipr_import_template, name="ipr_import_template"),
    path("ipr/import/<int:pk>/", views.ipr_import_job, name="ipr_import_job"),
]
