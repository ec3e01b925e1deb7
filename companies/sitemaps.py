"""The companies' section of the sitemap (registered in CompaniesConfig.ready())."""

from clusters.sitemaps import ModelSitemap

from .models import Company


class CompanySitemap(ModelSitemap):
    model = Company
    url_name = "companies:detail"
    changefreq = "weekly"
    priority = 0.7
    # (company, language) pairs a file: 1,000 companies, 5,000 URLs each with six alternates.
    limit = 5_000
