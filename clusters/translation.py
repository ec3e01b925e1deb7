"""Translated content fields (sv, fi, en, pl, lt). History is registered after translation:
simple-history on a translated model must see the language columns."""

from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import (
    Cluster,
    ClusterContact,
    Municipality,
    NewsItem,
    Organization,
    Page,
    Person,
    Region,
)


@register(Region)
class RegionTranslation(TranslationOptions):
    fields = ("name",)


@register(Municipality)
class MunicipalityTranslation(TranslationOptions):
    fields = ("name",)


@register(Organization)
class OrganizationTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Person)
class PersonTranslation(TranslationOptions):
    fields = ("title",)


@register(Cluster)
class ClusterTranslation(TranslationOptions):
    fields = ("name", "summary", "description", "goals", "member_benefits")


@register(ClusterContact)
class ClusterContactTranslation(TranslationOptions):
    fields = ("role",)


@register(NewsItem)
class NewsItemTranslation(TranslationOptions):
    fields = ("title", "summary", "body")


@register(Page)
class PageTranslation(TranslationOptions):
    fields = ("title", "body")


for model in (Cluster, Organization, Person, NewsItem, Page):
    register_history(model, app=__package__)
