"""What a coordinator may not do even within their own clusters: delete a company another cluster
shares, save an object that falls outside every one of their clusters, or read other clusters'
events in a change-list filter."""

import copy
import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from board.models import JobPosting
from clusters.models import ModerationStatus, NewsItem
from companies.models import Company, Membership
from tests import factories
from tests.admin_helpers import admin_url, build_world, form_data
from tests.shared import shared_data

pytestmark = pytest.mark.django_db


def build_world_and_users():
    world = build_world()
    users = {
        "admin": factories.user(is_staff=True, is_superuser=True),
        "coordinator_a": factories.coordinator(world.cluster_a),
        "coordinator_b": factories.coordinator(world.cluster_b),
    }
    return world, users


@pytest.fixture(scope="module")
def shared_world_and_users(django_db_setup, django_db_blocker):
    with shared_data(django_db_blocker, build_world_and_users) as data:
        yield data


@pytest.fixture
def world_and_users(shared_world_and_users):
    return copy.deepcopy(shared_world_and_users)


@pytest.fixture
def world(world_and_users):
    return world_and_users[0]


@pytest.fixture
def users(world_and_users):
    return world_and_users[1]


# --- 1. Deleting a company another cluster shares ---------------------------------------------


def test_coordinator_cannot_delete_a_company_shared_with_another_cluster(client, world, users):
    client.force_login(users["coordinator_a"])
    url = admin_url("companies.company", "delete", world.company_ab)
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(company=world.company_ab).count() == 2
    # The change page offers no delete link for it.
    change = client.get(admin_url("companies.company", "change", world.company_ab))
    assert change.context["has_delete_permission"] is False
    # A company of their cluster only is still theirs to delete; the administrator deletes any.
    own = world.objects_a["companies.company"]
    assert client.get(admin_url("companies.company", "delete", own)).status_code == 200
    client.force_login(users["admin"])
    assert client.get(url).status_code == 200


def test_bulk_delete_skips_companies_shared_with_another_cluster(client, world, users):
    client.force_login(users["coordinator_a"])
    own = factories.company(clusters=[world.cluster_a], name="Only in A")
    response = client.post(
        admin_url("companies.company", "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [own.pk, world.company_ab.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Company.objects.filter(pk=own.pk).exists()
    assert Company.objects.filter(pk=world.company_ab.pk).exists()
    assert Membership.objects.filter(company=world.company_ab).count() == 2
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("Company AB" in text and "another cluster" in text for text in texts), texts


def test_bulk_delete_of_shared_companies_only_deletes_nothing(client, world, users):
    client.force_login(users["coordinator_a"])
    response = client.post(
        admin_url("companies.company", "changelist"),
        {"action": "delete_selected", "_selected_action": [world.company_ab.pk]},
    )
    assert response.status_code == 302  # no confirmation page: nothing left to delete
    assert Company.objects.filter(pk=world.company_ab.pk).exists()


# --- 2. Saving an object outside one's clusters -----------------------------------------------


def job_data(client, url, **changes):
    data = form_data(client.get(url), "jobposting_form")
    data.update(
        {
            "kind": JobPosting.Kind.WANTED,
            "title_en": "Orphan welder",
            "description_en": "Welding.",
            "profession_en": "Welder",
            "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "contact_name": "Boss",
            "contact_email": "boss@example.org",
            "status": ModerationStatus.PUBLISHED,
            "company": "",
            "municipality": "",
        }
    )
    data.update(changes)
    return data


def test_coordinator_cannot_publish_a_job_post_outside_their_clusters(client, world, users):
    client.force_login(users["coordinator_a"])
    url = admin_url("companies.jobposting", "add")
    response = client.post(url, job_data(client, url))
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert any("one of your clusters" in error for error in errors), errors
    assert not JobPosting.objects.filter(title_en="Orphan welder").exists()

    # In a town of their cluster's region, it is saved.
    town = world.objects_a["companies.company"].municipality
    world.cluster_a.region = town.region
    world.cluster_a.save()
    response = client.post(url, job_data(client, url, municipality=town.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert JobPosting.objects.get(title_en="Orphan welder").municipality == town


def test_coordinator_cannot_unlink_a_job_post_from_their_clusters(client, world, users):
    job = world.objects_a["companies.jobposting"]
    client.force_login(users["coordinator_a"])
    url = admin_url("companies.jobposting", "change", job)
    data = form_data(client.get(url), "jobposting_form")
    data["company"] = ""
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    job.refresh_from_db()
    assert job.company == world.objects_a["companies.company"]


def test_coordinator_cannot_publish_news_without_a_cluster(client, world, users):
    client.force_login(users["coordinator_a"])
    url = admin_url("portal.newsitem", "add")
    data = form_data(client.get(url), "newsitem_form")
    data.update({"title_en": "Site-wide news", "body_en": "Hello.", "cluster": "", "project": ""})
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not NewsItem.objects.filter(title_en="Site-wide news").exists()

    # The administrator may publish site-wide news.
    client.force_login(users["admin"])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert NewsItem.objects.filter(title_en="Site-wide news", cluster=None).exists()


# --- 3. The registrations' event filter ---------------------------------------------------------


def event_filter_choices(response):
    # The filter is not shown at all with fewer than two choices.
    specs = [spec for spec in response.context["cl"].filter_specs if spec.field_path == "event"]
    return {pk for spec in specs for pk, _label in spec.lookup_choices}


def test_registration_event_filter_lists_own_clusters_events_only(client, world, users):
    hidden = factories.event(title_en="Unpublished B", cluster=world.cluster_b, is_published=False)
    factories.registration(hidden)
    second_a = factories.event(title_en="Second A", cluster=world.cluster_a)
    factories.registration(second_a)
    client.force_login(users["coordinator_a"])
    response = client.get(admin_url("events.registration", "changelist"))
    assert response.status_code == 200
    choices = event_filter_choices(response)
    assert {world.objects_a["events.event"].pk, second_a.pk} <= choices
    assert world.objects_b["events.event"].pk not in choices
    assert hidden.pk not in choices
    assert "Unpublished B" not in response.content.decode()

    client.force_login(users["admin"])
    choices = event_filter_choices(client.get(admin_url("events.registration", "changelist")))
    assert {world.objects_b["events.event"].pk, hidden.pk} <= choices
