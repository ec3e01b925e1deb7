"""The OpenAPI description's shared parts (envelopes, errors, the ``lang`` parameter) and the
schema and documentation views.

The documentation page is Swagger UI from drf-spectacular-sidecar's static files (no CDN), in
drf-spectacular's "split" form: the page loads its start-up script from a URL of its own instead
of an inline script, so the portal's Content-Security-Policy (``script-src 'self'``, no
``'unsafe-inline'``) holds there too; its few style rules are a static file (api/docs.css).
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiFilterExtension
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers

from . import language
from .envelope import add_license_header

LANGUAGE_PARAMETER = OpenApiParameter(
    language.LANGUAGE_PARAMETER,
    OpenApiTypes.STR,
    enum=list(settings.LANGUAGE_CODES),
    description=(
        "The language of the texts (a text missing in it falls back as on the portal's pages). "
        "Without it, the best of the Accept-Language header; an unknown code is a 400."
    ),
)


def _links(name, *names):
    return inline_serializer(name, {key: serializers.URLField() for key in names})


# Each shared part is made once: drf-spectacular names a component by its class.
META = inline_serializer(
    "Meta",
    {
        "language": serializers.CharField(help_text="The language of the texts."),
        "license": serializers.CharField(help_text="The licence's name."),
        "attribution": serializers.CharField(help_text="How to credit the data."),
    },
)
ITEM_LINKS = _links("ItemLinks", "self", "html", "license", "docs")
ERROR = inline_serializer(
    "Error",
    {"detail": serializers.CharField(), "links": _links("ErrorLinks", "license", "docs")},
)


def item_response(name, serializer_class):
    """The envelope of one object: ``{"links": …, "meta": …, "data": …}``."""
    return inline_serializer(
        f"{name}Response", {"links": ITEM_LINKS, "meta": META, "data": serializer_class()}
    )


def documented(response, *, summary, description="", parameters=(), not_found=False):
    """``extend_schema`` with the ``lang`` parameter and the error answers every view has."""
    responses = {200: response, 400: ERROR, 429: ERROR}
    if not_found:
        responses[404] = ERROR
    return extend_schema(
        summary=summary,
        description=description,
        parameters=[LANGUAGE_PARAMETER, *parameters],
        responses=responses,
    )


class LenientFilterExtension(OpenApiFilterExtension):
    """The query parameters of a list's filter set (api/base.py's LenientFilterBackend), read
    from its declared filters alone: no guessing from model fields, no database query."""

    target_class = "api.base.LenientFilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        filterset_class = getattr(auto_schema.view, "filterset_class", None)
        if filterset_class is None:
            return []
        parameters = []
        for name, declared in filterset_class.base_filters.items():
            description = str(declared.label or name)
            if declared.extra.get("to_field_name"):
                description += f" ({declared.extra['to_field_name']})"
            choices = declared.extra.get("choices")
            enum = (
                [str(value) for value, _label in choices]
                if choices and not callable(choices)
                else None
            )
            parameters.append(
                build_parameter_type(
                    name=name,
                    schema={"type": "string"},
                    location=OpenApiParameter.QUERY,
                    description=description,
                    enum=enum,
                )
            )
        return parameters


def _check_language(request):
    if request.GET.get(language.LANGUAGE_PARAMETER) is not None:
        language.requested_language(request)  # an unknown ?lang= is a 400


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema: YAML, or JSON with ``?format=json``; ``?lang=`` translates it."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        _check_language(request)
        return super().get(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        return add_license_header(super().finalize_response(request, response, *args, **kwargs))


class DocsView(SpectacularSwaggerSplitView):
    """The API's documentation page (Swagger UI, served from the portal's static files)."""

    template_name = "api/docs.html"
    url_name = "api:schema"
    title = "Cluster portal open data API"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        _check_language(request)
        return super().get(request, *args, **kwargs)
