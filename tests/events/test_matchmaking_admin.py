"""The organiser's side of matchmaking in the admin: the event's cluster coordinators (scoped)
set slots and tables, see profiles, requests and meetings, move a meeting (form errors, never a
500), schedule accepted requests in bulk, print the table plan, export participants and meetings
(CSV, XLSX), send a participant a new private link; and the daily ``matchmaking_tasks``."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from events.matchmaking import admin as matchmaking_admin
from events.models import (
    MatchmakingProfile,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSeat,
    MeetingSlot,
)
from tests import factories
from tests.admin_helpers import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def mm():
    """Two clusters' matchmaking events; in A's: four participants, three slots of two tables,
    one meeting (ana–ben at slot 1, table 1) and one accepted request not yet scheduled."""
    cluster_a = factories.cluster(name_en="Alpha Metal")
    cluster_b = factories.cluster(name_en="Beta Paper")
    event_a = factories.mm_event(cluster=cluster_a, title_en="Alpha matchmaking")
    event_b = factories.mm_event(cluster=cluster_b, title_en="Beta matchmaking")
    ana = factories.mm_profile(event_a, name="Ana Alpha", organization_name="Alpha Oy")
    ben = factories.mm_profile(event_a, name="Ben Beta", organization_name="Beta Ab")
    cid = factories.mm_profile(event_a, name="Cid Gamma", organization_name="Gamma Sp. z o.o.")
    dan = factories.mm_profile(event_a, name="Dan Delta", language="fi")
    slots = list(event_a.meeting_slots.order_by("starts_at"))
    meeting = factories.mm_meeting(factories.mm_request(ana, ben), slots[0], 1)
    waiting = factories.mm_request(cid, dan)
    other = factories.mm_profile(event_b, name="Olga Other")
    other_meeting = factories.mm_meeting(
        factories.mm_request(other, factories.mm_profile(event_b, name="Otto Other")),
        event_b.meeting_slots.first(),
    )
    return {
        "cluster_a": cluster_a,
        "event_a": event_a,
        "event_b": event_b,
        "ana": ana,
        "ben": ben,
        "cid": cid,
        "dan": dan,
        "slots": slots,
        "meeting": meeting,
        "waiting": waiting,
        "other": other,
        "other_meeting": other_meeting,
        "coordinator": factories.coordinator(cluster_a),
    }


@pytest.fixture
def coordinator_client(client, mm):
    client.force_login(mm["coordinator"])
    return client


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def changelist_url(model):
    return reverse(f"admin:events_{model._meta.model_name}_changelist")


def event_url(name, event, *args):
    return reverse(f"admin:events_event_{name}", args=[event.pk, *args])


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# --- Scope ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "mine", "theirs"),
    [
        (MatchmakingProfile, "ana", "other"),
        (MeetingRequest, "waiting", "other_request"),
        (Meeting, "meeting", "other_meeting"),
    ],
)
def test_coordinator_sees_own_clusters_matchmaking_only(
    coordinator_client, mm, model, mine, theirs
):
    client = coordinator_client
    mine = mm[mine]
    theirs = mm["other_meeting"].request if theirs == "other_request" else mm[theirs]
    listed = {obj.pk for obj in client.get(changelist_url(model)).context["cl"].result_list}
    assert mine.pk in listed and theirs.pk not in listed
    assert client.get(change_url(mine)).status_code == 200
    assert client.get(change_url(theirs)).status_code == 404
    # Not added by hand, not deleted by a coordinator (hidden or cancelled instead).
    assert client.get(reverse(f"admin:events_{model._meta.model_name}_add")).status_code == 403
    delete = reverse(f"admin:events_{model._meta.model_name}_delete", args=[mine.pk])
    assert client.get(delete).status_code == 403


def test_administrator_sees_every_clusters_matchmaking(admin_client, mm):
    listed = {obj.pk for obj in admin_client.get(changelist_url(Meeting)).context["cl"].result_list}
    assert {mm["meeting"].pk, mm["other_meeting"].pk} <= listed
    assert admin_client.get(event_url("table_plan", mm["event_b"])).status_code == 200


def test_another_clusters_event_pages_are_not_found(coordinator_client, mm):
    client = coordinator_client
    theirs = mm["event_b"]
    assert client.get(event_url("table_plan", theirs)).status_code == 404
    assert client.get(event_url("matchmaking_export", theirs, "meetings", "csv")).status_code == 404
    response = client.post(event_url("schedule", theirs))
    assert response.status_code == 404
    # The event filter of the change lists offers the coordinator's events only.
    page = client.get(changelist_url(MatchmakingProfile)).content.decode()
    assert "Alpha matchmaking" in page and "Beta matchmaking" not in page


def test_outsiders_are_sent_to_the_login_page(client, mm):
    response = client.get(event_url("table_plan", mm["event_a"]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(factories.user())  # not staff
    response = client.get(event_url("matchmaking_export", mm["event_a"], "participants", "csv"))
    assert response.status_code == 302


# --- The event's page: slots, tables, deadline, figures ------------------------------------------


def test_event_form_sets_slots_tables_and_the_request_deadline(coordinator_client, mm):
    client = coordinator_client
    event = mm["event_a"]
    url = change_url(event)
    page = client.get(url)
    assert "matchmaking_deadline" in page.context["adminform"].form.fields
    data = form_data(page, "event_form")
    assert data["meeting_slots-TOTAL_FORMS"] == "3"
    data.update(
        {
            "meeting_slots-TOTAL_FORMS": "4",
            "meeting_slots-3-starts_at_0": "2031-05-12",
            "meeting_slots-3-starts_at_1": "11:00",
            "meeting_slots-3-ends_at_0": "2031-05-12",
            "meeting_slots-3-ends_at_1": "11:20",
            "meeting_slots-3-tables": "12",
            "matchmaking_deadline_0": "2031-05-10",
            "matchmaking_deadline_1": "18:00",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.meeting_slots.count() == 4
    assert event.meeting_slots.filter(tables=12).exists()
    assert event.matchmaking_deadline is not None


def test_a_slot_keeps_the_tables_its_meetings_use(coordinator_client, mm):
    client = coordinator_client
    mm["meeting"].table = 2
    mm["meeting"].save()
    url = change_url(mm["event_a"])
    data = form_data(client.get(url), "event_form")
    first = next(
        index for index in range(3) if data[f"meeting_slots-{index}-id"] == str(mm["slots"][0].pk)
    )
    data[f"meeting_slots-{first}-tables"] = "1"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "move it before removing tables" in response.content.decode()
    assert MeetingSlot.objects.get(pk=mm["slots"][0].pk).tables == 2


def test_event_page_shows_the_matchmaking_figures_and_links(coordinator_client, mm):
    meeting = mm["meeting"]
    for side, outcome in [(mm["ana"], "agreement"), (mm["ben"], "none")]:
        MeetingFeedback.objects.create(
            meeting=meeting,
            profile=side,
            round="after_event",
            held=True,
            outcome=outcome,
            answered_at=datetime.datetime(2031, 5, 13, tzinfo=datetime.UTC),
        )
    response = coordinator_client.get(change_url(mm["event_a"]))
    assert response.context["matchmaking"]["figures"] == {
        "requested": 2,
        "scheduled": 1,
        "held": 1,
        "cooperation": 1,
    }
    assert response.context["matchmaking"]["unscheduled"] == 1
    page = response.content.decode()
    assert "Led to cooperation" in page
    assert event_url("table_plan", mm["event_a"]) in page
    assert event_url("matchmaking_export", mm["event_a"], "meetings", "xlsx") in page
    assert event_url("schedule", mm["event_a"]) in page
    # A seminar without slots shows none of it.
    seminar = factories.event(cluster=mm["cluster_a"])
    assert "matchmaking" not in coordinator_client.get(change_url(seminar)).context


# --- Moving a meeting ------------------------------------------------------------------------


def move(client, meeting, slot, table):
    url = change_url(meeting)
    data = form_data(client.get(url), "meeting_form")
    data.update({"slot": slot.pk, "table": table})
    return client.post(url, data)


def test_organiser_moves_a_meeting_and_both_sides_are_told(coordinator_client, mm):
    meeting, target = mm["meeting"], mm["slots"][2]
    response = move(coordinator_client, meeting, target, 2)
    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table) == (target, 2)
    assert set(MeetingSeat.objects.filter(meeting=meeting).values_list("slot", flat=True)) == {
        target.pk
    }
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [mm["ana"].email, mm["ben"].email]
    )


def test_a_busy_participant_is_a_form_error(coordinator_client, mm):
    meeting, busy_slot = mm["meeting"], mm["slots"][1]
    factories.mm_meeting(factories.mm_request(mm["cid"], mm["ben"]), busy_slot, 1)
    response = move(coordinator_client, meeting, busy_slot, 2)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "has another meeting in this slot" in str(errors["slot"])
    meeting.refresh_from_db()
    assert meeting.slot == mm["slots"][0]


def test_a_table_beyond_the_slots_tables_is_a_form_error(coordinator_client, mm):
    response = move(coordinator_client, mm["meeting"], mm["slots"][1], 3)
    assert response.status_code == 200
    assert "This slot has 2 tables." in str(response.context["adminform"].form.errors["table"])
    assert Meeting.objects.get(pk=mm["meeting"].pk).slot == mm["slots"][0]


def test_a_taken_table_is_a_form_error(coordinator_client, mm):
    factories.mm_meeting(mm["waiting"], mm["slots"][1], 1)  # cid–dan
    response = move(coordinator_client, mm["meeting"], mm["slots"][1], 1)
    assert response.status_code == 200
    assert "Table 1 is taken" in str(response.context["adminform"].form.errors["table"])


def test_a_clash_the_database_refuses_is_a_form_error_not_a_500(
    coordinator_client, mm, monkeypatch
):
    """Between the form's check and the save, somebody booked ben in that slot: the database's
    constraint refuses the move, the admin shows the form again."""
    monkeypatch.setattr(matchmaking_admin.MeetingMoveForm, "check_free", lambda *args: False)
    meeting, busy_slot = mm["meeting"], mm["slots"][1]
    factories.mm_meeting(factories.mm_request(mm["cid"], mm["ben"]), busy_slot, 1)
    response = move(coordinator_client, meeting, busy_slot, 2)
    assert response.status_code == 200
    assert "booked this table or one of the participants" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.slot == mm["slots"][0]
    assert not mail.outbox


def test_a_meeting_moves_only_within_its_event(coordinator_client, mm):
    foreign_slot = mm["event_b"].meeting_slots.last()
    response = move(coordinator_client, mm["meeting"], foreign_slot, 1)
    assert response.status_code == 200
    assert "slot" in response.context["adminform"].form.errors


# --- Bulk scheduling -------------------------------------------------------------------------


def crowded_event(cluster):
    """Two slots of one table each, and accepted requests that cannot all fit."""
    event = factories.mm_event(cluster=cluster, slots=2, tables=1)
    people = [factories.mm_profile(event) for _ in range(4)]
    for a, b in [(0, 1), (2, 3), (0, 2), (1, 3)]:
        factories.mm_request(people[a], people[b])
    return event


def assert_no_conflicts(event):
    for slot in event.meeting_slots.all():
        tables = list(slot.meetings.values_list("table", flat=True))
        assert len(tables) == len(set(tables)) and all(1 <= t <= slot.tables for t in tables)
        seated = list(MeetingSeat.objects.filter(slot=slot).values_list("profile", flat=True))
        assert len(seated) == len(set(seated))


def test_schedule_action_books_accepted_requests_and_reports(coordinator_client, mm):
    event = crowded_event(mm["cluster_a"])
    response = coordinator_client.post(
        changelist_url(type(event)),
        {"action": "schedule_accepted_requests", "_selected_action": [event.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Meeting.objects.filter(event=event).count() == 2
    assert_no_conflicts(event)
    said = messages_of(response)
    assert f"{event}: 2 meetings were scheduled." in said
    assert f"{event}: 2 accepted requests have no slot yet" in " ".join(said)
    # Both sides of each new meeting are told.
    assert len(mail.outbox) == 4


def test_schedule_button_on_the_event_page(coordinator_client, mm):
    event = mm["event_a"]
    response = coordinator_client.post(event_url("schedule", event), follow=True)
    assert response.redirect_chain[-1][0] == change_url(event)
    assert f"{event}: 1 meeting was scheduled." in messages_of(response)
    assert mm["waiting"].meeting.slot.event == event
    assert_no_conflicts(event)
    # Nothing left: a second run schedules nothing, and says so.
    again = coordinator_client.post(event_url("schedule", event), follow=True)
    assert f"{event}: 0 meetings were scheduled." in messages_of(again)


def test_schedule_without_slots_says_so(coordinator_client, mm):
    event = factories.mm_event(cluster=mm["cluster_a"], slots=0)
    response = coordinator_client.post(event_url("schedule", event), follow=True)
    assert f"{event} has no meeting slots: add them first." in messages_of(response)


# --- Table plan and exports ------------------------------------------------------------------


def test_table_plan_is_a_printable_grid(coordinator_client, mm):
    response = coordinator_client.get(event_url("table_plan", mm["event_a"]))
    assert response.status_code == 200
    page = response.content.decode()
    rows = response.context["rows"]
    assert len(rows) == 3 and [len(row["cells"]) for row in rows] == [2, 2, 2]
    assert rows[0]["cells"][0]["meeting"] == mm["meeting"]
    assert "Ana Alpha" in page and "Beta Ab" in page
    assert "Olga Other" not in page
    assert "@media print" in page
    assert "cdn" not in page.lower()
    start = mm["slots"][0].starts_at.astimezone(mm["event_a"].tz)
    assert f"{start:%H:%M}–" in page


def download(client, event, kind, file_format):
    response = client.get(event_url("matchmaking_export", event, kind, file_format))
    assert response.status_code == 200
    assert f"matchmaking-{kind}-{event.slug}.{file_format}" in response["Content-Disposition"]
    return response


def test_participant_export_csv_and_xlsx(coordinator_client, mm):
    ana = mm["ana"]
    ana.offers = '=HYPERLINK("http://evil.example")'
    ana.needs = "Stainless welding"
    ana.save()
    ana.languages.add(factories.spoken_language("pl", name_en="Polish"))
    text = download(coordinator_client, mm["event_a"], "participants", "csv")
    text = text.content.decode("utf-8-sig")
    assert "Ana Alpha" in text and ana.email in text and "Stainless welding" in text
    assert "'=HYPERLINK" in text  # never run as a formula
    assert "Olga Other" not in text

    response = download(coordinator_client, mm["event_a"], "participants", "xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Name", "E-mail", "Organisation")
    assert len(rows) == 1 + 4
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Ana Alpha"][1] == ana.email
    assert "Polish" in by_name["Ana Alpha"]
    assert by_name["Ana Alpha"][-1] == 1  # meetings
    assert by_name["Ana Alpha"][rows[0].index("What we offer")].startswith("'=")


def test_meeting_export_has_local_times_both_sides_and_survey_answers(coordinator_client, mm):
    event = mm["event_a"]
    event.time_zone = "Europe/Warsaw"
    event.save()
    meeting = mm["meeting"]
    MeetingFeedback.objects.create(
        meeting=meeting,
        profile=mm["ben"],
        round="after_event",
        held=True,
        outcome="follow_up",
        note="Quote sent",
        answered_at=datetime.datetime(2031, 5, 13, tzinfo=datetime.UTC),
    )
    start = meeting.slot.starts_at.astimezone(event.tz).strftime("%Y-%m-%d %H:%M")
    text = download(coordinator_client, event, "meetings", "csv").content.decode("utf-8-sig")
    assert start in text and "Ana Alpha" in text and "Ben Beta" in text
    assert "Follow-up agreed" in text and "Quote sent" in text

    response = download(coordinator_client, event, "meetings", "xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header, (row,) = rows[0], rows[1:]
    values = dict(zip(header, row, strict=True))
    assert values["Starts"] == start
    assert values["Table"] == 1
    assert (values["Participant A"], values["Organisation A"]) == ("Ana Alpha", "Alpha Oy")
    assert (values["Participant B"], values["E-mail B"]) == ("Ben Beta", mm["ben"].email)
    assert values["Request status"] == "Accepted"
    assert values["Outcome: After the event (B)"] == "Follow-up agreed"
    assert values["Held: After the event (B)"] == "yes"
    assert values["Held: After the event (A)"] is None  # not answered


def test_unknown_export_is_not_found(coordinator_client, mm):
    url = event_url("matchmaking_export", mm["event_a"], "secrets", "csv")
    assert coordinator_client.get(url).status_code == 404
    url = event_url("matchmaking_export", mm["event_a"], "meetings", "pdf")
    assert coordinator_client.get(url).status_code == 404


# --- Profiles and requests -------------------------------------------------------------------


def test_profile_list_counts_requests_and_meetings_and_hides_the_token(coordinator_client, mm):
    response = coordinator_client.get(changelist_url(MatchmakingProfile))
    rows = {obj.pk: obj for obj in response.context["cl"].result_list}
    assert (rows[mm["ana"].pk].sent, rows[mm["ana"].pk].received) == (1, 0)
    assert rows[mm["ana"].pk].seated == 1
    assert rows[mm["dan"].pk].received == 1 and rows[mm["dan"].pk].seated == 0
    change = coordinator_client.get(change_url(mm["ana"])).content.decode()
    assert mm["ana"].access_token not in change
    assert mm["ana"].access_token not in response.content.decode()


def test_new_private_link_revokes_the_old_one_in_the_participants_language(coordinator_client, mm):
    dan = mm["dan"]
    old = dan.access_token
    response = coordinator_client.post(
        changelist_url(MatchmakingProfile),
        {"action": "send_new_link", "_selected_action": [dan.pk]},
        follow=True,
    )
    assert response.status_code == 200
    dan.refresh_from_db()
    assert dan.access_token != old
    assert not MatchmakingProfile.objects.filter(access_token=old).exists()
    (message,) = mail.outbox
    assert message.to == [dan.email]
    assert dan.access_token in message.body and old not in message.body
    assert "/fi/" in message.body  # the link in the participant's language
    from clusters.models import OutgoingEmail

    assert OutgoingEmail.objects.get(name="matchmaking/new_link").language == "fi"
    assert "A new private link was sent to 1 participant" in " ".join(messages_of(response))


def test_another_clusters_profile_gets_no_new_link(coordinator_client, mm):
    other = mm["other"]
    old = other.access_token
    coordinator_client.post(
        changelist_url(MatchmakingProfile),
        {"action": "send_new_link", "_selected_action": [other.pk]},
    )
    other.refresh_from_db()
    assert other.access_token == old and not mail.outbox


def test_organiser_cancels_a_request_and_frees_its_meeting(coordinator_client, mm):
    request = mm["meeting"].request
    now = timezone.now()
    begun = MeetingSlot.objects.create(
        event=mm["event_a"],
        starts_at=now - datetime.timedelta(minutes=30),
        ends_at=now - datetime.timedelta(minutes=10),
        tables=1,
    )
    held = factories.mm_meeting(mm["waiting"], begun)  # its survey answers must not go
    selected = [request.pk, held.request.pk, mm["other_meeting"].request.pk]
    mail.outbox.clear()
    response = coordinator_client.post(
        changelist_url(MeetingRequest),
        {"action": "cancel_selected", "_selected_action": selected},
        follow=True,
    )
    request.refresh_from_db()
    assert request.status == MeetingRequest.Status.CANCELLED
    assert not Meeting.objects.filter(pk=mm["meeting"].pk).exists()
    assert not MeetingSeat.objects.filter(slot=mm["slots"][0]).exists()
    said = " ".join(messages_of(response))
    assert "1 request was cancelled" in said
    assert "1 request was left as it was" in said
    assert Meeting.objects.filter(pk=held.pk).exists()
    # Both sides of the cancelled request are told, each in their language.
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == sorted([request.sender.email, request.receiver.email])
    assert all("cancelled by the organisers" in message.subject for message in mail.outbox)
    # Another cluster's request was not even selected.
    assert Meeting.objects.filter(pk=mm["other_meeting"].pk).exists()


# --- The daily command -----------------------------------------------------------------------


def test_matchmaking_tasks_with_the_clock_moved(mm):
    event = mm["event_a"]
    mm["other_meeting"].delete()  # event B's meeting would be surveyed too
    after = event.ends_at + datetime.timedelta(hours=1)
    expiring = factories.mm_request(mm["ana"], mm["cid"], status="pending")  # expires at start
    waiting = factories.mm_request(
        mm["ben"], mm["dan"], status="pending", expires_at=after + datetime.timedelta(days=3)
    )
    MeetingRequest.objects.filter(pk=waiting.pk).update(
        created_at=after - datetime.timedelta(days=3)
    )

    out = io.StringIO()
    call_command("matchmaking_tasks", now=after, stdout=out)
    assert out.getvalue().strip() == (
        "Expired 1 meeting request(s), sent 1 reminder(s) and 2 survey(s)."
    )
    expiring.refresh_from_db()
    waiting.refresh_from_db()
    assert expiring.status == MeetingRequest.Status.EXPIRED
    assert waiting.reminders_sent == 1
    assert MeetingFeedback.objects.filter(meeting=mm["meeting"], round="after_event").count() == 2
    assert {message.to[0] for message in mail.outbox} >= {mm["ana"].email, mm["dan"].email}

    # The same day again: nothing twice.
    out = io.StringIO()
    call_command("matchmaking_tasks", "--now", after.isoformat(), stdout=out)
    assert "Expired 0 meeting request(s), sent 0 reminder(s) and 0 survey(s)." in out.getvalue()

    # Six months on: the second survey.
    out = io.StringIO()
    call_command("matchmaking_tasks", now=after + datetime.timedelta(days=183), stdout=out)
    assert "and 2 survey(s)." in out.getvalue()
    assert MeetingFeedback.objects.filter(round="six_months").count() == 2
