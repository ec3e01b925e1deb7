"""What participants do on the matchmaking pages: request a meeting (relayed by e-mail in the
receiver's language), accept, decline and cancel, see the meeting on both agendas and in the
calendar file, edit their profile, answer the survey; registration for a matchmaking event
gives the profile and the private link. Hostile input never fails with a 500."""

import datetime
from pathlib import Path

import icalendar
import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.utils import timezone, translation

from clusters.models import OutgoingEmail
from events.matchmaking import services, views
from events.models import MatchmakingProfile, Meeting, MeetingFeedback, MeetingRequest
from tests import factories

from .matchmaking_world import build_world, meeting_between, sign_in, url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world():
    return build_world()


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def ask(client, world, sender="aino", receiver="jan", message="Let us talk about blanks.", **data):
    sign_in(client, world[sender])
    return client.post(
        url("matchmaking-request", world["event"], pk=world[receiver].pk),
        {"message": message, **data},
    )


# --- Requests --------------------------------------------------------------------------------


def test_a_request_is_relayed_in_the_receivers_language_without_the_senders_address(client, world):
    response = ask(client, world, back="country=PL&page=1&evil=1")
    jan = world["jan"]
    assert response.status_code == 302
    assert response["Location"] == (
        url("matchmaking", world["event"]) + f"?country=PL&page=1#participant-{jan.pk}"
    )
    request = MeetingRequest.objects.get()
    assert (request.sender, request.receiver, request.status) == (world["aino"], jan, "pending")
    (message,) = mail.outbox
    assert message.to == ["jan@podlaska.example"]
    assert OutgoingEmail.objects.get(name="matchmaking/request").language == "pl"
    assert "Let us talk about blanks." in message.body
    assert "Aino Virtanen, Kvarken Steel Oy" in message.body + message.subject
    assert url("matchmaking-access", world["event"], "pl", token=jan.access_token) in message.body
    everything = message.subject + message.body + " ".join(message.reply_to + message.cc)
    assert "aino@kvarken.example" not in everything
    # The confirmation is shown at Jan's card, which now shows the request instead of a form.
    card = soup(client.get(response["Location"])).find(id=f"participant-{jan.pk}")
    assert "Your request was sent to" in card.find(class_="form-confirmation").get_text()
    assert card.find("form") is None
    assert "waiting for an answer" in card.get_text()


def test_request_forms_are_on_other_cards_only(client, world):
    sign_in(client, world["aino"])
    page = soup(client.get(url("matchmaking", world["event"])))
    own = page.find(id=f"participant-{world['aino'].pk}")
    assert own.find("form") is None and "This is you." in own.get_text()
    other = page.find(id=f"participant-{world['erik'].pk}")
    form = other.find("form")
    assert form["action"] == url("matchmaking-request", world["event"], pk=world["erik"].pk)
    textarea = form.find("textarea")
    assert textarea["maxlength"] == "1000"
    assert "Erik Berg" in form.find("label", attrs={"for": textarea["id"]}).get_text()
    assert form.find("input", attrs={"name": "homepage"})  # the honeypot
    assert page.find(string=lambda text: text and "@" in text and ".example" in text) is None


def test_a_second_request_in_either_direction_is_refused_politely(client, world):
    ask(client, world)
    sign_in(client, world["jan"])
    response = client.post(
        url("matchmaking-request", world["event"], pk=world["aino"].pk), {"message": "Hi"}
    )
    assert response.status_code == 302
    assert MeetingRequest.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "You already have a request with" in page


def test_overlong_message_is_shown_again_with_the_error(client, world):
    response = ask(client, world, message="x" * 1001)
    assert response.status_code == 400
    assert "at most 1000 characters" in response.content.decode()
    assert MeetingRequest.objects.count() == 0 and mail.outbox == []


def test_the_honeypot_is_answered_like_a_success(client, world):
    response = ask(client, world, homepage="http://spam.example")
    assert response.status_code == 302
    assert MeetingRequest.objects.count() == 0 and mail.outbox == []
    assert "Your request was sent to" in client.get(response["Location"]).content.decode()


