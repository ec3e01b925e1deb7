from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("feed.ics", views.calendar_feed, name="feed"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/ical/", views.event_ical, name="ical"),
]
