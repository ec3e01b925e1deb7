"""E-mail in the recipient's language, from templates, through an outbox.

Each message is a folder of templates: ``<name>_subject.txt`` (one line) and ``<name>_body.txt``;
they are rendered with the recipient's language active, so gettext, dates and numbers follow it.

Accepted means kept, and told: a rendered message is stored as an ``OutgoingEmail`` in the
caller's transaction and delivered once that transaction commits. A mail server that fails never
reaches the visitor: the failure is logged, and ``manage.py send_outbox`` (cron, every five
minutes) tries again with growing pauses until the message is sent or given up.
"""

import base64
import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import ClusterContact, ClusterCoordinator, OutgoingEmail

logger = logging.getLogger("clusters.emails")

# The pause after the n-th failed attempt; the last attempt (MAX_ATTEMPTS) gives up.
BACKOFF = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
]
MAX_ATTEMPTS = 8
# Seconds a mail server may take before an attempt counts as failed (a visitor may be waiting).
DEFAULT_TIMEOUT = 10


def _single_line(text: str) -> str:
    # A subject must never carry a line break (header injection) and stays short.
    return " ".join(text.split())[:200]


def render_templated_email(name: str, context: dict, *, language: str | None = None) -> dict:
    """``emails/<name>_subject.txt`` and ``emails/<name>_body.txt`` rendered in ``language``: the
    ``name``, ``language``, ``subject`` and ``body`` of an ``OutgoingEmail``."""
    language = language if language in settings.LANGUAGE_CODES else settings.LANGUAGE_CODE
    with translation.override(language):
        context = {**context, "language": language, "site_url": settings.SITE_URL}
        subject = _single_line(render_to_string(f"emails/{name}_subject.txt", context))
        body = render_to_string(f"emails/{name}_body.txt", context)
    return {"name": name, "language": language, "subject": subject, "body": body}


def keep_email(
    rendered: dict,
    to: list[str],
    *,
    reply_to: list[str] | None = None,
    cc: list[str] | None = None,
    attachments: list[tuple[str, bytes | str, str]] | None = None,
) -> OutgoingEmail:
    """Store a ``render_templated_email`` message in the outbox, waiting to be delivered."""
    return OutgoingEmail.objects.create(
        **rendered,
        to=list(to),
        cc=list(cc or []),
        reply_to=list(reply_to or []),
        attachments=[
            {
                "filename": filename,
                "content": base64.b64encode(
                    content.encode() if isinstance(content, str) else content
                ).decode("ascii"),
                "mimetype": mimetype,
            }
            for filename, content, mimetype in attachments or []
        ],
    )


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
    """Render ``emails/<name>_subject.txt`` and ``emails/<name>_body.txt`` in ``language``, keep
    the message in the outbox and deliver it when the caller's transaction commits.

    Returns the number of messages accepted (0 or 1): kept, so sent now or later by the outbox.
    A template error still raises (a bug, not a mail server's mood); a mail failure never does.
    """
    rendered = render_templated_email(name, context, language=language)
    if not [*to, *(cc or [])]:
        return 0  # nobody to tell (as EmailMessage.send)
    outgoing = keep_email(rendered, to, reply_to=reply_to, cc=cc, attachments=attachments)
    _on_commit(lambda: deliver_pending(outgoing.pk))
    return 1


def _on_commit(callback):
    """``transaction.on_commit``, robust: a delivery error is logged, never raised to the caller."""
    transaction.on_commit(callback, robust=True)


def build_message(outgoing: OutgoingEmail) -> EmailMessage:
    message = EmailMessage(
        subject=outgoing.subject,
        body=outgoing.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=outgoing.to,
        cc=outgoing.cc,
        reply_to=outgoing.reply_to,
        connection=get_connection(
            timeout=getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_TIMEOUT
        ),
    )
    for attachment in outgoing.attachments:
        message.attach(
            attachment["filename"],
            base64.b64decode(attachment["content"]),
            attachment["mimetype"],
        )
    return message