def test_requests_to_nobody_or_after_the_deadline(client, world):
    event = world["event"]
    sign_in(client, world["aino"])
    other_event_person = factories.matchmaking_participant(factories.matchmaking_event())
    hidden = factories.matchmaking_participant(event, is_visible=False)
    for pk in [world["aino"].pk, other_event_person.pk, hidden.pk, 999999]:
        assert client.post(url("matchmaking-request", event, pk=pk)).status_code == 404
    assert client.get(f"/en/events/{event.slug}/matchmaking/abc/request/").status_code == 404
    event.matchmaking_deadline = timezone.now() - datetime.timedelta(minutes=1)
    event.save()
    page = soup(client.get(url("matchmaking", event)))
    assert not page.select(".mm-card form")
    assert "closed" in page.find("main").get_text()
    response = client.post(url("matchmaking-request", event, pk=world["jan"].pk), {"message": ""})
    assert MeetingRequest.objects.count() == 0
    assert "closed" in client.get(response["Location"]).content.decode()


def test_a_waiting_list_participant_cannot_request_yet(client, world):
    waiting = factories.matchmaking_participant(world["event"], status="waiting")
    sign_in(client, waiting)
    page = soup(client.get(url("matchmaking", world["event"])))
    assert not page.select(".mm-card form")
    client.post(url("matchmaking-request", world["event"], pk=world["jan"].pk), {"message": ""})
    assert MeetingRequest.objects.count() == 0


def test_requests_are_rate_limited_per_participant_not_per_address(
    client, world, settings, monkeypatch
):
    settings.RATELIMIT_ENABLE = True
    settings.PUBLIC_POST_RATELIMIT = "1/h"  # the public forms' per-address limit does not apply
    monkeypatch.setattr(views, "REQUEST_RATE", "2/h")
    assert ask(client, world).status_code == 302
    assert ask(client, world, receiver="erik").status_code == 302
    assert ask(client, world, receiver="lina").status_code == 429
    assert MeetingRequest.objects.count() == 2
    # Another participant on the same network still has their own allowance.
    assert ask(client, world, sender="jan", receiver="erik").status_code == 302


# --- Answers ---------------------------------------------------------------------------------


def answer(client, world, request, action, who):
    sign_in(client, world[who])
    return client.post(url("matchmaking-answer", world["event"], pk=request.pk, action=action))


def test_accepting_puts_the_meeting_on_both_agendas(client, world):
    ask(client, world)
    request = MeetingRequest.objects.get()
    mail.outbox.clear()
    response = answer(client, world, request, "accept", "jan")
    assert response.status_code == 302
    assert response["Location"] == url("matchmaking-agenda", world["event"]) + (
        f"#meeting-{request.pk}"
    )
    meeting = Meeting.objects.get()
    first_slot = world["slots"][0]
    assert (meeting.slot, meeting.table) == (first_slot, 1)
    local = "9 a.m."  # 06:00 UTC in Vilnius, in English
    jan_agenda = soup(client.get(response["Location"]))
    row = jan_agenda.find(id=f"meeting-{request.pk}")
    assert "Aino Virtanen" in row.get_text() and local in row.get_text()
    assert "You meet Aino Virtanen, Kvarken Steel Oy at" in row.get_text()  # in view
    assert row.find(class_="mm-presentation")["lang"] == "fi"
    sign_in(client, world["aino"])
    aino_row = soup(client.get(url("matchmaking-agenda", world["event"]))).find(
        id=f"meeting-{request.pk}"
    )
    assert "Jan Kowalski" in aino_row.get_text() and local in aino_row.get_text()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "aino@kvarken.example",
        "jan@podlaska.example",
    ]
    # Each in their own language, at the event's local time (Finnish 9.00, Polish 09:00).
    local_times = {"aino@kvarken.example": "kello 9.00–9.20", "jan@podlaska.example": "09:00–09:20"}
    for message in mail.outbox:
        language = "fi" if message.to[0].startswith("aino") else "pl"
        with translation.override(language):
            table = translation.gettext("table %(number)s") % {"number": 1}
        assert local_times[message.to[0]] in message.body and table in message.body
        other = "jan@" if message.to[0].startswith("aino") else "aino@"
        assert other not in message.body


def test_accepting_without_a_free_slot_says_the_organisers_will_schedule(client, world):
    world["event"].meeting_slots.all().delete()
    ask(client, world)
    request = MeetingRequest.objects.get()
    response = answer(client, world, request, "accept", "jan")
    assert MeetingRequest.objects.get().status == "accepted" and not Meeting.objects.exists()
    page = soup(client.get(response["Location"]))
    item = page.find(id=f"meeting-{request.pk}")
    assert "organisers give you a time" in item.get_text()


