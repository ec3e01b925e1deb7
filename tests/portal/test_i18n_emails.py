"""Every e-mail template speaks every language; a message goes out in its recipient's language."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.utils import translation

from clusters.emails import send_templated_email

EMAILS = Path(settings.BASE_DIR) / "templates" / "emails"
TEMPLATES = sorted(str(path.relative_to(EMAILS.parent)) for path in EMAILS.rglob("*.txt"))
TRANSLATED = [code for code in settings.LANGUAGE_CODES if code != "en"]


def render(template, code):
    context = {
        "name": "Aino",
        "company": "Kvarken Laser Oy",
        "title": "Laser cutting capacity",
        "days": 3,
        "timeout_days": 3,
        "count": 4,
        "needs_password": True,
        "public_url": "/x/",
    }
    with translation.override(code):
        return render_to_string(template, context)


def test_there_are_email_templates():
    assert len(TEMPLATES) > 30


@pytest.mark.django_db
@pytest.mark.parametrize("template", TEMPLATES)
def test_each_email_template_renders_translated_in_every_language(template):
    english = render(template, "en")
    assert english.strip()
    for code in TRANSLATED:
        text = render(template, code)
        assert text.strip()
        assert text != english, (template, code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "subject_start", "greeting"),
    [
        ("fi", "Sinut on kutsuttu", "Hei Aino,"),
        ("sv", "Du är inbjuden", "Hej Aino!"),
        ("pl", "Zaproszenie do aktualizowania", "Dzień dobry, Aino!"),
        ("lt", "Kviečiame jus", "Sveiki, Aino,"),
        ("en", "You are invited", "Hello Aino,"),
    ],
)
def test_a_message_goes_out_in_the_recipients_language(code, subject_start, greeting):
    from django.contrib.auth.models import User

    user = User(first_name="Aino", email="aino@example.org")
    sent = send_templated_email(
        "accounts/invitation",
        {"user": user, "company": {"name": "Kvarken Laser Oy"}, "timeout_days": 3},
        ["aino@example.org"],
        language=code,
    )
    assert sent == 1
    (message,) = mail.outbox
    assert message.subject.startswith(subject_start)
    assert message.body.startswith(greeting)
    assert translation.get_language() == "en"  # the sender's language is left as it was
