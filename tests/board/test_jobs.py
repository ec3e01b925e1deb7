import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from board.models import JobPosting
from clusters.models import ClusterCoordinator, ModerationStatus
from representatives.models import CompanyRepresentative
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def wanted_data(town, **overrides):
    data = {
        "title": "Experienced TIG welder looking for work",
        "profession": "Welder",
        "description": "Ten years of TIG welding of stainless steel; EN ISO 9606-1 certificate.",
        "municipality": town.pk,
        "expires_on": (TODAY() + datetime.timedelta(days=30)).isoformat(),
        "contact_name": "Jonas Example",
        "contact_email": "jonas@example.org",
        "consent": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def town_with_coordinator(django_user_model):
    town = factories.municipality(country="LT")
    cluster = factories.cluster(country="LT", region=town.region)
    user = django_user_model.objects.create_user("coord", "coord@example.org", "pw")
    ClusterCoordinator.objects.create(user=user, cluster=cluster)
    return town


def test_job_wanted_is_pending_with_consent_and_coordinators_are_told(
    client, town_with_coordinator, django_capture_on_commit_callbacks
):
    factories.spoken_language("lt")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            factories.url_in("lt", "jobs:create-wanted"),
            {
                **wanted_data(town_with_coordinator),
                "languages": [factories.spoken_language("lt").pk],
            },
        )
    assert response.status_code == 302
    job = JobPosting.objects.get()
    assert job.kind == "wanted"
    assert job.status == ModerationStatus.PENDING
    assert job.company is None
    assert job.consent_at is not None
    assert job.poster_language == "lt"
    assert [language.code for language in job.languages.all()] == ["lt"]
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["coord@example.org", "jonas@example.org"]
    receipt = next(m for m in mail.outbox if m.to == ["jonas@example.org"])
    assert "/lt/" in receipt.body and str(job.manage_token) in receipt.body
    moderation = next(m for m in mail.outbox if m.to == ["coord@example.org"])
    assert "jonas@example.org" in moderation.body  # coordinators see who posted


def test_job_offer_by_visitor_needs_a_company_of_the_directory(client):
    company = factories.company(country="FI", business_id="0737546-2")
    data = {
        **wanted_data(factories.municipality()),
        "title": "CNC machinist",
        "contract_type": "permanent",
        "company_country": "FI",
        "company_business_id": "07375462",
    }
    response = client.post(reverse("jobs:create-offer"), data)
    assert response.status_code == 302
    job = JobPosting.objects.get()
    assert job.company == company
    assert job.kind == "offer"
    assert job.status == ModerationStatus.PENDING
    bad = client.post(reverse("jobs:create-offer"), {**data, "company_business_id": "1572860-0"})
    assert bad.status_code == 400
    assert "No company with this business ID" in bad.content.decode()
    invalid = client.post(reverse("jobs:create-offer"), {**data, "company_business_id": "12"})
    assert invalid.status_code == 400
    assert JobPosting.objects.count() == 1


