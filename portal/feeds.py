"""News and press releases as RSS 2.0 and Atom 1.0 feeds, in the language of the URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from clusters.models import NewsItem

FEED_LENGTH = 30


class LatestNewsFeed(Feed):
    title = _("News and press releases of the cluster portal")
    description = _("News and press releases of the metal, paper, wood and cleantech clusters.")

    def link(self):
        return reverse("portal:news-list")

    def feed_url(self):
        return reverse("portal:news-rss")

    def items(self):
        return NewsItem.objects.published().select_related("cluster", "project")[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary or item.body

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_guid(self, item):
        # A tag: URI (RFC 4151) on the item's id: stable across edits, slugs and languages.
        return f"tag:{urlsplit(settings.SITE_URL).hostname or 'localhost'},2024:news-{item.pk}"

    item_guid_is_permalink = False

    def item_categories(self, item):
        categories = [str(item.get_kind_display())]
        if item.cluster_id:
            categories.append(item.cluster.name)
        if item.project_id:
            categories.append(item.project.name)
        return categories


class LatestNewsAtomFeed(LatestNewsFeed):
    feed_type = Atom1Feed
    subtitle = LatestNewsFeed.description

    def feed_url(self):
        return reverse("portal:news-atom")
