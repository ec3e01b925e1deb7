"""The admin index of a coordinator (and of an administrator, over every cluster): what waits for
moderation, profiles not confirmed for 12 months, missing translations, translations that may be
outdated, upcoming events, new visit requests, and each cluster's translation coverage as a
figure.

Every count goes through the scope of the model's admin class, so the index shows a coordinator
their own clusters only. The number of queries is fixed (it does not grow with the data).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from clusters import coverage, moderation, roles
from clusters.admin_base import _filled, missing_translation_q, translated_fields
from companies.models import Company
from events.models import Event, VisitRequest


@dataclass
class Link:
    label: str
    count: int
    url: str


@dataclass
class Coverage:
    cluster: object
    percent: int | None
    by_language: list[tuple[str, int | None]] = field(default_factory=list)


def _scoped(request, model, admin_site=admin.site):
    model_admin = admin_site._registry[model]
    return model_admin.scope_queryset(request, model._default_manager.all())


def _changelist(model, query=""):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{query}" if query else url


def pending_moderation(request) -> list[Link]:
    """What waits for a first decision, per moderated model (the apps register them)."""
    return [
        Link(
            str(model._meta.verbose_name_plural),
            _scoped(request, model).filter(status=adapter.queue_status).count(),
            _changelist(model, f"status__exact={adapter.queue_status}"),
        )
        for model, adapter in moderation.moderated_models().items()
    ]


def stale_profiles(request) -> Link:

    stale = Company.objects.stale().values("pk")
    count = _scoped(request, Company).filter(pk__in=stale).count()
    return Link(
        str(Company._meta.verbose_name_plural), count, _changelist(Company, "confirmation=stale")
    )


def missing_translations(request) -> list[dict]:
    """Per translated model (the apps register them), the number of records lacking each
    language."""

    rows = []
    for model, _cluster_path in coverage.translated_models():
        counts = _scoped(request, model).aggregate(
            **{
                code: Count("pk", filter=missing_translation_q(model, code))
                for code in settings.LANGUAGE_CODES
            }
        )
        rows.append(
            {
                "label": str(model._meta.verbose_name_plural),
                "cells": [
                    (code, counts[code], _changelist(model, f"missing_translation={code}"))
                    for code in settings.LANGUAGE_CODES
                ],
            }
        )
    return rows


def outdated_translations(request) -> list[dict]:
    """Per translated model, the texts that may be outdated in each language (another language
    of the field was edited after them), linked to the admin's filter."""

    rows = []
    for model, _cluster_path in coverage.translated_models():
        counts = coverage.outdated_counts(_scoped(request, model))
        rows.append(
            {
                "label": str(model._meta.verbose_name_plural),
                "cells": [
                    (code, counts[code], _changelist(model, f"outdated_translation={code}"))
                    for code in settings.LANGUAGE_CODES
                ],
            }
        )
    return rows


def translation_coverage(request) -> list[Coverage]:
    """Per cluster: of the translated texts written in any language (the cluster's own texts, its
    member companies', projects', events' and news': the models the apps register), the share
    written in each language."""

    clusters = list(roles.clusters_coordinated_by(request.user).order_by("slug"))
    ids = [cluster.pk for cluster in clusters]
    written = dict.fromkeys(ids, 0)
    filled = {pk: dict.fromkeys(settings.LANGUAGE_CODES, 0) for pk in ids}
    for model, path in coverage.translated_models():
        annotations = {}
        for name in translated_fields(model):
            any_language = Q()
            for code in settings.LANGUAGE_CODES:
                any_language |= _filled(name, code)
                annotations[f"{name}__{code}"] = Count(
                    "pk", filter=_filled(name, code), distinct=True
                )
            annotations[f"{name}__any"] = Count("pk", filter=any_language, distinct=True)
        rows = (
            model._default_manager.filter(**{f"{path}__in": ids})
            .values(path)
            .annotate(**annotations)
            .order_by()
        )
        for row in rows:
            cluster_id = row[path]
            for name in translated_fields(model):
                written[cluster_id] += row[f"{name}__any"]
                for code in settings.LANGUAGE_CODES:
                    filled[cluster_id][code] += row[f"{name}__{code}"]
    result = []
    for cluster in clusters:
        total = written[cluster.pk]
        by_language = [
            (code, round(100 * filled[cluster.pk][code] / total) if total else None)
            for code in settings.LANGUAGE_CODES
        ]
        overall = (
            round(100 * sum(filled[cluster.pk].values()) / (total * len(settings.LANGUAGE_CODES)))
            if total
            else None
        )
        result.append(Coverage(cluster, overall, by_language))
    return result


def upcoming_events(request, limit=5):

    return list(
        _scoped(request, Event).upcoming().select_related("cluster", "municipality")[:limit]
    )


def new_visit_requests(request, limit=5):

    return list(
        _scoped(request, VisitRequest)
        .filter(status=VisitRequest.Status.NEW)
        .select_related("cluster")
        .order_by("-created_at")[:limit]
    )


def build(request) -> dict | None:
    user = request.user
    if not (roles.is_administrator(user) or roles.is_coordinator(user)):
        return None
    return {
        "clusters": list(roles.clusters_coordinated_by(user).order_by("slug"))
        if not roles.is_administrator(user)
        else None,
        "pending": pending_moderation(request),
        "stale": stale_profiles(request),
        "missing": missing_translations(request),
        "outdated": outdated_translations(request),
        "languages": settings.LANGUAGES,
        "coverage": translation_coverage(request),
        "events": upcoming_events(request),
        "visits": new_visit_requests(request),
        "now": timezone.now(),
    }