def test_decline_and_cancel(client, world):
    ask(client, world)
    request = MeetingRequest.objects.get()
    response = answer(client, world, request, "decline", "jan")
    assert response["Location"].endswith(f"#received-{request.pk}")
    assert MeetingRequest.objects.get().status == "declined"
    # Answering again is refused with a message, not an error.
    again = answer(client, world, request, "accept", "jan")
    assert "already answered" in client.get(again["Location"]).content.decode()
    ask(client, world, receiver="erik")
    second = MeetingRequest.objects.get(receiver=world["erik"])
    answer(client, world, second, "accept", "erik")
    response = answer(client, world, second, "cancel", "aino")
    assert response["Location"].endswith(f"#sent-{second.pk}")
    assert MeetingRequest.objects.get(pk=second.pk).status == "cancelled"
    assert not Meeting.objects.exists()
    assert mail.outbox[-1].to == ["erik@berg.example"]


def test_nobody_acts_on_another_participants_request(client, world):
    ask(client, world)
    request = MeetingRequest.objects.get()
    # A third participant: every action is a 404.
    for action in ["accept", "decline", "cancel"]:
        assert answer(client, world, request, action, "erik").status_code == 404
    # The sender cannot accept their own request.
    assert answer(client, world, request, "accept", "aino").status_code == 404
    assert answer(client, world, request, "decline", "aino").status_code == 404
    assert MeetingRequest.objects.get().status == "pending"


@pytest.mark.parametrize("action", ["delete", "ACCEPT", "accept;drop", "x" * 300])
def test_unknown_actions_and_requests_are_404(client, world, action):
    ask(client, world)
    request = MeetingRequest.objects.get()
    assert answer(client, world, request, action, "jan").status_code == 404
    assert (
        client.post(
            url("matchmaking-answer", world["event"], pk=99999, action="accept")
        ).status_code
        == 404
    )
    assert (
        client.get(
            url("matchmaking-answer", world["event"], pk=request.pk, action="accept")
        ).status_code
        == 405
    )
    assert MeetingRequest.objects.get().status == "pending"


def test_html_in_messages_and_profiles_is_escaped_on_the_agenda(client, world):
    ask(client, world, message="<img src=x onerror=alert(1)> hello")
    sign_in(client, world["jan"])
    html = client.get(url("matchmaking-agenda", world["event"])).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt; hello" in html
    assert "<script>alert" not in html


# --- The calendar file -----------------------------------------------------------------------


def test_the_agenda_calendar_has_one_event_per_meeting(client, world):
    ask(client, world)
    answer(client, world, MeetingRequest.objects.get(), "accept", "jan")
    meeting = Meeting.objects.get()
    response = client.get(url("matchmaking-agenda-ics", world["event"]))  # as Jan
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == f"matchmaking-meeting-{meeting.pk}@127.0.0.1"
    start = vevent.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Vilnius"
    assert start == timezone.localtime(meeting.slot.starts_at, world["event"].tz)
    assert vevent.decoded("DTEND") - start == datetime.timedelta(minutes=20)
    assert str(vevent["LOCATION"]).startswith("Table 1")
    assert "Aino Virtanen" in str(vevent["SUMMARY"])
    assert calendar.walk("VTIMEZONE")
    assert b"@kvarken.example" not in response.content
    assert b"@podlaska.example" not in response.content
    # The UID stays when the organiser moves the meeting.
    services.move_meeting(meeting, world["slots"][2], 2)
    moved = icalendar.Calendar.from_ical(
        client.get(url("matchmaking-agenda-ics", world["event"])).content
    )
    (vevent,) = moved.walk("VEVENT")
    assert str(vevent["UID"]) == f"matchmaking-meeting-{meeting.pk}@127.0.0.1"
    assert str(vevent["LOCATION"]).startswith("Table 2")


def test_the_agenda_prints_the_day(client, world):
    ask(client, world)
    answer(client, world, MeetingRequest.objects.get(), "accept", "jan")
    page = soup(client.get(url("matchmaking-agenda", world["event"])))
    table = page.find("table", class_="mm-day")
    assert table.caption.get_text(strip=True)
    assert [th.get_text(strip=True) for th in table.thead.find_all("th")][:3] == [
        "Time",
        "Table",
        "With",
    ]
    assert "mm-no-print" in page.find(id="received")["class"]
    stylesheet = (ROOT / "portal/static/portal/css/matchmaking.css").read_text()
    assert "@media print" in stylesheet and "http" not in stylesheet


