from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        from clusters import coverage, moderation, site_search, sitemaps

        from .models import Event, VisitRequest
        from .moderation import VisitAdapter
        from .site_search import events
        from .sitemaps import EventSitemap

        moderation.register(VisitRequest, VisitAdapter())
        sitemaps.register("events", EventSitemap, order=30)
        site_search.register("events", events, order=40)
        coverage.register(Event, "cluster", order=40)
