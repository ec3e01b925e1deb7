import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from board.models import CooperationOffer, OfferInterest
from clusters.models import ClusterContact, ClusterCoordinator, ModerationStatus
from representatives.models import CompanyRepresentative
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def visitor_data(cluster_obj, **overrides):
    data = {
        "direction": "offer",
        "category": "subcontracting",
        "title": "Laser cutting capacity",
        "description": "Two fibre lasers, 3 x 1.5 m sheets, free capacity from May.",
        "valid_until": (TODAY() + datetime.timedelta(days=60)).isoformat(),
        "submitter_company": "Example Metal Oy",
        "submitter_name": "Maija Example",
        "submitter_email": "maija@example.org",
        "cluster": cluster_obj.pk,
        "consent": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def coordinated_cluster(django_user_model):
    cluster = factories.cluster(country="SE")
    user = django_user_model.objects.create_user("coord", "coord@example.org", "pw")
    ClusterCoordinator.objects.create(user=user, cluster=cluster)
    return cluster


# --- Posting ---------------------------------------------------------------------------------


def test_visitor_offer_is_pending_and_coordinators_are_told(
    client, coordinated_cluster, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("offers:create"), visitor_data(coordinated_cluster))
    assert response.status_code == 302
    assert response["Location"] == reverse("offers:submitted")
    offer = CooperationOffer.objects.get()
    assert offer.status == ModerationStatus.PENDING
    assert offer.title_en == "Laser cutting capacity"
    assert offer.cluster == coordinated_cluster
    assert offer.company is None
    recipients = {tuple(message.to): message for message in mail.outbox}
    receipt = recipients[("maija@example.org",)]
    assert str(offer.manage_token) in receipt.body
    moderation = recipients[("coord@example.org",)]
    # The cluster is Swedish: the coordinator reads Swedish (the subject template is rendered
    # in sv; without a catalogue entry the English source shows, but the language was sv).
    assert "Laser cutting capacity" in moderation.subject
    assert f"/admin/companies/cooperationoffer/{offer.pk}/change/" in moderation.body
    # A pending offer is not public.
    assert client.get(offer.get_absolute_url()).status_code == 404
    assert "Laser cutting" not in client.get(reverse("offers:list")).content.decode()


def test_offer_posted_in_finnish_fills_the_finnish_columns_only(client, coordinated_cluster):
    response = client.post(
        factories.url_in("fi", "offers:create"),
        visitor_data(coordinated_cluster, title="Laserleikkausta"),
    )
    assert response.status_code == 302
    offer = CooperationOffer.objects.get()
    assert offer.title_fi == "Laserleikkausta"
    assert not offer.title_en  # not a Finnish text passed off as English
    assert offer.submitter_language == "fi"


def test_representative_posts_for_their_company_and_it_is_published(
    client, django_user_model, django_capture_on_commit_callbacks
):
    cluster = factories.cluster()
    company = factories.company(clusters=[cluster])
    other = factories.company()
    user = django_user_model.objects.create_user("rep", "rep@example.org", "pw")
    CompanyRepresentative.objects.create(user=user, company=company)
    client.force_login(user)
    page = client.get(reverse("offers:create")).content.decode()
    assert 'name="submitter_company"' not in page
    data = visitor_data(cluster, company=company.pk)
    # A representative cannot post for a company they do not represent.
    response = client.post(reverse("offers:create"), {**data, "company": other.pk})
    assert response.status_code == 400
    assert not CooperationOffer.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("offers:create"), data)
    offer = CooperationOffer.objects.get()
    assert response["Location"] == offer.get_absolute_url()
    assert offer.status == ModerationStatus.PUBLISHED
    assert offer.company == company
    assert offer.cluster == cluster
    assert offer.created_by == user
    assert [message.to for message in mail.outbox] == [["rep@example.org"]]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 10_000}, "title"),
        ({"title": "Nul\x00byte"}, "title"),
        ({"submitter_name": "Eve\r\nBcc: victim@example.org"}, "submitter_name"),
        ({"submitter_email": "not an address"}, "submitter_email"),
        ({"submitter_email": "a@example.org\r\nBcc: b@example.org"}, "submitter_email"),
        ({"description": "y" * 10_000}, "description"),
        ({"valid_until": (TODAY() - datetime.timedelta(days=1)).isoformat()}, "valid_until"),
        ({"valid_until": (TODAY() + datetime.timedelta(days=800)).isoformat()}, "valid_until"),
        ({"valid_until": "yesterday"}, "valid_until"),
        ({"direction": "both"}, "direction"),
        ({"capabilities": ["-1"]}, "capabilities"),
        ({"capabilities": ["abc"]}, "capabilities"),
        ({"target_countries": ["XX"]}, "target_countries"),
        ({"cluster": "999999"}, "cluster"),
        ({"consent": ""}, "consent"),
    ],
)
def test_bad_offer_input_is_rejected_and_nothing_is_stored(client, overrides, field):
    cluster = factories.cluster()
    response = client.post(reverse("offers:create"), visitor_data(cluster, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not CooperationOffer.objects.exists()
    assert mail.outbox == []


def test_offer_form_is_accessible(client):
    factories.cluster()
    response = client.post(reverse("offers:create"), {"title": ""})
    page = response.content.decode()
    assert 'aria-describedby="id_title_error"' in page
    assert 'aria-invalid="true"' in page
    assert "<legend" in page
    assert 'class="required"' in page


def test_offer_form_has_checkbox_lists_instead_of_multiple_selects(client):
    factories.cluster()
    welding = factories.capability(name_en="Welding")
    factories.capability(name_en="TIG welding", parent=welding)
    factories.material(name_en="Stainless steel")
    soup = BeautifulSoup(client.get(reverse("offers:create")).content, "html.parser")
    assert not soup.select("select[multiple]")
    assert "Hold Ctrl" not in soup.get_text()
    legends = {
        fieldset.legend.get_text(" ", strip=True)
        for fieldset in soup.select("fieldset")
        if fieldset.legend
    }
    assert {"Capabilities", "Materials", "Target countries"} <= legends
    group = soup.select_one("#id_capabilities .checklist-group")
    assert group.legend.get_text(strip=True) == "Welding"
    assert [label.get_text(strip=True) for label in group.select("label")] == [
        "Welding",
        "TIG welding",
    ]
    assert soup.select("#id_materials input[type=checkbox][name=materials]")
    countries = soup.select("#id_target_countries input[type=checkbox][name=target_countries]")
    assert len(countries) > 200
    # The filter box of the long list is there for the script, hidden without it.
    assert soup.select_one("#id_target_countries .checklist-tools").has_attr("hidden")
    assert soup.select_one("link[href$='portal/css/forms.css']")
    assert soup.select_one("script[src$='portal/js/checklist.js']")


def test_checked_capabilities_materials_and_countries_are_stored_and_the_offer_thanks(
    client, django_user_model
):
    cluster = factories.cluster()
    company = factories.company(clusters=[cluster])
    user = django_user_model.objects.create_user("rep", "rep@example.org", "pw")
    CompanyRepresentative.objects.create(user=user, company=company)
    client.force_login(user)
    welding = factories.capability(name_en="Welding")
    tig = factories.capability(name_en="TIG welding", parent=welding)
    steel = factories.material(name_en="Stainless steel")
    data = visitor_data(
        cluster,
        company=company.pk,
        capabilities=[str(welding.pk), str(tig.pk)],
        materials=[str(steel.pk)],
        target_countries=["SE", "NO"],
    )
    response = client.post(reverse("offers:create"), data)
    offer = CooperationOffer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == offer.get_absolute_url()
    assert set(offer.capabilities.all()) == {welding, tig}
    assert list(offer.materials.all()) == [steel]
    assert sorted(country.code for country in offer.target_countries) == ["NO", "SE"]
    # The page it ends on opens with the confirmation.
    soup = BeautifulSoup(client.get(response["Location"]).content, "html.parser")
    assert soup.select_one(".messages").get_text(strip=True) == "Your offer is published."


# --- List, filters, detail -------------------------------------------------------------------


def test_list_shows_open_offers_only_and_searches_every_language(client):
    open_offer = factories.offer(title_en="", title_fi="Hitsauskapasiteettia", title_pl="Spawanie")
    factories.offer(
        title_en="Expired",
        valid_until=TODAY() - datetime.timedelta(days=1),
        valid_from=TODAY() - datetime.timedelta(days=10),
    )
    factories.offer(title_en="Pending one", status=ModerationStatus.PENDING)
    page = client.get(reverse("offers:list")).content.decode()
    assert "Expired" not in page and "Pending one" not in page
    found = client.get(reverse("offers:list"), {"q": "spawanie"})
    assert list(found.context["page_obj"]) == [open_offer]
    assert (
        list(client.get(reverse("offers:list"), {"q": "nothing-like-it"}).context["page_obj"]) == []
    )


def test_filters_by_capability_subtree_material_country_and_direction(client):
    welding = factories.capability(name_en="Welding")
    tig = factories.capability(name_en="TIG welding", parent=welding)
    steel = factories.material(name_en="Stainless steel")
    tig_offer = factories.offer(direction="request", target_countries=["SE", "FI"])
    tig_offer.capabilities.add(tig)
    tig_offer.materials.add(steel)
    other = factories.offer(target_countries=["PL"])
    url = reverse("offers:list")
    assert list(client.get(url, {"capability": welding.slug}).context["page_obj"]) == [tig_offer]
    assert list(client.get(url, {"material": steel.slug}).context["page_obj"]) == [tig_offer]
    assert list(client.get(url, {"country": "FI"}).context["page_obj"]) == [tig_offer]
    assert list(client.get(url, {"country": "PL"}).context["page_obj"]) == [other]
    assert list(client.get(url, {"direction": "request"}).context["page_obj"]) == [tig_offer]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "-1"},
        {"page": "x"},
        {"capability": "no-such"},
        {"country": "XX"},
        {"q": "a" * 10_000},
        {"q": "\x00"},
        {"cluster": "'; drop table"},
    ],
)
def test_list_answers_nonsense_without_error(client, params):
    factories.offer()
    response = client.get(reverse("offers:list"), params)
    assert response.status_code == 200


