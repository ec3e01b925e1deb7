"""A visitor's post keeps the language it was written in: stored in that language's columns only,
and shown on other languages' pages with its ``lang`` and the fallback note."""

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from board.models import CooperationOffer, JobPosting
from clusters.models import ModerationStatus
from tests import factories
from tests.admin_helpers import admin_url, form_data
from tests.board.test_jobs import wanted_data
from tests.board.test_offers import visitor_data

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "sv", "fi", "pl", "lt")


def columns(obj, field):
    return {code: getattr(obj, f"{field}_{code}") or "" for code in LANGUAGES}


def in_polish_only(obj, field, text):
    return columns(obj, field) == {code: text if code == "pl" else "" for code in LANGUAGES}


def shown_in(response, selector):
    soup = BeautifulSoup(response.content, "html.parser")
    return soup.select_one(selector)


def polish_note():
    with translation.override("lt"):
        return f"({translation.gettext('in Polish')})"


def test_a_polish_offer_is_stored_in_polish_and_shown_as_polish_on_the_lithuanian_page(client):
    cluster = factories.cluster()
    response = client.post(
        factories.url_in("pl", "offers:create"),
        visitor_data(cluster, title="Wolne moce cięcia laserowego", description="Dwa lasery."),
    )
    assert response.status_code == 302
    offer = CooperationOffer.objects.get()
    assert in_polish_only(offer, "title", "Wolne moce cięcia laserowego")
    assert in_polish_only(offer, "description", "Dwa lasery.")
    assert offer.submitter_language == "pl"
    assert offer.slug.startswith("wolne-moce")
    CooperationOffer.objects.filter(pk=offer.pk).update(status=ModerationStatus.PUBLISHED)

    page = client.get(factories.url_in("lt", "offers:detail", slug=offer.slug))
    assert page.status_code == 200
    heading = shown_in(page, "h1 [lang]")
    assert heading["lang"] == "pl" and heading.get_text() == "Wolne moce cięcia laserowego"
    body = shown_in(page, "div[lang]")
    assert body["lang"] == "pl" and "Dwa lasery." in body.get_text()
    assert polish_note() in page.content.decode()
    assert 'lang="en"' not in page.content.decode().split("<main", 1)[-1]
    # On the Polish page it is simply the page's own text.
    page = client.get(factories.url_in("pl", "offers:detail", slug=offer.slug))
    assert shown_in(page, "h1 [lang]") is None


def test_a_polish_job_post_is_stored_in_polish_and_shown_as_polish_on_the_lithuanian_page(client):
    town = factories.municipality(country="PL")
    response = client.post(
        factories.url_in("pl", "jobs:create-wanted"),
        wanted_data(
            town,
            title="Doświadczony spawacz TIG",
            profession="Spawacz",
            description="Dziesięć lat.",
        ),
    )
    assert response.status_code == 302
    job = JobPosting.objects.get()
    assert in_polish_only(job, "title", "Doświadczony spawacz TIG")
    assert in_polish_only(job, "profession", "Spawacz")
    assert in_polish_only(job, "description", "Dziesięć lat.")
    assert job.poster_language == "pl"
    JobPosting.objects.filter(pk=job.pk).update(status=ModerationStatus.PUBLISHED)

    page = client.get(factories.url_in("lt", "jobs:detail", slug=job.slug))
    assert page.status_code == 200
    heading = shown_in(page, "h1 [lang]")
    assert heading["lang"] == "pl" and heading.get_text() == "Doświadczony spawacz TIG"
    assert shown_in(page, "div[lang]")["lang"] == "pl"
    assert polish_note() in page.content.decode()


def test_an_english_post_still_fills_the_english_columns(client):
    cluster = factories.cluster()
    client.post(factories.url_in("en", "offers:create"), visitor_data(cluster))
    offer = CooperationOffer.objects.get()
    assert columns(offer, "title")["en"] == "Laser cutting capacity"
    assert {code for code, text in columns(offer, "title").items() if text} == {"en"}


def test_a_coordinator_edits_a_polish_only_post_in_the_admin_without_an_english_text(client):
    cluster = factories.cluster()
    company = factories.company(clusters=[cluster])
    job = factories.job(
        company=company,
        title_en="",
        description_en="",
        profession_en="",
        title_pl="Spawacz MIG/MAG",
        description_pl="Spawanie konstrukcji stalowych.",
        profession_pl="Spawacz",
        poster_language="pl",
        status=ModerationStatus.PENDING,
    )
    offer = factories.offer(
        company=company,
        cluster=cluster,
        title_en="",
        description_en="",
        title_pl="Wolne moce cięcia laserowego",
        description_pl="Dwa lasery.",
        submitter_language="pl",
    )
    client.force_login(factories.coordinator(cluster))
    for obj, label in ((job, "companies.jobposting"), (offer, "companies.cooperationoffer")):
        url = admin_url(label, "change", obj)
        data = form_data(client.get(url), form_id=f"{label.split('.')[1]}_form")
        data["title_pl"] += " (poprawione)"
        response = client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        obj.refresh_from_db()
        assert obj.title_pl.endswith("(poprawione)") and not obj.title_en

        # Emptied in every language, the title is asked for, in the post's own language.
        data.update({f"title_{code}": "" for code in LANGUAGES})
        response = client.post(url, data)
        assert response.status_code == 200
        assert list(response.context["adminform"].form.errors) == ["title_pl"]
        obj.refresh_from_db()
        assert obj.title_pl.endswith("(poprawione)")
