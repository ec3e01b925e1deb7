"""The companies of the open data API, through the company directory's own code path
(``companies.directory.search``: its filters, free text, relevance and sort orders on the
directory engine), so a query string gives the same companies in the same order as the directory
page, and a page of any depth costs what the first does."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers as fields
from rest_framework.response import Response

from companies import directory
from companies.filters import FACET_NAMES, SORT_CHOICES

from . import envelope, serializers
from .base import ApiView, DetailView
from .schema import documented, item_response

# --- Companies -------------------------------------------------------------------------------

FACET_PARAMETERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.STR,
        many=True,
        description=(
            f"The directory's {name} filter: ids (country: ISO codes; size: micro, small, medium, "
            "large; offers: 1). Values of one filter are OR-ed, filters AND-ed; see "
            "/api/v1/company-facets/ for the values and their counts."
        ),
    )
    for name in FACET_NAMES
]
DIRECTORY_PARAMETERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description=(
            "Free text in every language, ignoring case and accents; a word of three letters or "
            "more also finds the words it starts."
        ),
    ),
    OpenApiParameter(
        "sort",
        OpenApiTypes.STR,
        enum=[value for value, _label in SORT_CHOICES],
        description="relevance (the default with q), name (the default without), updated.",
    ),
    *FACET_PARAMETERS,
]


class DirectoryView(ApiView):
    known_parameters = frozenset({"q", "sort", *FACET_NAMES})

    def directory_search(self):
        filterset, query, vocabulary = directory.search(self.request.GET)
        dropped = [
            name for name in FACET_NAMES if getattr(filterset.form.fields[name], "dropped", None)
        ]
        page_query = filterset.data.copy()  # cleaned: what the directory page would show
        for name in ("page", "per_page"):
            page_query.pop(name, None)
        html = reverse("companies:list") + (f"?{page_query.urlencode()}" if page_query else "")
        report = {"ignored_filters": dropped}
        return filterset, query, vocabulary, self.request.build_absolute_uri(html), report


class CompanyList(DirectoryView):
    serializer_class = serializers.CompanySerializer

    @documented(
        serializers.CompanySerializer(many=True),
        summary="Companies",
        description=(
            "Published companies, filtered, searched and ordered by the company directory's own "
            "code: the same query string gives the same companies in the same order as "
            "/en/companies/."
        ),
        parameters=DIRECTORY_PARAMETERS,
    )
    def get(self, request, *args, **kwargs):
        _filterset, query, _vocabulary, html, report = self.directory_search()
        items = self.paginator.paginate_queryset(
            directory.EngineResults(query, directory.with_profile), request, view=self
        )
        return self.page_response(items, links={"html": html}, meta=report)


FACET_RESPONSE = inline_serializer(
    "CompanyFacets",
    {
        "links": inline_serializer(
            "FacetLinks", {name: fields.URLField() for name in ("self", "html", "license", "docs")}
        ),
        "meta": inline_serializer(
            "FacetMeta",
            {
                "count": fields.IntegerField(),
                "language": fields.CharField(),
                "license": fields.CharField(),
                "attribution": fields.CharField(),
                "ignored_parameters": fields.ListField(child=fields.CharField()),
                "ignored_filters": fields.ListField(child=fields.CharField()),
            },
        ),
        "facets": inline_serializer(
            "Facet",
            {
                "name": fields.CharField(),
                "label": fields.CharField(),
                "options": inline_serializer(
                    "FacetOption",
                    {
                        "value": fields.CharField(),
                        "label": fields.CharField(),
                        "count": fields.IntegerField(),
                        "selected": fields.BooleanField(),
                    },
                    many=True,
                ),
            },
            many=True,
        ),
    },
)


class CompanyFacets(DirectoryView):
    @documented(
        FACET_RESPONSE,
        summary="Company filters and their counts",
        description=(
            "The directory's filters with the values the result has, each with the number of "
            "companies it would give (counted over the other filters, as the directory page does)."
        ),
        parameters=DIRECTORY_PARAMETERS,
    )
    def get(self, request, *args, **kwargs):
        filterset, query, vocabulary, html, report = self.directory_search()
        facets = directory.build_facets(filterset, vocabulary, query.counts(FACET_NAMES))
        return Response(
            {
                "links": {
                    "self": request.build_absolute_uri(),
                    "html": html,
                    **envelope.common_links(request),
                },
                "meta": {
                    "count": query.total,
                    **envelope.common_meta(self.language),
                    **self.ignored(),
                    **report,
                },
                "facets": [
                    {
                        "name": facet.name,
                        "label": str(facet.label),
                        "options": [
                            {
                                "value": str(option.value),
                                "label": str(option.label),
                                "count": option.count,
                                "selected": option.selected,
                            }
                            for option in facet.options
                        ],
                    }
                    for facet in facets
                ],
            }
        )


class CompanyDetail(DetailView):
    serializer_class = serializers.CompanySerializer

    def get_queryset(self):
        return directory.profile_queryset()

    @documented(
        item_response("Company", serializers.CompanySerializer),
        summary="A company",
        description="A published company's public profile, by its slug.",
        not_found=True,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