def test_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    for _ in range(25):
        factories.offer()
    with django_assert_max_num_queries(12):
        response = client.get(reverse("offers:list"))
    assert len(response.context["page_obj"]) == 20


# --- Express interest ------------------------------------------------------------------------


@pytest.fixture
def offer_with_contacts(coordinated_cluster):
    company = factories.company(clusters=[coordinated_cluster], email="sales@example.org")
    return factories.offer(company=company, cluster=coordinated_cluster, submitter_language="fi")


def interest_data(**overrides):
    data = {
        "name": "Piotr Example",
        "organization_name": "Example Sp. z o.o.",
        "email": "piotr@example.org",
        "message": "We need 200 laser-cut brackets a month. <script>alert(1)</script>",
    }
    data.update(overrides)
    return data


def test_interest_is_relayed_without_revealing_the_address(
    client, offer_with_contacts, django_capture_on_commit_callbacks
):
    offer = offer_with_contacts
    detail = client.get(offer.get_absolute_url()).content.decode()
    assert "sales@example.org" not in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            factories.url_in("pl", "offers:interest", slug=offer.slug),
            interest_data(),
        )
    assert response.status_code == 302
    assert OfferInterest.objects.filter(offer=offer).count() == 1
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"sales@example.org", "coord@example.org", "piotr@example.org"}
    to_company = by_recipient["sales@example.org"]
    assert to_company.reply_to == ["piotr@example.org"]
    assert "<script>alert(1)</script>" in to_company.body  # plain text, not HTML-escaped
    assert "Piotr Example" in to_company.body
    receipt = by_recipient["piotr@example.org"]
    assert "sales@example.org" not in receipt.body
    assert "sales@example.org" not in receipt.subject
    assert "/pl/" in receipt.body  # the receipt links the offer in the sender's language
    copy = by_recipient["coord@example.org"]
    assert "Piotr Example" in copy.body
    # The page after the redirect escapes nothing of the message (it is not shown) and thanks.
    page = client.get(offer.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page


def test_interest_ends_on_the_section_which_thanks_in_place_of_the_form(
    client, offer_with_contacts
):
    offer = offer_with_contacts
    url = factories.url_in("sv", "offers:interest", slug=offer.slug)
    response = client.post(url, interest_data())
    assert response.status_code == 302
    with translation.override("sv"):
        offer_url = offer.get_absolute_url()
    assert response["Location"] == f"{offer_url}#interest"
    soup = BeautifulSoup(client.get(offer_url).content, "html.parser")
    section = soup.select_one("section#interest")
    thanks = section.select_one(".form-confirmation")
    assert thanks["role"] == "status"
    assert "Tack! Ditt meddelande har vidarebefordrats." in thanks.get_text()
    assert not section.select("form"), "the form is replaced, so nobody sends twice"
    # Shown once, where the form was, not also at the top of the page.
    assert not soup.select("body > .messages")
    # The next visit shows the form again.
    again = BeautifulSoup(client.get(offer_url).content, "html.parser")
    assert again.select_one("section#interest form")
    assert not again.select(".form-confirmation")


def test_interest_form_errors_come_back_at_the_form(client, offer_with_contacts):
    offer = offer_with_contacts
    soup = BeautifulSoup(client.get(offer.get_absolute_url()).content, "html.parser")
    form = soup.select_one("section#interest form")
    assert form["action"].endswith("#interest")
    response = client.post(form["action"].split("#")[0], interest_data(email="nope"))
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("section#interest [role=alert]")
    assert not OfferInterest.objects.exists()


def test_interest_email_language_follows_the_recipient(
    client, offer_with_contacts, django_capture_on_commit_callbacks, monkeypatch
):
    languages = []
    from board import services
    from clusters import emails

    real = services.send_templated_email

    def spy(name, context, to, **kwargs):
        languages.append((name, to[0], kwargs.get("language")))
        return real(name, context, to, **kwargs)

    monkeypatch.setattr(services, "send_templated_email", spy)
    monkeypatch.setattr(emails, "send_templated_email", spy)  # the coordinators' copy
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            factories.url_in("lt", "offers:interest", slug=offer_with_contacts.slug),
            interest_data(),
        )
    assert ("offers/interest", "sales@example.org", "fi") in languages
    assert ("offers/interest_copy", "coord@example.org", "sv") in languages
    assert ("offers/interest_receipt", "piotr@example.org", "lt") in languages


