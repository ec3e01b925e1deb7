"""Limits of the board: an offer's renewals stop at the longest validity, and a job-wanted post
must name a town (its region is what brings it to a cluster's coordinators)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from board.forms import OFFER_MAX_VALIDITY_DAYS
from board.models import JobPosting
from tests import factories
from tests.board.test_jobs import wanted_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_renewals_stop_at_the_longest_validity():
    offer = factories.offer(valid_until=TODAY() + datetime.timedelta(days=30))
    for _ in range(6):
        offer.renew()
    offer.refresh_from_db()
    assert offer.valid_until == TODAY() + datetime.timedelta(days=OFFER_MAX_VALIDITY_DAYS)
    # Below the ceiling a renewal still adds the full period.
    offer.valid_until = TODAY() + datetime.timedelta(days=10)
    offer.renew(days=90)
    assert offer.valid_until == TODAY() + datetime.timedelta(days=100)


def manage(client, offer):
    url = reverse("offers:manage", kwargs={"token": offer.manage_token})
    response = client.post(url, {"action": "renew"}, follow=True)
    assert response.redirect_chain[0][1] == 302
    offer.refresh_from_db()
    return [str(message) for message in response.context["messages"]]


def test_the_manage_page_tells_the_owner_when_the_ceiling_is_reached(client):
    ceiling = TODAY() + datetime.timedelta(days=OFFER_MAX_VALIDITY_DAYS)
    offer = factories.offer(valid_until=ceiling - datetime.timedelta(days=10))
    texts = manage(client, offer)
    assert offer.valid_until == ceiling
    assert any("renewed until" in text for text in texts), texts
    assert any(f"at most {OFFER_MAX_VALIDITY_DAYS} days" in text for text in texts), texts

    # Renewing again changes nothing and says why.
    texts = manage(client, offer)
    assert offer.valid_until == ceiling
    assert not any("renewed until" in text for text in texts), texts
    assert any(f"at most {OFFER_MAX_VALIDITY_DAYS} days" in text for text in texts), texts

    # Far from the ceiling, no such notice.
    offer = factories.offer(valid_until=TODAY() + datetime.timedelta(days=5))
    texts = manage(client, offer)
    assert not any("at most" in text for text in texts), texts


def test_a_job_wanted_post_needs_a_town(client):
    town = factories.municipality()
    response = client.post(reverse("jobs:create-wanted"), wanted_data(town, municipality=""))
    assert response.status_code == 400  # the form again
    assert "municipality" in response.context["form"].errors
    assert not JobPosting.objects.exists()

    response = client.post(reverse("jobs:create-wanted"), wanted_data(town))
    assert response.status_code == 302
    assert JobPosting.objects.get().municipality == town


def test_a_job_offer_still_takes_no_town(client):
    company = factories.company(country="FI", business_id="2336509-6")
    data = wanted_data(factories.municipality(), municipality="")
    data.update({"company_country": "FI", "company_business_id": "2336509-6"})
    response = client.post(reverse("jobs:create-offer"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert JobPosting.objects.get().company == company
