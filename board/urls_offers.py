from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "offers"

urlpatterns = [
    path("", views.offer_list, name="list"),
    path(_("new/"), views.offer_create, name="create"),
    path(_("new/thanks/"), views.offer_submitted, name="submitted"),
    path(_("manage/<uuid:token>/"), views.offer_manage, name="manage"),
    path("<slug:slug>/", views.offer_detail, name="detail"),
    path(_("<slug:slug>/interest/"), views.offer_interest, name="interest"),
    path(_("<slug:slug>/partners/"), views.offer_partners, name="partners"),
]
