import datetime

import icalendar
import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clusters.models import ClusterCoordinator
from events import services
from events.models import Registration
from tests import factories

pytestmark = pytest.mark.django_db


def open_event(**kwargs):
    return factories.event(registration_open=True, **kwargs)


def data(**overrides):
    values = {
        "name": "Aino Example",
        "organization_name": "Example Oy",
        "email": "aino@example.org",
        "dietary_needs": "vegetarian",
        "access_needs": "",
    }
    values.update(overrides)
    return values


def register_url(event, language="en"):
    return factories.url_in(language, "events:register", slug=event.slug)


def test_event_page_shows_the_form_only_while_registration_is_open(client):
    event = open_event()
    page = client.get(event.get_absolute_url()).content.decode()
    assert f'action="{register_url(event)}"' in page
    assert 'name="homepage"' in page  # the honeypot
    closed = factories.event(registration_open=False)
    assert register_url(closed) not in client.get(closed.get_absolute_url()).content.decode()


def test_registration_is_confirmed_with_calendar_file_and_private_link(
    client, django_capture_on_commit_callbacks
):
    event = open_event(capacity=10, title_fi="Seminaari")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url(event, "fi"), data())
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == factories.url_in(
        "fi", "events:registration", token=registration.cancel_token
    )
    assert registration.status == "confirmed"
    assert registration.language == "fi"
    (message,) = mail.outbox
    assert message.to == ["aino@example.org"]
    assert "/fi/" in message.body and str(registration.cancel_token) in message.body
    ((filename, content, mimetype),) = message.attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(content)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Seminaari"
    status_page = client.get(response["Location"]).content.decode()
    assert "vahvistettu" in status_page.lower()  # the Finnish page: "Paikkasi on vahvistettu"


def test_capacity_waiting_list_and_promotion_on_cancel(client, django_capture_on_commit_callbacks):
    event = open_event(capacity=2)
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(4):
            client.post(
                register_url(event), data(email=f"p{number}@example.org", name=f"P{number}")
            )
    statuses = list(event.registrations.order_by("created_at").values_list("email", "status"))
    assert statuses == [
        ("p0@example.org", "confirmed"),
        ("p1@example.org", "confirmed"),
        ("p2@example.org", "waiting"),
        ("p3@example.org", "waiting"),
    ]
    waiting_mail = next(m for m in mail.outbox if m.to == ["p2@example.org"])
    assert "waiting list" in waiting_mail.subject.lower()
    assert waiting_mail.attachments == []
    mail.outbox.clear()
    first = event.registrations.get(email="p0@example.org")
    cancel_url = reverse("events:registration-cancel", kwargs={"token": first.cancel_token})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(cancel_url)
    assert response.status_code == 302
    assert dict(event.registrations.values_list("email", "status")) == {
        "p0@example.org": "cancelled",
        "p1@example.org": "confirmed",
        "p2@example.org": "confirmed",
        "p3@example.org": "waiting",
    }
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"p0@example.org", "p2@example.org"}
    promoted = by_recipient["p2@example.org"]
    assert "place is yours" in promoted.subject
    assert promoted.attachments and promoted.attachments[0][0].endswith(".ics")
    # Cancelling twice changes nothing and promotes nobody else.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(cancel_url)
    assert event.registrations.filter(status="confirmed").count() == 2
    assert mail.outbox == []
    # The cancelled person may register again.
    client.post(register_url(event), data(email="p0@example.org"))
    assert event.registrations.get(email="p0@example.org", status="waiting")


def test_one_active_registration_per_email_is_a_friendly_error(client):
    event = open_event()
    client.post(register_url(event), data())
    response = client.post(register_url(event), data(email="AINO@example.org", name="Again"))
    assert response.status_code == 400
    assert "already registered" in response.content.decode()
    assert event.registrations.count() == 1


