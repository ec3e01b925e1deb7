from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from clusters import charts

from .filters import ProjectFilter
from .models import FundingSource, Project, ProjectContact, ProjectPartner

PROJECTS_PER_PAGE = 12


def project_list(request):
    projects = (
        Project.objects.published()
        .select_related("lead_organization")
        .prefetch_related("clusters")
        .order_by("-start_date", "slug")
    )
    filterset = ProjectFilter(request.GET, queryset=projects)
    page_obj = Paginator(filterset.qs, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page_obj": page_obj, "projects": page_obj.object_list}
    return render(request, "projects/project_list.html", context)


def project_detail(request, slug):
    project = get_object_or_404(
        Project.objects.published()
        .select_related("lead_organization", "predecessor")
        .prefetch_related(
            "clusters",
            "list_items",
            "results",
            "documents",
            Prefetch("successors", queryset=Project.objects.published()),
            Prefetch("partners", queryset=ProjectPartner.objects.select_related("organization")),
            Prefetch("funding", queryset=FundingSource.objects.select_related("funder")),
            Prefetch(
                "contact_roles",
                queryset=ProjectContact.objects.select_related("person__organization"),
            ),
        ),
        slug=slug,
    )
    funding = list(project.funding.all())
    sees_internal = project.internal_documents_visible_to(request.user)
    context = {
        "project": project,
        "documents": [doc for doc in project.documents.all() if sees_internal or not doc.internal],
        "funding": funding,
        "funding_chart": charts.share_bar(
            [(source.name, source.share_percent) for source in funding],
            chart_id="chart-funding",
            title=_("Shares of the funding"),
        ),
        "press": project.news.published().order_by("-published_at")[:10],
        "events": project.events.published().order_by("-starts_at")[:5],
        "predecessor": project.predecessor
        if project.predecessor and project.predecessor.is_published
        else None,
    }
    response = render(request, "projects/project_detail.html", context)
    if sees_internal:
        # The page carries signed links for this coordinator only.
        patch_cache_control(response, private=True, no_store=True)
    return response
