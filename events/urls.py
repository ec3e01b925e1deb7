from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import booking_views, views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("feed.ics", views.calendar_feed, name="feed"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/ical/", views.event_ical, name="ical"),
    path(_("<slug:slug>/register/"), booking_views.register, name="register"),
    path("<slug:slug>/participants.csv", booking_views.participants_csv, name="participants-csv"),
    path(_("registration/<uuid:token>/"), booking_views.registration_detail, name="registration"),
    path(
        _("registration/<uuid:token>/cancel/"),
        booking_views.registration_cancel,
        name="registration-cancel",
    ),
]
