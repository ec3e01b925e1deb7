"""The matchmaking day in a real browser: a visitor registers, signs in with the private link,
fills in the profile, asks a participant for a meeting; that participant accepts, and the meeting
is on both agendas, which print as the day's meetings only. axe-core checks every page on the
way (no serious or critical violation), in English and in Finnish."""

import re

import pytest
from django.core import mail

from events.models import MatchmakingProfile, Meeting, MeetingRequest
from tests import factories
from tests.browser.conftest import format_violations
from tests.events.matchmaking_world import build_world, url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    return build_world()


def assert_accessible(page, failures):
    violations = page.axe_violations()
    if violations:
        failures.append(f"{page.path()}:\n{format_violations(violations)}")


@pytest.mark.parametrize("language", ["en", "fi"])
def test_register_profile_request_accept_agenda(page, world, language):
    event, aino = world["event"], world["aino"]
    failures = []
    # Register on the event page, in the visitor's language.
    page.goto(factories.url_in(language, "events:detail", slug=event.slug))
    page.locator("#matchmaking a").first.wait_for()
    assert_accessible(page, failures)
    page.locator("#id_name").fill("Mia Example")
    page.locator("#id_organization_name").fill("Example Oy")
    page.locator("#id_email").fill("mia@example.org")
    page.locator("#registration button[type=submit]").click()
    page.wait_for_url(re.compile(r"/[0-9a-f-]{36}/$"))
    mia = MatchmakingProfile.objects.get(registration__email="mia@example.org")
    assert mia.registration.language == language
    assert any(mia.access_token in message.body for message in mail.outbox)
    assert_accessible(page, failures)
    # The private link's page, then its button.
    page.locator("#matchmaking a").click()
    page.wait_for_url(re.compile(re.escape(mia.access_token)))
    assert_accessible(page, failures)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(url("matchmaking-agenda", event, language)) + "$"))
    assert "Mia Example" in page.locator(".mm-nav").inner_text()
    assert_accessible(page, failures)
    # The profile: a presentation and a capability offered (the checkbox list).
    page.locator(f".mm-nav a[href='{url('matchmaking-profile', event, language)}']").click()
    page.wait_for_url(url("matchmaking-profile", event, language))
    assert_accessible(page, failures)
    page.locator("#id_presentation").fill("We cut and weld <stainless> steel.")
    page.locator(
        f"input[name=offered_capabilities][value='{world['stainless_welding'].pk}']"
    ).check()
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(url("matchmaking-profile", event, language) + "#profile")
    assert page.locator(".form-confirmation").is_visible()
    assert list(mia.offered_capabilities.all()) == [world["stainless_welding"]]
    # The participants: Aino's card, a message, the request.
    page.locator(f".mm-nav a[href='{url('matchmaking', event, language)}']").click()
    card = page.locator(f"#participant-{aino.pk}")
    card.locator("textarea").fill("Could we talk about laser cut blanks?")
    assert_accessible(page, failures)
    card.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"#participant-{aino.pk}$"))
    assert card.locator(".form-confirmation").is_visible()
    assert card.locator("form").count() == 0
    request = MeetingRequest.objects.get(sender=mia)
    assert request.receiver == aino and request.message.startswith("Could we talk")
    # Aino signs in with her own link and accepts.
    page.locator(".mm-nav form button").click()  # Mia signs out
    page.goto(url("matchmaking-access", event, language, token=aino.access_token))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(url("matchmaking-agenda", event, language)) + "$"))
    received = page.locator(f"#received-{request.pk}")
    assert "Could we talk about laser cut blanks?" in received.inner_text()
    assert_accessible(page, failures)
    received.locator("form").first.locator("button").click()  # Accept
    page.wait_for_url(re.compile(rf"#meeting-{request.pk}$"))
    row = page.locator(f"#meeting-{request.pk}")
    assert row.locator(".form-confirmation").is_visible()
    assert "Mia Example" in row.inner_text()
    meeting = Meeting.objects.get(request=request)
    assert (meeting.slot, meeting.table) == (world["slots"][0], 1)
    assert_accessible(page, failures)
    # Printed, the agenda is the day's meetings only.
    page.emulate_media(media="print")
    assert row.is_visible()
    assert not page.locator("#received").is_visible()
    assert not page.locator(".site-header").is_visible()
    assert not row.locator("form").is_visible()
    page.emulate_media(media="screen")
    assert not failures, "axe-core found serious or critical violations:\n\n" + "\n\n".join(
        failures
    )
    page.assert_clean()
