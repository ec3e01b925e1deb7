from django.utils.translation import gettext_lazy as _

from clusters.moderation import Adapter, ModerationError, Submitter

from .profiles import apply_change_request


class ChangeRequestAdapter(Adapter):
    def submitter(self, obj):
        user = obj.submitted_by
        name = (user.get_full_name() or user.get_username()) if user else ""
        return Submitter(user.email if user else "", name, obj.language)

    def public_url(self, obj):
        return obj.company.get_absolute_url() if obj.company.is_published else ""

    def on_approve(self, obj):
        errors = apply_change_request(obj)
        if errors:
            raise ModerationError(
                _("The proposed data is no longer valid: %(errors)s") % {"errors": errors}
            )
        super().on_approve(obj)
