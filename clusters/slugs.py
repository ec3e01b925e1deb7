"""Stable, unique slugs: made once from a name, never changed when the name changes."""

from django.utils.text import slugify

SLUG_MAX_LENGTH = 80
# Letters that Unicode does not decompose to a base letter plus an accent (slugify would drop
# them: Białystok → biaystok). The slugs and the search's folding (companies/text.py) read it.
UNDECOMPOSABLE = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "ß": "ss",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
    }
)


def ascii_slug(value: str) -> str:
    return slugify(value.translate(UNDECOMPOSABLE))


def unique_slug(model, value: str, *, instance_pk=None, field: str = "slug") -> str:
    """Return a slug for ``value`` that no other row of ``model`` uses (``foo``, ``foo-2``, …)."""
    base = (ascii_slug(value) or "item")[: SLUG_MAX_LENGTH - 6].strip("-")
    candidate = base or "item"
    others = (
        model._default_manager.exclude(pk=instance_pk) if instance_pk else model._default_manager
    )
    number = 2
    while others.filter(**{field: candidate}).exists():
        candidate = f"{base}-{number}"
        number += 1
    return candidate


class SluggedMixin:
    """Fill ``slug`` from ``slug_source()`` on first save; an existing slug is kept for good."""

    def slug_source(self) -> str:  # pragma: no cover - overridden
        return str(self)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(type(self), self.slug_source(), instance_pk=self.pk)
        super().save(*args, **kwargs)
