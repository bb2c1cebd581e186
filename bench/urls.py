"""The portal's URLs plus two pages the dashboard's throughput is compared with, for the benchmark only:
``/bench/bare/`` (a fixed string) and ``/bench/signed-in/`` (the base layout for a signed-in user, nothing on it)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from ipp.urls import handler403, handler404, handler500  # noqa: F401
from ipp.urls import urlpatterns as portal_urlpatterns


def bare(request):
    """A fixed string: what one request costs through the same middleware, server and workers, and nothing else."""
    return HttpResponse("bare", content_type="text/plain")


_EMPTY_PAGE = engines["django"].from_string('{% extends "base.html" %}')


@login_required
def signed_in(request):
    """What any page of a signed-in user costs before its own content: the session, the user, the base layout
    (menu, notifications badge)."""
    return HttpResponse(_EMPTY_PAGE.render({}, request))


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/signed-in/", signed_in, name="bench_signed_in"),
    *portal_urlpatterns,
]
