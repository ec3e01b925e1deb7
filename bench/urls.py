"""The portal's URLs plus the benchmark's floor view (served only by bench/settings.py)."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def floor(request):
    """The cheapest Django response: the middleware stack, no template, no query."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench-floor", floor, name="bench-floor"), *portal_urlpatterns]
