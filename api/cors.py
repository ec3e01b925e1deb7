"""CORS for the open data API: any site's scripts may read it (GET, HEAD and the preflight
OPTIONS), never write and never with credentials.

django-cors-headers enables a request when ``CORS_URLS_REGEX`` matches its path or a receiver of
its ``check_request_enabled`` signal says so. The pattern in settings matches nothing, and this
receiver enables the API's read requests only: a POST to /api/ gets no CORS header (and a 405),
and no other URL of the portal is opened to other sites.
"""

API_PREFIX = "/api/"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def enabled_for(sender, request, **kwargs):
    return request.path_info.startswith(API_PREFIX) and request.method in READ_METHODS
