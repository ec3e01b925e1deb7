import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve

from clusters import charts
from clusters.models import Cluster, ClusterContact, NewsItem, Page
from companies import engine
from companies.directory import Vocabulary
from companies.models import Company
from events.models import Event
from projects.models import Project

from .search import clean_query, site_search

logger = logging.getLogger(__name__)

NEWS_PER_PAGE = 10
CHART_BARS = 10


def root_redirect(request):
    """`/` → the visitor's language: cookie first, then Accept-Language, then English."""
    language = translation.get_language_from_request(request, check_path=False)
    with translation.override(language):
        return HttpResponseRedirect(reverse("portal:home"))


@never_cache
def healthz(request):
    """Liveness: the process answers. Touches nothing else (a database outage is /readyz's)."""
    return HttpResponse("ok", content_type="text/plain")


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("the value set was not read back")
    cache.delete(key)


def _check_storage():
    # Uploads must work: write and remove a small file (a new install has no media folder yet).
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)


READINESS_CHECKS = {"database": _check_database, "cache": _check_cache, "storage": _check_storage}


@never_cache
def readyz(request):
    """Readiness: the database (SELECT 1), the cache (set and get) and the default storage.
    200 with {"database": "ok", ...}, or 503 with the error of each check that failed."""
    results = {}
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception as error:
            logger.warning("readyz: the %s check failed: %r", name, error)
            results[name] = f"error: {type(error).__name__}"
        else:
            results[name] = "ok"
    ready = all(result == "ok" for result in results.values())
    return JsonResponse(results, status=200 if ready else 503)


@require_GET
def media(request, path):
    """Public uploads from this machine's disk, when no proxy or S3 is in front (SERVE_MEDIA).
    Django's ``serve`` refuses paths outside MEDIA_ROOT and answers If-Modified-Since."""
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError:  # a name the file system cannot hold (too long): no such file
        raise Http404("no such file") from None
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
@cache_control(max_age=60 * 60, public=True)
def robots_txt(request):
    """Crawlers: everything public, not the admin, the search results or the language switch."""
    disallowed = ["/i18n/", "/files/"]
    for code in settings.LANGUAGE_CODES:
        with translation.override(code):
            disallowed += [reverse("admin:index"), reverse("portal:search")]
    context = {"disallowed": list(dict.fromkeys(disallowed)), "sitemap_path": reverse("sitemap")}
    return render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")


def _clusters():
    return Cluster.objects.published().select_related("region", "coordinator")


def _with_member_counts(clusters, index=None):
    """Set ``member_count`` from the directory engine's bitmaps: no COUNT over the memberships
    (at 100,000 companies that aggregate alone took ~100 ms per page)."""
    index = index or engine.current()
    for cluster in clusters:
        cluster.member_count = len(index.bitmap("cluster", cluster.pk))
    return clusters


def home(request):

    index = engine.current()  # one sync of the engine for the whole page
    clusters = _with_member_counts(list(_clusters()), index)
    clusters.sort(key=lambda cluster: (-cluster.member_count, cluster.slug))
    upcoming = Event.objects.published().upcoming()
    context = {
        "clusters": clusters,
        "figures": {
            "companies": index.size,
            "clusters": len(clusters),
            "projects": Project.objects.published().count(),
            "events": upcoming.count(),
        },
        "events": upcoming.select_related("municipality", "cluster")[:4],
        "news": NewsItem.objects.published().select_related("cluster")[:3],
    }
    return render(request, "portal/home.html", context)


def cluster_list(request):
    clusters = _with_member_counts(list(_clusters()))
    clusters.sort(key=lambda cluster: (cluster.country.code, -cluster.member_count, cluster.slug))
    return render(request, "portal/cluster_list.html", {"clusters": clusters})


