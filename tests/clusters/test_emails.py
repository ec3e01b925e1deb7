import pytest
from django.core import mail
from django.template import TemplateDoesNotExist

from clusters.emails import send_templated_email

# Every message is kept in the outbox (a table) before it is sent.
pytestmark = pytest.mark.django_db


def test_email_is_rendered_in_the_recipients_language(tmp_path, settings):
    folder = tmp_path / "emails"
    folder.mkdir()
    (folder / "greeting_subject.txt").write_text(
        '{% load i18n %}{% translate "Events" %}\nInjected: x'
    )
    (folder / "greeting_body.txt").write_text(
        "{% load i18n %}{% get_current_language as l %}lang={{ l }} {{ name }}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    sent = send_templated_email("greeting", {"name": "Ada"}, ["ada@example.org"], language="fi")
    assert sent == 1
    message = mail.outbox[0]
    assert "\n" not in message.subject
    assert message.body == "lang=fi Ada"
    assert message.to == ["ada@example.org"]


def test_unknown_language_falls_back_to_default(tmp_path, settings):
    folder = tmp_path / "emails"
    folder.mkdir()
    (folder / "x_subject.txt").write_text("S")
    (folder / "x_body.txt").write_text("{% load i18n %}{% get_current_language as l %}{{ l }}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    send_templated_email("x", {}, ["a@example.org"], language="xx")
    assert mail.outbox[0].body == "en"


def test_missing_template_raises():
    with pytest.raises(TemplateDoesNotExist):
        send_templated_email("does_not_exist", {}, ["a@example.org"], language="en")
