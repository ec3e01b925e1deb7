from django.urls import path

from . import board_views as views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("<slug:slug>/", views.job_detail, name="detail"),
]