def test_interest_goes_to_cluster_contacts_when_no_coordinator_user(
    client, django_capture_on_commit_callbacks
):
    cluster = factories.cluster(country="PL")
    ClusterContact.objects.create(
        cluster=cluster, person=factories.person(email="desk@example.org")
    )
    offer = factories.offer(
        company=None, submitter_company="Visitor Co", submitter_email="", cluster=cluster
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("offers:interest", kwargs={"slug": offer.slug}), interest_data())
    assert sorted(message.to[0] for message in mail.outbox) == [
        "desk@example.org",
        "piotr@example.org",
    ]
    copy = next(message for message in mail.outbox if message.to == ["desk@example.org"])
    # The cluster is Polish, so is its contact's copy.
    assert "nie ma adresu e-mail" in copy.body


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": ""},
        {"name": "A\r\nBcc: spam@example.org"},
        {"name": "x" * 10_000},
        {"email": "bad"},
        {"email": "x@example.org\nBcc: y@example.org"},
        {"message": ""},
        {"message": "m" * 10_000},
        {"message": "nul\x00"},
    ],
)
def test_bad_interest_is_rejected(client, offer_with_contacts, overrides):
    response = client.post(
        reverse("offers:interest", kwargs={"slug": offer_with_contacts.slug}),
        interest_data(**overrides),
    )
    assert response.status_code == 400
    assert not OfferInterest.objects.exists()
    assert mail.outbox == []


