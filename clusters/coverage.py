"""The translated models the coordinators' dashboard reports on (portal/dashboard.py: missing
translations per model, each cluster's translation coverage).

Each app registers its translated models from its AppConfig.ready(), each with the lookup that
leads from a row to the cluster(s) it belongs to: ``"pk"`` for the cluster itself,
``"memberships__cluster"`` for a company, ``"cluster"`` for an event.

:func:`outdated_counts` counts the texts that may be outdated (``clusters.translation_flags``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Count

from .translation_flags import flags_of

# Each app registers its models from its AppConfig.ready().
_registry: dict[type[models.Model], tuple[int, str]] = {}


def register(model: type[models.Model], cluster_path: str, *, order: int) -> None:
    """Report on ``model``; the dashboard lists models by ``order`` (then by registration)."""
    _registry[model] = (order, cluster_path)


def translated_models() -> list[tuple[type[models.Model], str]]:
    """(model, lookup to its cluster) in the dashboard's order."""
    ordered = sorted(_registry.items(), key=lambda entry: entry[1][0])
    return [(model, cluster_path) for model, (_order, cluster_path) in ordered]


def outdated_counts(queryset) -> dict[str, int]:
    """Per language, the texts of ``queryset``'s rows that may be outdated (one query)."""
    counts = dict.fromkeys(settings.LANGUAGE_CODES, 0)
    rows = (
        flags_of(queryset.model)
        .filter(object_id__in=queryset.values("pk"))
        .values("language")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        if row["language"] in counts:
            counts[row["language"]] = row["count"]
    return counts
