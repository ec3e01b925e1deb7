"""Moderation of what the public submits: cooperation offers, job posts, visit requests and
representatives' profile changes (for clusters that review them).

``approve`` and ``reject`` change the status, log the decision (ModerationDecision) and tell the
submitter by e-mail in the submitter's own language. Each kind of object has an adapter that
knows its statuses and its submitter.
"""

from dataclasses import dataclass

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .emails import send_templated_email
from .models import ModerationDecision


class ModerationError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text=_("Sent to the submitter in the e-mail that tells them about the decision."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].replace("\x00", "").strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason."))
        return reason


@dataclass
class Submitter:
    email: str
    name: str
    language: str


class Adapter:
    """How one model is moderated."""

    pending_statuses: tuple[str, ...]
    approved_status: str
    rejected_status: str

    def is_pending(self, obj):
        return obj.status in self.pending_statuses

    def submitter(self, obj) -> Submitter:
        raise NotImplementedError

    def public_url(self, obj):
        return ""

    def on_approve(self, obj):
        obj.status = self.approved_status
        obj.save()

    def on_reject(self, obj, reason):
        obj.status = self.rejected_status
        if hasattr(obj, "rejection_reason"):
            obj.rejection_reason = reason
        obj.save()


class OfferAdapter(Adapter):
    pending_statuses = ("pending",)
    approved_status = "published"
    rejected_status = "rejected"

    def submitter(self, obj):
        email = obj.submitter_email or (obj.created_by.email if obj.created_by_id else "")
        return Submitter(email, obj.submitter_name, obj.submitter_language)

    def public_url(self, obj):
        return obj.get_absolute_url()


class JobAdapter(Adapter):
    pending_statuses = ("pending",)
    approved_status = "published"
    rejected_status = "rejected"

    def submitter(self, obj):
        return Submitter(obj.contact_email, obj.contact_name, obj.poster_language)

    def public_url(self, obj):
        return obj.get_absolute_url()


class VisitAdapter(Adapter):
    pending_statuses = ("new", "in_progress")
    approved_status = "confirmed"
    rejected_status = "declined"

    def submitter(self, obj):
        return Submitter(obj.email, obj.name, obj.language)


class ChangeRequestAdapter(Adapter):
    pending_statuses = ("pending",)
    approved_status = "published"
    rejected_status = "rejected"

    def submitter(self, obj):
        user = obj.submitted_by
        name = (user.get_full_name() or user.get_username()) if user else ""
        return Submitter(user.email if user else "", name, obj.language)

    def public_url(self, obj):
        return obj.company.get_absolute_url() if obj.company.is_published else ""

    def on_approve(self, obj):
        from companies.profiles import apply_change_request

        errors = apply_change_request(obj)
        if errors:
            raise ModerationError(
                _("The proposed data is no longer valid: %(errors)s") % {"errors": errors}
            )
        super().on_approve(obj)


def _adapters():
    from companies.models import CompanyChangeRequest, CooperationOffer, JobPosting
    from events.models import VisitRequest

    return {
        CooperationOffer: OfferAdapter(),
        JobPosting: JobAdapter(),
        VisitRequest: VisitAdapter(),
        CompanyChangeRequest: ChangeRequestAdapter(),
    }


def adapter_for(obj) -> Adapter:
    try:
        return _adapters()[type(obj)]
    except KeyError:
        raise ModerationError(_("This kind of object is not moderated.")) from None


def _decide(obj, *, by, decision, reason=""):
    adapter = adapter_for(obj)
    if not adapter.is_pending(obj):
        raise ModerationError(_("This item has already been decided."))
    with transaction.atomic():
        if decision == ModerationDecision.Decision.APPROVED:
            adapter.on_approve(obj)
        else:
            adapter.on_reject(obj, reason)
        log = ModerationDecision.objects.create(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            decision=decision,
            reason=reason,
            decided_by=by,
        )
    submitter = adapter.submitter(obj)
    if submitter.email:
        with translation.override(submitter.language):
            public_url = adapter.public_url(obj)
        sent = send_templated_email(
            f"moderation/{decision}",
            {
                "object": obj,
                "kind": obj._meta.verbose_name,
                "name": submitter.name,
                "reason": reason,
                "public_url": public_url,
            },
            [submitter.email],
            language=submitter.language,
        )
        if sent:
            ModerationDecision.objects.filter(pk=log.pk).update(notified=True)
    return log


def approve(obj, *, by):
    return _decide(obj, by=by, decision=ModerationDecision.Decision.APPROVED)


def reject(obj, *, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(_("Give a reason."))
    return _decide(obj, by=by, decision=ModerationDecision.Decision.REJECTED, reason=reason)
