"""/<lang>/open-data/: the Open data page and stable links to the latest bulk files."""

from django.urls import path

from . import public_views

app_name = "open_data"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("<slug:language>/<str:filename>", public_views.download, name="download"),
]
