"""The sitemap: every public page in every language, each with its hreflang alternates.

``/sitemap.xml`` is an index of the sections: the portal's own pages here, then the sections the
apps register from their AppConfig.ready() (clusters/sitemaps.py). A section is paged (``?p=2``)
so that 100,000 companies in five languages stay well under the protocol's 50,000 URLs a file,
and no request loads more than one page of rows.
"""

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.urls import reverse

from clusters.sitemaps import TranslatedSitemap, sections


class StaticPagesSitemap(TranslatedSitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return [
            "portal:home",
            "companies:list",
            "portal:cluster-list",
            "projects:list",
            "events:list",
            "portal:news-list",
            "offers:list",
            "jobs:list",
            "open_data:index",
        ]

    def location(self, item):
        return reverse(item)


# Section name → sitemap class, in the index's order. (Read when the URLconf is loaded, after
# every app's ready() has registered its sections.)
SITEMAPS = {"pages": StaticPagesSitemap, **sections()}


def sitemap_section(request, sitemaps, section):
    """Django's section view, with x-default pointing at the default language's page (English),
    as in each page's own <head>. (Django makes it the unprefixed path, which this portal answers
    with 404 to a visitor whose language translates it: there is no /fi/companies/….)"""
    response = sitemap_views.sitemap(request, sitemaps, section=section)
    for url in response.context_data["urlset"]:
        by_language = {alternate["lang_code"]: alternate for alternate in url["alternates"]}
        if "x-default" in by_language and settings.LANGUAGE_CODE in by_language:
            by_language["x-default"]["location"] = by_language[settings.LANGUAGE_CODE]["location"]
    return response
