from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import CooperationOffer, JobPosting


@register(CooperationOffer)
class CooperationOfferTranslation(TranslationOptions):
    fields = ("title", "description")


@register(JobPosting)
class JobPostingTranslation(TranslationOptions):
    fields = ("title", "description", "profession")


for model in (CooperationOffer, JobPosting):
    # The history models keep the models' own app label ("companies").
    register_history(model, app="companies")
