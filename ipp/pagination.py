"""The API's pagination (``DEFAULT_PAGINATION_CLASS``).

A module of its own: DRF imports it while its generic views load, before the API's views
can be imported (their schema decorators need those generic views).
"""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """Every list: 50 rows a page, up to 200 when the client asks (``?page_size=``)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = "Rows per page: 50 unless asked, at most 200."
