"""The REST API, version 1: mounted under /api/v1/ by ipp/urls.py. The guide is docs/api.md."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from complaints import api as complaints_api
from complaints import api_review, api_seller
from ipr import api as ipr_api

from . import api


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar's static files; its start-up script is a second request, not inline."""

    # The package's page also has an inline <style>, which the CSP blocks: ours links a file instead.
    template_name = "api/swagger_ui.html"


urlpatterns = [
    path("auth/token/", api.TokenObtainApi.as_view(), name="api-token"),
    path("iprs/", ipr_api.IprListApi.as_view(), name="api-ipr-list"),
    path("iprs/<int:pk>/", ipr_api.IprDetailApi.as_view(), name="api-ipr-detail"),
    path("listings/", complaints_api.ListingSearchApi.as_view(), name="api-listing-list"),
    path("complaints/", complaints_api.ComplaintsApi.as_view(), name="api-complaint-list"),
    path("complaints/<int:pk>/", complaints_api.ComplaintDetailApi.as_view(), name="api-complaint-detail"),
    path("complaints/<int:pk>/withdraw/", complaints_api.ComplaintWithdrawApi.as_view(), name="api-complaint-withdraw"),
    path("complaints/<int:pk>/items/<int:item_id>/accept-counter-notice/", complaints_api.CounterNoticeAcceptApi.as_view(),
         name="api-complaint-item-accept-counter-notice"),
    path("complaints/<int:pk>/items/<int:item_id>/maintain/", complaints_api.ComplaintMaintainApi.as_view(),
         name="api-complaint-item-maintain"),
    # Seller notices (complaints/api_seller.py): a notice's id is its complaint item's id.
    path("notices/", api_seller.NoticesApi.as_view(), name="api-notice-list"),
    path("notices/<int:item_id>/", api_seller.NoticeDetailApi.as_view(), name="api-notice-detail"),
    path("notices/<int:item_id>/counter-notice/", api_seller.CounterNoticeFileApi.as_view(),
         name="api-notice-counter-notice"),
    # Reviewer decisions (complaints/api_review.py): a queue entry's id is its complaint item's id.
    path("review/queue/", api_review.ReviewQueueApi.as_view(), name="api-review-queue"),
    path("review/items/<int:item_id>/decide/", api_review.ItemDecideApi.as_view(), name="api-review-item-decide"),
    path("review/claims/", api_review.ClaimsApi.as_view(), name="api-review-claims"),
    path("review/claims/release/", api_review.ClaimsReleaseApi.as_view(), name="api-review-claims-release"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]
