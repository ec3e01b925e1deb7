"""Benchmark of the company directory on PostgreSQL.

Seeds N companies (100,000 by default) once, then measures the directory's server time in process
(django.test.Client, so no network or browser) and its SQL query count, and prints a Markdown
table. Run it on a database of its own, never on a database with real data:

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE portal_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python bench/directory.py --companies 100000 --requests 50

Seeding uses its own bulk insert (a few minutes for 100,000 companies); `--seed-demo` uses
`manage.py seed_demo` instead (more realistic text, but about 30 companies a second). Run again
with the same N to measure only.
"""

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command, get_commands  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from companies import facet_index  # noqa: E402
from companies.directory import Vocabulary, index_query, results  # noqa: E402
from companies.filters import CompanyFilter  # noqa: E402
from companies.models import (  # noqa: E402
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    CooperationOffer,
    Material,
    Membership,
    Sector,
    SpokenLanguage,
)
from companies.search import search_document  # noqa: E402
from portal.models import Cluster, Municipality, Region  # noqa: E402

# --- Seeding (used only when seed_demo is not available) ------------------------------------

LANGS = ("en", "fi", "sv", "pl", "lt")
CAPABILITIES = {
    ("Machining", "Koneistus", "Bearbetning", "Obróbka skrawaniem", "Apdirbimas"): [
        ("CNC turning", "CNC-sorvaus", "CNC-svarvning", "Toczenie CNC", "CNC tekinimas"),
        ("CNC milling", "CNC-jyrsintä", "CNC-fräsning", "Frezowanie CNC", "CNC frezavimas"),
        ("Grinding", "Hionta", "Slipning", "Szlifowanie", "Šlifavimas"),
    ],
    ("Welding", "Hitsaus", "Svetsning", "Spawanie", "Suvirinimas"): [
        ("TIG welding", "TIG-hitsaus", "TIG-svetsning", "Spawanie TIG", "TIG suvirinimas"),
        (
            "MIG/MAG welding",
            "MIG/MAG-hitsaus",
            "MIG/MAG-svetsning",
            "Spawanie MIG/MAG",
            "MIG/MAG suvirinimas",
        ),
        (
            "Robot welding",
            "Robottihitsaus",
            "Robotsvetsning",
            "Spawanie zrobotyzowane",
            "Robotizuotas suvirinimas",
        ),
    ],
    ("Sheet metal", "Ohutlevytyö", "Tunnplåt", "Obróbka blach", "Skardos apdirbimas"): [
        ("Laser cutting", "Laserleikkaus", "Laserskärning", "Cięcie laserowe", "Pjovimas lazeriu"),
        ("Bending", "Särmäys", "Bockning", "Gięcie", "Lankstymas"),
        ("Punching", "Lävistys", "Stansning", "Wykrawanie", "Kirtimas"),
    ],
    (
        "Surface treatment",
        "Pintakäsittely",
        "Ytbehandling",
        "Obróbka powierzchni",
        "Paviršiaus apdorojimas",
    ): [
        (
            "Powder coating",
            "Jauhemaalaus",
            "Pulverlackering",
            "Malowanie proszkowe",
            "Miltelinis dažymas",
        ),
        ("Galvanizing", "Sinkitys", "Galvanisering", "Cynkowanie", "Cinkavimas"),
    ],
    ("Casting", "Valu", "Gjutning", "Odlewanie", "Liejimas"): [],
    ("3D printing", "3D-tulostus", "3D-utskrift", "Druk 3D", "3D spausdinimas"): [],
    (
        "Measurement technology",
        "Mittaustekniikka",
        "Mätteknik",
        "Metrologia",
        "Matavimo technologija",
    ): [],
    ("Assembly", "Kokoonpano", "Montering", "Montaż", "Surinkimas"): [],
}
MATERIALS = [
    (
        "Stainless steel",
        "Ruostumaton teräs",
        "Rostfritt stål",
        "Stal nierdzewna",
        "Nerūdijantis plienas",
    ),
    (
        "Structural steel",
        "Rakenneteräs",
        "Konstruktionsstål",
        "Stal konstrukcyjna",
        "Konstrukcinis plienas",
    ),
    ("Aluminium", "Alumiini", "Aluminium", "Aluminium", "Aliuminis"),
    ("Copper", "Kupari", "Koppar", "Miedź", "Varis"),
    ("Plastics", "Muovit", "Plast", "Tworzywa sztuczne", "Plastikai"),
    ("Wood", "Puu", "Trä", "Drewno", "Mediena"),
]
CERTIFICATIONS = [
    "ISO 9001",
    "ISO 14001",
    "ISO 45001",
    "ISO 3834-2",
    "EN 1090-2",
    "ISO 50001",
    "FSC",
    "PEFC",
]
SECTORS = [
    ("24", "Basic metals"),
    ("25", "Fabricated metal products"),
    ("28", "Machinery"),
    ("16", "Wood products"),
    ("17", "Paper"),
]
TOWNS = {
    "FI": [
        ("Vaasa", "Vasa"),
        ("Kokkola", "Karleby"),
        ("Pietarsaari", "Jakobstad"),
        ("Seinäjoki", "Seinäjoki"),
        ("Kristiinankaupunki", "Kristinestad"),
    ],
    "SE": [
        ("Uumaja", "Umeå"),
        ("Skellefteå", "Skellefteå"),
        ("Örnsköldsvik", "Örnsköldsvik"),
        ("Sundsvall", "Sundsvall"),
    ],
    "PL": [
        ("Białystok", "Białystok"),
        ("Suwałki", "Suwałki"),
        ("Augustów", "Augustów"),
        ("Sejny", "Sejny"),
        ("Łomża", "Łomża"),
    ],
    "LT": [
        ("Kaunas", "Kaunas"),
        ("Vilnius", "Vilnius"),
        ("Alytus", "Alytus"),
        ("Marijampolė", "Marijampolė"),
    ],
}
WORDS = [
    "Metal",
    "Steel",
    "Tech",
    "Engineering",
    "Machine",
    "Works",
    "Laser",
    "Weld",
    "Form",
    "Precision",
    "Nord",
    "Baltic",
]
SUFFIX = {"FI": "Oy", "SE": "AB", "PL": "Sp. z o.o.", "LT": "UAB"}