def test_registration_after_deadline_or_when_closed_is_refused(client):
    late = open_event(registration_deadline=timezone.now() - datetime.timedelta(hours=1))
    response = client.post(register_url(late), data())
    assert response.status_code == 400
    assert "closed" in response.content.decode()
    past = open_event(
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert client.post(register_url(past), data()).status_code == 400
    assert not Registration.objects.exists()
    assert mail.outbox == []
    assert (
        client.post(
            register_url(factories.event(is_published=False, registration_open=True)), data()
        ).status_code
        == 404
    )


def test_service_refuses_closed_events_even_without_the_form():
    event = open_event(registration_deadline=timezone.now() + datetime.timedelta(hours=1))
    later = timezone.now() + datetime.timedelta(hours=2)
    with pytest.raises(services.RegistrationClosed):
        services.register(event, data(), now=later)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 10_000}, "name"),
        ({"name": "Eve\r\nBcc: all@example.org"}, "name"),
        ({"name": "nul\x00"}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@example.org\nbcc: b@example.org"}, "email"),
        ({"dietary_needs": "d" * 301}, "dietary_needs"),
        ({"organization_name": "o" * 201}, "organization_name"),
    ],
)
def test_bad_registration_input_is_rejected(client, overrides, field):
    event = open_event()
    response = client.post(register_url(event), data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Registration.objects.exists()


def test_user_text_is_escaped_on_the_private_page(client):
    event = open_event()
    response = client.post(register_url(event), data(name="<script>alert('x')</script> Åsa Żółć"))
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert "Åsa Żółć" in page


def test_cancel_link_is_private_and_post_only(client):
    registration = factories.registration(open_event())
    url = reverse("events:registration-cancel", kwargs={"token": registration.cancel_token})
    assert client.get(url).status_code == 405
    assert (
        client.post(
            "/en/events/registration/00000000-0000-0000-0000-000000000000/cancel/"
        ).status_code
        == 404
    )
    assert client.get("/en/events/registration/garbage/").status_code == 404


def test_no_cancellation_after_the_event_started(client):
    event = open_event(
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        ends_at=timezone.now() + datetime.timedelta(hours=3),
    )
    registration = factories.registration(event)
    client.post(reverse("events:registration-cancel", kwargs={"token": registration.cancel_token}))
    registration.refresh_from_db()
    assert registration.status == "confirmed"


# --- The participant list for coordinators ---------------------------------------------------


@pytest.fixture
def event_with_participants():
    cluster = factories.cluster()
    event = open_event(cluster=cluster)
    factories.registration(event, name='=HYPERLINK("http://evil")', email="a@example.org")
    factories.registration(event, name="Björn Åkesson", email="b@example.org", status="waiting")
    return event


def csv_url(event):
    return reverse("events:participants-csv", kwargs={"slug": event.slug})


def test_participant_csv_for_the_events_coordinator(
    client, django_user_model, event_with_participants
):
    event = event_with_participants
    user = django_user_model.objects.create_user("coord", "c@example.org", "pw")
    ClusterCoordinator.objects.create(user=user, cluster=event.cluster)
    user.user_permissions.add(Permission.objects.get(codename="view_registration"))
    client.force_login(user)
    response = client.get(csv_url(event))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "Björn Åkesson" in text and "waiting" in text
    assert "'=HYPERLINK" in text  # formula neutralised


def test_participant_csv_is_refused_to_others(client, django_user_model, event_with_participants):
    event = event_with_participants
    assert client.get(csv_url(event)).status_code == 302  # anonymous: to the login
    other = django_user_model.objects.create_user("other", "o@example.org", "pw")
    ClusterCoordinator.objects.create(user=other, cluster=factories.cluster())
    other.user_permissions.add(Permission.objects.get(codename="view_registration"))
    client.force_login(other)
    assert client.get(csv_url(event)).status_code == 403
    visitor = django_user_model.objects.create_user("visitor", "v@example.org", "pw")
    client.force_login(visitor)
    assert client.get(csv_url(event)).status_code == 403


def test_participant_csv_for_an_administrator(admin_client, event_with_participants):
    assert admin_client.get(csv_url(event_with_participants)).status_code == 200
