"""The one exception to the strict Content-Security-Policy, kept as narrow as it can be.

Third-party admin templates carry a few inline ``style`` attributes (django-simple-history's
history list, django-import-export's export form). On admin URLs only, inline *styles* are
allowed; scripts stay ``'self'`` everywhere and the public pages keep the full policy.
"""

ADMIN_CSP_UPDATE = {"style-src": ["'unsafe-inline'"]}


class AdminInlineStyleMiddleware:
    """Must sit below ``csp.middleware.CSPMiddleware`` in MIDDLEWARE, so that it marks the
    response before the CSP middleware builds the header from it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and "admin" in match.app_names:
            update = dict(getattr(response, "_csp_update", None) or {})
            for directive, sources in ADMIN_CSP_UPDATE.items():
                update[directive] = [*update.get(directive, []), *sources]
            response._csp_update = update
        return response
