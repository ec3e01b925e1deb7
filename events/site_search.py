"""The events' section of the site search (registered in EventsConfig.ready())."""

from django.utils.translation import gettext_lazy as _

from clusters.site_search import group, matching

from .models import Event


def events(query, words, limit):
    found = matching(
        Event.objects.published().select_related("municipality").order_by("-starts_at"),
        words,
        ["title", "summary", "description", "venue_name", "municipality__name"],
        {"title", "summary", "description", "venue_name", "municipality__name"},
    )
    return group("events", _("Events"), found, limit)
