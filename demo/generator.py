"""DemoGenerator: loads the reference data, makes batches of rows, hands them to a writer."""

import contextlib
import datetime
import gc
import itertools
import random
import re
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.utils import translation
from django_countries import countries
from faker import Faker

from board.models import CooperationOffer, JobPosting
from clusters.models import Cluster, Municipality
from companies.models import Capability, Certification, Company, Material, Sector, SpokenLanguage

from .companies import CompanyMaker, valid_phone_numbers
from .content import ContentMaker
from .fast import CopyWriter
from .matchmaking import seed_matchmaking
from .rows import Batch, DemoDataError, Row, Slugs
from .words import (
    CAPABILITY_KEYWORDS,
    CAPABILITY_WEIGHTS,
    CERTIFICATION_BODIES,
    CERTIFICATION_KINDS,
    CERTIFICATION_WEIGHTS,
    CLUSTER_AREAS,
    CLUSTER_INDUSTRY,
    EXPORT_MARKETS,
    FAKER_LOCALES,
    INDUSTRIES,
    INDUSTRY_WEIGHTS,
    LANGUAGE_NAMES,
    MATERIAL_CATEGORIES,
    METALWORKING_KEYWORDS,
    REGION_WEIGHTS,
    SECTOR_DIVISIONS,
    SUPPORTED_COUNTRIES,
)
from .writers import OrmWriter


