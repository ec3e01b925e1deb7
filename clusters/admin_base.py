"""The one base for the portal's admin classes: translation tabs (jQuery UI from our own static
files), history where the model keeps it, and — for every class — the coordinators' scope.

Scoping is declared, never re-implemented: an admin class names the lookups that lead from its
model to a cluster (``cluster_scope``), or says the model is a shared taxonomy (``shared``: every
coordinator reads it, only administrators edit it). A class that declares neither is for
administrators only. ``ScopedAdminMixin`` then applies the scope to the change list, the change,
delete and history pages (404 when out of scope, whatever URL is typed), the autocomplete
endpoints (they call ``get_queryset`` of the related admin), the choices of foreign keys and
many-to-many fields, inlines, bulk actions, import and export.
"""

import functools
import operator

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.forms import ModelMultipleChoiceField
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import (
    TabbedDjangoJqueryTranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)
from modeltranslation.translator import NotRegistered, translator
from simple_history.admin import SimpleHistoryAdmin

from . import roles
from .admin_flags import TranslationFlagAdminMixin
from .moderation import ModerationError, RejectionForm, adapter_for, approve, reject
from .slugs import SluggedMixin


def all_languages(*field_names):
    """Search every language column of translated fields (a lookup on ``name`` reads one only)."""
    return [f"{name}_{code}" for name in field_names for code in settings.LANGUAGE_CODES]


# --- Translations: missing languages ---------------------------------------------------------


def translated_fields(model) -> list[str]:
    try:
        return list(translator.get_options_for_model(model).all_fields)
    except NotRegistered:
        return []


def _filled(field, code):
    return Q(**{f"{field}_{code}__gt": ""})


def missing_translation_q(model, language: str) -> Q:
    """Records with a translated field written in some language but empty in ``language``."""
    query = Q()
    for field in translated_fields(model):
        others = [_filled(field, code) for code in settings.LANGUAGE_CODES if code != language]
        empty = Q(**{f"{field}_{language}__isnull": True}) | Q(**{f"{field}_{language}": ""})
        query |= empty & functools.reduce(operator.or_, others)
    return query


class MissingTranslationFilter(admin.SimpleListFilter):
    title = _("missing translation")
    parameter_name = "missing_translation"

    def lookups(self, request, model_admin):
        return settings.LANGUAGES

    def queryset(self, request, queryset):
        language = self.value()
        if language not in settings.LANGUAGE_CODES:
            return queryset
        return queryset.filter(missing_translation_q(queryset.model, language))


class ScopedClusterFilter(admin.RelatedFieldListFilter):
    """A cluster filter that offers a coordinator their own clusters only."""

    def field_choices(self, field, request, model_admin):
        ids = roles.cluster_ids_for(request.user)
        limit = None if ids is None else {"pk__in": ids}
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, ordering=ordering, limit_choices_to=limit)


# --- Scope -----------------------------------------------------------------------------------


def _related_scoped_queryset(admin_site, model, request):
    """The scoped queryset of ``model``'s admin, or None when choices need no scoping."""
    if roles.is_administrator(request.user):
        return None
    related_admin = admin_site._registry.get(model)
    if isinstance(related_admin, ScopedAdminMixin) and not related_admin.shared:
        return related_admin.get_queryset(request)
    return None


class OutOfScope(Exception):
    """A coordinator's save would leave the object outside their clusters (rolled back)."""


OUT_OF_SCOPE_MESSAGE = _(
    "Link this item to one of your clusters: saved like this, it would fall outside them."
)


def delete_selected_in_scope(modeladmin, request, queryset):
    """Django's "delete selected", without the objects the user may not delete (``delete_refused``),
    which are named in a warning."""
    refused = list(modeladmin.delete_refused(request, queryset))
    if refused:
        modeladmin.message_user(
            request,
            modeladmin.delete_refused_message
            % {"objects": ", ".join(str(obj) for obj in refused[:20])},
            messages.WARNING,
        )
        queryset = queryset.exclude(pk__in=[obj.pk for obj in refused])
        if not queryset.exists():
            return None
    return delete_selected(modeladmin, request, queryset)


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices limited to what the user may see (admins and inlines).

    Also: web addresses typed without a scheme are read as https:// (Django 6's default).
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_field_queryset(self, db, db_field, request):
        scoped = _related_scoped_queryset(self.admin_site, db_field.remote_field.model, request)
        if scoped is not None:
            return scoped
        return super().get_field_queryset(db, db_field, request)


