"""Every admin page of every registered model answers 200 for an administrator (changelist, add,
change, delete, history), the coordinator's index shows their figures, and change lists keep a
fixed number of queries."""

import copy

import pytest
from axes.models import AccessFailureLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from board.models import CooperationOffer, OfferInterest
from clusters.models import ClusterCoordinator, ModerationStatus, OutgoingEmail
from tests import factories
from tests.admin_helpers import build_world
from tests.shared import shared_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, world_objects):
    user = factories.user(username="root", password="pw", is_staff=True, is_superuser=True)
    # A failed and a successful login, so that the lock-out log models have rows too.
    # (another user name: a successful login resets the user's own failures)
    client.post(reverse("admin:login"), {"username": "somebody", "password": "wrong"})
    assert client.login(request=RequestFactory().get("/"), username="root", password="pw")
    client.user = user
    return client


def make_world_objects():
    world = build_world()
    Group.objects.create(name="Editors")
    # Written only when AXES_ENABLE_ACCESS_FAILURE_LOG is on; its admin is registered anyway.
    AccessFailureLog.objects.create(
        username="somebody", ip_address="127.0.0.1", user_agent="test", path_info="/"
    )
    ClusterCoordinator.objects.create(user=factories.user(), cluster=world.cluster_a)
    OfferInterest.objects.create(
        offer=CooperationOffer.objects.first() or factories.offer(),
        name="Interested Buyer",
        email="buyer@example.org",
        message="We need 200 laser-cut brackets a month.",
    )
    OutgoingEmail.objects.create(  # the outbox (a mail server failed)
        name="accounts/password_reset", language="en", to=["a@example.org"], subject="S", body="B"
    )
    return world


@pytest.fixture(scope="class")
def shared_world_objects(django_db_setup, django_db_blocker):
    """Built once for the class that uses it (tests/shared.py): its tests only open pages, and what
    one writes is rolled back after it."""
    with shared_data(django_db_blocker, make_world_objects) as world:
        yield world


@pytest.fixture
def world_objects(shared_world_objects):
    return copy.deepcopy(shared_world_objects)


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


class TestEveryAdminPage:
    """Uses the world shared by the class (shared_world_objects)."""

    @pytest.mark.parametrize(
        ("model", "model_admin"),
        registered(),
        ids=lambda value: getattr(getattr(value, "_meta", None), "label", ""),
    )
    def test_every_admin_page_answers_for_an_administrator(
        self, superuser_client, model, model_admin
    ):
        client = superuser_client
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        request = RequestFactory().get("/")
        request.user = client.user

        assert client.get(reverse(f"{prefix}_changelist")).status_code == 200
        add = client.get(reverse(f"{prefix}_add"))
        assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)

        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"no {opts.label} to open"
        assert client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200
        delete = client.get(reverse(f"{prefix}_delete", args=[obj.pk]))
        assert delete.status_code == (
            200 if model_admin.has_delete_permission(request, obj) else 403
        )
        assert client.get(reverse(f"{prefix}_history", args=[obj.pk])).status_code == 200
        if model_admin.search_fields:
            assert client.get(reverse(f"{prefix}_changelist") + "?q=a").status_code == 200


@pytest.mark.parametrize("language", ["en", "fi"])
def test_coordinator_index_shows_their_figures(client, language):
    from django.utils import translation

    mine, theirs = factories.cluster(name_en="Alpha Metal"), factories.cluster(name_en="Beta Paper")
    factories.offer(cluster=mine, status=ModerationStatus.PENDING)
    factories.offer(cluster=mine, status=ModerationStatus.PENDING)
    factories.offer(cluster=theirs, status=ModerationStatus.PENDING)
    factories.company(clusters=[mine], confirmed_at=None)
    factories.event(cluster=mine, title_en="Alpha seminar")
    factories.event(cluster=theirs, title_en="Beta seminar")
    factories.visit_request(cluster=mine, name="Delegation from Umeå")
    client.force_login(factories.coordinator(mine))
    with translation.override(language):
        url = reverse("admin:index")
    response = client.get(url)
    assert response.status_code == 200
    dashboard = response.context["dashboard"] if "dashboard" in response.context else None
    body = response.content.decode()
    assert "Alpha seminar" in body and "Beta seminar" not in body
    assert "Delegation from Umeå" in body
    assert "Beta Paper" not in body
    if dashboard is not None:
        pending = {link.label: link.count for link in dashboard["pending"]}
        assert pending[str(CooperationOffer._meta.verbose_name_plural)] == 2


def test_translation_coverage_per_cluster(rf):
    from portal.dashboard import translation_coverage

    cluster = factories.cluster(
        name_en="Full", name_fi="Täysi", name_sv="Full", name_pl="Pełny", name_lt="Pilnas"
    )
    factories.company(clusters=[cluster], description_en="Only English")
    request = rf.get("/")
    request.user = factories.user(is_superuser=True, is_staff=True)
    coverage = {row.cluster: row for row in translation_coverage(request)}[cluster]
    by_language = dict(coverage.by_language)
    # Two texts written: the cluster's name (5 languages) and the company's description (English).
    assert by_language["en"] == 100
    assert by_language["fi"] == 50
    assert coverage.percent == 60


def test_missing_translation_filter(admin_client):
    complete = factories.cluster(name_en="A", name_fi="A", name_sv="A", name_pl="A", name_lt="A")
    without_polish = factories.cluster(name_en="B", name_fi="B", name_sv="B")
    response = admin_client.get(
        reverse("admin:portal_cluster_changelist") + "?missing_translation=pl"
    )
    listed = set(response.context["cl"].result_list)
    assert without_polish in listed and complete not in listed


@pytest.fixture(scope="class")
def cluster_with_rows(django_db_setup, django_db_blocker, make):
    """A cluster and 30 rows of one change list (``make``), built once for both users of
    TestChangeListQueries (tests/shared.py); what a test writes is rolled back after it."""

    def build():
        cluster = factories.cluster()
        for _ in range(30):
            make(cluster)
        return cluster

    with shared_data(django_db_blocker, build) as cluster:
        yield cluster


class TestChangeListQueries:
    @pytest.mark.parametrize(
        ("url_name", "make"),
        [
            ("admin:companies_company_changelist", lambda c: factories.company(clusters=[c])),
            (
                "admin:companies_cooperationoffer_changelist",
                lambda c: factories.offer(cluster=c, company=factories.company(clusters=[c])),
            ),
            (
                "admin:companies_jobposting_changelist",
                lambda c: factories.job(company=factories.company(clusters=[c])),
            ),
            ("admin:events_event_changelist", lambda c: factories.event(cluster=c)),
            ("admin:projects_project_changelist", lambda c: factories.project().clusters.add(c)),
            ("admin:events_visitrequest_changelist", lambda c: factories.visit_request(cluster=c)),
        ],
        scope="class",  # cluster_with_rows is built once per change list, for both users
    )
    @pytest.mark.parametrize("who", ["coordinator", "administrator"])
    def test_change_lists_have_a_fixed_number_of_queries(
        self, client, django_assert_max_num_queries, url_name, make, who, cluster_with_rows
    ):
        cluster = copy.deepcopy(cluster_with_rows)
        user = (
            factories.coordinator(cluster)
            if who == "coordinator"
            else factories.user(is_staff=True, is_superuser=True)
        )
        client.force_login(user)
        with django_assert_max_num_queries(14):
            response = client.get(reverse(url_name))
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == 30
