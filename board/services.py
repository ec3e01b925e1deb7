"""Multi-step work of the cooperation offers and the job board: posting, relaying, reminding.

Every function that stores something runs in one transaction and sends its e-mail with
``transaction.on_commit``: a submission is either stored and announced, or neither.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clusters.emails import (
    absolute,
    admin_change_url,
    localized_path,
    notify_coordinators,
    send_templated_email,
)
from clusters.models import Cluster, ModerationStatus
from companies.models import Company, Membership

from .models import CooperationOffer, JobPosting, OfferInterest


def company_clusters(company):
    if company is None:
        return []
    return list(
        Cluster.objects.filter(
            pk__in=Membership.objects.active().filter(company=company).values("cluster_id")
        )
    )


# --- Cooperation offers ----------------------------------------------------------------------


def _set_translated(obj, field, value, language):
    """Store a visitor's text in the posting language's column only: a Polish offer copied into
    the English column would be shown on other pages as English (``lang="en"``, no note)."""
    setattr(obj, f"{field}_{language}", value)


def post_offer(data, *, user=None, language="en"):
    """Store a cooperation offer from the posting form's ``cleaned_data``.

    A representative's offer for their own company is published at once; a visitor's waits
    for moderation and the cluster's coordinators are told. The poster receives the private
    link to renew or withdraw it.
    """
    company = data.get("company")
    offer = CooperationOffer(
        direction=data["direction"],
        category=data["category"],
        company=company,
        target_countries=data.get("target_countries") or [],
        valid_from=timezone.localdate(),
        valid_until=data["valid_until"],
        submitter_language=language,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    _set_translated(offer, "title", data["title"], language)
    _set_translated(offer, "description", data["description"], language)
    if company is not None:
        offer.status = ModerationStatus.PUBLISHED
        clusters = company_clusters(company)
        offer.cluster = clusters[0] if clusters else None
        offer.submitter_name = user.get_full_name() or user.get_username()
        offer.submitter_email = user.email
    else:
        offer.status = ModerationStatus.PENDING
        offer.cluster = data["cluster"]
        offer.submitter_company = data["submitter_company"]
        offer.submitter_name = data["submitter_name"]
        offer.submitter_email = data["submitter_email"]
    with transaction.atomic():
        offer.save()
        offer.capabilities.set(data.get("capabilities") or [])
        offer.materials.set(data.get("materials") or [])
        transaction.on_commit(lambda: _announce_offer(offer))
    return offer


def offer_manage_url(offer, language=None):
    language = language or offer.submitter_language
    return absolute(localized_path("offers:manage", language, token=offer.manage_token))


def _announce_offer(offer):
    context = {"offer": offer, "manage_url": offer_manage_url(offer)}
    if offer.submitter_email:
        send_templated_email(
            "offers/submitted", context, [offer.submitter_email], language=offer.submitter_language
        )
    if offer.status == ModerationStatus.PENDING:
        notify_coordinators(
            "offers/moderation",
            {**context, "admin_url": admin_change_url(offer)},
            [offer.cluster],
        )


def express_interest(offer, data, *, language="en"):
    """Store an expression of interest and relay it: to the offering company's contact (whose
    address the sender never sees), a copy to the cluster's coordinators, a receipt to the
    sender."""
    with transaction.atomic():
        interest = OfferInterest.objects.create(
            offer=offer,
            name=data["name"],
            organization_name=data.get("organization_name", ""),
            email=data["email"],
            message=data["message"],
            language=language,
        )
        transaction.on_commit(lambda: _relay_interest(interest))
    return interest


def _relay_interest(interest):
    offer = interest.offer
    clusters = [offer.cluster] if offer.cluster_id else company_clusters(offer.company)
    context = {
        "offer": offer,
        "interest": interest,
        "offer_url": absolute(
            localized_path("offers:detail", offer.submitter_language, slug=offer.slug)
        ),
        "manage_url": offer_manage_url(offer),
    }
    if offer.contact_email:
        send_templated_email(
            "offers/interest",
            context,
            [offer.contact_email],
            language=offer.submitter_language,
            reply_to=[interest.email],
        )
    notify_coordinators(
        "offers/interest_copy",
        {**context, "company_has_address": bool(offer.contact_email)},
        clusters,
        reply_to=[interest.email],
    )
    send_templated_email(
        "offers/interest_receipt",
        {
            **context,
            "offer_url": absolute(
                localized_path("offers:detail", interest.language, slug=offer.slug)
            ),
        },
        [interest.email],
        language=interest.language,
    )


def send_offer_reminders(on=None, within_days=7):
    """E-mail the owner of every open offer ending within a week, once per offer."""
    on = on or timezone.localdate()
    sent = 0
    offers = CooperationOffer.objects.due_for_reminder(within_days, on).select_related("company")
    for offer in offers:
        if not offer.submitter_email:
            continue
        with transaction.atomic():
            # Claim the offer first, so that two runs at once never both send.
            claimed = CooperationOffer.objects.filter(
                pk=offer.pk, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=timezone.now())
            if not claimed:
                continue
            send_templated_email(
                "offers/reminder",
                {"offer": offer, "manage_url": offer_manage_url(offer)},
                [offer.submitter_email],
                language=offer.submitter_language,
            )
        sent += 1
    return sent


def withdraw_offer(offer):
    offer.status = ModerationStatus.WITHDRAWN
    offer.save(update_fields=["status", "updated_at"])


# --- Job board -------------------------------------------------------------------------------


def post_job(data, *, kind, user=None, language="en"):
    """Store a job posting. A representative's job offer is published at once; everything
    else waits for moderation. The poster gets the private link to withdraw the post."""
    company = data.get("company")
    represented = (
        company is not None and Company.objects.represented_by(user).filter(pk=company.pk).exists()
    )
    job = JobPosting(
        kind=kind,
        company=company if kind == JobPosting.Kind.OFFER else None,
        municipality=data.get("municipality"),
        contract_type=data.get("contract_type") or "",
        expires_on=data["expires_on"],
        contact_name=data["contact_name"],
        contact_email=data["contact_email"],
        poster_language=language,
        consent_at=timezone.now(),
        status=ModerationStatus.PUBLISHED if represented else ModerationStatus.PENDING,
    )
    _set_translated(job, "title", data["title"], language)
    _set_translated(job, "description", data["description"], language)
    _set_translated(job, "profession", data["profession"], language)
    with transaction.atomic():
        job.save()
        job.languages.set(data.get("languages") or [])
        transaction.on_commit(lambda: _announce_job(job))
    return job


def job_clusters(job):
    if job.company_id:
        clusters = company_clusters(job.company)
        if clusters:
            return clusters
    if job.municipality_id:
        return list(Cluster.objects.published().filter(region_id=job.municipality.region_id))
    return []


def job_manage_url(job, language=None):
    language = language or job.poster_language
    return absolute(localized_path("jobs:manage", language, token=job.manage_token))


def _announce_job(job):
    context = {"job": job, "manage_url": job_manage_url(job)}
    send_templated_email(
        "jobs/submitted", context, [job.contact_email], language=job.poster_language
    )
    if job.status == ModerationStatus.PENDING:
        notify_coordinators(
            "jobs/moderation", {**context, "admin_url": admin_change_url(job)}, job_clusters(job)
        )


def relay_job_message(job, data, *, language="en"):
    """Pass a message to the poster; the sender never sees the poster's address."""
    context = {
        "job": job,
        "sender_name": data["name"],
        "sender_email": data["email"],
        "message": data["message"],
        "manage_url": job_manage_url(job),
    }

    def send():
        send_templated_email(
            "jobs/message",
            context,
            [job.contact_email],
            language=job.poster_language,
            reply_to=[data["email"]],
        )

    transaction.on_commit(send)


def withdraw_job(job):
    """Delete the post and its change history: the poster takes their personal data back."""
    with transaction.atomic():
        pk = job.pk
        job.delete()
        JobPosting.history.filter(id=pk).delete()


def purge_expired_jobs(days=None, on=None):
    """Delete posts (and their history) that expired more than the retention period ago."""
    days = getattr(settings, "JOB_RETENTION_DAYS", 90) if days is None else days
    on = on or timezone.localdate()
    with transaction.atomic():
        expired = JobPosting.objects.retention_over(days, on)
        ids = list(expired.values_list("pk", flat=True))
        JobPosting.objects.filter(pk__in=ids).delete()
        JobPosting.history.filter(id__in=ids).delete()
    return len(ids)