def _names(values):
    return {f"name_{lang}": value for lang, value in zip(LANGS, values, strict=True)}


def seed(count, rng):
    print(f"Seeding {count} companies…", flush=True)
    languages = [
        SpokenLanguage.objects.get_or_create(code=c, defaults={"name_en": c.upper()})[0]
        for c in LANGS
    ]
    capabilities = []
    for parent_names, children in CAPABILITIES.items():
        parent = Capability.objects.create(**_names(parent_names))
        capabilities.append(parent)
        for child_names in children:
            capabilities.append(Capability.objects.create(parent=parent, **_names(child_names)))
    materials = [Material.objects.create(**_names(values)) for values in MATERIALS]
    certifications = [
        Certification.objects.create(code=code, name_en=code, kind="quality")
        for code in CERTIFICATIONS
    ]
    sectors = [Sector.objects.create(nace_code=code, name_en=name) for code, name in SECTORS]
    municipalities = []
    for country, towns in TOWNS.items():
        region = Region.objects.create(country=country, name_en=f"Region {country}")
        for local, other in towns:
            municipalities.append(
                Municipality.objects.create(
                    region=region, name_en=local, name_fi=local, name_sv=other, name_pl=local
                )
            )
        for n in range(40):  # smaller places
            municipalities.append(
                Municipality.objects.create(region=region, name_en=f"{country} Town {n}")
            )
    clusters = [
        Cluster.objects.create(name_en=f"Cluster {n}", sector="metal", country="FI")
        for n in range(6)
    ]
    ancestors = {c.pk: ([c.parent] if c.parent_id else []) for c in capabilities}

    today = timezone.localdate()
    batch = 5000
    for start in range(0, count, batch):
        companies, links = [], []
        for n in range(start, min(start + batch, count)):
            municipality = rng.choice(municipalities)
            country = municipality.region.country.code
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n} {SUFFIX[country]}"
            company = Company(
                name=name,
                slug=f"bench-{n}",
                country=country,
                business_id=f"B{n}",
                municipality=municipality,
                size_class=rng.choice(["micro", "micro", "small", "small", "medium", "large"]),
                description_en=f"{name} supplies {rng.choice(WORDS).lower()} work.",
            )
            caps = rng.sample(capabilities, rng.randint(1, 4))
            mats = rng.sample(materials, rng.randint(0, 3))
            secs = rng.sample(sectors, rng.randint(1, 2))
            certs = rng.sample(certifications, rng.choice([0, 0, 1, 1, 2, 3]))
            company.search_document = search_document(
                company,
                capabilities=caps,
                materials=mats,
                sectors=secs,
                certifications=certs,
                capability_ancestors=ancestors,
            )
            companies.append(company)
            links.append((caps, mats, secs, certs, rng.sample(languages, rng.randint(1, 3))))
        Company.objects.bulk_create(companies, batch_size=1000)
        cap_rows, mat_rows, sec_rows, lang_rows, cert_rows, members, offers = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        for company, (caps, mats, secs, certs, langs) in zip(companies, links, strict=True):
            cap_rows += [
                Company.capabilities.through(company_id=company.pk, capability_id=c.pk)
                for c in caps
            ]
            mat_rows += [
                Company.materials.through(company_id=company.pk, material_id=m.pk) for m in mats
            ]
            sec_rows += [
                Company.sectors.through(company_id=company.pk, sector_id=s.pk) for s in secs
            ]
            lang_rows += [
                Company.languages.through(company_id=company.pk, spokenlanguage_id=lg.pk)
                for lg in langs
            ]
            for cert in certs:
                expired = rng.random() < 0.1
                cert_rows.append(
                    CompanyCertificate(
                        company_id=company.pk,
                        certification=cert,
                        valid_from=today.replace(year=today.year - 3),
                        valid_until=today.replace(year=today.year - 1)
                        if expired
                        else today.replace(year=today.year + 2),
                    )
                )
            if rng.random() < 0.6:
                members.append(Membership(company_id=company.pk, cluster=rng.choice(clusters)))
            if rng.random() < 0.03:
                offers.append(
                    CooperationOffer(
                        company_id=company.pk, slug=f"bench-offer-{company.pk}", title_en="Free capacity",
                        description_en="Free capacity.", category="capacity", status="published",
                        valid_from=today, valid_until=today.replace(year=today.year + 1),
                    )
                )  # fmt: skip
        for model_rows in (cap_rows, mat_rows, sec_rows, lang_rows, cert_rows, members, offers):
            if model_rows:
                type(model_rows[0]).objects.bulk_create(model_rows, batch_size=5000)
        print(f"  {start + len(companies)}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Measuring ------------------------------------------------------------------------------


def scenarios():
    """(label, query parameters, forget remembered text matches before each request)."""
    # A top-level capability with children, and the most held certification.
    machining = (
        Capability.objects.filter(parent__isnull=True, children__isnull=False)
        .order_by("position", "pk")
        .first()
    )
    iso = (
        Certification.objects.filter(code__icontains="9001").first()
        or Certification.objects.first()
    )
    three = {"capability": machining.pk, "country": "FI", "certification": iso.pk}
    return [
        ("No filter", {}, False),
        ("No filter, 100 a page", {"per_page": "100"}, False),
        ("No filter, last page", {"page": "5000"}, False),
        ("No filter, recently updated, page 200", {"sort": "updated", "page": "200"}, False),
        ("Three filters", three, False),
        ("Three filters, recently updated", {**three, "sort": "updated"}, False),
        ("Text search (`laser`)", {"q": "laser"}, False),
        ("Text search (`laser`), text match not remembered", {"q": "laser"}, True),
        ("Text search, other language (`hitsaus`)", {"q": "hitsaus"}, False),
        ("Text search (`hitsaus`), not remembered", {"q": "hitsaus"}, True),
        ("Text search (`laser`) by relevance, page 50", {"q": "laser", "page": "50"}, False),
        (
            "Text search + three filters",
            {"q": "laser", "country": "FI", "size": "small", "certification": iso.pk},
            False,
        ),
        (
            "Text search + three filters, not remembered",
            {"q": "laser", "country": "FI", "size": "small", "certification": iso.pk},
            True,
        ),
        (
            "Text search + filters, sort by name",
            {"q": "steel vasa", "capability": machining.pk, "sort": "name"},
            False,
        ),
        (
            "Text search + filters, recently updated, not remembered",
            {"q": "steel vasa", "capability": machining.pk, "sort": "updated"},
            True,
        ),
    ]


def measure(client, params, requests, forget_text=False):
    for _ in range(3):  # warm up caches and connections
        client.get("/en/companies/", params)
    if forget_text:
        facet_index.get_index().forget_text()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/en/companies/", params)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(requests):
        if forget_text:
            facet_index.get_index().forget_text()
        started = time.perf_counter()
        client.get("/en/companies/", params)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    data = QueryDict(urlencode(params, doseq=True))
    index = facet_index.get_index()
    filterset = CompanyFilter(
        data, queryset=Company.objects.published(), vocabulary=index.vocabulary(Vocabulary)
    )
    total = index_query(filterset, index).total
    # The index's total must be the SQL path's (CompanyFilter querysets, as the CSV export runs).
    expected = results(data).count()
    assert total == expected, (params, total, expected)
    return statistics.median(times), p95, len(queries), total


def measure_build():
    """Time and queries of one index build, and (in a separate build, tracemalloc slows it down)
    the memory the index holds."""
    facet_index.clear()
    gc.collect()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        facet_index.get_index()
    elapsed = (time.perf_counter() - started) * 1000
    facet_index.clear()
    gc.collect()
    tracemalloc.start()
    facet_index.get_index()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, len(queries), current / 2**20, peak / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seed-demo", action="store_true", help="Seed with manage.py seed_demo.")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print("Warning: not PostgreSQL – the figures will not say much.", file=sys.stderr)
    call_command("createcachetable", verbosity=0)  # the index version lives in the cache
    call_command("migrate", interactive=False, verbosity=0)
    existing = Company.objects.count()
    if existing < args.companies:
        if existing == 0 and args.seed_demo and "seed_demo" in get_commands():
            # seed_demo draws towns and the taxonomy from the seed fixtures.
            fixtures = Path(__file__).resolve().parent.parent / "fixtures"
            for name in ("geography.json", "taxonomy.json"):
                if (fixtures / name).exists():
                    call_command("loaddata", str(fixtures / name), verbosity=0)
            Capability.rebuild_paths()
            call_command("seed_demo", companies=args.companies, seed=args.seed, batch_size=5000)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elif existing == 0:
            seed(args.companies, random.Random(args.seed))
        else:
            sys.exit(
                f"The database has {existing} companies, fewer than {args.companies}: use an empty one."
            )
    count = Company.objects.count()

    client = Client()
    load = os.getloadavg()
    print(
        f"\nDirectory server time, {count:,} companies, {connection.vendor}, {args.requests} requests"
        f" each; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs\n"
    )
    builds = [measure_build() for _ in range(3)]
    elapsed, queries, current, peak = min(builds)
    print(
        f"Facet index build: {elapsed:.0f} ms (best of 3; {', '.join(f'{b[0]:.0f}' for b in builds)}),"
        f" {queries} queries, {current:.1f} MiB held (tracemalloc; peak {peak:.1f} MiB)\n"
    )
    print("| Scenario | Results | p50 ms | p95 ms | SQL queries |")
    print("|---|---:|---:|---:|---:|")
    for label, params, forget_text in scenarios():
        p50, p95, queries, total = measure(client, params, args.requests, forget_text)
        print(f"| {label} | {total:,} | {p50:.1f} | {p95:.1f} | {queries} |", flush=True)
    load = os.getloadavg()
    print(f"\nLoad average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
