from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("account/identity/", views.identity, name="identity"),
    path("account/sole-account/", views.sole_account, name="sole_account"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/identity/<int:pk>/", views.review_identity, name="review_identity"),
    path("review/sole-account/<int:pk>/", views.review_sole_account, name="review_sole_account"),
]
