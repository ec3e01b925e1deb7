"""The yearly reminder to confirm a company profile (management command for cron)."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from representatives.models import ProfileReminder
from tests import factories

pytestmark = pytest.mark.django_db


def remind():
    out = io.StringIO()
    call_command("remind_profiles", stdout=out)
    return out.getvalue()


def test_representatives_of_stale_profiles_are_reminded_in_their_language():
    stale = factories.company(confirmed_at=timezone.now() - datetime.timedelta(days=400))
    factories.representative(stale, language="sv", email="sv@example.org")
    factories.representative(stale, language="fi", email="fi@example.org")
    fresh = factories.company(confirmed_at=timezone.now() - datetime.timedelta(days=30))
    factories.representative(fresh, email="fresh@example.org")
    factories.company(confirmed_at=None)  # no representative: nobody to remind

    assert "Reminded 1 companies (2 e-mails)" in remind()
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"sv@example.org", "fi@example.org"}
    assert "/sv/" in by_address["sv@example.org"].body
    assert "/fi/" in by_address["fi@example.org"].body
    assert stale.name in by_address["sv@example.org"].subject
    assert ProfileReminder.objects.get().company == stale


def test_never_twice_within_a_year():
    company = factories.company(confirmed_at=None)
    factories.representative(company)
    remind()
    remind()
    assert len(mail.outbox) == 1
    # A year later, if still not confirmed, once more.
    ProfileReminder.objects.update(sent_at=timezone.now() - datetime.timedelta(days=366))
    remind()
    assert len(mail.outbox) == 2


def test_dry_run_sends_nothing():
    company = factories.company(confirmed_at=None)
    factories.representative(company)
    out = io.StringIO()
    call_command("remind_profiles", "--dry-run", stdout=out)
    assert company.name in out.getvalue()
    assert not mail.outbox
    assert not ProfileReminder.objects.exists()


def test_inactive_representatives_and_unpublished_companies_are_left_alone():
    hidden = factories.company(confirmed_at=None, is_published=False)
    factories.representative(hidden)
    company = factories.company(confirmed_at=None)
    factories.representative(company, is_active=False)
    remind()
    assert not mail.outbox
