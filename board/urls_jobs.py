from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path(_("new/offer/"), views.job_create, {"kind": "offer"}, name="create-offer"),
    path(_("new/wanted/"), views.job_create, {"kind": "wanted"}, name="create-wanted"),
    path(_("new/thanks/"), views.job_submitted, name="submitted"),
    path(_("manage/<uuid:token>/"), views.job_manage, name="manage"),
    path("<slug:slug>/", views.job_detail, name="detail"),
    path(_("<slug:slug>/contact/"), views.job_message, name="message"),
]
