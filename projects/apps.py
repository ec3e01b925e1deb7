from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self):
        from clusters import coverage, site_search, sitemaps

        from .models import Project
        from .site_search import projects
        from .sitemaps import ProjectSitemap

        sitemaps.register("projects", ProjectSitemap, order=20)
        site_search.register("projects", projects, order=30)
        coverage.register(Project, "clusters", order=30)
