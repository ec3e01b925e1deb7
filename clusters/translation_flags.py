"""Translations that may be outdated ("stay true"): when one language of a translated field
changes, the field's other languages that have text are flagged until someone changes them too
or confirms them unchanged (admin: "The other languages are still correct", the action "Mark
translations as checked").

Detection covers every model registered with modeltranslation and works on ``Model.save()``:

- ``post_init`` keeps the translated columns' values as loaded (a dict, no query);
- ``pre_save`` of an existing row compares them with the values being saved; only when one
  differs does it read the stored values (one query) to know what really changed;
- ``post_save`` clears the flags of the languages that changed and, when a text was edited (not
  written for the first time, not removed, and not a flagged text brought up to date), flags the
  field's other languages that have text (``changed_language``: the first edited language in
  ``settings.LANGUAGES`` order).

So a save that changes no translated text costs no query. A new row has no flags (all its texts
are written together); raw saves (fixture loads) are skipped. Bulk operations
(``QuerySet.update``, ``bulk_create``, ``bulk_update``) send no signals and are out of scope: code
that rewrites texts in bulk clears or sets flags itself. Flags of a deleted row are not deleted
(a delete handler would cost a query per deleted row); every reader joins them to existing rows.
"""

import functools

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.db.models.signals import post_init, post_save, pre_save
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import NotRegistered, translator

from .i18n import resolve
from .models import TranslationFlag

_SNAPSHOT = "_translation_snapshot"
_CHANGES = "_translation_changes"
_FLAGS = "_translation_flags"

# "the Finnish text was changed on …": one whole sentence a language, never a name glued in.
OUTDATED_NOTE = {
    "en": _("This translation may be outdated: the English text was changed on %(date)s."),
    "sv": _("This translation may be outdated: the Swedish text was changed on %(date)s."),
    "fi": _("This translation may be outdated: the Finnish text was changed on %(date)s."),
    "pl": _("This translation may be outdated: the Polish text was changed on %(date)s."),
    "lt": _("This translation may be outdated: the Lithuanian text was changed on %(date)s."),
}


@functools.cache
def translated_field_names(model) -> tuple[str, ...]:
    try:
        return tuple(sorted(translator.get_options_for_model(model).all_fields))
    except NotRegistered:
        return ()


@functools.cache
def _columns(model) -> tuple[str, ...]:
    return tuple(
        f"{name}_{code}"
        for name in translated_field_names(model)
        for code in settings.LANGUAGE_CODES
    )


def _loaded(instance, columns) -> dict:
    values = instance.__dict__
    return {column: values[column] for column in columns if column in values}


def _text(value) -> str:
    return "" if value is None else str(value)


# --- Detection -------------------------------------------------------------------------------


def remember_loaded_values(sender, instance, **kwargs):
    setattr(instance, _SNAPSHOT, _loaded(instance, _columns(sender)))