def deliver(outgoing: OutgoingEmail, *, now=None) -> bool:
    """Try once to hand ``outgoing`` to the mail server; record the result. Never raises for a
    mail failure: it is logged, and the next attempt is scheduled (or the message given up)."""
    outgoing.attempts += 1
    try:
        build_message(outgoing).send()
    except Exception as error:  # any failure of the mail server or the backend
        now = now or timezone.now()
        outgoing.last_error = f"{type(error).__name__}: {error}"[:2000]
        if outgoing.attempts >= MAX_ATTEMPTS:
            outgoing.status = OutgoingEmail.Status.FAILED
        else:
            pause = BACKOFF[min(outgoing.attempts, len(BACKOFF)) - 1]
            outgoing.next_attempt_at = now + pause
        logger.warning(  # no addresses in the log: the admin's outbox shows them
            "E-mail %s (%s): attempt %s of %s failed: %s",
            outgoing.pk,
            outgoing.name,
            outgoing.attempts,
            MAX_ATTEMPTS,
            outgoing.last_error,
        )
        sent = False
    else:
        outgoing.status = OutgoingEmail.Status.SENT
        outgoing.sent_at = timezone.now()
        outgoing.last_error = ""
        sent = True
    outgoing.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at", "last_error"])
    return sent


def deliver_pending(pk, *, due_before=None, retry_failed=False) -> bool | None:
    """Deliver the outbox message ``pk`` if it is still pending (and due before ``due_before``,
    when given; or given up, with ``retry_failed``) and nobody else is sending it.

    On PostgreSQL the row is locked while it is sent and a row another process holds is skipped
    (``skip_locked``): two runs never send one message twice. SQLite has no row locks (a
    transaction would lock the whole file while the mail server answers): plain reads there.

    ``True``: sent; ``False``: failed again; ``None``: not attempted."""
    statuses = [OutgoingEmail.Status.PENDING]
    if retry_failed:
        statuses.append(OutgoingEmail.Status.FAILED)
    pending = OutgoingEmail.objects.filter(pk=pk, status__in=statuses)
    if due_before is not None:
        pending = pending.filter(next_attempt_at__lte=due_before)
    try:
        if not connection.features.has_select_for_update_skip_locked:
            outgoing = pending.first()
            return None if outgoing is None else deliver(outgoing)
        with transaction.atomic():
            outgoing = pending.select_for_update(skip_locked=True).first()
            return None if outgoing is None else deliver(outgoing)
    except Exception:  # the database itself: the message stays pending for the next run
        logger.warning("E-mail %s: delivery could not be recorded", pk, exc_info=True)
        return None


# --- Notices to the clusters' coordinators ---------------------------------------------------

# The language a cluster's coordinators read when nobody told us theirs: the country's own.
COUNTRY_LANGUAGES = {"FI": "fi", "SE": "sv", "PL": "pl", "LT": "lt"}


def cluster_language(cluster):
    return COUNTRY_LANGUAGES.get(str(cluster.country), settings.LANGUAGE_CODE)


def coordinator_recipients(clusters):
    """``{language: [addresses]}`` of the coordinators of ``clusters``.

    Per cluster: its coordinator users with an e-mail address; a cluster without any falls back
    to its contact people with an address. When none of the clusters has anybody, the site's
    MANAGERS receive the notice, so that nothing waits unseen. Coordinators read the language
    of their cluster's country.
    """
    clusters = {cluster.pk: cluster for cluster in clusters if cluster is not None}
    found: dict[int, list[str]] = {}
    if clusters:
        coordinators = (
            ClusterCoordinator.objects.filter(cluster_id__in=clusters, user__is_active=True)
            .exclude(user__email="")
            .values_list("cluster_id", "user__email")
        )
        for cluster_id, address in coordinators:
            found.setdefault(cluster_id, []).append(address)
        contacts = (
            ClusterContact.objects.filter(cluster_id__in=clusters)
            .exclude(cluster_id__in=list(found))
            .exclude(person__email="")
            .values_list("cluster_id", "person__email")
        )
        for cluster_id, address in contacts:
            found.setdefault(cluster_id, []).append(address)
    by_language: dict[str, list[str]] = {}
    for cluster_id, addresses in found.items():
        group = by_language.setdefault(cluster_language(clusters[cluster_id]), [])
        group.extend(address for address in addresses if address not in group)
    if not by_language:
        managers = [address for _name, address in getattr(settings, "MANAGERS", [])]
        if managers:
            by_language[settings.LANGUAGE_CODE] = managers
    return by_language


def notify_coordinators(name, context, clusters, *, reply_to=None):
    """Send ``emails/<name>`` to the coordinators of ``clusters``, each group in its language."""
    sent = 0
    for language, addresses in coordinator_recipients(clusters).items():
        sent += send_templated_email(name, context, addresses, language=language, reply_to=reply_to)
    return sent


def absolute(path):
    return f"{settings.SITE_URL}{path}"


def localized_path(name, language, **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def admin_change_url(obj):
    opts = obj._meta
    return absolute(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
