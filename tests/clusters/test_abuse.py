"""Abuse protection shared by every public form: rate limit (429), honeypot, CSRF."""

import uuid

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from board.models import CooperationOffer, JobPosting, OfferInterest
from clusters.abuse import MultiLineField, SingleLineField
from clusters.models import RateLimitCount
from events.models import Registration, VisitRequest
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ratelimited(settings):
    """Rate limiting on, at 2 POSTs per hour, on the real (database) cache, emptied. (Per hour, not
    per minute: a window that ends between a test's posts starts the count again, and a loaded
    machine spends seconds on the loop over every form.)"""
    call_command("createcachetable", verbosity=0)
    cache.clear()
    settings.RATELIMIT_ENABLE = True
    settings.PUBLIC_POST_RATELIMIT = "2/h"
    yield
    cache.clear()


def public_post_urls():
    event = factories.event(registration_open=True)
    offer = factories.offer()
    job = factories.job()
    registration = factories.registration(event)
    return [
        reverse("offers:create"),
        reverse("offers:interest", kwargs={"slug": offer.slug}),
        reverse("offers:manage", kwargs={"token": offer.manage_token}),
        reverse("jobs:create-offer"),
        reverse("jobs:create-wanted"),
        reverse("jobs:message", kwargs={"slug": job.slug}),
        reverse("jobs:manage", kwargs={"token": job.manage_token}),
        reverse("events:register", kwargs={"slug": event.slug}),
        reverse("events:registration-cancel", kwargs={"token": registration.cancel_token}),
        reverse("visit:request"),
    ]


def test_every_public_post_answers_429_after_the_limit(client, ratelimited):
    for url in public_post_urls():
        RateLimitCount.objects.all().delete()  # the database's counts (some forms share one)
        statuses = [client.post(url, {}).status_code for _ in range(3)]
        assert 429 not in statuses[:2], url
        assert statuses[2] == 429, url
        # Reading is never limited.
        if "cancel" not in url:
            assert client.get(url).status_code != 429, url


def test_the_limit_is_per_client(ratelimited):
    url = reverse("visit:request")
    first = Client(REMOTE_ADDR="203.0.113.1")
    second = Client(REMOTE_ADDR="203.0.113.2")
    for _ in range(2):
        first.post(url, {})
    assert first.post(url, {}).status_code == 429
    assert second.post(url, {}).status_code == 400  # invalid form, but not limited


def test_a_limited_submission_stores_nothing(client, ratelimited):
    event = factories.event(registration_open=True)
    url = reverse("events:register", kwargs={"slug": event.slug})
    for number in range(3):
        client.post(url, {"name": "N", "email": f"n{number}@example.org"})
    assert Registration.objects.count() == 2
    page = client.post(url, {"name": "N", "email": "n9@example.org"})
    assert page.status_code == 429
    assert "Too many submissions" in page.content.decode()


# --- Honeypot --------------------------------------------------------------------------------


def test_honeypot_is_hidden_from_people_and_assistive_technology(client):
    page = client.get(reverse("visit:request")).content.decode()
    start = page.index('name="homepage"')
    wrapper = page.rfind("<div", 0, start)
    assert 'aria-hidden="true"' in page[wrapper:start]
    assert 'class="visually-hidden"' in page[wrapper:start]
    assert 'tabindex="-1"' in page[start - 200 : start + 200]


