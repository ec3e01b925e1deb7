"""E-mail in the recipient's language, from templates.

Each message is a folder of templates: ``<name>_subject.txt`` (one line) and ``<name>_body.txt``;
they are rendered with the recipient's language active, so gettext, dates and numbers follow it.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import ClusterContact, ClusterCoordinator


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
