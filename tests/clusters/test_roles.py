"""The permission matrix, by direct URL: administrator, coordinator of cluster A, coordinator of
cluster B, company representative and anonymous visitor — for every admin model and every kind of
admin page (change list, add, change, delete, history, autocomplete)."""

import copy

import pytest
from django.urls import reverse

from board.models import CooperationOffer
from companies.models import Company, Membership
from events.models import Event
from projects.models import Project
from tests import factories
from tests.admin_helpers import admin_url, build_world, form_data
from tests.shared import shared_data

pytestmark = pytest.mark.django_db

SCOPED = [
    "portal.cluster",
    "portal.person",
    "portal.newsitem",
    "companies.company",
    "companies.cooperationoffer",
    "companies.jobposting",
    "companies.companychangerequest",
    "companies.companyrepresentative",
    "projects.project",
    "events.event",
    "events.registration",
    "events.visitrequest",
    "events.matchmakingprofile",
    "events.meetingrequest",
    "events.meeting",
]
SHARED = [
    "portal.region",
    "portal.municipality",
    "portal.organization",
    "companies.sector",
    "companies.capability",
    "companies.material",
    "companies.certification",
    "companies.spokenlanguage",
]
ADMIN_ONLY = ["portal.page", "portal.moderationdecision"]
# Added elsewhere: clusters by administrators, visit requests and change requests by the public,
# representatives by invitation, the moderation log by moderation.
NO_ADD = {
    "portal.cluster",
    "companies.companychangerequest",
    "companies.companyrepresentative",
    "events.visitrequest",
    "portal.moderationdecision",
    # Matchmaking: profiles come with registrations, requests from participants, meetings from
    # accepted requests.
    "events.matchmakingprofile",
    "events.meetingrequest",
    "events.meeting",
}
NO_ADD_EVEN_ADMIN = NO_ADD - {"portal.cluster"}
NO_DELETE_FOR_COORDINATORS = {
    "portal.cluster",
    "companies.companychangerequest",
    # Hidden or cancelled rather than deleted.
    "events.matchmakingprofile",
    "events.meetingrequest",
    "events.meeting",
}
NO_HISTORY = {
    "companies.companychangerequest",
    "companies.companyrepresentative",
    "events.registration",
    "events.visitrequest",
    "portal.moderationdecision",
}


def build_world_and_users():
    world = build_world()
    users = {
        "admin": factories.user(is_staff=True, is_superuser=True),
        "coordinator_a": factories.coordinator(world.cluster_a),
        "coordinator_b": factories.coordinator(world.cluster_b),
        "representative": factories.representative(world.objects_a["companies.company"]),
        "anonymous": None,
    }
    return world, users


@pytest.fixture(scope="module")
def shared_world_and_users(django_db_setup, django_db_blocker):
    """Built once per module (and xdist worker): every test here reads the same world and users
    (see tests/shared.py); what a test writes is rolled back after it."""
    with shared_data(django_db_blocker, build_world_and_users) as data:
        yield data


@pytest.fixture
def world_and_users(shared_world_and_users):
    """This test's own copy of the objects (an attribute it changes does not leak)."""
    return copy.deepcopy(shared_world_and_users)


@pytest.fixture
def world(world_and_users):
    return world_and_users[0]


@pytest.fixture
def users(world_and_users):
    return world_and_users[1]


def login(client, users, who):
    if users[who] is not None:
        client.force_login(users[who])
    return client


def object_pages(label):
    pages = ["change", "delete", "history"]
    return [page for page in pages if not (page == "history" and label in NO_HISTORY)]


@pytest.mark.parametrize("who", ["representative", "anonymous"])
@pytest.mark.parametrize("label", SCOPED + SHARED + ADMIN_ONLY)
def test_outsiders_are_sent_to_the_login_page(client, world, users, who, label):
    login(client, users, who)
    obj = world.objects_a.get(label) or world.shared.get(label) or world.admin_only.get(label)
    for page in ["changelist", "add", *object_pages(label)]:
        response = client.get(admin_url(label, page, obj))
        assert response.status_code == 302, (label, page)
        assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("label", SCOPED + SHARED + ADMIN_ONLY)
def test_administrator_opens_every_page(client, world, users, label):
    login(client, users, "admin")
    obj = world.objects_a.get(label) or world.shared.get(label) or world.admin_only.get(label)
    assert client.get(admin_url(label, "changelist")).status_code == 200
    assert client.get(admin_url(label, "add")).status_code == (
        403 if label in NO_ADD_EVEN_ADMIN else 200
    )
    for page in object_pages(label):
        assert client.get(admin_url(label, page, obj)).status_code == 200, page