# --- Profile ---------------------------------------------------------------------------------


def test_a_participant_edits_their_profile(client, world):
    aino = world["aino"]
    sign_in(client, aino)
    form = soup(client.get(url("matchmaking-profile", world["event"]))).find("form", class_="card")
    assert form.find("input", attrs={"name": "offered_capabilities"})
    assert "company" not in {field.get("name") for field in form.find_all(["select", "input"])}
    slot = world["slots"][1]
    response = client.post(
        url("matchmaking-profile", world["event"]),
        {
            "presentation": "Uusi esittely <b>lihavoitu</b>",
            "offers": "Welding",
            "needs": "",
            "offered_capabilities": [world["welding"].pk],
            "sought_capabilities": [world["laser"].pk],
            "unavailable_slots": [slot.pk],
        },
    )
    assert response.status_code == 302
    aino.refresh_from_db()
    assert aino.presentation == "Uusi esittely <b>lihavoitu</b>"
    assert list(aino.unavailable_slots.all()) == [slot]
    assert list(aino.offered_capabilities.all()) == [world["welding"]]
    assert aino.company == world["kvarken"]  # left as it was
    page = client.get(response["Location"]).content.decode()
    assert "Your profile is saved." in page
    html = client.get(url("matchmaking", world["event"])).content.decode()
    assert "&lt;b&gt;lihavoitu&lt;/b&gt;" in html


def test_profile_edit_refuses_overlong_texts_and_foreign_slots(client, world):
    sign_in(client, world["aino"])
    foreign = factories.matchmaking_event(slots=1).meeting_slots.get()
    for data in [
        {"presentation": "x" * 1501},
        {"unavailable_slots": [foreign.pk]},
        {"offered_capabilities": ["nonsense"]},
    ]:
        response = client.post(url("matchmaking-profile", world["event"]), data)
        assert response.status_code == 400, data


def test_a_representative_links_the_profile_to_their_company(client, world):
    other = factories.company(name="Second Company Oy")
    user = factories.representative(world["kvarken"], other, email="aino@kvarken.example")
    client.force_login(user)
    page = soup(client.get(url("matchmaking-profile", world["event"])))
    choices = [o.get_text() for o in page.select("select[name=company] option")]
    assert set(choices) == {"None", "Kvarken Steel Oy", "Second Company Oy"}
    client.post(url("matchmaking-profile", world["event"]), {"company": other.pk})
    assert MatchmakingProfile.objects.get(pk=world["aino"].pk).company == other
    stranger = factories.company()
    response = client.post(url("matchmaking-profile", world["event"]), {"company": stranger.pk})
    assert response.status_code == 400


# --- Survey ----------------------------------------------------------------------------------


@pytest.fixture
def feedback(world):
    meeting = meeting_between(world["aino"], world["jan"], world["slots"][0])
    return MeetingFeedback.objects.create(
        meeting=meeting, profile=world["aino"], round="after_event"
    )


def test_the_survey_saves_and_updates_one_answer(client, world, feedback):
    address = url("matchmaking-survey", world["event"], "fi", token=feedback.token)
    page = client.get(address)
    assert page.status_code == 200 and "Jan Kowalski" in page.content.decode()
    response = client.post(address, {"held": "yes", "outcome": "agreement", "note": "Signed."})
    assert response.status_code == 302 and response["Location"].endswith("#survey")
    feedback.refresh_from_db()
    assert (feedback.held, feedback.outcome, feedback.note) == (True, "agreement", "Signed.")
    assert feedback.answered_at is not None
    client.post(address, {"held": "no", "outcome": "agreement"})
    feedback.refresh_from_db()
    assert (feedback.held, feedback.outcome) == (False, "none")
    assert MeetingFeedback.objects.count() == 1
    assert services.results([world["event"].pk])["held"] == 0
    again = soup(client.get(address))
    assert again.find("input", attrs={"name": "held", "value": "no"}).has_attr("checked")


