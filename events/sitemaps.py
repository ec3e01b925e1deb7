"""The events' section of the sitemap (registered in EventsConfig.ready())."""

from clusters.sitemaps import ModelSitemap

from .models import Event


class EventSitemap(ModelSitemap):
    url_name = "events:detail"
    changefreq = "weekly"
    priority = 0.6

    def published(self):
        return Event.objects.published()