class DemoGenerator(CompanyMaker, ContentMaker):
    """``generate(count)`` makes ``count`` companies with their relations, a batch at a time:
    company rows from CompanyMaker, offers and job posts from ContentMaker, memberships and
    certificates here; a writer stores each batch (fast.CopyWriter on PostgreSQL, otherwise
    writers.OrmWriter)."""

    def __init__(
        self,
        *,
        seed: int,
        today: datetime.date,
        batch_size: int = 1000,
        progress: Callable | None = None,
        use_copy: bool | None = None,
    ):
        """``batch_size`` companies are generated, then written, at a time (the rows depend on
        it). ``use_copy``: write with COPY (PostgreSQL only); by default on PostgreSQL."""
        self.seed = seed
        self.today = today
        self.batch_size = batch_size
        self.progress = progress or (lambda done, total: None)
        self.use_copy = connection.vendor == "postgresql" if use_copy is None else use_copy
        # Seconds spent making rows, writing them (on PostgreSQL in a second thread, meanwhile)
        # and waiting for the writer.
        self.timings = {"generate": 0.0, "write": 0.0, "wait": 0.0}
        self.rng = random.Random(seed)
        self.phone_numbers = {
            country: valid_phone_numbers(country) for country in SUPPORTED_COUNTRIES
        }
        self.business_ids = {country: set() for country in SUPPORTED_COUNTRIES}
        self.fakers = {}
        for offset, (language, locale) in enumerate(sorted(FAKER_LOCALES.items())):
            faker = Faker(locale)
            faker.seed_instance(seed * 101 + offset)
            self.fakers[language] = faker

    # --- reference data --------------------------------------------------------------------

    def load_reference_data(self):
        self.municipalities = list(
            Municipality.objects.select_related("region")
            .filter(region__country__in=SUPPORTED_COUNTRIES)
            .order_by("pk")
        )
        if not self.municipalities:
            raise DemoDataError(
                "No municipality in Finland, Sweden, Poland or Lithuania: load fixtures/geography.json "
                "first (manage.py setup_portal does)."
            )
        # Towns of the seeds' regions have more companies than the others.
        self.municipality_weights = list(
            itertools.accumulate(REGION_WEIGHTS.get(m.region.slug, 1) for m in self.municipalities)
        )
        self.industry_weights = {}
        for municipality in self.municipalities:
            region = municipality.region
            if region.pk not in self.industry_weights:
                weights = INDUSTRY_WEIGHTS["regions"].get(region.slug) or INDUSTRY_WEIGHTS[
                    "countries"
                ].get(region.country.code, {})
                cumulative = list(itertools.accumulate(weights.get(i, 0) for i in INDUSTRIES))
                if not cumulative[-1]:
                    cumulative = list(range(1, len(INDUSTRIES) + 1))
                self.industry_weights[region.pk] = cumulative
        self.clusters = list(Cluster.objects.select_related("region").order_by("pk"))
        self.cluster_candidates = _cluster_candidates(self.clusters, self.municipalities)

        # In primary key order, and so is every pool taken from them (see _sample).
        capabilities = list(Capability.objects.order_by("pk"))
        materials = list(Material.objects.order_by("pk"))
        certifications = list(Certification.objects.order_by("pk"))
        sectors = list(Sector.objects.order_by("pk"))

        self.capability_pool, self.material_pool, self.certification_pool, self.sector_pool = (
            {},
            {},
            {},
            {},
        )
        for industry in INDUSTRIES:
            pattern = re.compile(
                r"\b(?:" + "|".join(map(re.escape, CAPABILITY_KEYWORDS[industry])) + ")"
            )
            pool = [c for c in capabilities if pattern.search((c.name_en or c.name).lower())]
            self.capability_pool[industry] = pool if len(pool) >= 4 else capabilities
            pool = [m for m in materials if m.category in MATERIAL_CATEGORIES[industry]]
            self.material_pool[industry] = pool if len(pool) >= 2 else materials
            pool = [c for c in certifications if c.kind in CERTIFICATION_KINDS[industry]]
            self.certification_pool[industry] = pool if pool else certifications
            pool = [s for s in sectors if s.nace_code.split(".")[0] in SECTOR_DIVISIONS[industry]]
            self.sector_pool[industry] = pool if pool else sectors
        # The metal companies' first capability works metal (positions in the metal pool, with
        # their weights): laser cutting and welding are common, gear cutting rare.
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, METALWORKING_KEYWORDS)) + ")")
        pool = self.capability_pool["metal"]
        self.metalworking_positions = [
            i for i, c in enumerate(pool) if pattern.search((c.name_en or c.name).lower())
        ]
        self.metalworking_weights = list(
            itertools.accumulate(
                CAPABILITY_WEIGHTS.get((pool[i].name_en or pool[i].name).lower(), 1)
                for i in self.metalworking_positions
            )
        )
        self.certification_weights = {
            industry: list(itertools.accumulate(CERTIFICATION_WEIGHTS.get(c.kind, 1) for c in pool))
            for industry, pool in self.certification_pool.items()
        }
        self._labels = {}

        self.languages = self._spoken_languages()
        self.country_names = {}
        for language in settings.LANGUAGE_CODES:
            with translation.override(language):
                for code in EXPORT_MARKETS:
                    self.country_names[language, code] = str(countries.name(code))

        # Company names are unique, ignoring case: no two "Arctic Tools Oy".
        self.company_names = {
            name.casefold() for name in Company.objects.values_list("name", flat=True)
        }
        self.company_slugs = Slugs(Company)
        self.offer_slugs = Slugs(CooperationOffer)
        self.job_slugs = Slugs(JobPosting)
        for country, business_id in Company.objects.filter(
            country__in=SUPPORTED_COUNTRIES
        ).values_list("country", "business_id"):
            self.business_ids[country].add(business_id)

    def _spoken_languages(self):
        existing = {
            lang.code: lang for lang in SpokenLanguage.objects.filter(code__in=LANGUAGE_NAMES)
        }
        for code in sorted(LANGUAGE_NAMES):
            if code not in existing:
                names = {
                    f"name_{language}": name for language, name in LANGUAGE_NAMES[code].items()
                }
                existing[code] = SpokenLanguage.objects.create(code=code, **names)
        return existing

    def _date_between(self, first, last):
        return first + datetime.timedelta(days=self.rng.randrange((last - first).days + 1))

    # --- writing ---------------------------------------------------------------------------

    def generate(self, count):
        """Create ``count`` companies with their relations. Returns a dict of row counts."""
        self.load_reference_data()
        writer = CopyWriter(self.timings) if self.use_copy else OrmWriter(self.timings)
        totals = {"companies": 0, "memberships": 0, "certificates": 0, "offers": 0, "jobs": 0}
        done = 0
        with _loading(), writer:
            while done < count:
                size = min(self.batch_size, count - done)
                started = time.perf_counter()
                batch = self._make_batch(size)
                self.timings["generate"] += time.perf_counter() - started
                writer.write(batch)  # on PostgreSQL while the next batch is generated
                totals["companies"] += len(batch.companies)
                totals["memberships"] += len(batch.memberships)
                totals["certificates"] += len(batch.certificates)
                totals["offers"] += len(batch.offers)
                totals["jobs"] += len(batch.jobs)
                done += size
                self.progress(done, count)
        # The seed content's matchmaking day, with participants from these companies (once).
        totals["matchmaking"] = seed_matchmaking(seed=self.seed, today=self.today)
        return totals

    def _make_batch(self, size):
        """The rows of ``size`` companies and of what belongs to them (no database access)."""
        rng = self.rng
        companies = [self.make_company() for _ in range(size)]
        memberships, certificates = [], []
        for company in companies:
            demo = company.extra
            for cluster in demo["clusters"]:
                memberships.append(
                    Row(
                        {
                            "company_id": company,
                            "cluster_id": cluster.pk,
                            "joined_on": self._date_between(
                                self.today - datetime.timedelta(days=365 * 15),
                                self.today - datetime.timedelta(days=30),
                            ),
                            "is_active": rng.random() < 0.96,
                        }
                    )
                )
            for certification in demo["certifications"]:
                expired = rng.random() < 0.15
                if expired:
                    valid_until = self.today - datetime.timedelta(days=rng.randrange(1, 400))
                    valid_from = valid_until - datetime.timedelta(days=365 * 3)
                else:
                    valid_from = self.today - datetime.timedelta(days=rng.randrange(30, 1000))
                    valid_until = (
                        valid_from + datetime.timedelta(days=365 * 3)
                        if rng.random() < 0.9
                        else None
                    )
                    if valid_until is not None and valid_until < self.today:
                        valid_until = self.today + datetime.timedelta(days=rng.randrange(30, 700))
                certificates.append(
                    Row(
                        {
                            "company_id": company,
                            "certification_id": certification.pk,
                            "valid_from": valid_from,
                            "valid_until": valid_until,
                            "certificate_number": f"{rng.randrange(10000, 99999)}-{valid_from.year}",
                            "issued_by": rng.choice(CERTIFICATION_BODIES),
                        }
                    )
                )

        # About 8 % of companies publish an offer, 5 % a job; a quarter of them have expired.
        offer_owners = sorted(rng.sample(range(size), max(1, round(size * 0.08))))
        offers = [
            self.make_offer(companies[i], expired=n % 4 == 0) for n, i in enumerate(offer_owners)
        ]
        job_owners = sorted(rng.sample(range(size), max(1, round(size * 0.05))))
        jobs = [
            self.make_job_offer(companies[i], expired=n % 5 == 0) for n, i in enumerate(job_owners)
        ]
        # People looking for work: about two for every five job offers.
        jobs += [self.make_job_wanted() for _ in range(max(1, round(size * 0.02)))]
        return Batch(companies, memberships, certificates, offers, jobs)


