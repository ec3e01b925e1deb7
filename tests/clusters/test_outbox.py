"""Accepted means kept, and told: a failing mail server never turns a stored submission into an
error; the message waits in the outbox and `send_outbox` delivers it later, with growing pauses,
until it is sent or given up."""

import datetime
import io
import smtplib
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from board.models import OfferInterest
from clusters import emails
from clusters.management.commands.send_outbox import send_due
from clusters.models import ClusterCoordinator, OutgoingEmail
from events.models import Registration
from tests import factories

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
Status = OutgoingEmail.Status


class BrokenBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def broken_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenBackend"
    return settings


def deliver_later(settings, count):
    """The outbox holds ``count`` pending messages, tried once; the server is back, cron runs."""
    kept = OutgoingEmail.objects.order_by("pk")
    assert [(m.status, m.attempts) for m in kept] == [(Status.PENDING, 1)] * count
    assert all("SMTPServerDisconnected" in m.last_error for m in kept)
    assert not mail.outbox
    settings.EMAIL_BACKEND = LOCMEM
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())  # the pause is over
    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    assert f"Sent {count} e-mail(s); 0 failed" in out.getvalue()
    assert len(mail.outbox) == count
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {Status.SENT}
    return {message.to[0]: message for message in mail.outbox}


def test_event_registration_is_kept_and_confirmed_later(
    client, broken_mail, caplog, django_capture_on_commit_callbacks
):
    event = factories.event(registration_open=True, capacity=10)
    url = reverse("events:register", kwargs={"slug": event.slug})
    data = {"name": "Aino Example", "organization_name": "Example Oy", "email": "aino@example.org"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == "confirmed"
    assert "attempt 1 of 8 failed" in caplog.text and "aino@example.org" not in caplog.text
    assert [r.name for r in caplog.records if r.levelname == "WARNING"] == ["clusters.emails"]
    message = deliver_later(broken_mail, 1)["aino@example.org"]
    assert str(registration.cancel_token) in message.body
    ((filename, content, mimetype),) = message.attachments  # the calendar file survives
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    assert "BEGIN:VCALENDAR" in content


def test_express_interest_is_kept_and_relayed_later(
    client, broken_mail, django_capture_on_commit_callbacks
):
    cluster = factories.cluster(country="SE")
    coordinator = factories.user(email="coord@example.org")
    ClusterCoordinator.objects.create(user=coordinator, cluster=cluster)
    company = factories.company(clusters=[cluster], email="sales@example.org")
    offer = factories.offer(company=company, cluster=cluster, submitter_language="fi")
    data = {"name": "Piotr", "email": "piotr@example.org", "message": "200 brackets a month"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("offers:interest", kwargs={"slug": offer.slug}), data)
    assert response.status_code == 302
    assert OfferInterest.objects.filter(offer=offer).count() == 1
    by_recipient = deliver_later(broken_mail, 3)
    assert set(by_recipient) == {"sales@example.org", "coord@example.org", "piotr@example.org"}
    assert by_recipient["sales@example.org"].reply_to == ["piotr@example.org"]


def test_password_reset_answers_as_usual_and_the_link_comes_later(client, broken_mail, settings):
    factories.user(email="reset@example.org")
    response = client.post(reverse("my_company:password-reset"), {"email": "reset@example.org"})
    assert response.status_code == 302
    message = deliver_later(broken_mail, 1)["reset@example.org"]
    link = message.body.split(settings.SITE_URL, 1)[1].split()[0]
    page = client.get(link, follow=True)
    assert page.context["validlink"]  # the link kept in the outbox still works


# --- Retries ---------------------------------------------------------------------------------


def outgoing(**kwargs):
    values = {
        "name": "test",
        "language": "en",
        "to": ["a@example.org"],
        "subject": "S",
        "body": "B",
    }
    return OutgoingEmail.objects.create(**{**values, **kwargs})


def test_pauses_grow_and_the_last_attempt_gives_up(broken_mail):
    message = outgoing()
    now = timezone.now()
    pauses = []
    for _attempt in range(emails.MAX_ATTEMPTS - 1):
        assert emails.deliver(message, now=now) is False
        assert message.status == Status.PENDING
        pauses.append(message.next_attempt_at - now)
    assert pauses[:5] == [
        datetime.timedelta(minutes=1),
        datetime.timedelta(minutes=5),
        datetime.timedelta(minutes=30),
        datetime.timedelta(hours=2),
        datetime.timedelta(hours=12),
    ]
    assert pauses == sorted(pauses)
    assert emails.deliver(message, now=now) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, emails.MAX_ATTEMPTS)
    broken_mail.EMAIL_BACKEND = LOCMEM
    assert emails.deliver_pending(message.pk) is None  # cron leaves a given-up message alone


