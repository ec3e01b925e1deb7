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


# --- The profile form ---------------------------------------------------------------------------


def profile_page(client, company, language="en"):
    from bs4 import BeautifulSoup

    url = factories.url_in(language, "my_company:edit", slug=company.slug)
    return BeautifulSoup(client.get(url).content, "html.parser")


def test_profile_form_has_typed_inputs_and_capitalised_labels(client, company):
    client.force_login(factories.representative(company))
    soup = profile_page(client, company)
    website = soup.select_one("#id_website")
    assert website["type"] == "url" and website["autocomplete"] == "url"
    phone = soup.select_one("#id_phone")
    assert phone["type"] == "tel" and phone["autocomplete"] == "tel"
    assert soup.select_one("label[for=id_website]").get_text(strip=True) == "Website:"
    # forms.css styles url and tel inputs like the text inputs.
    assert soup.select_one("link[href$='portal/css/forms.css']")
    soup = profile_page(client, company, "pl")
    assert soup.select_one("label[for=id_website]").get_text(strip=True) == "Strona internetowa:"
    for label in soup.select("main label, main legend"):
        text = label.get_text(strip=True)
        assert not (text[:1].isalpha() and text[:1].islower()), text


def test_profile_form_classification_is_checkbox_lists(client, company):
    welding = factories.capability(name_en="Welding")
    factories.capability(name_en="TIG welding", parent=welding)
    factories.sector(name_en="Manufacture of metal products")
    factories.spoken_language("sv")
    client.force_login(factories.representative(company))
    soup = profile_page(client, company)
    assert not soup.select("select[multiple]")
    for name in ("languages", "export_markets", "sectors", "capabilities", "materials"):
        widget = soup.select_one(f"#id_{name}")
        assert "checklist" in widget["class"], name
        assert widget.find_parent("fieldset").legend.get_text(strip=True), name
    assert [
        g.legend.get_text(strip=True) for g in soup.select("#id_capabilities .checklist-group")
    ] == ["Welding"]
    assert len(soup.select("#id_export_markets input[name=export_markets]")) > 200


def test_profile_checkboxes_are_saved_and_the_page_after_opens_with_the_thanks(client, company):
    welding = factories.capability(name_en="Welding")
    tig = factories.capability(name_en="TIG welding", parent=welding)
    steel = factories.material(name_en="Stainless steel")
    swedish = factories.spoken_language("sv")
    client.force_login(factories.representative(company))
    data = {
        "municipality": company.municipality_id,
        "size_class": company.size_class,
        "website": "example.org",
        "phone": "+358 40 1234567",
        "capabilities": [str(tig.pk)],
        "materials": [str(steel.pk)],
        "languages": [str(swedish.pk)],
        "export_markets": ["SE", "NO"],
    }
    response = client.post(reverse("my_company:edit", kwargs={"slug": company.slug}), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("my_company:company", kwargs={"slug": company.slug})
    company.refresh_from_db()
    assert list(company.capabilities.all()) == [tig]
    assert list(company.materials.all()) == [steel]
    assert list(company.languages.all()) == [swedish]
    assert sorted(country.code for country in company.export_markets) == ["NO", "SE"]
    assert company.website == "https://example.org"
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(client.get(response["Location"]).content, "html.parser")
    assert "The profile was saved" in soup.select_one(".messages").get_text()
    # Shown again, the form has the boxes checked.
    soup = profile_page(client, company)
    assert {box["value"] for box in soup.select("#id_export_markets input[checked]")} == {
        "SE",
        "NO",
    }
    assert soup.select_one(f"#id_capabilities input[value='{tig.pk}']").has_attr("checked")