class _Candidates:
    """The clusters a company of one town may join, per industry: those whose home area holds
    the town, those whose cross-border area does, and every cluster of the home area."""

    __slots__ = ("home", "cross_border", "home_all")

    def __init__(self):
        self.home = {}
        self.cross_border = {}
        self.home_all = []


def _cluster_candidates(clusters, municipalities):
    """Per municipality (by pk), the clusters its companies may join (see CLUSTER_AREAS)."""
    candidates = {m.pk: _Candidates() for m in municipalities}
    for cluster in clusters:
        areas = CLUSTER_AREAS.get(cluster.slug)
        if areas is None:
            # Not described: the cluster's region, or else its country.
            home = (
                {"regions": [cluster.region.slug]}
                if cluster.region_id
                else {"countries": [cluster.country.code]}
            )
            areas = {"home": home}
        industry = CLUSTER_INDUSTRY.get(cluster.sector)
        for kind in ("home", "cross_border"):
            area = areas.get(kind)
            if not area:
                continue
            regions, towns = set(area.get("regions", ())), set(area.get("towns", ()))
            countries = set(area.get("countries", ()))
            for m in municipalities:
                if not (
                    m.region.slug in regions
                    or m.slug in towns
                    or m.region.country.code in countries
                ):
                    continue
                found = candidates[m.pk]
                if kind == "home":
                    found.home_all.append(cluster)
                if industry:
                    getattr(found, kind).setdefault(industry, []).append(cluster)
    return candidates


@contextlib.contextmanager
def _loading():
    """Tune the interpreter while batches are generated and written: the cyclic garbage collector
    runs rarely and skips the objects that live throughout (the rows make no reference cycles;
    its frequent passes over them cost a tenth of the time), and a thread waiting for the GIL
    (the writer, after each round trip to the database) gets it after half a millisecond
    rather than five."""
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    sys.setswitchinterval(0.0005)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.set_threshold(*thresholds)
        gc.unfreeze()
