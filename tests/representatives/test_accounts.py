"""Accounts: invitation with a one-time link, password reset, lock-out after failed logins,
"My company" for representatives."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import translation

from clusters.models import ModerationStatus
from representatives.models import CompanyRepresentative
from tests import factories

pytestmark = pytest.mark.django_db


def link_in(message):
    return (
        re.search(r"https?://\S+", message.body)
        .group(0)
        .split("testserver", 1)[-1]
        .replace("http://127.0.0.1:8000", "")
    )


@pytest.fixture
def cluster():
    return factories.cluster()


@pytest.fixture
def company(cluster):
    return factories.company(clusters=[cluster], business_id="0737546-2")


def test_coordinator_invites_a_representative_who_sets_a_password_once(client, cluster, company):
    client.force_login(factories.coordinator(cluster))
    url = reverse("admin:companies_company_invite", args=[company.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"email": "New.Rep@example.org", "first_name": "Liisa", "language": "fi"}
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.rep@example.org")
    assert not user.has_usable_password() and not user.is_staff
    assert CompanyRepresentative.objects.get(user=user).company == company
    message = mail.outbox[-1]
    assert message.to == ["new.rep@example.org"]
    assert company.name in message.subject
    link = link_in(message)
    assert link.startswith("/fi/")

    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Vaasa-Steel-2026", "new_password2": "Vaasa-Steel-2026"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Vaasa-Steel-2026")
    # The link works once.
    assert not client.get(link, follow=True).context["validlink"]
    # And the representative can now log in and reach their company.
    response = client.post(
        reverse("my_company:login"),
        {"username": "new.rep@example.org", "password": "Vaasa-Steel-2026"},
    )
    assert response.status_code == 302
    assert client.get(reverse("my_company:dashboard"), follow=True).context["company"] == company


def test_another_clusters_coordinator_cannot_invite(client, company):
    client.force_login(factories.coordinator(factories.cluster()))
    response = client.post(
        reverse("admin:companies_company_invite", args=[company.pk]),
        {"email": "x@example.org", "language": "en"},
    )
    assert response.status_code == 404
    assert not mail.outbox


def test_staff_addresses_cannot_be_invited(client, cluster, company):
    coordinator = factories.coordinator(cluster)
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:companies_company_invite", args=[company.pk]),
        {"email": coordinator.email, "language": "en"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


@pytest.mark.parametrize("language", ["sv", "pl"])
def test_password_reset_sends_a_link_in_the_pages_language(client, language):
    user = factories.user(email="reset@example.org")
    with translation.override(language):
        url = reverse("my_company:password-reset")
    assert url.startswith(f"/{language}/")
    response = client.post(url, {"email": "reset@example.org"})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["reset@example.org"]
    link = link_in(message)
    assert link.startswith(f"/{language}/")
    page = client.get(link, follow=True)
    assert page.context["validlink"]
    client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "Another-Good-1", "new_password2": "Another-Good-1"},
    )
    user.refresh_from_db()
    assert user.check_password("Another-Good-1")


def test_password_reset_for_an_unknown_address_sends_nothing_but_looks_the_same(client):
    response = client.post(reverse("my_company:password-reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert not mail.outbox


@pytest.mark.parametrize("url_name", ["admin:login", "my_company:login"])
def test_the_sixth_failed_login_is_refused(client, url_name):
    factories.user(username="target", password="right-password", is_staff=True)
    url = reverse(url_name)
    for _attempt in range(4):
        response = client.post(url, {"username": "target", "password": "wrong"})
        assert response.status_code == 200
    # The fifth failure reaches AXES_FAILURE_LIMIT and locks the account…
    assert client.post(url, {"username": "target", "password": "wrong"}).status_code == 429
    # …so the sixth attempt is refused, even with the right password.
    response = client.post(url, {"username": "target", "password": "right-password"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_my_company_requires_login_and_shows_only_own_companies(client, company):
    other = factories.company(business_id="2336509-6")
    dashboard = reverse("my_company:dashboard")
    assert client.get(dashboard)["Location"].startswith(reverse("my_company:login"))
    client.force_login(factories.representative(company))
    assert (
        client.get(reverse("my_company:company", kwargs={"slug": company.slug})).status_code == 200
    )
    for name in ("company", "edit"):
        assert (
            client.get(reverse(f"my_company:{name}", kwargs={"slug": other.slug})).status_code
            == 404
        )
    assert (
        client.post(reverse("my_company:confirm", kwargs={"slug": other.slug})).status_code == 404
    )


def test_confirm_button_marks_the_profile_up_to_date(client, company):
    client.force_login(factories.representative(company))
    url = reverse("my_company:confirm", kwargs={"slug": company.slug})
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    company.refresh_from_db()
    assert company.confirmed_at is not None


@pytest.mark.parametrize("language", ["en", "fi"])
def test_my_company_lists_offers_and_jobs(client, company, language):
    factories.offer(company=company, title_en="Laser capacity", status=ModerationStatus.PENDING)
    factories.job(company=company, title_en="CNC operator")
    client.force_login(factories.representative(company))
    client.cookies["django_language"] = language
    with translation.override(language):
        url = reverse("my_company:company", kwargs={"slug": company.slug})
    body = client.get(url).content.decode()
    assert "Laser capacity" in body and "CNC operator" in body
    assert f'lang="{language}"' in body
    # A published post links to its page; one waiting for moderation does not yet.
    assert re.search(r"<a [^>]*>CNC operator</a>", body)
    assert not re.search(r"<a [^>]*>Laser capacity</a>", body)


def test_user_without_companies_sees_an_explanation(client):
    client.force_login(factories.user())
    response = client.get(reverse("my_company:dashboard"))
    assert response.status_code == 200
    assert response.context["companies"] == []