@pytest.mark.parametrize("label", SCOPED)
@pytest.mark.parametrize(
    ("who", "own", "other"), [("coordinator_a", "a", "b"), ("coordinator_b", "b", "a")]
)
def test_coordinator_reaches_own_cluster_only(client, world, users, label, who, own, other):
    login(client, users, who)
    mine = getattr(world, f"objects_{own}")[label]
    theirs = getattr(world, f"objects_{other}")[label]

    changelist = client.get(admin_url(label, "changelist"))
    assert changelist.status_code == 200
    listed = {obj.pk for obj in changelist.context["cl"].result_list}
    assert mine.pk in listed
    assert theirs.pk not in listed

    assert client.get(admin_url(label, "add")).status_code == (403 if label in NO_ADD else 200)
    for page in object_pages(label):
        expected = 403 if page == "delete" and label in NO_DELETE_FOR_COORDINATORS else 200
        assert client.get(admin_url(label, page, mine)).status_code == expected, page
        # Another cluster's object is not found, whatever URL is typed.
        assert client.get(admin_url(label, page, theirs)).status_code == 404, page


@pytest.mark.parametrize("label", SHARED)
def test_coordinators_read_shared_taxonomies_but_do_not_edit_them(client, world, users, label):
    login(client, users, "coordinator_a")
    obj = world.shared[label]
    assert client.get(admin_url(label, "changelist")).status_code == 200
    change = client.get(admin_url(label, "change", obj))
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert client.get(admin_url(label, "add")).status_code == 403
    assert client.get(admin_url(label, "delete", obj)).status_code == 403
    assert client.post(admin_url(label, "delete", obj), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("label", ADMIN_ONLY)
def test_coordinators_do_not_see_administrators_models(client, world, users, label):
    login(client, users, "coordinator_a")
    obj = world.admin_only[label]
    assert client.get(admin_url(label, "changelist")).status_code == 403
    for page in object_pages(label):
        assert client.get(admin_url(label, page, obj)).status_code in {403, 404}


def test_a_company_in_two_clusters_is_editable_by_both_coordinators(client, world, users):
    for who in ("coordinator_a", "coordinator_b"):
        login(client, users, who)
        assert (
            client.get(admin_url("companies.company", "change", world.company_ab)).status_code
            == 200
        )


def autocomplete(client, app_label, model_name, field_name, term=""):
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )


@pytest.mark.parametrize(
    ("source", "field_name", "label"),
    [
        ("events.event", "cluster", "portal.cluster"),
        ("companies.cooperationoffer", "company", "companies.company"),
        ("events.event", "project", "projects.project"),
        ("portal.newsitem", "contact", "portal.person"),
        ("events.registration", "event", "events.event"),
    ],
)
def test_autocomplete_offers_own_cluster_only(client, world, users, source, field_name, label):
    app_label, model_name = source.split(".")
    login(client, users, "coordinator_a")
    response = autocomplete(client, app_label, model_name, field_name)
    assert response.status_code == 200
    ids = {int(item["id"]) for item in response.json()["results"]}
    assert world.objects_a[label].pk in ids
    assert world.objects_b[label].pk not in ids

    login(client, users, "admin")
    ids = {
        int(item["id"])
        for item in autocomplete(client, app_label, model_name, field_name).json()["results"]
    }
    assert {world.objects_a[label].pk, world.objects_b[label].pk} <= ids


@pytest.mark.parametrize("who", ["representative", "anonymous"])
def test_autocomplete_refuses_outsiders(client, world, users, who):
    login(client, users, who)
    assert autocomplete(client, "events", "event", "cluster").status_code in {302, 403}