class ScopedAdminMixin(ScopedChoicesMixin):
    #: Lookups from the model to a cluster; the object is in scope when any leads to one of the
    #: user's clusters. ``"pk"`` when the model is the cluster itself.
    cluster_scope: tuple[str, ...] = ()
    #: A shared taxonomy: coordinators read it, only administrators change it.
    shared = False
    #: May coordinators add or delete objects (e.g. clusters: no)?
    coordinators_may_add = True
    coordinators_may_delete = True
    #: Form fields a coordinator must fill, so the object stays in their scope.
    scope_required_fields: tuple[str, ...] = ()
    #: Warning for the objects the bulk delete skipped (see ``delete_refused``).
    delete_refused_message = _("Not deleted (not only yours): %(objects)s.")

    # -- what the user sees

    @property
    def for_administrators_only(self):
        return not self.cluster_scope and not self.shared

    def extra_scope(self, request, cluster_ids) -> Q | None:
        """Hook: more objects in scope (e.g. contacts the coordinator created)."""
        return None

    def delete_refused(self, request, queryset):
        """Hook: the objects of ``queryset`` (in scope) that the user may still not delete."""
        return queryset.none()

    def scope_queryset(self, request, queryset):
        if self.shared:
            return queryset
        ids = roles.cluster_ids_for(request.user)
        if ids is None:
            return queryset
        if self.for_administrators_only or not ids:
            return queryset.none()
        query = functools.reduce(
            operator.or_, [Q(**{f"{lookup}__in": ids}) for lookup in self.cluster_scope]
        )
        extra = self.extra_scope(request, ids)
        if extra is not None:
            query |= extra
        # A semi-join, so that an object reached through several clusters appears once.
        return queryset.filter(pk__in=self.model._base_manager.filter(query).values("pk"))

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    # -- permissions

    def _may_use(self, request):
        user = request.user
        if roles.is_administrator(user):
            return True
        return not self.for_administrators_only and roles.is_coordinator(user)

    def has_module_permission(self, request):
        return self._may_use(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._may_use(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        if not roles.is_administrator(request.user) and (
            self.shared or not self.coordinators_may_add
        ):
            return False
        return self._may_use(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if not roles.is_administrator(request.user) and self.shared:
            return False
        return self._may_use(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not roles.is_administrator(request.user):
            if self.shared or not self.coordinators_may_delete:
                return False
            if obj is not None and obj.pk is not None:
                single = self.model._base_manager.filter(pk=obj.pk)
                if self.delete_refused(request, single).exists():
                    return False
        return self._may_use(request) and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions and not roles.is_administrator(request.user):
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (delete_selected_in_scope, name, description)
        return actions

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    # -- pages reached by URL: out of scope is "not found"

    def _get_in_scope_or_404(self, request, object_id):
        obj = self.get_object(request, unquote(str(object_id)))
        if obj is None:
            raise Http404(_("No such object, or not one of yours."))
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not roles.is_administrator(request.user):
            self._get_in_scope_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if not roles.is_administrator(request.user):
            self._get_in_scope_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if not roles.is_administrator(request.user):
            self._get_in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history reads the version without get_queryset: check the scope first.
        if not roles.is_administrator(request.user):
            self._get_in_scope_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    # -- saving: a coordinator's object must stay in their scope

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """For a coordinator, a save that would leave the object outside their clusters (no
        cluster link: shown site-wide, editable by nobody or by another cluster) is rolled back
        (``save_related`` raises inside the admin's transaction) and the form is shown again
        with an error."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except OutOfScope:
            request._portal_out_of_scope = True
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _check_still_in_scope(self, request, obj):
        if roles.is_administrator(request.user) or getattr(request, "_portal_out_of_scope", False):
            return
        in_scope = self.scope_queryset(request, self.model._base_manager.filter(pk=obj.pk))
        if not in_scope.exists():
            raise OutOfScope

    # -- forms

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if getattr(request, "_portal_out_of_scope", False):
            form = type(form.__name__, (OutOfScopeFormMixin, form), {})
        if (
            "slug" in form.base_fields
            and isinstance(self.model, type)
            and issubclass(self.model, SluggedMixin)
        ):
            # The slug is made from the name on the first save and never changes afterwards.
            form.base_fields["slug"].required = False
            form.base_fields["slug"].help_text = _("Leave empty to make it from the name.")
        if not roles.is_administrator(request.user):
            for name in self.scope_required_fields:
                if name in form.base_fields:
                    form.base_fields[name].required = True
        return form

    def save_related(self, request, form, formsets, change):
        """Keep the many-to-many values a coordinator cannot see (another cluster's)."""
        hidden = {}
        if change and not roles.is_administrator(request.user):
            m2m_names = {field.name for field in self.model._meta.many_to_many}
            for name, field in form.fields.items():
                if name in m2m_names and isinstance(field, ModelMultipleChoiceField):
                    current = getattr(form.instance, name).all()
                    hidden[name] = list(current.exclude(pk__in=field.queryset.values("pk")))
        super().save_related(request, form, formsets, change)
        for name, objects in hidden.items():
            if objects:
                getattr(form.instance, name).add(*objects)
        self._check_still_in_scope(request, form.instance)


class OutOfScopeFormMixin:
    """The form shown again after a refused save: says why, and stays invalid."""

    def clean(self):
        super().clean()
        raise ValidationError(OUT_OF_SCOPE_MESSAGE, code="out_of_scope")


class MissingTranslationMixin:
    """Adds the "missing translation: sv/fi/pl/lt/en" filter to translated models' change lists."""

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if translated_fields(self.model) and MissingTranslationFilter not in filters:
            filters.append(MissingTranslationFilter)
        return filters


class ScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_per_page = 50


class TranslatedAdmin(
    ScopedAdminMixin,
    MissingTranslationMixin,
    TranslationFlagAdminMixin,
    TabbedDjangoJqueryTranslationAdmin,
):
    list_per_page = 50


class TranslatedHistoryAdmin(
    ScopedAdminMixin,
    MissingTranslationMixin,
    TranslationFlagAdminMixin,
    SimpleHistoryAdmin,
    TabbedDjangoJqueryTranslationAdmin,
):
    list_per_page = 50


class ScopedInlineMixin(ScopedChoicesMixin):
    pass


class ScopedTabularInline(ScopedInlineMixin, admin.TabularInline):
    extra = 0


class TranslatedTabularInline(ScopedInlineMixin, TranslationTabularInline):
    extra = 0


class TranslatedStackedInline(ScopedInlineMixin, TranslationStackedInline):
    extra = 0


class RequireOneInScopeFormSet(BaseInlineFormSet):
    """An inline formset that keeps at least one row in the coordinator's clusters."""

    require_in_scope = False
    required_message = _("Keep at least one row in one of your clusters.")

    def clean(self):
        super().clean()
        if not self.require_in_scope or any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("cluster")
        ]
        if not kept:
            raise ValidationError(self.required_message)


# --- Moderation ------------------------------------------------------------------------------


class ModerationAdminMixin:
    """Approve and reject (with a reason) from the change list and from the change form.

    Both paths use ``clusters.moderation``; rejecting asks for the reason on an intermediate page.
    The objects come from ``get_queryset``, so a coordinator moderates their clusters only.
    """

    change_form_template = "admin/moderation/change_form.html"
    actions = ["approve_selected", "reject_selected"]

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="{}_{}_approve".format(*info),
            ),
            path(
                "<path:object_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="{}_{}_reject".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):

        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(str(object_id)))
        if obj is not None:
            extra_context["moderation_pending"] = adapter_for(obj).is_pending(obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def _changelist_url(self):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def _moderation_object(self, request, object_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("No such object, or not one of yours."))
        return obj

    def approve_view(self, request, object_id):

        obj = self._moderation_object(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
            )
        return self._decide_one(
            request, obj, lambda obj: approve(obj, by=request.user), _("“%(object)s” was approved.")
        )

    def reject_view(self, request, object_id):

        obj = self._moderation_object(request, object_id)
        form = RejectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            return self._decide_one(
                request,
                obj,
                lambda obj: reject(obj, by=request.user, reason=reason),
                _("“%(object)s” was rejected."),
            )
        return self._reject_page(request, form, [obj], action=None)

    def _decide_one(self, request, obj, decide, done_message):
        """Approve or reject one object (``decide``), say how it went, back to the list."""
        try:
            decide(obj)
        except ModerationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, done_message % {"object": obj}, messages.SUCCESS)
        return HttpResponseRedirect(self._changelist_url())

    def _decide_each(self, request, queryset, decide, done_message):
        """Approve or reject each selected object (``decide``); report each failure, then the
        count (``done_message(count)``)."""
        done = 0
        for obj in queryset:
            try:
                decide(obj)
                done += 1
            except ModerationError as error:
                self.message_user(request, f"{obj}: {error.message}", messages.WARNING)
        self.message_user(request, done_message(done) % {"count": done}, messages.SUCCESS)

    def _reject_page(self, request, form, objects, action):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Reject with a reason"),
            "form": form,
            "objects": objects,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/moderation/reject.html", context)

    @admin.action(description=_("Approve the selected items"), permissions=["change"])
    def approve_selected(self, request, queryset):
        self._decide_each(
            request,
            queryset,
            lambda obj: approve(obj, by=request.user),
            lambda count: ngettext(
                "%(count)d item was approved.", "%(count)d items were approved.", count
            ),
        )

    @admin.action(description=_("Reject the selected items with a reason…"), permissions=["change"])
    def reject_selected(self, request, queryset):

        if "apply" in request.POST:
            form = RejectionForm(request.POST)
            if form.is_valid():
                reason = form.cleaned_data["reason"]
                self._decide_each(
                    request,
                    queryset,
                    lambda obj: reject(obj, by=request.user, reason=reason),
                    lambda count: ngettext(
                        "%(count)d item was rejected.", "%(count)d items were rejected.", count
                    ),
                )
                return None
        else:
            form = RejectionForm()
        return self._reject_page(request, form, list(queryset), action="reject_selected")