def test_interest_in_expired_or_unknown_offer(client):
    expired = factories.offer(
        valid_from=TODAY() - datetime.timedelta(days=30),
        valid_until=TODAY() - datetime.timedelta(days=1),
    )
    response = client.post(
        reverse("offers:interest", kwargs={"slug": expired.slug}), interest_data()
    )
    assert response.status_code == 400
    assert not OfferInterest.objects.exists()
    assert (
        client.post(
            reverse("offers:interest", kwargs={"slug": "nope"}), interest_data()
        ).status_code
        == 404
    )


def test_owner_sees_the_interest_count(client, django_user_model):
    company = factories.company()
    offer = factories.offer(company=company)
    OfferInterest.objects.create(offer=offer, name="A", email="a@example.org", message="Hi")
    OfferInterest.objects.create(offer=offer, name="B", email="b@example.org", message="Hi")
    assert "expressions of interest" not in client.get(offer.get_absolute_url()).content.decode()
    user = django_user_model.objects.create_user("owner", "owner@example.org", "pw")
    CompanyRepresentative.objects.create(user=user, company=company)
    client.force_login(user)
    assert "2 expressions of interest" in client.get(offer.get_absolute_url()).content.decode()
    manage = client.get(reverse("offers:manage", kwargs={"token": offer.manage_token}))
    assert "2 expressions of interest" in manage.content.decode()


