from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import booking_views, views
from .matchmaking import link_views as matchmaking_links
from .matchmaking import views as matchmaking

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
    # Matchmaking: the participants' pages (events/matchmaking/).
    path(_("<slug:slug>/matchmaking/"), matchmaking.participants, name="matchmaking"),
    path(_("<slug:slug>/matchmaking/agenda/"), matchmaking.agenda, name="matchmaking-agenda"),
    path(
        _("<slug:slug>/matchmaking/agenda.ics"),
        matchmaking.agenda_ics,
        name="matchmaking-agenda-ics",
    ),
    path(
        _("<slug:slug>/matchmaking/profile/"),
        matchmaking.profile_edit,
        name="matchmaking-profile",
    ),
    path(
        _("<slug:slug>/matchmaking/<int:pk>/request/"),
        matchmaking.request_meeting,
        name="matchmaking-request",
    ),
    path(
        _("<slug:slug>/matchmaking/requests/<int:pk>/<str:action>/"),
        matchmaking.answer,
        name="matchmaking-answer",
    ),
    path(
        _("<slug:slug>/matchmaking/sign-in/"),
        matchmaking_links.signin,
        name="matchmaking-signin",
    ),
    path(
        _("<slug:slug>/matchmaking/access/<str:token>/"),
        matchmaking_links.access_link,
        name="matchmaking-access",
    ),
    path(
        _("<slug:slug>/matchmaking/sign-out/"),
        matchmaking_links.signout,
        name="matchmaking-signout",
    ),
    path(
        _("<slug:slug>/matchmaking/survey/<str:token>/"),
        matchmaking_links.survey,
        name="matchmaking-survey",
    ),
]