def test_representative_job_offer_is_published_at_once(client, django_user_model):
    company = factories.company()
    user = django_user_model.objects.create_user("rep", "rep@example.org", "pw")
    CompanyRepresentative.objects.create(user=user, company=company)
    client.force_login(user)
    data = {
        **wanted_data(factories.municipality()),
        "company": company.pk,
        "contract_type": "seasonal",
    }
    response = client.post(reverse("jobs:create-offer"), data)
    job = JobPosting.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.status == ModerationStatus.PUBLISHED
    assert job.company == company


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"consent": ""}, "consent"),
        ({"title": "t" * 10_000}, "title"),
        ({"contact_name": "Jonas\r\nBcc: x@example.org"}, "contact_name"),
        ({"contact_email": "nope"}, "contact_email"),
        ({"expires_on": (TODAY() - datetime.timedelta(days=3)).isoformat()}, "expires_on"),
        ({"expires_on": (TODAY() + datetime.timedelta(days=400)).isoformat()}, "expires_on"),
        ({"expires_on": "-1"}, "expires_on"),
        ({"municipality": "-5"}, "municipality"),
        ({"profession": "\x00"}, "profession"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_job_input_is_rejected_and_nothing_is_stored(client, overrides, field):
    response = client.post(
        reverse("jobs:create-wanted"), wanted_data(factories.municipality(), **overrides)
    )
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not JobPosting.objects.exists()
    assert mail.outbox == []


def test_board_lists_open_published_posts_and_filters(client):
    region = factories.region(country="FI")
    town = factories.municipality(region=region)
    finnish = factories.spoken_language("fi")
    welder = factories.job(title_en="Welder wanted", municipality=town, contract_type="permanent")
    welder.languages.add(finnish)
    seeker = factories.job(
        kind="wanted", title_en="", title_sv="Svetsare söker jobb", profession="Svetsare"
    )
    factories.job(title_en="Pending", status=ModerationStatus.PENDING)
    factories.job(title_en="Expired", expires_on=TODAY() - datetime.timedelta(days=1))
    url = reverse("jobs:list")
    page = client.get(url).content.decode()
    assert "Welder wanted" in page and "Svetsare" in page
    assert "Pending" not in page and "Expired" not in page
    assert list(client.get(url, {"kind": "wanted"}).context["page_obj"]) == [seeker]
    assert list(client.get(url, {"region": region.slug}).context["page_obj"]) == [welder]
    assert list(client.get(url, {"language": "fi"}).context["page_obj"]) == [welder]
    assert list(client.get(url, {"contract_type": "permanent"}).context["page_obj"]) == [welder]
    assert list(client.get(url, {"q": "söker"}).context["page_obj"]) == [seeker]
    for nonsense in ({"kind": "x"}, {"page": "-1"}, {"region": "\x00"}, {"q": "q" * 5000}):
        assert client.get(url, nonsense).status_code == 200


def test_board_query_count_is_constant(client, django_assert_max_num_queries):
    for _ in range(25):
        factories.job(municipality=factories.municipality())
    with django_assert_max_num_queries(12):
        response = client.get(reverse("jobs:list"))
    assert len(response.context["page_obj"]) == 20


def test_contact_is_relayed_and_the_address_stays_private(
    client, django_capture_on_commit_callbacks
):
    job = factories.job(kind="wanted", contact_email="seeker@example.org", poster_language="sv")
    page = client.get(job.get_absolute_url()).content.decode()
    assert "seeker@example.org" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("jobs:message", kwargs={"slug": job.slug}),
            {"name": "Employer", "email": "hr@example.org", "message": "Come to an interview?"},
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["seeker@example.org"]
    assert message.reply_to == ["hr@example.org"]
    assert "Come to an interview?" in message.body
    assert str(job.manage_token) in message.body and "/sv/" in message.body


def test_contact_ends_on_the_section_which_thanks_in_place_of_the_form(client):
    job = factories.job(kind="wanted", contact_email="seeker@example.org")
    response = client.post(
        reverse("jobs:message", kwargs={"slug": job.slug}),
        {"name": "Employer", "email": "hr@example.org", "message": "Come to an interview?"},
    )
    assert response["Location"] == f"{job.get_absolute_url()}#contact"
    soup = BeautifulSoup(client.get(job.get_absolute_url()).content, "html.parser")
    section = soup.select_one("section#contact")
    assert (
        "Thank you: your message was passed on."
        in section.select_one(".form-confirmation[role=status]").get_text()
    )
    assert not section.select("form")
    assert not soup.select("body > .messages")


def test_job_form_languages_are_a_checkbox_list(client):
    factories.spoken_language("fi")
    factories.spoken_language("sv")
    soup = BeautifulSoup(client.get(reverse("jobs:create-offer")).content, "html.parser")
    assert not soup.select("select[multiple]")
    boxes = soup.select("#id_languages input[type=checkbox][name=languages]")
    assert len(boxes) == 2
    assert soup.select_one("#id_languages").find_parent("fieldset").legend


def test_contact_with_header_injection_is_rejected(client):
    job = factories.job()
    response = client.post(
        reverse("jobs:message", kwargs={"slug": job.slug}),
        {"name": "X\nBcc: a@example.org", "email": "hr@example.org", "message": "Hi"},
    )
    assert response.status_code == 400
    assert mail.outbox == []


def test_withdrawal_through_the_private_link_deletes_post_and_history(client):
    job = factories.job(kind="wanted", contact_email="seeker@example.org")
    url = reverse("jobs:manage", kwargs={"token": job.manage_token})
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "nothing"}).status_code == 400
    response = client.post(url, {"action": "withdraw"})
    assert response.status_code == 302
    assert not JobPosting.objects.exists()
    assert not JobPosting.history.filter(contact_email="seeker@example.org").exists()
    assert client.get(url).status_code == 404


def test_purge_deletes_only_posts_past_the_retention_period(settings):
    settings.JOB_RETENTION_DAYS = 90
    old = factories.job(
        expires_on=TODAY() - datetime.timedelta(days=91), contact_email="old@example.org"
    )
    factories.job(expires_on=TODAY() - datetime.timedelta(days=89))
    current = factories.job()
    out = io.StringIO()
    call_command("purge_expired_jobs", stdout=out)
    assert "Deleted 1 job post" in out.getvalue()
    assert JobPosting.objects.count() == 2
    assert not JobPosting.objects.filter(pk=old.pk).exists()
    assert not JobPosting.history.filter(contact_email="old@example.org").exists()
    call_command("purge_expired_jobs", "--days", "0", stdout=out)
    assert list(JobPosting.objects.all()) == [current]
