"""The projects' section of the sitemap (registered in ProjectsConfig.ready())."""

from clusters.sitemaps import ModelSitemap

from .models import Project


class ProjectSitemap(ModelSitemap):
    url_name = "projects:detail"
    changefreq = "monthly"
    priority = 0.7

    def published(self):
        return Project.objects.published()
