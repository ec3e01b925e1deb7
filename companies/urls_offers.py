from django.urls import path

from . import board_views as views

app_name = "offers"

urlpatterns = [
    path("", views.offer_list, name="list"),
    path("new/", views.offer_create, name="create"),
    path("new/thanks/", views.offer_submitted, name="submitted"),
    path("manage/<uuid:token>/", views.offer_manage, name="manage"),
    path("<slug:slug>/", views.offer_detail, name="detail"),
    path("<slug:slug>/interest/", views.offer_interest, name="interest"),
    path("<slug:slug>/partners/", views.offer_partners, name="partners"),
]