def test_send_outbox_sends_only_due_messages_oldest_first(settings):
    now = timezone.now()
    later = outgoing(subject="later", next_attempt_at=now + datetime.timedelta(minutes=5))
    outgoing(subject="first", next_attempt_at=now - datetime.timedelta(minutes=1))
    outgoing(subject="second", next_attempt_at=now - datetime.timedelta(minutes=2))
    outgoing(subject="done", status=Status.SENT)
    call_command("send_outbox", "--batch-size", "1", stdout=io.StringIO())
    assert [message.subject for message in mail.outbox] == ["first", "second"]
    later.refresh_from_db()
    assert later.status == Status.PENDING and later.attempts == 0


def test_send_outbox_counts_failures(broken_mail):
    outgoing(next_attempt_at=timezone.now() - datetime.timedelta(minutes=1))
    out = io.StringIO()
    call_command("send_outbox", stdout=out)
    assert "Sent 0 e-mail(s); 1 failed" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_kept_in_the_callers_transaction_and_sent_on_commit(tmp_path, settings):
    folder = tmp_path / "emails"
    folder.mkdir()
    (folder / "hello_subject.txt").write_text("Hello")
    (folder / "hello_body.txt").write_text("Body")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    with transaction.atomic():
        assert emails.send_templated_email("hello", {}, ["a@example.org"]) == 1
        assert OutgoingEmail.objects.get().status == Status.PENDING
        assert not mail.outbox  # not before the caller's data is committed
    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.get().status == Status.SENT
    with pytest.raises(RuntimeError), transaction.atomic():
        emails.send_templated_email("hello", {}, ["b@example.org"])
        raise RuntimeError("the caller's transaction fails")
    assert OutgoingEmail.objects.count() == 1 and len(mail.outbox) == 1  # neither kept nor sent


@pytest.mark.django_db(transaction=True)
def test_a_message_another_run_is_sending_is_skipped():
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SQLite has no row locks")
    message = outgoing(next_attempt_at=timezone.now() - datetime.timedelta(minutes=1))
    locked, release = threading.Event(), threading.Event()

    def other_run():  # another cron run, in the middle of sending it
        try:
            with transaction.atomic():
                OutgoingEmail.objects.select_for_update().get(pk=message.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert locked.wait(10)
        assert send_due() == (0, 0)
    finally:
        release.set()
        thread.join()
    assert not mail.outbox


# --- Admin -----------------------------------------------------------------------------------


def test_administrators_see_the_outbox_and_send_now(admin_client, broken_mail):
    message = outgoing(subject="Waiting", to=["x@example.org"])
    url = reverse("admin:portal_outgoingemail_changelist")
    page = admin_client.get(url, {"q": "x@example.org", "status__exact": "pending"})
    assert page.status_code == 200 and "Waiting" in page.content.decode()
    change = admin_client.get(reverse("admin:portal_outgoingemail_change", args=[message.pk]))
    assert change.status_code == 200 and "x@example.org" in change.content.decode()
    broken_mail.EMAIL_BACKEND = LOCMEM
    response = admin_client.post(
        url, {"action": "send_now", "_selected_action": [message.pk]}, follow=True
    )
    assert "Sent: 1. Failed again: 0." in response.content.decode()
    message.refresh_from_db()
    assert message.status == Status.SENT and len(mail.outbox) == 1


def test_coordinators_do_not_see_the_outbox(client):
    message = outgoing()
    user = factories.coordinator(factories.cluster())
    assert user.is_staff and not user.is_superuser
    client.force_login(user)
    assert client.get(reverse("admin:portal_outgoingemail_changelist")).status_code == 403
    change = reverse("admin:portal_outgoingemail_change", args=[message.pk])
    assert client.get(change).status_code in {302, 403, 404}
    assert "outgoingemail" not in client.get(reverse("admin:index")).content.decode()
    assert get_user_model().objects.filter(is_superuser=True).count() == 0
