from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import (
    Capability,
    Certification,
    Company,
    Material,
    Sector,
    SpokenLanguage,
)


@register(Sector)
class SectorTranslation(TranslationOptions):
    fields = ("name",)


@register(Capability)
class CapabilityTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Material)
class MaterialTranslation(TranslationOptions):
    fields = ("name",)


@register(Certification)
class CertificationTranslation(TranslationOptions):
    fields = ("name", "description")


@register(SpokenLanguage)
class SpokenLanguageTranslation(TranslationOptions):
    fields = ("name",)


@register(Company)
class CompanyTranslation(TranslationOptions):
    fields = ("description",)


for model in (Company,):
    register_history(model, app=__package__)