def test_coordinator_cannot_pick_another_clusters_choice(client, world, users):
    login(client, users, "coordinator_a")
    url = admin_url("events.event", "add")
    data = form_data(client.get(url), "event_form")
    organizer = world.objects_a["projects.project"].lead_organization
    data.update(
        {
            "title_en": "Sneaky seminar",
            "kind": "seminar",
            "organizer": organizer.pk,
            "starts_at_0": "2030-05-01",
            "starts_at_1": "09:00",
            "ends_at_0": "2030-05-01",
            "ends_at_1": "17:00",
            "time_zone": "Europe/Helsinki",
            "cluster": world.cluster_b.pk,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "cluster" in response.context["adminform"].form.errors
    assert not Event.objects.filter(title_en="Sneaky seminar").exists()

    data["cluster"] = world.cluster_a.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Event.objects.get(title_en="Sneaky seminar").cluster == world.cluster_a


def test_coordinator_must_keep_an_event_in_one_of_their_clusters(client, world, users):
    login(client, users, "coordinator_a")
    event = world.objects_a["events.event"]
    url = admin_url("events.event", "change", event)
    data = form_data(client.get(url), "event_form")
    data["cluster"] = ""
    response = client.post(url, data)
    assert response.status_code == 200
    assert "cluster" in response.context["adminform"].form.errors


def test_editing_a_shared_project_keeps_the_other_clusters(client, world, users):
    project = world.objects_a["projects.project"]
    project.clusters.add(world.cluster_b)
    login(client, users, "coordinator_a")
    url = admin_url("projects.project", "change", project)
    data = form_data(client.get(url), "project_form")
    # The coordinator sees only their cluster in the choices.
    assert data["clusters"] == [str(world.cluster_a.pk)]
    data["name_en"] = "Renamed by A"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    project.refresh_from_db()
    assert project.name_en == "Renamed by A"
    assert set(project.clusters.all()) == {world.cluster_a, world.cluster_b}


def test_company_membership_inline_is_scoped(client, world, users):
    login(client, users, "coordinator_a")
    url = admin_url("companies.company", "change", world.company_ab)
    response = client.get(url)
    data = form_data(response, "company_form")
    assert data["memberships-TOTAL_FORMS"] == "1"
    assert data["memberships-0-cluster"] == str(world.cluster_a.pk)
    # Removing the company from every cluster of the coordinator is refused…
    data["memberships-0-DELETE"] = ["on"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert Membership.objects.filter(company=world.company_ab).count() == 2
    # …and saving keeps the other cluster's membership.
    del data["memberships-0-DELETE"]
    data["name"] = "Company AB renamed"
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [inline.formset.errors for inline in response.context["inline_admin_formsets"]],
    )
    assert set(
        Membership.objects.filter(company=world.company_ab).values_list("cluster", flat=True)
    ) == {
        world.cluster_a.pk,
        world.cluster_b.pk,
    }


def test_bulk_actions_ignore_objects_out_of_scope(client, world, users):
    login(client, users, "coordinator_a")
    offer_a = world.objects_a["companies.cooperationoffer"]
    offer_b = world.objects_b["companies.cooperationoffer"]
    response = client.post(
        admin_url("companies.cooperationoffer", "changelist"),
        {"action": "delete_selected", "_selected_action": [offer_a.pk, offer_b.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CooperationOffer.objects.filter(pk=offer_a.pk).exists()
    assert CooperationOffer.objects.filter(pk=offer_b.pk).exists()


def test_coordinator_cannot_delete_another_clusters_object_by_post(client, world, users):
    login(client, users, "coordinator_a")
    company_b = world.objects_b["companies.company"]
    response = client.post(admin_url("companies.company", "delete", company_b), {"post": "yes"})
    assert response.status_code == 404
    assert Company.objects.filter(pk=company_b.pk).exists()


def test_coordinator_cannot_edit_another_clusters_object_by_post(client, world, users):
    login(client, users, "coordinator_a")
    project_b = world.objects_b["projects.project"]
    response = client.post(
        admin_url("projects.project", "change", project_b), {"name_en": "Hijacked"}
    )
    assert response.status_code == 404
    assert Project.objects.get(pk=project_b.pk).name_en != "Hijacked"


def test_history_version_of_another_cluster_is_not_found(client, world, users):
    project_b = world.objects_b["projects.project"]
    project_b.name_en = "Changed"
    project_b.save()
    version = project_b.history.latest()
    login(client, users, "coordinator_a")
    url = reverse("admin:projects_project_simple_history", args=[project_b.pk, version.history_id])
    assert client.get(url).status_code == 404
    login(client, users, "coordinator_b")
    assert client.get(url).status_code == 200


def test_staff_user_without_a_cluster_sees_nothing(client, world):
    from clusters.roles import ensure_coordinator_group

    user = factories.user(is_staff=True)
    user.groups.add(ensure_coordinator_group())
    client.force_login(user)
    assert client.get(admin_url("companies.company", "changelist")).status_code == 403
    assert client.get(admin_url("companies.company", "change", world.company_ab)).status_code == 404


def test_coordinator_group_is_created_with_view_only_taxonomies(world, users):
    group = users["coordinator_a"].groups.get()
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_company", "view_sector", "change_cluster"} <= codenames
    assert "change_sector" not in codenames
    assert "add_cluster" not in codenames
    assert users["coordinator_a"].is_staff
