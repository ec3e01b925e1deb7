"""The open data API's common view: JSON only, the content language, the envelope, the licence,
ETag and If-None-Match, lenient filters. (The views are in api/views.py and api/directory_views.py.)

- Every answer: ``{"links": …, "meta": …, "results"|"data": …}``, the licence in ``links`` and in
  a ``Link: <…>; rel="license"`` header, ``Content-Language``, and for a 200 an ``ETag`` (a hash
  of the body) that ``If-None-Match`` turns into a 304.
- The language: ``?lang=``, else Accept-Language (api/language.py). The rate limit:
  api/throttling.py. CORS: api/cors.py.
- Lists use their pages' filter sets leniently, as the pages do: an invalid value leaves its
  filter out and is reported in ``meta.ignored_filters``; an unknown parameter in
  ``meta.ignored_parameters``.
"""

import hashlib

from django.conf import settings
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import envelope, language, pagination

# Parameters every list understands besides its filters.
API_PARAMETERS = frozenset(
    {language.LANGUAGE_PARAMETER, pagination.CURSOR_PARAMETER, pagination.PAGE_SIZE_PARAMETER}
)
MAX_REPORTED = 20


class JsonOnly(BaseContentNegotiation):
    """Always JSON, whatever the Accept header or a ``?format=`` says (never a 404 or 406)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class LenientFilterBackend(DjangoFilterBackend):
    """The pages' filter sets as the pages apply them: an invalid value leaves its filter out
    (no 400); the filter set stays on the view for ``meta.ignored_filters``."""

    raise_exception = False

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        view.filterset = filterset
        return filterset


def exception_handler(exc, context):
    """DRF's errors (``{"detail": …}``) with the licence and the docs in their ``links`` too."""
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    if response is not None and isinstance(response.data, dict) and request is not None:
        response.data["links"] = envelope.common_links(request)
    return response


class ApiView(GenericAPIView):
    content_negotiation_class = JsonOnly
    pagination_class = pagination.PositionCursorPagination
    filter_backends = []
    filterset = None
    # The query parameters of this view's filters (reported when a request sends others).
    known_parameters = frozenset()
    language = settings.LANGUAGE_CODE

    def dispatch(self, request, *args, **kwargs):
        with translation.override(translation.get_language()):  # restored when the answer is made
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # the rate limit first
        self.language = language.requested_language(request)
        translation.activate(self.language)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "absolute_url": self.request.build_absolute_uri}

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        envelope.add_license_header(response)
        response["Content-Language"] = self.language
        patch_vary_headers(response, ["Accept-Language"])
        if request.method in {"GET", "HEAD"} and response.status_code == 200:
            response.render()  # in the answer's language, before dispatch() restores another
            etag = f'"{hashlib.sha256(response.content).hexdigest()[:40]}"'
            response["ETag"] = etag
            patch_cache_control(response, public=True, max_age=settings.API_CACHE_SECONDS)
            conditional = get_conditional_response(request._request, etag=etag, response=response)
            if conditional is not response:  # 304 Not Modified
                envelope.add_license_header(conditional)
                conditional["Content-Language"] = self.language
                return conditional
        return response

    # --- Envelopes ------------------------------------------------------------------------------

    def ignored(self):
        """``meta``'s report of what the request asked for that was not applied."""
        unknown = sorted(set(self.request.GET) - self.known_parameters - API_PARAMETERS)
        report = {"ignored_parameters": [name[:40] for name in unknown[:MAX_REPORTED]]}
        if self.filterset is not None and self.filterset.is_bound:
            report["ignored_filters"] = sorted(self.filterset.errors)
        return report

    def page_response(self, items, links=None, meta=None):
        data = self.get_serializer(items, many=True).data
        return Response(
            {
                "links": {
                    **self.paginator.links(),
                    **(links or {}),
                    **envelope.common_links(self.request),
                },
                "meta": {
                    **self.paginator.meta(),
                    **envelope.common_meta(self.language),
                    **self.ignored(),
                    **(meta or {}),
                },
                "results": data,
            }
        )

    def item_response(self, obj):
        return Response(
            {
                "links": {
                    "self": self.request.build_absolute_uri(),
                    "html": self.request.build_absolute_uri(obj.get_absolute_url()),
                    **envelope.common_links(self.request),
                },
                "meta": envelope.common_meta(self.language),
                "data": self.get_serializer(obj).data,
            }
        )


def stable_order(queryset):
    """The queryset's own order (its page's), with the id last to break ties: a position then
    names the same row in every request (events of the same start, for one)."""
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    if not any(isinstance(field, str) and field.lstrip("-") in {"pk", "id"} for field in ordering):
        ordering.append("pk")
    return queryset.order_by(*ordering)


class ListView(ApiView):
    filter_backends = [LenientFilterBackend]
    filterset_class = None

    @property
    def known_parameters(self):
        return frozenset(self.filterset_class.base_filters) if self.filterset_class else frozenset()

    def get(self, request, *args, **kwargs):
        queryset = stable_order(self.filter_queryset(self.get_queryset()))
        items = self.paginator.paginate_queryset(queryset, request, view=self)
        return self.page_response(items)


class DetailView(ApiView):
    lookup_field = "slug"

    def get(self, request, *args, **kwargs):
        return self.item_response(self.get_object())
