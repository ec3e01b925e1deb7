"""History: who changed what and when, visible and revertible in the admin, scoped."""

import pytest
from django.urls import reverse

from projects.models import Project
from tests import factories
from tests.admin_helpers import form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("label", "make", "field", "value"),
    [
        ("portal.cluster", lambda c: c, "name_en", "Renamed cluster"),
        (
            "companies.company",
            lambda c: factories.company(clusters=[c], business_id="0737546-2"),
            "name",
            "Renamed Oy",
        ),
        ("projects.project", lambda c: _project(c), "name_en", "Renamed project"),
        ("events.event", lambda c: factories.event(cluster=c), "title_en", "Renamed event"),
        ("portal.person", lambda c: _contact(c), "last_name", "Renamed"),
    ],
)
def test_admin_changes_are_recorded_with_the_user(client, label, make, field, value):
    cluster = factories.cluster()
    obj = make(cluster)
    coordinator = factories.coordinator(cluster)
    client.force_login(coordinator)
    app_label, model_name = label.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
    data = form_data(client.get(url), f"{model_name}_form")
    data[field] = value
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = obj.history.latest()
    assert latest.history_user == coordinator
    assert getattr(latest, field) == value
    page = client.get(reverse(f"admin:{app_label}_{model_name}_history", args=[obj.pk]))
    assert page.status_code == 200
    assert coordinator.get_username() in page.content.decode()


def _project(cluster):
    project = factories.project()
    project.clusters.add(cluster)
    return project


def _contact(cluster):
    from clusters.models import ClusterContact

    person = factories.person()
    ClusterContact.objects.create(cluster=cluster, person=person)
    return person


def test_a_change_can_be_reverted_from_the_history(client):
    cluster = factories.cluster()
    project = _project(cluster)
    original = project.name_en
    project.name_en = "A mistake"
    project.save()
    first = project.history.earliest()
    client.force_login(factories.coordinator(cluster))
    url = reverse("admin:projects_project_simple_history", args=[project.pk, first.history_id])
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Project.objects.get(pk=project.pk).name_en == original


def test_a_coordinator_created_contact_stays_reachable_before_it_is_linked(client):
    cluster = factories.cluster()
    client.force_login(factories.coordinator(cluster))
    url = reverse("admin:portal_person_add")
    data = form_data(client.get(url), "person_form")
    data.update({"first_name": "Maija", "last_name": "Example", "email": "maija@example.org"})
    response = client.post(url, data)
    assert response.status_code == 302
    from clusters.models import Person

    person = Person.objects.get(last_name="Example")
    assert client.get(reverse("admin:portal_person_change", args=[person.pk])).status_code == 200
    # Another coordinator does not see it.
    client.force_login(factories.coordinator(factories.cluster()))
    assert client.get(reverse("admin:portal_person_change", args=[person.pk])).status_code == 404
