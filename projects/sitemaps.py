"""The projects' section of the sitemap (registered in ProjectsConfig.ready())."""

from clusters.sitemaps import ModelSitemap

from .models import Project


class ProjectSitemap(ModelSitemap):
    model = Project
    url_name = "projects:detail"
    changefreq = "monthly"
    priority = 0.7
