from django.urls import path

from . import board_views as views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/offer/", views.job_create, {"kind": "offer"}, name="create-offer"),
    path("new/wanted/", views.job_create, {"kind": "wanted"}, name="create-wanted"),
    path("new/thanks/", views.job_submitted, name="submitted"),
    path("manage/<uuid:token>/", views.job_manage, name="manage"),
    path("<slug:slug>/", views.job_detail, name="detail"),
    path("<slug:slug>/contact/", views.job_message, name="message"),
]
