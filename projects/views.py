from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from .models import FundingSource, Project, ProjectContact, ProjectPartner


def project_list(request):
    projects = Project.objects.published().select_related("lead_organization").prefetch_related("clusters")
    return render(request, "projects/project_list.html", {"projects": projects})


def project_detail(request, slug):
    project = get_object_or_404(
        Project.objects.published()
        .select_related("lead_organization", "predecessor")
        .prefetch_related(
            "clusters",
            "list_items",
            "results",
            "documents",
            "successors",
            Prefetch("partners", queryset=ProjectPartner.objects.select_related("organization")),
            Prefetch("funding", queryset=FundingSource.objects.select_related("funder")),
            Prefetch("contact_roles", queryset=ProjectContact.objects.select_related("person__organization")),
        ),
        slug=slug,
    )
    press = project.news.published()
    return render(request, "projects/project_detail.html", {"project": project, "press": press})
