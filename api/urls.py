"""/api/v1/: the open data API (outside the language prefixes: ``?lang=`` chooses the language)."""

from django.urls import path

from . import directory_views, schema, views

app_name = "api"

urlpatterns = [
    path("", views.Root.as_view(), name="root"),
    path("companies/", directory_views.CompanyList.as_view(), name="company-list"),
    path("company-facets/", directory_views.CompanyFacets.as_view(), name="company-facets"),
    path("companies/<slug:slug>/", directory_views.CompanyDetail.as_view(), name="company-detail"),
    path("clusters/", views.ClusterList.as_view(), name="cluster-list"),
    path("clusters/<slug:slug>/", views.ClusterDetail.as_view(), name="cluster-detail"),
    path("projects/", views.ProjectList.as_view(), name="project-list"),
    path("projects/<slug:slug>/", views.ProjectDetail.as_view(), name="project-detail"),
    path("events/", views.EventList.as_view(), name="event-list"),
    path("events/<slug:slug>/", views.EventDetail.as_view(), name="event-detail"),
    path("offers/", views.OfferList.as_view(), name="offer-list"),
    path("offers/<slug:slug>/", views.OfferDetail.as_view(), name="offer-detail"),
    path("schema/", schema.SchemaView.as_view(), name="schema"),
    path("docs/", schema.DocsView.as_view(), name="docs"),
]