def _top_bars(index, facet, members, cluster, sort_key):
    """The largest values of ``facet`` among the cluster's members, as chart bars that link into
    the filtered directory."""
    objects = index.vocabulary(Vocabulary).objects(facet)
    counts = [
        (objects[value], n)
        for value, n in index.breakdown(facet, members).items()
        if value in objects
    ]
    counts.sort(key=lambda pair: (-pair[1], sort_key(pair[0])))
    directory = reverse("companies:list")
    return [
        charts.Bar(obj.name, n, f"{directory}?{urlencode({'cluster': cluster.pk, facet: obj.pk})}")
        for obj, n in counts[:CHART_BARS]
    ]


def _member_charts(cluster):
    """Members by municipality and by sector, as SVG bar charts with a table alternative."""
    index = engine.current()
    members = index.bitmap("cluster", cluster.pk)
    town_bars = _top_bars(index, "municipality", members, cluster, lambda town: town.slug)
    sector_bars = _top_bars(index, "sector", members, cluster, lambda sector: sector.nace_code)
    return {
        "by_town": charts.bar_chart(
            town_bars,
            chart_id="chart-towns",
            title=_("Member companies by municipality"),
            description=_("Number of member companies in each municipality, largest first."),
            label_heading=_("Municipality"),
            value_heading=_("Member companies"),
        ),
        "by_sector": charts.bar_chart(
            sector_bars,
            chart_id="chart-sectors",
            title=_("Member companies by sector"),
            description=_("Number of member companies in each sector (NACE), largest first."),
            label_heading=_("Sector"),
            value_heading=_("Member companies"),
        ),
    }


def cluster_detail(request, slug):

    cluster = get_object_or_404(
        _clusters().prefetch_related(
            Prefetch(
                "contact_roles",
                queryset=ClusterContact.objects.select_related("person__organization"),
            )
        ),
        slug=slug,
    )
    _with_member_counts([cluster])
    context = {
        "cluster": cluster,
        "charts": _member_charts(cluster),
        "recent_members": Company.objects.published()
        .in_cluster(cluster)
        .select_related("municipality")
        .order_by("-memberships__joined_on", "name")[:8],
        "projects": Project.objects.published()
        .in_cluster(cluster)
        .select_related("lead_organization")
        .order_by("-start_date"),
        "events": Event.objects.published()
        .in_cluster(cluster)
        .upcoming()
        .select_related("municipality")[:5],
        "news": cluster.news.published()[:4],
        "directory_url": f"{reverse('companies:list')}?{urlencode({'cluster': cluster.pk})}",
    }
    return render(request, "portal/cluster_detail.html", context)


def news_list(request):
    items = NewsItem.objects.published().select_related("cluster", "project")
    kind = request.GET.get("kind", "")
    if kind in NewsItem.Kind.values:
        items = items.filter(kind=kind)
    else:
        kind = ""
    page_obj = Paginator(items, NEWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page_obj,
        "items": page_obj.object_list,
        "kind": kind,
        "kinds": NewsItem.Kind.choices,
    }
    return render(request, "portal/news_list.html", context)


def news_detail(request, slug):
    item = get_object_or_404(
        NewsItem.objects.published().select_related("cluster", "project", "contact__organization"),
        slug=slug,
    )
    same_source = Q(pk__in=[])
    if item.cluster_id:
        same_source |= Q(cluster=item.cluster_id)
    if item.project_id:
        same_source |= Q(project=item.project_id)
    related = NewsItem.objects.published().exclude(pk=item.pk).filter(same_source)[:3]
    return render(request, "portal/news_detail.html", {"item": item, "related": related})


def page_detail(request, slug):
    page = get_object_or_404(Page.objects.filter(is_published=True), slug=slug)
    return render(request, "portal/page_detail.html", {"page": page})


def search(request):
    query = clean_query(request.GET.get("q", ""))
    groups = site_search(query) if query else []
    context = {
        "search_query": query,
        "groups": groups,
        "total": sum(group.count for group in groups),
    }
    return render(request, "portal/search.html", context)
