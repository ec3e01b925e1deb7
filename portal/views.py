from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache

from .models import Cluster, ClusterContact, NewsItem, Page


def root_redirect(request):
    """`/` → the visitor's language: cookie first, then Accept-Language, then English."""
    language = translation.get_language_from_request(request, check_path=False)
    with translation.override(language):
        return HttpResponseRedirect(reverse("portal:home"))


@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def _clusters_with_member_counts():
    return (
        Cluster.objects.published()
        .select_related("region", "coordinator")
        .annotate(
            member_count=Count(
                "memberships",
                filter=Q(memberships__is_active=True, memberships__company__is_published=True),
            )
        )
    )


def home(request):
    from events.models import Event

    context = {
        "clusters": _clusters_with_member_counts(),
        "news": NewsItem.objects.published().select_related("cluster")[:3],
        "events": Event.objects.published().upcoming().select_related("municipality")[:4],
    }
    return render(request, "portal/home.html", context)


def cluster_list(request):
    return render(request, "portal/cluster_list.html", {"clusters": _clusters_with_member_counts()})


def cluster_detail(request, slug):
    from events.models import Event
    from projects.models import Project

    cluster = get_object_or_404(
        _clusters_with_member_counts().prefetch_related(
            Prefetch(
                "contact_roles",
                queryset=ClusterContact.objects.select_related("person__organization"),
            )
        ),
        slug=slug,
    )
    context = {
        "cluster": cluster,
        "projects": Project.objects.published()
        .in_cluster(cluster)
        .select_related("lead_organization"),
        "events": Event.objects.published()
        .in_cluster(cluster)
        .upcoming()
        .select_related("municipality")[:5],
        "news": cluster.news.published()[:5],
    }
    return render(request, "portal/cluster_detail.html", context)


def news_list(request):
    items = NewsItem.objects.published().select_related("cluster", "project")[:50]
    return render(request, "portal/news_list.html", {"items": items})


def news_detail(request, slug):
    item = get_object_or_404(
        NewsItem.objects.published().select_related("cluster", "project", "contact__organization"),
        slug=slug,
    )
    return render(request, "portal/news_detail.html", {"item": item})


def page_detail(request, slug):
    page = get_object_or_404(Page.objects.filter(is_published=True), slug=slug)
    return render(request, "portal/page_detail.html", {"page": page})
