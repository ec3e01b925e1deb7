"""The events' section of the sitemap (registered in EventsConfig.ready())."""

from clusters.sitemaps import ModelSitemap

from .models import Event


class EventSitemap(ModelSitemap):
    model = Event
    url_name = "events:detail"
    changefreq = "weekly"
    priority = 0.6
