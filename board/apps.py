from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardConfig(AppConfig):
    """Cooperation offers and the job board, built on the directory's companies."""

    name = "board"
    verbose_name = _("Cooperation offers and jobs")

    def ready(self):
        from clusters import moderation
        from companies.signals import watch_company_part

        from .models import CooperationOffer, JobPosting
        from .moderation import JobAdapter, OfferAdapter

        # A company's open offers are one of the directory's facets.
        watch_company_part(CooperationOffer)
        moderation.register(CooperationOffer, OfferAdapter())
        moderation.register(JobPosting, JobAdapter())
