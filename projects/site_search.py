"""The projects' section of the site search (registered in ProjectsConfig.ready())."""

from django.utils.translation import gettext_lazy as _

from clusters.site_search import group, matching

from .models import Project


def projects(query, words, limit):
    found = matching(
        Project.objects.published().select_related("lead_organization"),
        words,
        [
            "name",
            "acronym",
            "summary",
            "description",
            "programme",
            "reference_number",
            "lead_organization__name",
        ],
        {"name", "summary", "description", "programme", "lead_organization__name"},
    )
    return group("projects", _("Projects"), found, limit)
