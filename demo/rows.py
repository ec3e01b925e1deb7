"""The rows the generator makes and the writers store, and their slugs."""

from clusters.slugs import ascii_slug

DEMO_SLUG_SUFFIX = "-demo"


class DemoDataError(Exception):
    """The database lacks what the generator needs (towns in a supported country)."""


class Row:
    """One generated row: its field values by attribute name (``municipality_id``, ``title_en``),
    what the generator needs to derive related rows (``extra``), and its primary key once written.
    A foreign key's value may be another Row (the company a membership belongs to): the writer
    puts in that row's key."""

    __slots__ = ("values", "extra", "pk")

    def __init__(self, values, extra=None):
        self.values = values
        self.extra = extra
        self.pk = None


class Batch:
    """The rows of one batch of companies and of what belongs to them."""

    __slots__ = ("companies", "memberships", "certificates", "offers", "jobs")

    def __init__(self, companies, memberships, certificates, offers, jobs):
        self.companies = companies
        self.memberships = memberships
        self.certificates = certificates
        self.offers = offers
        self.jobs = jobs


class Slugs:
    """Unique slugs ending in the demo suffix, checked against a set loaded once."""

    def __init__(self, model, max_length=80):
        self.taken = set(model._default_manager.values_list("slug", flat=True))
        self.max_length = max_length
        self.next_number = {}

    def make(self, text):
        base = (ascii_slug(text) or "item")[: self.max_length - 12].strip("-") or "item"
        candidate = f"{base}{DEMO_SLUG_SUFFIX}"
        number = self.next_number.get(base, 2)
        while candidate in self.taken:
            candidate = f"{base}-{number}{DEMO_SLUG_SUFFIX}"
            number += 1
        self.next_number[base] = number
        self.taken.add(candidate)
        return candidate
