"""Root URLs. Public pages live under a language prefix (/en/, /sv/, /fi/, /pl/, /lt/) and their
path segments are translated with gettext; the English paths are a fixed interface."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from clusters import files

from . import views
from .sitemaps import SITEMAPS, sitemap_section

urlpatterns = [
    path("", views.root_redirect, name="root"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    # Private files behind a signed link that expires (clusters/files.py).
    path("files/<str:token>/<str:filename>", files.private_file, name="private-file"),
    # The open data API: read-only JSON, outside the language prefixes (?lang= chooses).
    path("api/v1/", include("api.urls")),
    # /sitemap.xml is an index of sections (the portal's pages, then those the apps register);
    # a section is paged (?p=2) so 100,000 companies in five languages stay under the protocol's
    # 50,000 URLs a file.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_section,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
]

urlpatterns += i18n_patterns(
    path("", include("portal.urls_public")),
    path(_("companies/"), include("companies.urls")),
    path(_("offers/"), include("board.urls_offers")),
    path(_("jobs/"), include("board.urls_jobs")),
    path(_("projects/"), include("projects.urls")),
    path(_("events/"), include("events.urls")),
    path(_("visit/"), include("events.urls_visit")),
    path(_("my-company/"), include("representatives.urls")),
    path(_("open-data/"), include("api.urls_public")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

# A database outage answers 503 with Retry-After, wherever it is raised (portal/middleware.py).
handler500 = "portal.middleware.server_error"

# Public uploads on this machine's disk, when no proxy or S3 serves them (SERVE_MEDIA).
if settings.SERVE_MEDIA:
    urlpatterns += [path("media/<path:path>", views.media, name="media")]
