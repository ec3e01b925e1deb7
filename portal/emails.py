"""E-mail in the recipient's language, from templates.

Each message is a folder of templates: ``<name>_subject.txt`` (one line) and ``<name>_body.txt``;
they are rendered with the recipient's language active, so gettext, dates and numbers follow it.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation


def _single_line(text: str) -> str:
    # A subject must never carry a line break (header injection) and stays short.
    return " ".join(text.split())[:200]


def send_templated_email(
    name: str,
    context: dict,
    to: list[str],
    *,
    language: str | None = None,
    reply_to: list[str] | None = None,
    cc: list[str] | None = None,
    attachments: list[tuple[str, bytes | str, str]] | None = None,
) -> int:
    """Render ``emails/<name>_subject.txt`` and ``emails/<name>_body.txt`` in ``language`` and send.

    Returns the number of messages sent (0 or 1).
    """
    language = language if language in settings.LANGUAGE_CODES else settings.LANGUAGE_CODE
    with translation.override(language):
        context = {**context, "language": language, "site_url": settings.SITE_URL}
        subject = _single_line(render_to_string(f"emails/{name}_subject.txt", context))
        body = render_to_string(f"emails/{name}_body.txt", context)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        cc=cc or [],
        reply_to=reply_to or [],
    )
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    return message.send()
