from django.urls import path
from django.utils.translation import gettext_lazy as _

from events import views as event_views
from indicators import views as indicator_views

from . import feeds, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path(_("clusters/"), views.cluster_list, name="cluster-list"),
    path(_("clusters/<slug:slug>/"), views.cluster_detail, name="cluster"),
    path(
        _("clusters/<slug:slug>/events.ics"),
        event_views.cluster_calendar,
        name="cluster-events-ics",
    ),
    path(
        _("clusters/<slug:slug>/figures/"),
        indicator_views.cluster_figures,
        name="cluster-figures",
    ),
    path(_("news/"), views.news_list, name="news-list"),
    path(_("news/rss.xml"), feeds.LatestNewsFeed(), name="news-rss"),
    path(_("news/atom.xml"), feeds.LatestNewsAtomFeed(), name="news-atom"),
    path(_("news/<slug:slug>/"), views.news_detail, name="news-detail"),
    path(_("pages/<slug:slug>/"), views.page_detail, name="page"),
    path(_("search/"), views.search, name="search"),
]
