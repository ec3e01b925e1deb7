"""The one base for the portal's admin classes: translation tabs (jQuery UI from our own static
files), history where the model keeps it."""

from modeltranslation.admin import (
    TabbedDjangoJqueryTranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)
from simple_history.admin import SimpleHistoryAdmin


class TranslatedAdmin(TabbedDjangoJqueryTranslationAdmin):
    list_per_page = 50


class TranslatedHistoryAdmin(SimpleHistoryAdmin, TabbedDjangoJqueryTranslationAdmin):
    list_per_page = 50


class TranslatedTabularInline(TranslationTabularInline):
    extra = 0


class TranslatedStackedInline(TranslationStackedInline):
    extra = 0


def all_languages(*field_names):
    """Search every language column of translated fields (a lookup on ``name`` reads one only)."""
    from django.conf import settings

    return [f"{name}_{code}" for name in field_names for code in settings.LANGUAGE_CODES]