def test_filled_honeypot_looks_like_success_but_stores_and_sends_nothing(
    client, django_capture_on_commit_callbacks
):
    cluster = factories.cluster()
    event = factories.event(registration_open=True)
    offer = factories.offer(company=factories.company(email="c@example.org"))
    job = factories.job()
    town = factories.municipality()
    bot = {"homepage": "http://spam.example.org"}
    with django_capture_on_commit_callbacks(execute=True):
        responses = [
            client.post(
                reverse("offers:create"),
                {
                    **bot,
                    "direction": "offer",
                    "category": "supply",
                    "title": "Cheap pills",
                    "description": "Spam",
                    "valid_until": "2099-01-01",
                    "submitter_company": "Spam",
                    "submitter_name": "Spam",
                    "submitter_email": "spam@example.org",
                    "cluster": cluster.pk,
                    "consent": "on",
                },
            ),
            client.post(
                reverse("offers:interest", kwargs={"slug": offer.slug}),
                {**bot, "name": "Spam", "email": "spam@example.org", "message": "Buy"},
            ),
            client.post(
                reverse("jobs:create-wanted"),
                {
                    **bot,
                    "title": "Spam",
                    "profession": "Spam",
                    "description": "Spam",
                    "municipality": town.pk,
                    "expires_on": "2099-01-01",
                    "contact_name": "Spam",
                    "contact_email": "spam@example.org",
                    "consent": "on",
                },
            ),
            client.post(
                reverse("jobs:message", kwargs={"slug": job.slug}),
                {**bot, "name": "Spam", "email": "spam@example.org", "message": "Buy"},
            ),
            client.post(
                reverse("events:register", kwargs={"slug": event.slug}),
                {**bot, "name": "Spam", "email": "spam@example.org"},
            ),
            client.post(reverse("visit:request"), {**bot, "name": "Spam"}),
        ]
    # Exactly as a real submission: a redirect (the registration's to a page of the same shape).
    assert [response.status_code for response in responses] == [302] * 6
    registration_page = reverse("events:registration", kwargs={"token": uuid.uuid4()})
    assert responses[4]["Location"].rsplit("/", 2)[0] == registration_page.rsplit("/", 2)[0]
    assert CooperationOffer.objects.count() == 1  # the fixture's offer only
    assert not OfferInterest.objects.exists()
    assert JobPosting.objects.count() == 1
    assert not Registration.objects.exists()
    assert not VisitRequest.objects.exists()
    assert mail.outbox == []


# --- CSRF and one-line fields ----------------------------------------------------------------


def test_csrf_is_enforced_on_public_forms():
    client = Client(enforce_csrf_checks=True)
    cluster = factories.cluster()
    response = client.post(reverse("visit:request"), {"cluster": cluster.pk})
    assert response.status_code == 403
    assert not VisitRequest.objects.exists()


@pytest.mark.parametrize(
    "value",
    ["a\rb", "a\nb", "a\x00b", "a\x1bb", "a\u2028b", "a\x85b"],
)
def test_single_line_field_rejects_line_breaks_and_control_characters(value):
    field = SingleLineField()
    with pytest.raises(Exception) as error:
        field.clean(value)
    assert error.typename == "ValidationError"


def test_single_line_field_keeps_unicode_and_turns_tabs_into_spaces():
    field = SingleLineField()
    assert field.clean("Żółć\tÅsa Ōkubo 🙂") == "Żółć Åsa Ōkubo 🙂"


@pytest.mark.parametrize(
    "character",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e"] + ["\u2066", "\u2067", "\u2068", "\u2069"],
)
@pytest.mark.parametrize("field_class", [SingleLineField, MultiLineField])
def test_text_fields_reject_bidirectional_controls(field_class, character):
    """A right-to-left override makes "Evil\u202eexe.pdf" read as "Evilfdp.exe"."""
    with pytest.raises(ValidationError) as error:
        field_class().clean(f"Evil{character}fdp.exe")
    assert [item.code for item in error.value.error_list] == ["bidi"]
    assert "change the writing direction" in str(error.value)


def test_a_name_with_a_right_to_left_override_is_a_form_error(client):
    event = factories.event(registration_open=True)
    url = reverse("events:register", kwargs={"slug": event.slug})
    response = client.post(url, {"name": "Aino\u202eExample", "email": "aino@example.org"})
    assert response.status_code == 400
    assert "change the writing direction" in response.content.decode()
    assert not Registration.objects.exists()


def test_right_to_left_text_itself_is_welcome():
    assert SingleLineField().clean("שלום עליכם") == "שלום עליכם"
    assert MultiLineField().clean("مرحبا\nبالعالم") == "مرحبا\nبالعالم"
