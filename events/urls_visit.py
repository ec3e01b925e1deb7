from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import booking_views as views

app_name = "visit"

urlpatterns = [
    path("", views.visit_request, name="request"),
    path(_("thanks/"), views.visit_thanks, name="thanks"),
]
