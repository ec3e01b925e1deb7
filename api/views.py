"""The open data API's endpoints (read-only JSON under /api/v1/) besides the companies'
(api/directory_views.py): the root, clusters, projects, events and open cooperation offers.

Projects, events and offers use their pages' filter sets and orders (projects/filters.py,
events/filters.py, board/filters.py), so a query string of /en/projects/ gives the same projects
in the same order here. Clusters are by slug.
"""

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers as fields
from rest_framework.response import Response

from board.filters import OfferFilter
from board.models import CooperationOffer
from clusters.models import Cluster
from companies import engine
from events.filters import EventFilter
from events.models import Event
from projects.filters import ProjectFilter
from projects.models import FundingSource, Project, ProjectDocument, ProjectPartner

from . import envelope, serializers
from .base import ApiView, DetailView, ListView
from .schema import documented, item_response

# --- Root --------------------------------------------------------------------------------------


class Root(ApiView):
    """What the API has."""

    @documented(
        inline_serializer(
            "Root",
            {
                "links": inline_serializer(
                    "RootLinks",
                    {
                        name: fields.URLField()
                        for name in (
                            "self",
                            "companies",
                            "company_facets",
                            "clusters",
                            "projects",
                            "events",
                            "offers",
                            "schema",
                            "docs",
                            "open_data",
                            "license",
                        )
                    },
                ),
                "meta": inline_serializer(
                    "RootMeta",
                    {
                        "language": fields.CharField(),
                        "license": fields.CharField(),
                        "attribution": fields.CharField(),
                    },
                ),
            },
        ),
        summary="The API's endpoints",
    )
    def get(self, request, *args, **kwargs):
        def url(name):
            return request.build_absolute_uri(reverse(name))

        links = {
            "self": url("api:root"),
            **{
                name: url(f"api:{view}")
                for name, view in (
                    ("companies", "company-list"),
                    ("company_facets", "company-facets"),
                    ("clusters", "cluster-list"),
                    ("projects", "project-list"),
                    ("events", "event-list"),
                    ("offers", "offer-list"),
                    ("schema", "schema"),
                )
            },
            "open_data": url("open_data:index"),
            **envelope.common_links(request),
        }
        return Response({"links": links, "meta": envelope.common_meta(self.language)})


# --- Clusters --------------------------------------------------------------------------------


def member_counts():
    """{cluster id: published member companies}, from the directory engine's bitmaps."""
    index = engine.current()
    return {int(value): len(bitmap) for value, bitmap in index.values("cluster").items()}


def cluster_queryset():
    return Cluster.objects.published().select_related("region", "coordinator").order_by("slug")


class ClusterMixin:
    serializer_class = serializers.ClusterSerializer

    def get_queryset(self):
        return cluster_queryset()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "member_counts": member_counts()}


class ClusterList(ClusterMixin, ListView):
    @documented(
        serializers.ClusterSerializer(many=True),
        summary="Clusters",
        description="Published clusters, by slug.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ClusterDetail(ClusterMixin, DetailView):
    @documented(
        item_response("Cluster", serializers.ClusterSerializer),
        summary="A cluster",
        not_found=True,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Projects --------------------------------------------------------------------------------


def project_queryset():
    """Published projects in the project list's order, with what the API shows of them."""
    return (
        Project.objects.published()
        .select_related("lead_organization", "predecessor")
        .prefetch_related(
            Prefetch(
                "clusters",
                queryset=Cluster.objects.published().order_by("slug"),
                to_attr="published_clusters",
            ),
            "list_items",
            "results",
            Prefetch(
                "documents",
                queryset=ProjectDocument.objects.filter(internal=False),
                to_attr="public_documents",
            ),
            Prefetch("partners", queryset=ProjectPartner.objects.select_related("organization")),
            Prefetch("funding", queryset=FundingSource.objects.select_related("funder")),
        )
        .order_by("-start_date", "slug")
    )


class ProjectMixin:
    serializer_class = serializers.ProjectSerializer

    def get_queryset(self):
        return project_queryset()


class ProjectList(ProjectMixin, ListView):
    filterset_class = ProjectFilter

    @documented(
        serializers.ProjectSerializer(many=True),
        summary="Projects",
        description=(
            "Published development projects with the project list's filters (cluster by slug), "
            "newest first as on /en/projects/."
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ProjectDetail(ProjectMixin, DetailView):
    @documented(
        item_response("Project", serializers.ProjectSerializer),
        summary="A project",
        not_found=True,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Events ----------------------------------------------------------------------------------


def event_queryset():
    """Published events (the event list's filters order them)."""
    return (
        Event.objects.published()
        .select_related("municipality__region", "organizer", "cluster", "project")
        .with_registration_counts()
    )


class EventMixin:
    serializer_class = serializers.EventSerializer

    def get_queryset(self):
        return event_queryset()


class EventList(EventMixin, ListView):
    filterset_class = EventFilter

    @documented(
        serializers.EventSerializer(many=True),
        summary="Events",
        description=(
            "Published events with the event list's filters: upcoming ones by default (when=past "
            "or when=all for the others), in the order of /en/events/."
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EventDetail(EventMixin, DetailView):
    @documented(
        item_response("Event", serializers.EventSerializer),
        summary="An event",
        not_found=True,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Cooperation offers ----------------------------------------------------------------------


def offer_queryset():
    """Open offers (published, valid today) in the offer list's order."""
    return (
        CooperationOffer.objects.open()
        .select_related("company", "cluster")
        .prefetch_related("capabilities", "materials")
        .order_by("-valid_from", "-id")
    )


class OfferMixin:
    serializer_class = serializers.OfferSerializer

    def get_queryset(self):
        return offer_queryset()


class OfferList(OfferMixin, ListView):
    filterset_class = OfferFilter

    @documented(
        serializers.OfferSerializer(many=True),
        summary="Open cooperation offers",
        description=(
            "Published cooperation offers and requests valid today, with the offer list's filters "
            "(capability, material and cluster by slug), newest first as on /en/offers/."
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OfferDetail(OfferMixin, DetailView):
    @documented(
        item_response("Offer", serializers.OfferSerializer),
        summary="An open cooperation offer",
        not_found=True,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