def find_changes(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save: the columns whose text changes, with their stored text, kept for ``post_save``."""
    instance.__dict__.pop(_CHANGES, None)
    if raw or instance._state.adding or instance.pk is None:
        return
    columns = _columns(sender)
    if update_fields is not None:
        columns = [column for column in columns if column in update_fields]
    current = _loaded(instance, columns)
    snapshot = getattr(instance, _SNAPSHOT, {})
    if all(column in snapshot and snapshot[column] == value for column, value in current.items()):
        return  # nothing translated changed since the row was read: no query
    stored = (
        sender._base_manager.using(kwargs.get("using"))
        .filter(pk=instance.pk)
        .values(*current)
        .first()
    )
    if stored is None:
        return
    changed = {
        column: _text(stored[column])
        for column, value in current.items()
        if _text(stored[column]) != _text(value)
    }
    if changed:
        setattr(instance, _CHANGES, changed)


def write_flags(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    """post_save: clear the changed languages' flags; when a text was edited, flag the field's
    unchanged languages that have text."""
    changed = instance.__dict__.pop(_CHANGES, None)
    saved = _columns(sender)
    if update_fields is not None:
        saved = [column for column in saved if column in update_fields]
    instance.__dict__.setdefault(_SNAPSHOT, {}).update(_loaded(instance, saved))
    instance.__dict__.pop(_FLAGS, None)
    if not changed or created or raw:
        return
    flags = TranslationFlag.objects.using(kwargs.get("using"))
    content_type = ContentType.objects.get_for_model(sender)
    mine = flags.filter(content_type=content_type, object_id=instance.pk)
    by_field = {
        name: [code for code in settings.LANGUAGE_CODES if f"{name}_{code}" in changed]
        for name in translated_field_names(sender)
    }
    by_field = {name: codes for name, codes in by_field.items() if codes}
    flagged = set(mine.filter(field__in=by_field).values_list("field", "language"))
    now, new = timezone.now(), []
    for name, languages in by_field.items():
        # Only an edit makes the other languages doubtful: not a text written for the first
        # time (a new translation), not one removed, and not a flagged one brought up to date.
        edited = [
            code
            for code in languages
            if changed[f"{name}_{code}"]
            and _text(getattr(instance, f"{name}_{code}"))
            and (name, code) not in flagged
        ]
        if edited:
            new += [
                TranslationFlag(
                    content_type=content_type,
                    object_id=instance.pk,
                    field=name,
                    language=code,
                    changed_language=edited[0],
                    flagged_at=now,
                )
                for code in settings.LANGUAGE_CODES
                if code not in languages and _text(getattr(instance, f"{name}_{code}"))
            ]
    clear = [(name, code) for name, codes in by_field.items() for code in codes]
    if flagged.intersection(clear):
        query = Q()
        for name, codes in by_field.items():
            query |= Q(field=name, language__in=codes)
        mine.filter(query).delete()
    if new:
        flags.bulk_create(
            new,
            update_conflicts=True,
            unique_fields=["content_type", "object_id", "field", "language"],
            update_fields=["changed_language", "flagged_at"],
        )


def connect():
    """Called once from ``ClustersConfig.ready()``, after every app registered its translations."""
    for model in translator.get_registered_models():
        if model._meta.abstract or model._meta.proxy:
            continue
        uid = f"translation_flags:{model._meta.label}"
        post_init.connect(remember_loaded_values, sender=model, dispatch_uid=uid)
        pre_save.connect(find_changes, sender=model, dispatch_uid=uid)
        post_save.connect(write_flags, sender=model, dispatch_uid=uid)


# --- Reading ---------------------------------------------------------------------------------


def flags_of(model):
    """The flags of ``model``'s rows."""
    return TranslationFlag.objects.filter(content_type=ContentType.objects.get_for_model(model))


def flagged_rows(model, language: str):
    """Primary keys of ``model``'s rows with a text that may be outdated in ``language``."""
    return flags_of(model).filter(language=language).values("object_id")


def flags_for(obj) -> list[TranslationFlag]:
    """The flags of one object, read once per instance (one query, whatever the fields)."""
    if obj is None or obj.pk is None:
        return []
    if _FLAGS not in obj.__dict__:
        obj.__dict__[_FLAGS] = list(
            flags_of(type(obj)).filter(object_id=obj.pk).order_by("field", "language")
        )
    return obj.__dict__[_FLAGS]


def clear_flags(model, pks) -> int:
    """Confirm every language of these rows unchanged: their flags go."""
    deleted, _by_model = flags_of(model).filter(object_id__in=pks).delete()
    return deleted


def note_date(flag) -> str:
    """The day the flag was set, as the active language writes a date ("3 March 2026")."""
    return formats.date_format(timezone.localtime(flag.flagged_at).date(), "DATE_FORMAT")


def outdated_note(obj, field: str, language: str | None = None):
    """The quiet note under a text shown in a language that may be outdated, or ""."""
    if obj is None or field not in translated_field_names(type(obj)):
        return ""
    shown = resolve(obj, field, language).language
    if shown is None:
        return ""
    for flag in flags_for(obj):
        if flag.field == field and flag.language == shown:
            sentence = OUTDATED_NOTE.get(flag.changed_language)
            if sentence is None:
                return ""
            return format_html(
                '<p class="fallback-note translation-note">{}</p>',
                sentence % {"date": note_date(flag)},
            )
    return ""
