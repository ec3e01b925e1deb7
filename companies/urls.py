from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "companies"

urlpatterns = [
    path("", views.company_list, name="list"),
    path("export.csv", views.company_export, name="export"),
    path("<slug:slug>/", views.company_detail, name="detail"),
    path(_("<slug:slug>/partners/"), views.company_partners, name="partners"),
    path("<slug:slug>/vcard/", views.company_vcard, name="vcard"),
]
