"""The database unreachable is a 503 (``Retry-After``), not a 500.

``DatabaseUnavailableMiddleware`` turns a view's ``OperationalError``/``InterfaceError`` into a
503 page; ``server_error`` (``handler500``) does the same for one raised elsewhere (a middleware,
a response's rendering). The page, ``503.html``, is rendered without a request: no context
processor, no database.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error as default_server_error

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable(exception=None):
    """The 503 answer: a static page in the active language, ``Retry-After`` and no caching."""
    if exception is not None:
        logger.error("The database is unavailable: %s", exception, exc_info=exception)
    response = HttpResponse(
        loader.render_to_string("503.html"), status=503, content_type="text/html; charset=utf-8"
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(exception)
        return None


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """``handler500``: a 503 when the error is the database's, Django's 500 page otherwise."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable()
    return default_server_error(request, template_name)