# --- Expiry, reminder, renewal ---------------------------------------------------------------


def test_reminder_goes_once_a_week_before_expiry_in_the_posters_language():
    soon = factories.offer(
        valid_until=TODAY() + datetime.timedelta(days=6),
        submitter_email="owner@example.org",
        submitter_language="sv",
    )
    factories.offer(
        valid_until=TODAY() + datetime.timedelta(days=20), submitter_email="later@example.org"
    )
    factories.offer(
        valid_until=TODAY() + datetime.timedelta(days=3),
        status=ModerationStatus.PENDING,
        submitter_email="pending@example.org",
    )
    call_command("remind_expiring_offers", stdout=io.StringIO())
    assert [message.to for message in mail.outbox] == [["owner@example.org"]]
    assert str(soon.manage_token) in mail.outbox[0].body
    assert "/sv/" in mail.outbox[0].body
    call_command("remind_expiring_offers", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    soon.refresh_from_db()
    assert soon.reminder_sent_at is not None


def test_renewal_through_the_private_link_extends_and_rearms_the_reminder(client):
    offer = factories.offer(
        valid_until=TODAY() + datetime.timedelta(days=3), reminder_sent_at=timezone.now()
    )
    url = reverse("offers:manage", kwargs={"token": offer.manage_token})
    response = client.post(url, {"action": "renew"})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.valid_until == TODAY() + datetime.timedelta(days=93)
    assert offer.reminder_sent_at is None
    client.post(url, {"action": "withdraw"})
    offer.refresh_from_db()
    assert offer.status == ModerationStatus.WITHDRAWN
    assert client.post(url, {"action": "renew"}).status_code == 400
    assert client.post(url, {"action": "explode"}).status_code == 400


def test_manage_with_unknown_or_malformed_token(client):
    assert client.get("/en/offers/manage/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client.get("/en/offers/manage/not-a-uuid/").status_code == 404
