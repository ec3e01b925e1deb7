"""The admin side of translations that may be outdated (``clusters.translation_flags``): a list
filter per language, a notice on the change form with a "The other languages are still correct"
checkbox, and the action "Mark translations as checked". Mixed into the translated admin base
classes of ``clusters.admin_base``; every query goes through the admin's (scoped) queryset."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import translation_flags
from .i18n import IN_LANGUAGE

CHECKED_FIELD = "translations_checked"


class OutdatedTranslationFilter(admin.SimpleListFilter):
    title = _("translation may be outdated in")
    parameter_name = "outdated_translation"

    def lookups(self, request, model_admin):
        return settings.LANGUAGES

    def queryset(self, request, queryset):
        language = self.value()
        if language not in settings.LANGUAGE_CODES:
            return queryset
        return queryset.filter(pk__in=translation_flags.flagged_rows(queryset.model, language))


def describe_flags(model, flags) -> str:
    """ "Description: in Swedish, in Polish (changed in Finnish on 3 March 2026); …" """
    by_field = {}
    for flag in flags:
        by_field.setdefault(flag.field, []).append(flag)
    parts = []
    for name, field_flags in by_field.items():
        try:
            label = capfirst(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # a field renamed since the flag was written
            label = name
        newest = max(field_flags, key=lambda flag: flag.flagged_at)
        parts.append(
            _("%(field)s: %(languages)s (changed %(language)s on %(date)s)")
            % {
                "field": label,
                "languages": ", ".join(
                    str(IN_LANGUAGE.get(f.language, f.language)) for f in field_flags
                ),
                "language": IN_LANGUAGE.get(newest.changed_language, newest.changed_language),
                "date": translation_flags.note_date(newest),
            }
        )
    return "; ".join(parts)


class TranslationFlagAdminMixin:
    """Filter, notice, checkbox and action for the translated models' admin classes."""

    def _flagged(self):
        return bool(translation_flags.translated_field_names(self.model))

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if self._flagged() and OutdatedTranslationFilter not in filters:
            filters.append(OutdatedTranslationFilter)
        return filters

    def get_actions(self, request):
        actions = super().get_actions(request)
        if (
            self._flagged()
            and self.actions is not None
            and IS_POPUP_VAR not in request.GET
            and self.has_change_permission(request)
        ):
            func = type(self).mark_translations_checked
            actions["mark_translations_checked"] = (
                func,
                "mark_translations_checked",
                func.short_description,
            )
        return actions

    @admin.action(description=_("Mark translations as checked"), permissions=["change"])
    def mark_translations_checked(self, request, queryset):
        count = translation_flags.clear_flags(self.model, queryset.values("pk"))
        self.message_user(
            request,
            ngettext(
                "%(count)d translation marked as checked.",
                "%(count)d translations marked as checked.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    # -- the change form

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and self._flagged():
            obj = self.get_object(request, unquote(str(object_id)))
            flags = translation_flags.flags_for(obj)
            if flags:
                self.message_user(
                    request,
                    _(
                        "These translations may be outdated: %(flags)s. Update them, or tick "
                        "“The other languages are still correct” and save."
                    )
                    % {"flags": describe_flags(self.model, flags)},
                    messages.WARNING,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self._flagged() and translation_flags.flags_for(obj):
            if CHECKED_FIELD not in flatten_fieldsets(fieldsets):
                fieldsets.append((_("Translations"), {"fields": [CHECKED_FIELD]}))
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        """With flags, the form has the checkbox, whichever view asks for it (change form,
        history revert): declared on the base form, so a field list naming it is valid."""
        if self._flagged() and translation_flags.flags_for(obj) and "form" not in kwargs:
            readonly = self.get_readonly_fields(request, obj)
            attrs = dict.fromkeys(name for name in readonly if name in self.form.declared_fields)
            attrs[CHECKED_FIELD] = forms.BooleanField(
                label=_("The other languages are still correct"),
                required=False,
                help_text=_(
                    "Tick when the texts marked as possibly outdated need no change: the marks go."
                ),
            )
            kwargs["form"] = type(self.form.__name__, (self.form,), attrs)
        return super().get_form(request, obj, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and form.cleaned_data.get(CHECKED_FIELD):
            translation_flags.clear_flags(self.model, [form.instance.pk])
