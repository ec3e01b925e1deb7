from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import (
    FundingSource,
    Project,
    ProjectContact,
    ProjectDocument,
    ProjectListItem,
    ProjectPartner,
    ProjectResult,
)


@register(Project)
class ProjectTranslation(TranslationOptions):
    fields = ("name", "summary", "description", "target_group", "programme")


@register(ProjectPartner)
class ProjectPartnerTranslation(TranslationOptions):
    fields = ("role_description",)


@register(FundingSource)
class FundingSourceTranslation(TranslationOptions):
    fields = ("name",)


@register(ProjectListItem)
class ProjectListItemTranslation(TranslationOptions):
    fields = ("text",)


@register(ProjectResult)
class ProjectResultTranslation(TranslationOptions):
    fields = ("unit", "label")


@register(ProjectDocument)
class ProjectDocumentTranslation(TranslationOptions):
    fields = ("title",)


@register(ProjectContact)
class ProjectContactTranslation(TranslationOptions):
    fields = ("role",)


register_history(Project, app=__package__)