@pytest.mark.parametrize(
    "data",
    [
        {"held": "yes"},
        {"held": "maybe"},
        {"held": "yes", "outcome": "millions"},
        {"held": "yes", "outcome": "none", "note": "x" * 1001},
        {},
    ],
)
def test_survey_answers_that_make_no_sense_are_refused(client, world, feedback, data):
    address = url("matchmaking-survey", world["event"], token=feedback.token)
    assert client.post(address, data).status_code == 400
    feedback.refresh_from_db()
    assert feedback.answered_at is None


def test_unknown_survey_tokens_are_404(client, world, feedback):
    for token in ["nope", "x" * 65, world["aino"].access_token]:
        assert client.get(url("matchmaking-survey", world["event"], token=token)).status_code == 404
    other_event = factories.matchmaking_event()
    assert (
        client.get(url("matchmaking-survey", other_event, token=feedback.token)).status_code == 404
    )


def test_the_event_page_shows_the_results_after_the_event(client, world, feedback):
    event = world["event"]
    page = soup(client.get(event.get_absolute_url()))
    block = page.find(id="matchmaking")
    assert block.find("a", href=url("matchmaking", event))
    assert "meetings held" not in block.get_text()
    sign_in(client, world["aino"])
    block = soup(client.get(event.get_absolute_url())).find(id="matchmaking")
    assert block.find("a", href=url("matchmaking-agenda", event))
    feedback.held, feedback.outcome = True, "follow_up"
    feedback.save()
    second = meeting_between(world["erik"], world["lina"], world["slots"][0], table=2)
    MeetingFeedback.objects.create(
        meeting=second, profile=world["erik"], round="after_event", held=True, outcome="none"
    )
    event.starts_at = timezone.now() - datetime.timedelta(days=40)
    event.ends_at = event.starts_at + datetime.timedelta(hours=6)
    event.save()
    text = (
        soup(client.get(event.get_absolute_url())).find(id="matchmaking").get_text(" ", strip=True)
    )
    assert "2 meetings held, 1 led to cooperation" in text


# --- Registration ----------------------------------------------------------------------------


def registration_data(**overrides):
    return {
        "name": "Mia Example",
        "organization_name": "Example Oy",
        "email": "mia@example.org",
        **overrides,
    }


def test_registering_for_a_matchmaking_event_gives_a_profile_and_the_private_link(
    client, world, django_capture_on_commit_callbacks
):
    event = world["event"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            factories.url_in("sv", "events:register", slug=event.slug), registration_data()
        )
    profile = MatchmakingProfile.objects.get(registration__email="mia@example.org")
    assert profile.company is None and profile.event == event
    (message,) = mail.outbox
    link = url("matchmaking-access", event, "sv", token=profile.access_token)
    assert link in message.body
    page = client.get(response["Location"]).content.decode()
    assert link in page


def test_a_representative_of_one_company_registers_with_it(client, world):
    user = factories.representative(world["kvarken"])
    client.force_login(user)
    client.post(
        factories.url_in("en", "events:register", slug=world["event"].slug), registration_data()
    )
    assert (
        MatchmakingProfile.objects.get(registration__email="mia@example.org").company
        == world["kvarken"]
    )
    two = factories.representative(world["kvarken"], world["podlaska"])
    client.force_login(two)
    client.post(
        factories.url_in("en", "events:register", slug=world["event"].slug),
        registration_data(email="two@example.org"),
    )
    assert MatchmakingProfile.objects.get(registration__email="two@example.org").company is None


def test_other_events_get_no_profile(client, django_capture_on_commit_callbacks):
    seminar = factories.event(registration_open=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            factories.url_in("en", "events:register", slug=seminar.slug), registration_data()
        )
    assert not MatchmakingProfile.objects.exists()
    assert "matchmaking" not in mail.outbox[0].body


def test_lost_link_is_sent_again_without_telling_who_is_registered(client, world):
    address = url("matchmaking-signin", world["event"])
    for email in ["JAN@podlaska.example", "nobody@example.org"]:
        response = client.post(address, {"email": email})
        assert response.status_code == 302 and response["Location"].endswith("#link")
        page = soup(client.get(response["Location"]))
        assert "the link is on its way" in page.find(id="link").get_text()
    (message,) = mail.outbox
    assert message.to == ["jan@podlaska.example"]
    assert world["jan"].access_token in message.body
    assert client.post(address, {"email": "not an address"}).status_code == 400
