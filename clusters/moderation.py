"""Moderation of what the public submits (cooperation offers, job posts, visit requests,
representatives' profile changes), for the apps that register an adapter.

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
from .models import ModerationDecision, ModerationStatus


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
    """How one model is moderated. The defaults fit models with a ``ModerationStatus``."""

    pending_statuses: tuple[str, ...] = (ModerationStatus.PENDING,)
    approved_status: str = ModerationStatus.PUBLISHED
    rejected_status: str = ModerationStatus.REJECTED

    @property
    def queue_status(self):
        """The status of what waits for a first look (the dashboard counts these)."""
        return self.pending_statuses[0]

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


# Each app registers its moderated models from its AppConfig.ready().
_registry: dict[type, Adapter] = {}


def register(model, adapter: Adapter) -> None:
    _registry[model] = adapter


def moderated_models() -> dict[type, Adapter]:
    """The moderated models and their adapters, in the order the apps registered them."""
    return dict(_registry)


def adapter_for(obj) -> Adapter:
    try:
        return _registry[type(obj)]
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
