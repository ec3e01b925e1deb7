"""Demo companies for a fresh portal: realistic, valid, deterministic for a seed, fast to insert.

``DemoGenerator(seed=…, today=…).generate(n)`` writes ``n`` companies spread over the database's
towns (FI, SE, PL, LT) and clusters, each with a name, an address and a business ID in its
country's style, a description in its own language and in English, a classification taken from
the database's taxonomy, cluster memberships and certificates; a share of them post cooperation
offers and job offers, and a few invented people post "job wanted" notices.

The generator makes plain rows (``Row``: field values by attribute name), not model instances, one
batch of companies at a time, and a writer stores each batch: on PostgreSQL with ``COPY … FROM
STDIN`` into every table, primary keys reserved from the tables' sequences beforehand so that
related rows can name their company without reading it back, in a second thread while the next
batch is generated (a million companies in minutes, memory bounded by the batch size and the sets
of slugs and business IDs); elsewhere (SQLite) with ``bulk_create``. Both write the same column
values as ``bulk_create`` of the model instances would. Neither sends signals: the caller
rebuilds what is derived from the companies (the directory) once at the end.

Every row the generator writes has a slug ending in ``-demo`` (companies, offers, job posts):
``delete_demo_data()`` removes exactly those. All randomness comes from one ``random.Random`` and
per-locale Faker instances seeded from ``seed``; dates derive from ``today``. The same seed, batch
size and reference date on the same reference data (towns, clusters, taxonomy) give the same rows.
"""

import collections
import concurrent.futures
import contextlib
import datetime
import gc
import inspect
import io
import itertools
import random
import re
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    connection,
    connections,
    models,
    transaction,
)
from django.db.models.deletion import get_candidate_relations_to_delete
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone, translation
from django_countries import countries
from faker import Faker
from modeltranslation.fields import TranslationFieldDescriptor
from stdnum import luhn
from stdnum.lt import pvm as lt_vat
from stdnum.pl import nip

from board.models import CooperationOffer, JobPosting
from clusters.models import Cluster, ModerationStatus, Municipality
from clusters.slugs import ascii_slug
from companies.models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    Material,
    Membership,
    Sector,
    SpokenLanguage,
)

DEMO_SLUG_SUFFIX = "-demo"
COUNTRY_LANGUAGE = {"FI": "fi", "SE": "sv", "PL": "pl", "LT": "lt"}
SUPPORTED_COUNTRIES = tuple(COUNTRY_LANGUAGE)
FAKER_LOCALES = {"fi": "fi_FI", "sv": "sv_SE", "pl": "pl_PL", "lt": "lt_LT", "en": "en_GB"}
# Finnish regions with many Swedish-speaking firms (by region slug).
SWEDISH_SPEAKING_REGIONS = {"ostrobothnia", "central-ostrobothnia"}
INDUSTRIES = ("metal", "wood", "paper", "cleantech")
CLUSTER_INDUSTRY = {"metal": "metal", "wood": "wood", "paper": "paper", "cleantech": "cleantech"}
AND = {"en": "and", "fi": "ja", "sv": "och", "pl": "i", "lt": "ir"}

# --- Company names ---------------------------------------------------------------------------

# Industry words as they appear in company names, per language and industry.
NAME_WORDS = {
    "fi": {
        "metal": [
            "Konepaja",
            "Metalli",
            "Hitsaus",
            "Teräs",
            "Koneistus",
            "Levytyö",
            "Metallityö",
            "Valimo",
            "Teräsrakenne",
            "Laserleikkaus",
            "Pintakäsittely",
        ],
        "wood": [
            "Puu",
            "Saha",
            "Puutuote",
            "Hirsitalo",
            "Puusepät",
            "Huonekalu",
            "Ikkuna",
            "Liimapuu",
        ],
        "paper": ["Paperi", "Pakkaus", "Kartonki", "Kuitu", "Prosessihuolto", "Paperikone"],
        "cleantech": [
            "Energia",
            "Ympäristötekniikka",
            "Kierrätys",
            "Bioenergia",
            "Aurinkoenergia",
            "Vesitekniikka",
            "Lämpö",
        ],
    },
    "sv": {
        "metal": [
            "Mekaniska",
            "Mekaniska Verkstad",
            "Svets",
            "Plåt",
            "Smide",
            "Gjuteri",
            "Stål",
            "Laserteknik",
            "Ytbehandling",
            "Verktyg",
            "Maskin",
        ],
        "wood": ["Trä", "Såg", "Snickeri", "Möbler", "Trähus", "Timmer", "Limträ"],
        "paper": ["Papper", "Förpackning", "Kartong", "Massa", "Processteknik", "Pappersteknik"],
        "cleantech": [
            "Energi",
            "Miljöteknik",
            "Återvinning",
            "Solenergi",
            "Vattenteknik",
            "Bioenergi",
            "Värme",
        ],
    },
    "pl": {
        "metal": [
            "Zakład Obróbki Metali",
            "Zakład Mechaniczny",
            "Ślusarstwo",
            "Odlewnia",
            "Kuźnia",
            "Konstrukcje Stalowe",
            "Obróbka Skrawaniem",
            "Spawalnictwo",
        ],
        "wood": [
            "Tartak",
            "Zakład Stolarski",
            "Meble",
            "Przetwórstwo Drewna",
            "Stolarka Okienna",
            "Domy z Drewna",
        ],
        "paper": ["Zakład Papierniczy", "Opakowania", "Tektura", "Papiernia", "Wyroby Papiernicze"],
        "cleantech": [
            "Energia Odnawialna",
            "Recykling",
            "Technika Środowiskowa",
            "Uzdatnianie Wody",
            "Ekoenergia",
            "Fotowoltaika",
        ],
    },
    "lt": {
        "metal": [
            "metalo apdirbimas",
            "metalo konstrukcijos",
            "suvirinimo technika",
            "plieno gaminiai",
            "metalas",
            "liejykla",
            "staklių servisas",
        ],
        "wood": ["mediena", "medienos gaminiai", "baldai", "lentpjūvė", "medžio namai", "langai"],
        "paper": ["popierius", "pakuotės", "kartonas", "popieriaus gaminiai"],
        "cleantech": [
            "atsinaujinanti energija",
            "ekotechnologijos",
            "perdirbimas",
            "vandens technologijos",
            "bioenergija",
            "saulės energija",
        ],
    },
}
# English words for brand-style names ("Botnia Steel Oy"), common in all four countries.
BRAND_WORDS = {
    "metal": [
        "Steel",
        "Metal",
        "Weld",
        "Machining",
        "Engineering",
        "Fabrication",
        "Laser",
        "Tools",
    ],
    "wood": ["Timber", "Wood", "Log Homes", "Joinery", "Wood Products"],
    "paper": ["Paper", "Pack", "Fibre", "Board", "Process Service"],
    "cleantech": ["Energy", "Solar", "Recycling", "Water", "Bioenergy", "Cleantech", "Heat"],
}
BRAND_PREFIXES = {
    "fi": [
        "Botnia",
        "Nordic",
        "Arctic",
        "Polar",
        "Kvarken",
        "Aalto",
        "Pohjola",
        "Lakeus",
        "Ilmarinen",
        "Revontuli",
    ],
    "sv": [
        "Botnia",
        "Nordic",
        "Norrland",
        "Kvarken",
        "Polar",
        "Fjäll",
        "Älv",
        "Nord",
        "Viking",
        "Vänern",
    ],
    "pl": [
        "Baltic",
        "Podlasie",
        "Narew",
        "Biebrza",
        "Hańcza",
        "Euro",
        "Nord",
        "Polar",
        "Mazury",
        "Wigry",
    ],
    "lt": [
        "Baltic",
        "Nemunas",
        "Dzūkija",
        "Sūduva",
        "Neris",
        "Amber",
        "Nord",
        "Vytis",
        "Gintaras",
        "Šešupė",
    ],
}
# Place words for names when the region's own name cannot be put in the right form.
REGION_WORDS = {
    "fi": ["Pohjolan", "Lakeuden", "Rannikon", "Botnian"],
    "sv": ["Norrlands", "Bottniska", "Kustens", "Nordiska"],
    "pl": ["Północne", "Bałtyckie"],
    "lt": ["Baltijos", "Nemuno"],
}
PL_WORKS_ADJECTIVES = {
    "metal": "Mechaniczne",
    "wood": "Drzewne",
    "paper": "Papiernicze",
    "cleantech": "Energetyczne",
}
PL_BRAND_ROOTS = {
    "metal": ["Metal", "Stal", "Spaw", "Mech", "Odlew", "Tech"],
    "wood": ["Drew", "Stol", "Mebl", "Las", "Buk"],
    "paper": ["Pap", "Kart", "Pak", "Tek"],
    "cleantech": ["Eko", "Term", "Energo", "Solar", "Hydro"],
}
PL_BRAND_SUFFIXES = ["pol", "met", "bud", "ex", "tech", "mar", "gum", "plast", "kom"]
LT_BRAND_ROOTS = {
    "metal": ["Metal", "Plien", "Suvir", "Detal"],
    "wood": ["Med", "Bald", "Lent", "Girių"],
    "paper": ["Pop", "Pak", "Kart"],
    "cleantech": ["Eko", "Saul", "Vėj", "Energ"],
}
LT_BRAND_SUFFIXES = ["ita", "eksta", "vita", "ga", "ora", "lina", "tas"]

# --- Descriptions ----------------------------------------------------------------------------

INTRO = {
    "en": {
        "metal": [
            "{name} is a metalworking subcontractor.",
            "{name} is a family-owned engineering workshop.",
            "{name} makes machined parts and welded steel structures for industry.",
        ],
        "wood": [
            "{name} is a wood products company.",
            "{name} is a family-owned joinery.",
            "{name} turns sawn timber into finished wood products.",
        ],
        "paper": [
            "{name} serves the pulp and paper industry.",
            "{name} is a family-owned packaging company.",
            "{name} makes paper and board products and maintains process equipment.",
        ],
        "cleantech": [
            "{name} is a cleantech company.",
            "{name} develops energy and environmental technology.",
            "{name} is a family-owned company in renewable energy.",
        ],
    },
    "fi": {
        "metal": [
            "{name} on metallialan alihankintayritys.",
            "{name} on metallialan perheyritys.",
            "{name} valmistaa koneistettuja osia ja hitsattuja teräsrakenteita teollisuudelle.",
        ],
        "wood": [
            "{name} on puutuoteteollisuuden yritys.",
            "{name} on puusepänalan perheyritys.",
            "{name} jalostaa sahatavaraa valmiiksi puutuotteiksi.",
        ],
        "paper": [
            "{name} palvelee massa- ja paperiteollisuutta.",
            "{name} on pakkausalan perheyritys.",
            "{name} valmistaa paperi- ja kartonkituotteita ja huoltaa prosessilaitteita.",
        ],
        "cleantech": [
            "{name} on cleantech-alan yritys.",
            "{name} kehittää energia- ja ympäristöteknologiaa.",
            "{name} on uusiutuvan energian perheyritys.",
        ],
    },
    "sv": {
        "metal": [
            "{name} är ett underleverantörsföretag inom metallindustrin.",
            "{name} är en familjeägd mekanisk verkstad.",
            "{name} tillverkar bearbetade detaljer och svetsade stålkonstruktioner för industrin.",
        ],
        "wood": [
            "{name} är ett företag inom träindustrin.",
            "{name} är ett familjeägt snickeri.",
            "{name} förädlar sågat virke till färdiga träprodukter.",
        ],
        "paper": [
            "{name} betjänar massa- och pappersindustrin.",
            "{name} är ett familjeägt förpackningsföretag.",
            "{name} tillverkar pappers- och kartongprodukter och underhåller processutrustning.",
        ],
        "cleantech": [
            "{name} är ett cleantechföretag.",
            "{name} utvecklar energi- och miljöteknik.",
            "{name} är ett familjeägt företag inom förnybar energi.",
        ],
    },
    "pl": {
        "metal": [
            "{name} to firma podwykonawcza z branży metalowej.",
            "{name} to rodzinna firma z branży metalowej.",
            "{name} produkuje części obrabiane i spawane konstrukcje stalowe dla przemysłu.",
        ],
        "wood": [
            "{name} to firma z branży drzewnej.",
            "{name} to rodzinny zakład stolarski.",
            "{name} przetwarza tarcicę na gotowe wyroby z drewna.",
        ],
        "paper": [
            "{name} obsługuje przemysł celulozowo-papierniczy.",
            "{name} to rodzinna firma z branży opakowań.",
            "{name} produkuje wyroby z papieru i tektury oraz serwisuje urządzenia procesowe.",
        ],
        "cleantech": [
            "{name} to firma z branży czystych technologii.",
            "{name} rozwija technologie energetyczne i środowiskowe.",
            "{name} to rodzinna firma z branży energii odnawialnej.",
        ],
    },
    "lt": {
        "metal": [
            "{name} – metalo apdirbimo subrangos įmonė.",
            "{name} – šeimos valdoma metalo apdirbimo įmonė.",
            "{name} gamina apdirbtas detales ir suvirintas plieno konstrukcijas pramonei.",
        ],
        "wood": [
            "{name} – medienos pramonės įmonė.",
            "{name} – šeimos valdoma staliaus dirbtuvė.",
            "{name} perdirba pjautinę medieną į gatavus medienos gaminius.",
        ],
        "paper": [
            "{name} aptarnauja celiuliozės ir popieriaus pramonę.",
            "{name} – šeimos valdoma pakuočių įmonė.",
            "{name} gamina popieriaus ir kartono gaminius bei prižiūri technologinę įrangą.",
        ],
        "cleantech": [
            "{name} – švarių technologijų įmonė.",
            "{name} kuria energetikos ir aplinkosaugos technologijas.",
            "{name} – šeimos valdoma atsinaujinančios energijos įmonė.",
        ],
    },
}
# One sentence or "label: list." line each, so that no word has to be inflected.
PHRASES = {
    "en": {
        "location": "Location: {place}.",
        "founded": "Founded in {year}.",
        "staff": "Employees: {n}.",
        "capabilities": "Capabilities: {items}.",
        "materials": "Materials: {items}.",
        "certifications": "Certificates: {items}.",
        "export": "Export markets: {items}.",
        "closing": "We welcome enquiries and requests for quotation.",
    },
    "fi": {
        "location": "Sijainti: {place}.",
        "founded": "Perustettu vuonna {year}.",
        "staff": "Henkilöstö: {n}.",
        "capabilities": "Osaaminen: {items}.",
        "materials": "Materiaalit: {items}.",
        "certifications": "Sertifikaatit: {items}.",
        "export": "Vientimaat: {items}.",
        "closing": "Otamme mielellämme vastaan tarjouspyyntöjä.",
    },
    "sv": {
        "location": "Ort: {place}.",
        "founded": "Grundat {year}.",
        "staff": "Antal anställda: {n}.",
        "capabilities": "Kompetens: {items}.",
        "materials": "Material: {items}.",
        "certifications": "Certifikat: {items}.",
        "export": "Exportmarknader: {items}.",
        "closing": "Vi tar gärna emot förfrågningar.",
    },
    "pl": {
        "location": "Siedziba: {place}.",
        "founded": "Firma założona w {year} roku.",
        "staff": "Liczba pracowników: {n}.",
        "capabilities": "Zakres usług: {items}.",
        "materials": "Materiały: {items}.",
        "certifications": "Certyfikaty: {items}.",
        "export": "Rynki eksportowe: {items}.",
        "closing": "Zapraszamy do współpracy.",
    },
    "lt": {
        "location": "Buveinė: {place}.",
        "founded": "Įmonė įkurta {year} m.",
        "staff": "Darbuotojų skaičius: {n}.",
        "capabilities": "Kompetencijos: {items}.",
        "materials": "Medžiagos: {items}.",
        "certifications": "Sertifikatai: {items}.",
        "export": "Eksporto rinkos: {items}.",
        "closing": "Kviečiame bendradarbiauti.",
    },
}

# --- Cooperation offers ----------------------------------------------------------------------

OFFER_KINDS = [
    # (category, direction, weight)
    (CooperationOffer.Category.SUBCONTRACTING, CooperationOffer.Direction.OFFER, 4),
    (CooperationOffer.Category.CAPACITY, CooperationOffer.Direction.OFFER, 3),
    (CooperationOffer.Category.SUPPLY, CooperationOffer.Direction.OFFER, 2),
    (CooperationOffer.Category.PARTNER, CooperationOffer.Direction.REQUEST, 2),
    (CooperationOffer.Category.RESEARCH, CooperationOffer.Direction.REQUEST, 1),
]
OFFER_TITLES = {
    "en": {
        "subcontracting": "Subcontracting capacity: {item}",
        "capacity": "Free production capacity: {item}",
        "supply": "Supply: {item}",
        "partner": "Partner wanted: {item}",
        "research": "R&D cooperation: {item}",
    },
    "fi": {
        "subcontracting": "Alihankintakapasiteettia: {item}",
        "capacity": "Vapaata tuotantokapasiteettia: {item}",
        "supply": "Toimitukset: {item}",
        "partner": "Etsimme kumppania: {item}",
        "research": "T&K-yhteistyö: {item}",
    },
    "sv": {
        "subcontracting": "Underleveranskapacitet: {item}",
        "capacity": "Ledig produktionskapacitet: {item}",
        "supply": "Leveranser: {item}",
        "partner": "Partner sökes: {item}",
        "research": "FoU-samarbete: {item}",
    },
    "pl": {
        "subcontracting": "Moce podwykonawcze: {item}",
        "capacity": "Wolne moce produkcyjne: {item}",
        "supply": "Dostawy: {item}",
        "partner": "Szukamy partnera: {item}",
        "research": "Współpraca B+R: {item}",
    },
    "lt": {
        "subcontracting": "Subrangos pajėgumai: {item}",
        "capacity": "Laisvi gamybos pajėgumai: {item}",
        "supply": "Tiekimas: {item}",
        "partner": "Ieškome partnerio: {item}",
        "research": "MTEP bendradarbiavimas: {item}",
    },
}
OFFER_TEXTS = {
    "en": {
        "offer": "{company} offers its capacity to new customers.",
        "request": "{company} is looking for a cooperation partner.",
        "processes": "Processes: {items}.",
        "materials": "Materials: {items}.",
        "offer_end": "Send your drawings and quantities through the portal.",
        "request_end": "Please reply through the portal.",
    },
    "fi": {
        "offer": "{company} tarjoaa kapasiteettiaan uusille asiakkaille.",
        "request": "{company} etsii yhteistyökumppania.",
        "processes": "Prosessit: {items}.",
        "materials": "Materiaalit: {items}.",
        "offer_end": "Lähetä piirustukset ja määrät portaalin kautta.",
        "request_end": "Vastaa portaalin kautta.",
    },
    "sv": {
        "offer": "{company} erbjuder kapacitet till nya kunder.",
        "request": "{company} söker en samarbetspartner.",
        "processes": "Processer: {items}.",
        "materials": "Material: {items}.",
        "offer_end": "Skicka ritningar och volymer via portalen.",
        "request_end": "Svara via portalen.",
    },
    "pl": {
        "offer": "{company} oferuje wolne moce nowym klientom.",
        "request": "{company} szuka partnera do współpracy.",
        "processes": "Procesy: {items}.",
        "materials": "Materiały: {items}.",
        "offer_end": "Rysunki i ilości prosimy przesyłać przez portal.",
        "request_end": "Odpowiedzi prosimy przesyłać przez portal.",
    },
    "lt": {
        "offer": "{company} siūlo pajėgumus naujiems klientams.",
        "request": "{company} ieško bendradarbiavimo partnerio.",
        "processes": "Procesai: {items}.",
        "materials": "Medžiagos: {items}.",
        "offer_end": "Brėžinius ir kiekius siųskite per portalą.",
        "request_end": "Atsakykite per portalą.",
    },
}

# --- Jobs ------------------------------------------------------------------------------------

PROFESSIONS = {
    "metal": [
        {"en": "Welder", "fi": "Hitsaaja", "sv": "Svetsare", "pl": "Spawacz", "lt": "Suvirintojas"},
        {
            "en": "CNC machinist",
            "fi": "CNC-koneistaja",
            "sv": "CNC-operatör",
            "pl": "Operator CNC",
            "lt": "CNC staklininkas",
        },
        {
            "en": "Sheet metal worker",
            "fi": "Levyseppä",
            "sv": "Plåtslagare",
            "pl": "Blacharz",
            "lt": "Skardininkas",
        },
        {
            "en": "Design engineer",
            "fi": "Suunnitteluinsinööri",
            "sv": "Konstruktör",
            "pl": "Konstruktor",
            "lt": "Konstruktorius",
        },
    ],
    "wood": [
        {"en": "Carpenter", "fi": "Puuseppä", "sv": "Snickare", "pl": "Stolarz", "lt": "Stalius"},
        {
            "en": "Sawmill operator",
            "fi": "Sahan operaattori",
            "sv": "Sågverksoperatör",
            "pl": "Operator tartaku",
            "lt": "Lentpjūvės operatorius",
        },
    ],
    "paper": [
        {
            "en": "Process operator",
            "fi": "Prosessinhoitaja",
            "sv": "Processoperatör",
            "pl": "Operator procesu",
            "lt": "Proceso operatorius",
        },
        {
            "en": "Maintenance technician",
            "fi": "Kunnossapitoasentaja",
            "sv": "Underhållstekniker",
            "pl": "Technik utrzymania ruchu",
            "lt": "Techninės priežiūros specialistas",
        },
    ],
    "cleantech": [
        {
            "en": "Energy engineer",
            "fi": "Energiainsinööri",
            "sv": "Energiingenjör",
            "pl": "Inżynier ds. energii",
            "lt": "Energetikos inžinierius",
        },
        {
            "en": "Electrician",
            "fi": "Sähköasentaja",
            "sv": "Elektriker",
            "pl": "Elektryk",
            "lt": "Elektrikas",
        },
    ],
    "any": [
        {
            "en": "Production manager",
            "fi": "Tuotantopäällikkö",
            "sv": "Produktionschef",
            "pl": "Kierownik produkcji",
            "lt": "Gamybos vadovas",
        },
        {
            "en": "Sales engineer",
            "fi": "Myyntiinsinööri",
            "sv": "Säljingenjör",
            "pl": "Inżynier sprzedaży",
            "lt": "Pardavimų inžinierius",
        },
    ],
}
CONTRACTS = {
    JobPosting.ContractType.PERMANENT: {
        "en": "permanent",
        "fi": "vakituinen",
        "sv": "tillsvidare",
        "pl": "na czas nieokreślony",
        "lt": "neterminuota",
    },
    JobPosting.ContractType.FIXED_TERM: {
        "en": "fixed-term",
        "fi": "määräaikainen",
        "sv": "visstid",
        "pl": "na czas określony",
        "lt": "terminuota",
    },
    JobPosting.ContractType.PART_TIME: {
        "en": "part-time",
        "fi": "osa-aikainen",
        "sv": "deltid",
        "pl": "w niepełnym wymiarze godzin",
        "lt": "ne visam darbo laikui",
    },
    JobPosting.ContractType.SEASONAL: {
        "en": "seasonal",
        "fi": "kausityö",
        "sv": "säsongsanställning",
        "pl": "praca sezonowa",
        "lt": "sezoninė",
    },
    JobPosting.ContractType.TRAINEESHIP: {
        "en": "traineeship",
        "fi": "harjoittelu",
        "sv": "praktik",
        "pl": "staż",
        "lt": "praktika",
    },
}
JOB_OFFER_TEXT = {
    "en": "{company} is looking for a new colleague. Position: {profession}. Location: {town}. Type of contract: {contract}. Experience in the field is an advantage. Apply by e-mail by {date}.",
    "fi": "{company} hakee uutta työntekijää. Tehtävä: {profession}. Sijainti: {town}. Työsuhde: {contract}. Alan kokemus katsotaan eduksi. Hae sähköpostitse viimeistään {date}.",
    "sv": "{company} söker en ny medarbetare. Tjänst: {profession}. Ort: {town}. Anställningsform: {contract}. Erfarenhet från branschen är meriterande. Ansök per e-post senast {date}.",
    "pl": "{company} poszukuje nowego pracownika. Stanowisko: {profession}. Miejsce pracy: {town}. Zatrudnienie: {contract}. Doświadczenie w branży będzie atutem. Zgłoszenia prosimy przesyłać e-mailem do {date}.",
    "lt": "{company} ieško naujo darbuotojo. Pareigos: {profession}. Darbo vieta: {town}. Darbo sutartis: {contract}. Darbo patirtis šioje srityje – privalumas. CV siųskite el. paštu iki {date}.",
}
JOB_WANTED_TITLE = {
    "en": "{profession} looking for work",
    "fi": "{profession} hakee töitä",
    "sv": "{profession} söker arbete",
    "pl": "{profession} szuka pracy",
    "lt": "{profession} ieško darbo",
}
JOB_WANTED_TEXT = {
    "en": "I am looking for work. Profession: {profession}. Preferred location: {town}. Experience: {years} years. Please contact me through the portal.",
    "fi": "Etsin työtä alalta. Ammatti: {profession}. Toivottu paikkakunta: {town}. Kokemusta {years} vuotta. Otathan yhteyttä portaalin kautta.",
    "sv": "Jag söker arbete. Yrke: {profession}. Önskad ort: {town}. Erfarenhet: {years} år. Kontakta mig via portalen.",
    "pl": "Szukam pracy. Zawód: {profession}. Preferowana miejscowość: {town}. Doświadczenie: {years} lat. Proszę o kontakt przez portal.",
    "lt": "Ieškau darbo. Profesija: {profession}. Pageidaujama vieta: {town}. Patirtis: {years} m. Susisiekite per portalą.",
}
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def format_date(value, language):
    """A date as each language writes it, without depending on the process locale."""
    if language == "en":
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    if language in ("fi", "pl"):
        return (
            f"{value.day}.{value.month}.{value.year}"
            if language == "fi"
            else value.strftime("%d.%m.%Y")
        )
    return value.isoformat()


# --- Classification by industry --------------------------------------------------------------

# Word beginnings in a capability's English name that tie it to an industry ("weld" matches
# "TIG welding"; at a word boundary, so "mill" does not match "Sawmilling").
CAPABILITY_KEYWORDS = {
    "metal": [
        "machin",
        "turn",
        "mill",
        "grind",
        "drill",
        "gear",
        "tool",
        "weld",
        "braz",
        "sheet",
        "laser",
        "plasma",
        "cutting",
        "bend",
        "punch",
        "deep",
        "plate",
        "tube",
        "cast",
        "forg",
        "pattern",
        "surface",
        "industrial painting",
        "powder",
        "galvan",
        "anodis",
        "sandblast",
        "electroplat",
        "pickl",
        "heat",
        "additive",
        "metal",
        "prototyp",
        "measur",
        "cmm",
        "scan",
        "non-destructive",
        "calibr",
        "materials",
        "design",
        "mechanical",
        "fem",
        "steel",
        "reverse",
        "assembl",
        "hydraul",
        "mainten",
        "repair",
        "robot",
    ],
    "wood": [
        "wood",
        "saw",
        "planing",
        "timber",
        "glulam",
        "pressure",
        "industrial painting",
        "product development",
        "mainten",
        "repair",
        "mechanical",
        "bioenergy",
    ],
    "paper": [
        "paper",
        "packaging",
        "pulp",
        "wood and paper",
        "mainten",
        "condition",
        "automation",
        "repair",
        "industrial cleaning",
        "industrial piping",
        "water treatment",
        "wastewater",
        "measur",
        "calibr",
    ],
    "cleantech": [
        "environmental",
        "water treatment",
        "wastewater",
        "waste",
        "energy",
        "bioenergy",
        "solar",
        "flue",
        "automation",
        "condition",
        "measur",
        "product development",
        "industrial services",
        "industrial piping",
    ],
}
SECTOR_DIVISIONS = {
    "metal": {"C", "24", "25", "28", "33"},
    "wood": {"C", "16", "31"},
    "paper": {"C", "17", "18"},
    "cleantech": {"D", "E", "35", "36", "37", "38", "39", "71", "72"},
}
MATERIAL_CATEGORIES = {
    "metal": {Material.Category.METAL},
    "wood": {Material.Category.WOOD},
    "paper": {Material.Category.WOOD},
    "cleantech": {
        Material.Category.METAL,
        Material.Category.POLYMER,
        Material.Category.COMPOSITE,
        Material.Category.OTHER,
    },
}
CERTIFICATION_KINDS = {
    "metal": {"quality", "environment", "safety", "energy", "welding", "structural", "sector"},
    "wood": {"quality", "environment", "safety", "forest"},
    "paper": {"quality", "environment", "safety", "energy", "forest", "sector"},
    "cleantech": {"quality", "environment", "safety", "energy"},
}
CERTIFICATION_WEIGHTS = {
    "quality": 6,
    "environment": 4,
    "safety": 2,
    "welding": 2,
    "structural": 2,
    "forest": 3,
}
CERTIFICATION_BODIES = [
    "DNV",
    "Bureau Veritas",
    "Kiwa Inspecta",
    "TÜV SÜD",
    "TÜV Nord",
    "Intertek",
    "LRQA",
    "SGS",
    "DEKRA",
    "Eurofins",
]

# Languages a company may do business in, with their names in the portal's languages.
LANGUAGE_NAMES = {
    "en": {"en": "English", "sv": "engelska", "fi": "englanti", "pl": "angielski", "lt": "anglų"},
    "fi": {"en": "Finnish", "sv": "finska", "fi": "suomi", "pl": "fiński", "lt": "suomių"},
    "sv": {"en": "Swedish", "sv": "svenska", "fi": "ruotsi", "pl": "szwedzki", "lt": "švedų"},
    "pl": {"en": "Polish", "sv": "polska", "fi": "puola", "pl": "polski", "lt": "lenkų"},
    "lt": {
        "en": "Lithuanian",
        "sv": "litauiska",
        "fi": "liettua",
        "pl": "litewski",
        "lt": "lietuvių",
    },
    "de": {"en": "German", "sv": "tyska", "fi": "saksa", "pl": "niemiecki", "lt": "vokiečių"},
    "ru": {"en": "Russian", "sv": "ryska", "fi": "venäjä", "pl": "rosyjski", "lt": "rusų"},
}
EXTRA_LANGUAGES = {
    "FI": ["sv", "de", "ru"],
    "SE": ["fi", "de"],
    "PL": ["de", "lt", "ru"],
    "LT": ["pl", "ru", "de"],
}
EXPORT_MARKETS = [
    "SE",
    "FI",
    "NO",
    "DK",
    "DE",
    "EE",
    "LV",
    "LT",
    "PL",
    "NL",
    "BE",
    "FR",
    "GB",
    "IT",
    "US",
    "CN",
]

# --- Addresses and phones --------------------------------------------------------------------

INDUSTRIAL_STREETS = {
    "fi": [
        "Teollisuustie",
        "Konepajantie",
        "Pajatie",
        "Metallitie",
        "Varastokatu",
        "Sahantie",
        "Tehtaantie",
        "Yrittäjäntie",
    ],
    "sv": [
        "Industrigatan",
        "Verkstadsvägen",
        "Smedjegatan",
        "Hamngatan",
        "Sågverksvägen",
        "Fabriksgatan",
        "Företagsvägen",
    ],
    "pl": [
        "ul. Przemysłowa",
        "ul. Fabryczna",
        "ul. Składowa",
        "ul. Hutnicza",
        "ul. Metalowa",
        "ul. Tartaczna",
        "ul. Rzemieślnicza",
    ],
    "lt": [
        "Pramonės g.",
        "Gamyklos g.",
        "Statybininkų g.",
        "Sandėlių g.",
        "Verslo g.",
        "Metalistų g.",
        "Pramonininkų g.",
    ],
}
LT_STREETS = [
    "Vilniaus g.",
    "Gedimino g.",
    "Kauno g.",
    "Vytauto g.",
    "Laisvės al.",
    "Sodų g.",
    "Liepų g.",
    "Mokyklos g.",
    "Ateities g.",
    "Žalgirio g.",
    "Dariaus ir Girėno g.",
    "Maironio g.",
]
# Fake numbers only: Sweden's numbers reserved for fiction (PTS), elsewhere libphonenumber's
# documented example numbers with their last two digits varied; all checked with phonenumbers.
PHONE_PATTERNS = {
    "SE": ["+467017406{:02d}", "+463139006{:02d}", "+464062804{:02d}", "+468465004{:02d}"],
    "FI": ["+3581312345{:02d}", "+3584123456{:02d}"],
    "PL": ["+481234567{:02d}", "+485123456{:02d}"],
    "LT": ["+3703123456{:01d}", "+3706123456{:01d}"],
}
PL_TAX_OFFICES = [
    "542",
    "543",
    "544",
    "545",
    "546",
    "966",
    "844",
    "845",
    "846",
    "847",
    "739",
    "741",
    "742",
]

SIZE_CLASSES = [
    # (size class, weight, smallest headcount, largest headcount)
    (Company.SizeClass.MICRO, 45, 1, 9),
    (Company.SizeClass.SMALL, 35, 10, 49),
    (Company.SizeClass.MEDIUM, 15, 50, 249),
    (Company.SizeClass.LARGE, 5, 250, 2400),
]


def size_class_for(employees: int) -> str:
    """The EU SME size class of a headcount (Recommendation 2003/361/EC)."""
    if employees < 10:
        return Company.SizeClass.MICRO
    if employees < 50:
        return Company.SizeClass.SMALL
    if employees < 250:
        return Company.SizeClass.MEDIUM
    return Company.SizeClass.LARGE


def valid_phone_numbers(country):
    """Every number of the country's fake ranges that libphonenumber accepts as valid."""
    numbers = []
    for pattern in PHONE_PATTERNS[country]:
        width = 2 if "{:02d}" in pattern else 1
        for digits in range(10**width):
            number = pattern.format(digits)
            if number.startswith("+467017406") and digits < 5:
                continue  # the reserved range is 070-174 06 05 … 070-174 06 99
            if phonenumbers.is_valid_number(phonenumbers.parse(number)):
                numbers.append(number)
    return numbers


def join_items(items, language):
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {AND[language]} {items[-1]}"


def lower_first(text):
    """'Stainless steel' → 'stainless steel' inside a list; 'CNC turning' and 'ISO 9001' stay."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and not first[1:].islower():
        return text
    return text[:1].lower() + text[1:]


def translated(obj, field, language):
    return (
        getattr(obj, f"{field}_{language}", None)
        or getattr(obj, f"{field}_en", None)
        or getattr(obj, field)
    )


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


class _Slugs:
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


class DemoGenerator:
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
        self.clusters = list(Cluster.objects.select_related("region").order_by("pk"))
        self.clusters_by_country = {}
        for cluster in self.clusters:
            self.clusters_by_country.setdefault(cluster.country.code, []).append(cluster)

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
        self.certification_weights = {
            industry: list(itertools.accumulate(CERTIFICATION_WEIGHTS.get(c.kind, 1) for c in pool))
            for industry, pool in self.certification_pool.items()
        }
        self._cluster_weights = {}
        self._labels = {}

        self.languages = self._spoken_languages()
        self.country_names = {}
        for language in settings.LANGUAGE_CODES:
            with translation.override(language):
                for code in EXPORT_MARKETS:
                    self.country_names[language, code] = str(countries.name(code))

        self.company_slugs = _Slugs(Company)
        self.offer_slugs = _Slugs(CooperationOffer)
        self.job_slugs = _Slugs(JobPosting)
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

    # --- business identifiers --------------------------------------------------------------

    def _fi_business_id(self):
        while True:
            digits = f"{self.rng.randrange(100000, 3400000):07d}"
            remainder = (
                sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
            )
            if remainder == 1:
                continue
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"

    def _se_business_id(self):
        digits = f"{self.rng.choice(('556', '559'))}{self.rng.randrange(1000000):06d}"
        digits += luhn.calc_check_digit(digits)
        return f"{digits[:6]}-{digits[6:]}"

    def _pl_business_id(self):
        while True:
            digits = f"{self.rng.choice(PL_TAX_OFFICES)}{self.rng.randrange(10000000):07d}"[:9]
            check = (
                sum(int(d) * w for d, w in zip(digits, (6, 5, 7, 2, 3, 4, 5, 6, 7), strict=True))
                % 11
            )
            if check != 10:
                return nip.format(f"{digits}{check}")

    def _lt_business_id(self):
        digits = (
            f"30{self.rng.randrange(1000000):06d}"
            if self.rng.random() < 0.6
            else f"1{self.rng.randrange(10000000):07d}"
        )
        return digits + lt_vat.calc_check_digit(digits)

    def business_id(self, country):
        make = {
            "FI": self._fi_business_id,
            "SE": self._se_business_id,
            "PL": self._pl_business_id,
            "LT": self._lt_business_id,
        }[country]
        taken = self.business_ids[country]
        while True:
            value = make()
            if value not in taken:
                taken.add(value)
                return value

    def vat_number(self, country, business_id):
        digits = business_id.replace("-", "")
        if country == "FI":
            return f"FI{digits}"
        if country == "SE":
            return f"SE{digits}01"
        if country == "PL":
            return f"PL{digits}"
        # A Lithuanian VAT code is a number of its own: nine digits, the eighth always 1.
        vat = f"{self.rng.randrange(1000000):07d}1"
        return f"LT{vat}{lt_vat.calc_check_digit(vat)}"

    def phone(self, country):
        return self.rng.choice(self.phone_numbers[country])

    # --- names and addresses ---------------------------------------------------------------

    def company_name(self, country, language, industry, municipality, size_class):
        rng, faker = self.rng, self.fakers[language]
        words = NAME_WORDS[language][industry]
        brand = f"{rng.choice(BRAND_PREFIXES[language])} {rng.choice(BRAND_WORDS[industry])}"
        roll = rng.random()
        if country == "FI" and language == "fi":
            form = (
                "Ky"
                if size_class == Company.SizeClass.MICRO and rng.random() < 0.3
                else rng.choice(["Oy"] * 7 + ["Oy Ab"])
            )
            surname = faker.last_name()
            if roll < 0.3 and surname.endswith("nen"):
                return f"{surname[:-3]}sen {rng.choice(words)} {form}"
            if roll < 0.55:
                return f"{self._region_word(municipality, 'fi')} {rng.choice(words)} {form}"
            if roll < 0.8:
                return f"{rng.choice(words)} {surname} {form}"
            return f"{brand} {form}"
        if language == "sv":
            form = "AB" if country == "SE" else rng.choice(["Ab", "Oy Ab"])
            surname = faker.last_name()
            town = municipality.name_sv or municipality.name
            if roll < 0.25:
                return f"{surname}{'' if surname.endswith('s') else 's'} {rng.choice(words)} {form}"
            if roll < 0.45:
                return f"{town} {rng.choice(words)} {form}"
            if roll < 0.65:
                return f"{self._region_word(municipality, 'sv')} {rng.choice(words)} {form}"
            if roll < 0.75:
                return f"{surname} & Söner {form}"
            if form == "Oy Ab" and rng.random() < 0.5:
                return f"Oy {brand} Ab"
            return f"{brand} {form}"
        if language == "pl":
            if size_class in (Company.SizeClass.LARGE, Company.SizeClass.MEDIUM) and roll < 0.3:
                return f"{self._region_word(municipality, 'pl')} Zakłady {PL_WORKS_ADJECTIVES[industry]} S.A."
            surname = faker.last_name()
            if roll < 0.45:
                return f"{rng.choice(words)} {surname} Sp. z o.o."
            if roll < 0.55:
                return f"{surname} i Wspólnicy Sp.j."
            if roll < 0.85:
                brand_name = (
                    f"{rng.choice(PL_BRAND_ROOTS[industry])}{rng.choice(PL_BRAND_SUFFIXES)}"
                )
                return f"{brand_name} Sp. z o.o."
            return f"{brand} Sp. z o.o."
        # Lithuanian
        form = "AB" if size_class == Company.SizeClass.LARGE else "UAB"
        word = rng.choice(words)
        if roll < 0.4:
            return f"{form} {self._region_word(municipality, 'lt')} {word}"
        if roll < 0.6:
            return f"{form} {word[:1].upper()}{word[1:]}"
        if roll < 0.85:
            return f"{form} {rng.choice(LT_BRAND_ROOTS[industry])}{rng.choice(LT_BRAND_SUFFIXES)}"
        return f"{form} {brand}"

    def _region_word(self, municipality, language):
        """The region's name in the form a company name needs: Pohjanmaan, Västerbottens,
        Podlaskie, Alytaus; a general word when the region's name does not follow the rule."""
        name = (getattr(municipality.region, f"name_{language}", "") or "").strip()
        word = None
        if language == "fi":
            if name.endswith("maa"):
                word = f"{name}n"  # Pohjanmaa → Pohjanmaan
            elif name.endswith("Suomi"):
                word = f"{name[:-1]}en"  # Keski-Suomi → Keski-Suomen
        elif language == "sv" and name:
            if name.endswith(" län"):
                word = name.removesuffix(" län")  # Värmlands län → Värmlands
            elif not name.endswith(("s", "x", "z")) and " " not in name.removeprefix(
                "Mellersta "
            ).removeprefix("Norra ").removeprefix("Södra "):
                word = f"{name}s"  # Österbotten → Österbottens
        elif language == "pl" and name.lower().startswith("województwo "):
            adjective = name.split(" ", 1)[1]  # województwo warmińsko-mazurskie
            word = "-".join(part[:1].upper() + part[1:] for part in adjective.split("-"))
        elif language == "lt" and name.endswith(" apskritis"):
            word = name.removesuffix(" apskritis")  # Alytaus apskritis → Alytaus
        if word and self.rng.random() < 0.8:
            return word
        return self.rng.choice(REGION_WORDS[language])

    def address(self, country, language):
        rng, faker = self.rng, self.fakers[language]
        number = rng.randrange(1, 120)
        if language == "lt":
            street = rng.choice(INDUSTRIAL_STREETS["lt"] if rng.random() < 0.5 else LT_STREETS)
            return f"{street} {number}", f"LT-{rng.randrange(10000, 99999)}"
        street = (
            rng.choice(INDUSTRIAL_STREETS[language]) if rng.random() < 0.5 else faker.street_name()
        )
        if language == "pl":
            if not street.startswith(("ul.", "al.", "pl.")):
                street = f"ul. {street}"
            return f"{street} {number}", faker.postcode()
        postcode = f"{rng.randrange(10000, 99999)}"
        if country == "SE":
            postcode = f"{postcode[:3]} {postcode[3:]}"
        return f"{street} {number}", postcode

    # --- descriptions ----------------------------------------------------------------------

    def description(
        self,
        language,
        name,
        industry,
        municipality,
        founded,
        employees,
        capabilities,
        materials,
        certifications,
        markets,
    ):
        phrases = PHRASES[language]
        place = self._place(municipality, language)
        first = [
            self.rng.choice(INTRO[language][industry]).format(name=name),
            phrases["location"].format(place=place),
            phrases["founded"].format(year=founded),
            phrases["staff"].format(n=employees),
        ]
        second = [
            phrases["capabilities"].format(
                items=join_items([self._label(c, language) for c in capabilities], language)
            )
        ]
        if materials:
            second.append(
                phrases["materials"].format(
                    items=join_items([self._label(m, language) for m in materials], language)
                )
            )
        if certifications:
            second.append(
                phrases["certifications"].format(
                    items=join_items(
                        [self._certificate_label(c, language) for c in certifications], language
                    )
                )
            )
        if markets:
            second.append(
                phrases["export"].format(
                    items=join_items(
                        [self.country_names[language, code] for code in markets], language
                    )
                )
            )
        second.append(phrases["closing"])
        return f"{' '.join(first)}\n\n{' '.join(second)}"

    # Texts of reference objects, memoised by (id(obj), language): the objects live as long as the
    # generator, and the same few hundred names are written into a million descriptions.

    def _label(self, obj, language):
        """A taxonomy name inside a list: lower_first(translated name)."""
        key = (id(obj), language)
        label = self._labels.get(key)
        if label is None:
            label = self._labels[key] = lower_first(translated(obj, "name", language))
        return label

    def _place(self, municipality, language):
        key = (id(municipality), language, "place")
        place = self._labels.get(key)
        if place is None:
            place = self._labels[key] = (
                f"{translated(municipality, 'name', language)}, "
                f"{translated(municipality.region, 'name', language)}"
            )
        return place

    def _certificate_label(self, certification, language):
        key = (id(certification), language, "certificate")
        label = self._labels.get(key)
        if label is None:
            name = translated(certification, "name", language)
            if not name or len(name) > 45 or certification.code.lower() in name.lower():
                label = certification.code
            else:
                label = f"{certification.code} ({name})"
            self._labels[key] = label
        return label

    # --- one company -----------------------------------------------------------------------

    def _weighted_size(self):
        roll = self.rng.uniform(0, sum(weight for _c, weight, _lo, _hi in SIZE_CLASSES))
        for size_class, weight, low, high in SIZE_CLASSES:
            if roll < weight:
                return size_class, low, high
            roll -= weight
        return SIZE_CLASSES[-1][0], SIZE_CLASSES[-1][2], SIZE_CLASSES[-1][3]

    def _clusters_for(self, municipality, country):
        if not self.clusters or self.rng.random() < 0.08:
            return []
        home = self.clusters_by_country.get(country, [])
        if home and self.rng.random() < 0.92:
            # Clusters of the company's own region weigh three times as much.
            key = (country, municipality.region_id)
            weights = self._cluster_weights.get(key)
            if weights is None:
                weights = self._cluster_weights[key] = list(
                    itertools.accumulate(
                        3 if c.region_id == municipality.region_id else 1 for c in home
                    )
                )
            chosen = self.rng.choices(home, cum_weights=weights)[0]
        else:
            chosen = self.rng.choice(self.clusters)
        result = [chosen]
        if self.rng.random() < 0.12:
            other = self.rng.choice(home or self.clusters)
            if other != chosen:
                result.append(other)
        return result

    def _sample(self, pool, low, high):
        if not pool:
            return []
        count = min(len(pool), self.rng.randint(low, high))
        # The pools are in primary key order: sampling positions picks the same objects as
        # sampling the pool, and sorting positions sorts them by key.
        return [pool[i] for i in sorted(self.rng.sample(range(len(pool)), count))]

    def _certifications(self, industry, most):
        """Up to ``most`` certifications; management systems (ISO 9001, ISO 14001) are the most common."""
        pool = self.certification_pool[industry]
        wanted = min(len(pool), self.rng.randint(0, most))
        weights = self.certification_weights[industry]
        positions = range(len(pool))
        chosen = set()
        while len(chosen) < wanted:
            chosen.add(self.rng.choices(positions, cum_weights=weights)[0])
        return [pool[i] for i in sorted(chosen)]

    def _date_between(self, first, last):
        return first + datetime.timedelta(days=self.rng.randrange((last - first).days + 1))

    def make_company(self):
        rng = self.rng
        municipality = rng.choice(self.municipalities)
        country = municipality.region.country.code
        language = COUNTRY_LANGUAGE[country]
        if (
            country == "FI"
            and municipality.name_sv
            and municipality.name_sv != municipality.name_fi
        ):
            # Swedish-speaking firms: common in the bilingual Ostrobothnian towns, rare elsewhere.
            if rng.random() < (
                0.35 if municipality.region.slug in SWEDISH_SPEAKING_REGIONS else 0.03
            ):
                language = "sv"
        clusters = self._clusters_for(municipality, country)
        industry = (
            CLUSTER_INDUSTRY.get(clusters[0].sector, "metal")
            if clusters
            else rng.choice(INDUSTRIES)
        )

        size_class, low, high = self._weighted_size()
        employees = rng.randint(max(low, 2), high)
        name = self.company_name(country, language, industry, municipality, size_class)
        slug = self.company_slugs.make(name)
        domain = slug.removesuffix(DEMO_SLUG_SUFFIX)[:55].strip("-")
        street, postal_code = self.address(country, language)
        founded = min(self.today.year - 1, int(self.today.year - 1 - rng.triangular(0, 100, 8)))
        business_id = self.business_id(country)

        capabilities = self._sample(self.capability_pool[industry], 2, 8)
        materials = self._sample(self.material_pool[industry], 1, 4)
        certifications = self._certifications(
            industry, 3 if size_class != Company.SizeClass.MICRO else 1
        )
        sectors = self._sample(self.sector_pool[industry], 1, 2)
        markets = sorted(rng.sample([c for c in EXPORT_MARKETS if c != country], rng.randint(0, 4)))
        spoken = {language, "en"} if rng.random() < 0.92 else {language}
        if country == "FI" and language == "sv":
            spoken.add("fi")
        if rng.random() < 0.35:
            spoken.add(rng.choice(EXTRA_LANGUAGES[country]))

        values = {
            "name": name,
            "slug": slug,
            "country": country,
            "business_id": business_id,
            "vat_number": self.vat_number(country, business_id) if rng.random() < 0.45 else "",
            "street_address": street,
            "postal_code": postal_code,
            "municipality_id": municipality.pk,
            "website": f"https://{domain}.example",
            "email": f"info@{domain}.example",
            "phone": self.phone(country),
            "founded": founded,
            "employees": employees,
            "size_class": size_class_for(employees),
            "export_markets": markets,
            "is_published": rng.random() < 0.98,
        }
        if municipality.latitude is not None and municipality.longitude is not None:
            values["latitude"] = (
                municipality.latitude + Decimal(rng.randint(-3000, 3000)) / 100000
            ).quantize(Decimal("0.00001"))
            values["longitude"] = (
                municipality.longitude + Decimal(rng.randint(-6000, 6000)) / 100000
            ).quantize(Decimal("0.00001"))
        if rng.random() < 0.88:
            days = rng.randrange(0, 365) if rng.random() < 0.8 else rng.randrange(366, 1100)
            values["confirmed_at"] = datetime.datetime.combine(
                self.today - datetime.timedelta(days=days),
                datetime.time(rng.randrange(7, 18), rng.randrange(60)),
                datetime.UTC,
            )
        for text_language in sorted({language, "en"}):
            values[f"description_{text_language}"] = self.description(
                text_language,
                name,
                industry,
                municipality,
                founded,
                employees,
                capabilities,
                materials,
                certifications,
                markets,
            )
        return Row(
            values,
            {
                "country": country,
                "municipality": municipality,
                "language": language,
                "industry": industry,
                "clusters": clusters,
                "capabilities": capabilities,
                "materials": materials,
                "certifications": certifications,
                "sectors": sectors,
                "languages": [self.languages[code] for code in sorted(spoken)],
            },
        )

    # --- offers and jobs -------------------------------------------------------------------

    def make_offer(self, company, expired):
        rng, demo = self.rng, company.extra
        category, direction = rng.choices(
            [(c, d) for c, d, _w in OFFER_KINDS], weights=[w for *_cd, w in OFFER_KINDS]
        )[0]
        capabilities = demo["capabilities"][: rng.randint(1, 3)]
        materials = demo["materials"][:2]
        focus = (
            materials[0]
            if category == CooperationOffer.Category.SUPPLY and materials
            else capabilities[0]
        )
        if expired:
            valid_until = self.today - datetime.timedelta(days=rng.randrange(1, 180))
            valid_from = valid_until - datetime.timedelta(days=rng.randrange(30, 180))
        else:
            valid_from = self.today - datetime.timedelta(days=rng.randrange(0, 120))
            valid_until = self.today + datetime.timedelta(days=rng.randrange(14, 240))
        values = {
            "direction": direction,
            "category": category,
            "company_id": company,
            "cluster_id": demo["clusters"][0].pk if demo["clusters"] else None,
            "target_countries": sorted(
                rng.sample([c for c in EXPORT_MARKETS if c != demo["country"]], rng.randint(0, 3))
            ),
            "valid_from": valid_from,
            "valid_until": valid_until,
            "status": ModerationStatus.PUBLISHED,
            "submitter_language": demo["language"],
        }
        company_name = company.values["name"]
        for language in sorted({demo["language"], "en"}):
            texts = OFFER_TEXTS[language]
            values[f"title_{language}"] = OFFER_TITLES[language][category].format(
                item=translated(focus, "name", language)
            )
            body = [
                texts[
                    "offer" if direction == CooperationOffer.Direction.OFFER else "request"
                ].format(company=company_name),
                texts["processes"].format(
                    items=join_items(
                        (lower_first(translated(c, "name", language)) for c in capabilities),
                        language,
                    )
                ),
            ]
            if materials:
                body.append(
                    texts["materials"].format(
                        items=join_items(
                            (lower_first(translated(m, "name", language)) for m in materials),
                            language,
                        )
                    )
                )
            body.append(
                texts[
                    "offer_end" if direction == CooperationOffer.Direction.OFFER else "request_end"
                ]
            )
            values[f"description_{language}"] = " ".join(body)
        values["slug"] = self.offer_slugs.make(values["title_en"])
        return Row(values, {"capabilities": capabilities, "materials": materials})

    def _profession(self, industry):
        return self.rng.choice(PROFESSIONS[industry] + PROFESSIONS["any"])

    def _manage_token(self):
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def make_job_offer(self, company, expired):
        rng, demo = self.rng, company.extra
        profession = self._profession(demo["industry"])
        contract = rng.choices(list(CONTRACTS), weights=[6, 2, 1, 1, 1])[0]
        expires_on = self.today + datetime.timedelta(
            days=-rng.randrange(1, 120) if expired else rng.randrange(7, 90)
        )
        company_name, municipality = company.values["name"], demo["municipality"]
        values = {
            "kind": JobPosting.Kind.OFFER,
            "profession": profession["en"],
            "company_id": company,
            "municipality_id": municipality.pk,
            "contract_type": contract,
            "expires_on": expires_on,
            "contact_name": self._person_name(demo["language"]),
            "contact_email": f"jobs@{company.values['email'].split('@', 1)[1]}",
            "poster_language": demo["language"],
            "status": ModerationStatus.PUBLISHED,
            "manage_token": self._manage_token(),
        }
        for language in sorted({demo["language"], "en"}):
            values[f"title_{language}"] = profession[language]
            values[f"description_{language}"] = JOB_OFFER_TEXT[language].format(
                company=company_name,
                profession=lower_first(profession[language]),
                town=translated(municipality, "name", language),
                contract=CONTRACTS[contract][language],
                date=format_date(expires_on, language),
            )
        values["slug"] = self.job_slugs.make(f"{profession['en']} {company_name}")
        return Row(values, {"languages": demo["languages"]})

    def _person_name(self, language):
        faker = self.fakers[language]
        return f"{faker.first_name()} {faker.last_name()}"

    def make_job_wanted(self):
        rng = self.rng
        municipality = rng.choice(self.municipalities)
        country = municipality.region.country.code
        language = COUNTRY_LANGUAGE[country] if rng.random() < 0.8 else "en"
        first, last = self.fakers[language].first_name(), self.fakers[language].last_name()
        profession = self._profession(rng.choice(INDUSTRIES))
        years = rng.randint(5, 20)
        values = {
            "kind": JobPosting.Kind.WANTED,
            "profession": profession["en"],
            "municipality_id": municipality.pk,
            "contract_type": rng.choice(
                [JobPosting.ContractType.PERMANENT, JobPosting.ContractType.FIXED_TERM, ""]
            ),
            "expires_on": self.today + datetime.timedelta(days=rng.randrange(-30, 90)),
            "contact_name": f"{first} {last}",
            "contact_email": f"{ascii_slug(first)}.{ascii_slug(last)}@example.org",
            "poster_language": language,
            "consent_at": datetime.datetime.combine(
                self.today - datetime.timedelta(days=rng.randrange(1, 60)),
                datetime.time(12),
                datetime.UTC,
            ),
            "status": ModerationStatus.PUBLISHED,
            "manage_token": self._manage_token(),
        }
        for text_language in sorted({language, "en"}):
            town = translated(municipality, "name", text_language)
            values[f"title_{text_language}"] = JOB_WANTED_TITLE[text_language].format(
                profession=profession[text_language]
            )
            values[f"description_{text_language}"] = JOB_WANTED_TEXT[text_language].format(
                profession=lower_first(profession[text_language]), town=town, years=years
            )
        values["slug"] = self.job_slugs.make(values["title_en"])
        return Row(
            values, {"languages": [self.languages[code] for code in sorted({language, "en"})]}
        )

    # --- writing ---------------------------------------------------------------------------

    def generate(self, count):
        """Create ``count`` companies with their relations. Returns a dict of row counts."""
        self.load_reference_data()
        writer = _CopyWriter(self.timings) if self.use_copy else _OrmWriter(self.timings)
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
        jobs += [self.make_job_wanted() for _ in range(max(1, round(size / 250)))]
        return _Batch(companies, memberships, certificates, offers, jobs)


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


class _Batch:
    __slots__ = ("companies", "memberships", "certificates", "offers", "jobs")

    def __init__(self, companies, memberships, certificates, offers, jobs):
        self.companies = companies
        self.memberships = memberships
        self.certificates = certificates
        self.offers = offers
        self.jobs = jobs


# Many-to-many fields the writers fill: (model, field name, key of Row.extra with the objects).
_LINKS = [
    (Company, "capabilities", "capabilities"),
    (Company, "materials", "materials"),
    (Company, "sectors", "sectors"),
    (Company, "languages", "languages"),
    (CooperationOffer, "capabilities", "capabilities"),
    (CooperationOffer, "materials", "materials"),
    (JobPosting, "languages", "languages"),
]


def _link_pairs(rows, key):
    return [(row.pk, obj.pk) for row in rows for obj in row.extra[key]]


class _OrmWriter:
    """Any database: bulk_create and multi-row INSERTs (SQLite, the zero-setup default), one
    transaction per batch."""

    def __init__(self, timings):
        self.timings = timings

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def write(self, batch):
        started = time.perf_counter()
        with transaction.atomic():
            self._write(batch)
        self.timings["write"] += time.perf_counter() - started

    def _write(self, batch):
        rows_of = {Company: batch.companies, CooperationOffer: batch.offers, JobPosting: batch.jobs}
        _create(Company, batch.companies, 500)
        for model, field, key in _LINKS[:4]:
            _bulk_through(model, field, _link_pairs(rows_of[model], key))
        _create(Membership, batch.memberships, 1000)
        _create(CompanyCertificate, batch.certificates, 1000)
        _create(CooperationOffer, batch.offers, 500)
        for model, field, key in _LINKS[4:6]:
            _bulk_through(model, field, _link_pairs(rows_of[model], key))
        _create(JobPosting, batch.jobs, 500)
        for model, field, key in _LINKS[6:]:
            _bulk_through(model, field, _link_pairs(rows_of[model], key))


def _create(model, rows, batch_size):
    objects = [
        model(
            **{
                name: value.pk if type(value) is Row else value
                for name, value in row.values.items()
            }
        )
        for row in rows
    ]
    model._default_manager.bulk_create(objects, batch_size=batch_size)
    for row, obj in zip(rows, objects, strict=True):
        row.pk = obj.pk


def _bulk_through(model, field_name, pairs, rows_per_statement=400):
    """Insert many-to-many rows (left pk, right pk) straight into the field's table.

    Multi-row INSERT statements instead of model instances: building a hundred thousand
    through-model objects would cost more than the whole insert."""
    field = model._meta.get_field(field_name)
    table = field.m2m_db_table()
    quote = connection.ops.quote_name
    columns = f"{quote(field.m2m_column_name())}, {quote(field.m2m_reverse_name())}"
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), rows_per_statement):
            chunk = pairs[start : start + rows_per_statement]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {quote(table)} ({columns}) VALUES {values}",
                [value for pair in chunk for value in pair],
            )


# --- PostgreSQL: COPY ------------------------------------------------------------------------


def copy_escape(text: str) -> str:
    """A string as a field of COPY's text format: backslash, tab, newline and CR escaped."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def copy_text(value) -> str:
    """A database value (what ``Field.get_db_prep_save`` returns) as a field of COPY's text
    format; backslash-N for NULL. A Row stands for its primary key."""
    kind = type(value)
    if kind is str:
        return copy_escape(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is Row:
        return str(value.pk)
    if kind is datetime.date or kind is datetime.datetime:
        return value.isoformat()
    if kind is Decimal:
        return format(value, "f")
    if kind is uuid.UUID:
        return str(value)
    if isinstance(value, str):  # a TextChoices member
        return copy_escape(str.__str__(value))
    if isinstance(value, int):
        return int.__repr__(value)
    raise TypeError(f"No COPY text form for {value!r}.")


# Fields whose database value is the Python value itself (Django's own classes, no descriptor
# that converts on assignment): their values go to COPY as they are. Other fields (a country, a
# phone number, a file) are converted by the field itself, once per distinct value.
_PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallAutoField",
    "SmallIntegerField",
    "TextField",
    "URLField",
    "UUIDField",
}
_SAVE_METHODS = ("pre_save", "get_db_prep_save", "get_db_prep_value", "get_prep_value")
_MISSING = object()


def _is_plain(field):
    cls = type(field)
    return (
        field.get_internal_type() in _PLAIN_TYPES
        and issubclass(cls.descriptor_class, DeferredAttribute)
        and all(getattr(cls, name).__module__.startswith("django.db.") for name in _SAVE_METHODS)
    )


class _Attributes:
    """Stands in for a model instance when a modeltranslation descriptor reads the row's values."""


class _CopyTable:
    """COPY lines of one model's rows with the column values ``bulk_create`` would write:
    defaults for the fields a row leaves out, ``auto_now`` timestamps, a translated field's own
    column as modeltranslation fills it (the active language's text, or its fallback)."""

    def __init__(self, model, db, *, with_pk=True):
        meta = model._meta
        quote = db.ops.quote_name
        self.model = model
        self.db = db
        fields = [f for f in meta.local_concrete_fields if with_pk or not f.primary_key]
        self.sql = (
            f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
        )
        self.table = meta.db_table
        self.now_text = ""
        # The existing rows the copied rows refer to: {(table, column): {value, …}} (not the rows
        # of this load, which refer to each other as Row objects).
        self.referenced = {}
        self.columns = [self._column(field) for field in fields]

    def _column(self, field):
        """A function from a Row to the field's COPY text."""
        model = self.model
        if field.primary_key:
            return lambda row: str(row.pk)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return lambda row: self.now_text
        convert = copy_text if _is_plain(field) else _prepared(model, field, self.db)
        descriptor = inspect.getattr_static(model, field.attname, None)
        if isinstance(descriptor, TranslationFieldDescriptor):
            # The untranslated column: what getattr(instance, "title") gives in the active language.
            def translated_column(row):
                holder = _Attributes()
                holder.__dict__ = row.values
                return convert(descriptor.__get__(holder, model))

            return translated_column
        attname = field.attname
        if field.is_relation:
            target = (field.related_model._meta.db_table, field.target_field.column)
            referenced = self.referenced.setdefault(target, set())

            def foreign_key_column(row):
                value = row.values.get(attname, _MISSING)
                if value is _MISSING:
                    value = field.get_default()
                elif value is not None and type(value) is not Row:
                    referenced.add(value)
                return convert(value)

            return foreign_key_column
        if field.has_default() and callable(field.default):  # uuid4, date.today: one per row

            def column_with_default(row):
                value = row.values.get(attname, _MISSING)
                return convert(field.get_default() if value is _MISSING else value)

            return column_with_default
        default = field.get_default()
        return lambda row: convert(row.values.get(attname, default))

    def copy(self, cursor, rows, now):
        if not rows:
            return
        self.now_text = now.isoformat()
        columns = self.columns
        _copy(cursor, self.sql, ["\t".join([column(row) for column in columns]) for row in rows])


def _prepared(model, field, db):
    """Convert values with the field's own machinery, as saving an instance would; memoised, the
    values of such fields (countries, phone numbers) come from small sets."""
    cache = {}

    def convert(value):
        key = tuple(value) if type(value) is list else value
        try:
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable
            key = _MISSING
        # An instance holding only this value: the field's descriptor converts it on assignment
        # (a country code to a Country), pre_save and get_db_prep_save as bulk_create calls them.
        instance = model.__new__(model)
        instance._state = models.base.ModelState()
        setattr(instance, field.attname, value)
        text = copy_text(field.get_db_prep_save(field.pre_save(instance, True), db))
        if key is not _MISSING and len(cache) < 100_000:
            cache[key] = text
        return text

    return convert


def _copy(cursor, sql, lines):
    data = "\n".join(lines).encode() + b"\n"
    cursor.copy_expert(sql, io.BytesIO(data), size=len(data))


class _CopyWriter:
    """PostgreSQL: every table filled with ``COPY … FROM STDIN`` (psycopg2's copy_expert); the
    keys of companies, offers and job posts are taken from their sequences first, so that the
    rows that refer to them are written without reading anything back.

    A batch is written by a second thread while the main thread generates the next one: the
    writer spends most of its time waiting for PostgreSQL (psycopg2 releases the GIL meanwhile),
    so the database's work overlaps Python's. At most one batch is being written and one
    generated. The thread uses the connection of the thread that made the writer (it is idle
    meanwhile): inside the caller's transaction if there is one, otherwise one transaction per
    batch.

    Foreign keys: PostgreSQL checks each inserted row's references with a trigger, a third of
    its work here. When the session may skip triggers (``session_replication_role = replica``:
    a superuser, or one granted that setting) and the tables have no other trigger or rule, the
    writer skips them and checks each batch's references itself, one query per referenced table:
    the existing rows referred to (towns, clusters, the taxonomy) must be there, and are locked
    FOR KEY SHARE until the commit, as the triggers would lock them; the batch's own companies,
    offers and job posts are inserted in the same transaction. Unique and check constraints are
    enforced as always."""

    def __init__(self, timings):
        self.timings = timings
        self.db = connections[DEFAULT_DB_ALIAS]
        self.companies = _CopyTable(Company, self.db)
        self.memberships = _CopyTable(Membership, self.db, with_pk=False)
        self.certificates = _CopyTable(CompanyCertificate, self.db, with_pk=False)
        self.offers = _CopyTable(CooperationOffer, self.db)
        self.jobs = _CopyTable(JobPosting, self.db)
        self.tables = [self.companies, self.memberships, self.certificates, self.offers, self.jobs]
        quote = self.db.ops.quote_name
        self.links = []
        for model, name, key in _LINKS:
            field = model._meta.get_field(name)
            columns = f"{quote(field.m2m_column_name())}, {quote(field.m2m_reverse_name())}"
            target = field.remote_field.through._meta.get_field(field.m2m_reverse_field_name())
            self.links.append(
                (
                    model,
                    key,
                    f"COPY {quote(field.m2m_db_table())} ({columns}) FROM STDIN",
                    (target.related_model._meta.db_table, target.target_field.column),
                )
            )
        self.all_tables = [table.model._meta.db_table for table in self.tables] + [
            model._meta.get_field(name).m2m_db_table() for model, name, _key in _LINKS
        ]
        self.executor = None
        self.pending = None
        self.checks_references = False

    def __enter__(self):
        self.db.ensure_connection()
        self.raw = self.db.connection
        # In autocommit mode each batch is its own transaction; inside the caller's transaction
        # (a test, an atomic block) the batches are part of it.
        self.own_transactions = self.db.get_autocommit()
        self.checks_references = self._may_check_references_itself()
        with self.db.cursor() as cursor:
            sequences = []
            for table in (self.companies, self.offers, self.jobs):
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)",
                    [self.db.ops.quote_name(table.table), table.model._meta.pk.column],
                )
                sequences.append(cursor.fetchone()[0])
            cursor.execute("SHOW session_replication_role")
            self.role = cursor.fetchone()[0]
        self.sequences = sequences
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="seed-demo-copy"
        )
        return self

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                self._wait()
            elif self.pending is not None:
                concurrent.futures.wait([self.pending])  # never leave it using the connection
        finally:
            self.executor.shutdown(wait=True)
        if exc_type is None:
            # Fresh planner statistics for what reads the tables next (the directory's rebuild)
            # rather than autovacuum's, some time later.
            quote = self.db.ops.quote_name
            with self.db.cursor() as cursor:
                for table in self.all_tables:
                    cursor.execute(f"ANALYZE {quote(table)}")
        return False

    def _may_check_references_itself(self):
        """Whether batches may check their foreign keys themselves, once per batch, instead of by
        PostgreSQL's per-row triggers (a third of the database's work): the session must be
        allowed to set session_replication_role to replica, which skips triggers and rules, and
        the tables must have no trigger but foreign keys' and no rule, so that nothing else is
        skipped."""
        quote = self.db.ops.quote_name
        tables = [quote(table) for table in self.all_tables]
        with self.db.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('is_superuser') = 'on', "
                "current_setting('server_version_num')::int"
            )
            allowed, version = cursor.fetchone()
            if not allowed and version >= 150000:
                cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
                allowed = cursor.fetchone()[0]
            if not allowed:
                return False
            cursor.execute(
                "SELECT count(*) FROM pg_trigger t LEFT JOIN pg_constraint c ON c.oid = t.tgconstraint "
                "WHERE t.tgrelid = ANY(%s::regclass[]) AND c.contype IS DISTINCT FROM 'f'",
                [tables],
            )
            if cursor.fetchone()[0]:
                return False
            cursor.execute(
                "SELECT count(*) FROM pg_rewrite WHERE ev_class = ANY(%s::regclass[])", [tables]
            )
            return cursor.fetchone()[0] == 0

    def write(self, batch):
        self._wait()
        # The untranslated columns hold the caller's language's texts (the thread has its own).
        self.pending = self.executor.submit(self._write, batch, translation.get_language())

    def _wait(self):
        pending, self.pending = self.pending, None
        if pending is not None:
            started = time.perf_counter()
            pending.result()  # the writer's exception, if any
            self.timings["wait"] += time.perf_counter() - started

    def _write(self, batch, language):
        started = time.perf_counter()
        with self.db.wrap_database_errors:  # psycopg2's errors as Django's
            self._write_batch(batch, language)
        self.timings["write"] += time.perf_counter() - started

    def _write_batch(self, batch, language):
        # Few round trips per batch: the thread waits for the GIL after each.
        cursor = self.raw.cursor()
        try:
            setup = []
            if self.own_transactions:
                # Not waiting for each batch's WAL flush: a crash may lose the last batches,
                # never half of one.
                setup += ["BEGIN", "SET LOCAL synchronous_commit TO off"]
            if self.checks_references:
                setup.append("SET LOCAL session_replication_role = replica")
            if setup:
                cursor.execute("; ".join(setup))
            try:
                with translation.override(language):
                    self._copy_batch(cursor, batch)
            finally:
                if self.checks_references and not self.own_transactions:
                    # The caller's transaction goes on: its triggers fire again.
                    with contextlib.suppress(Exception):
                        cursor.execute(
                            "SELECT set_config('session_replication_role', %s, true)", [self.role]
                        )
            if self.own_transactions:
                cursor.execute("COMMIT")
        except BaseException:
            if self.own_transactions and not self.raw.closed:
                with contextlib.suppress(Exception):
                    cursor.execute("ROLLBACK")
            raise
        finally:
            cursor.close()

    def _copy_batch(self, cursor, batch):
        now = timezone.now()
        rows_of = {Company: batch.companies, CooperationOffer: batch.offers, JobPosting: batch.jobs}
        for table in self.tables:
            for ids in table.referenced.values():
                ids.clear()
        # Keys for the batch's companies, offers and job posts from their sequences, in one query.
        keyed = (batch.companies, batch.offers, batch.jobs)
        cursor.execute(
            "SELECT "
            + ", ".join(["ARRAY(SELECT nextval(%s::regclass) FROM generate_series(1, %s))"] * 3),
            [
                value
                for sequence, rows in zip(self.sequences, keyed, strict=True)
                for value in (sequence, len(rows))
            ],
        )
        for rows, keys in zip(keyed, cursor.fetchone(), strict=True):
            for row, pk in zip(rows, keys, strict=True):
                row.pk = pk
        self.companies.copy(cursor, batch.companies, now)
        self.memberships.copy(cursor, batch.memberships, now)
        self.certificates.copy(cursor, batch.certificates, now)
        self.offers.copy(cursor, batch.offers, now)
        self.jobs.copy(cursor, batch.jobs, now)
        referenced = {}
        for model, key, sql, target in self.links:
            pairs = _link_pairs(rows_of[model], key)
            if pairs:
                _copy(cursor, sql, [f"{left}\t{right}" for left, right in pairs])
                referenced.setdefault(target, set()).update(right for _left, right in pairs)
        if self.checks_references:
            for table in self.tables:
                for target, ids in table.referenced.items():
                    referenced.setdefault(target, set()).update(ids)
            self._lock_referenced(cursor, referenced)

    def _lock_referenced(self, cursor, referenced):
        """What the foreign key triggers would have done, for the whole batch in one query: the
        rows referred to must exist, and are locked against deletion until the commit."""
        quote = self.db.ops.quote_name
        targets = sorted((target, sorted(ids)) for target, ids in referenced.items() if ids)
        if not targets:
            return
        parts, params = [], []
        for n, ((table, column), ids) in enumerate(targets):
            parts.append(
                f"t{n} AS (SELECT {quote(column)} AS pk FROM {quote(table)} "
                f"WHERE {quote(column)} = ANY(%s) FOR KEY SHARE)"
            )
            params.append(ids)
        found = " UNION ALL ".join(f"SELECT {n}, pk FROM t{n}" for n in range(len(targets)))
        cursor.execute(f"WITH {', '.join(parts)} {found}", params)
        existing = collections.defaultdict(set)
        for n, pk in cursor.fetchall():
            existing[n].add(pk)
        for n, ((table, _column), ids) in enumerate(targets):
            missing = set(ids) - existing[n]
            if missing:
                raise IntegrityError(
                    f"The demo rows refer to rows of {table} that do not exist: "
                    f"{', '.join(map(str, sorted(missing)[:10]))}."
                )


# --- Deleting --------------------------------------------------------------------------------


def demo_companies():
    return Company.objects.filter(slug__endswith=DEMO_SLUG_SUFFIX)


def delete_demo_data():
    """Delete what the generator made (slugs ending in -demo) with everything that belongs to it.
    Returns the number of companies deleted.

    A few set-based statements, without loading the rows or sending signals (as many rows as
    the generator writes; the caller rebuilds the directory afterwards); the ORM's delete()
    when the rows are protected (see _delete_plan)."""
    wanted = JobPosting.objects.filter(kind=JobPosting.Kind.WANTED, slug__endswith=DEMO_SLUG_SUFFIX)
    with transaction.atomic():
        plans = [_delete_plan(wanted), _delete_plan(demo_companies())]
        if None not in plans:
            return [_run_delete_plan(plan) for plan in plans][-1]
        for plan in plans:
            if plan:
                _run_delete_plan(plan[-1:])  # drop its table of keys
    deleted = 0
    ids = list(demo_companies().values_list("pk", flat=True))
    with transaction.atomic():
        wanted.delete()
        for start in range(0, len(ids), 2000):
            deleted += (
                Company.objects.filter(pk__in=ids[start : start + 2000])
                .delete()[1]
                .get(Company._meta.label, 0)
            )
    return deleted


_DELETE_DEPTH = 6


def _delete_plan(queryset):
    """The SQL statements that delete the queryset's rows and, before them, what refers to them,
    one statement per table, as Django's Collector would (CASCADE deletes, SET_NULL clears,
    DO_NOTHING leaves alone) without loading a row. None when the ORM must do it: a PROTECT or
    RESTRICT that a row would hit, another on_delete, a chain deeper than _DELETE_DEPTH."""
    quote = connection.ops.quote_name
    model = queryset.model
    table = f"demo_delete_{model._meta.model_name}"
    select, params = queryset.values_list("pk").query.sql_with_params()
    statements = [
        (f"CREATE TEMPORARY TABLE {table} (pk {model._meta.pk.rel_db_type(connection)})", []),
        (f"INSERT INTO {table} (pk) {select}", params),
        (f"ANALYZE {table}", []),
    ]
    condition = f"{quote(model._meta.pk.column)} IN (SELECT pk FROM {table})"
    first = len(statements)
    with connection.cursor() as cursor:
        for sql, sql_params in statements:
            cursor.execute(sql, sql_params)
        possible = _plan_deletes(cursor, model, condition, statements, 0)
        if not possible:
            cursor.execute(f"DROP TABLE {table}")
            return None
    return [*statements[first:], (f"DROP TABLE {table}", [])]


def _plan_deletes(cursor, model, condition, statements, depth):
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if depth > _DELETE_DEPTH:
        return False
    for relation in get_candidate_relations_to_delete(model._meta):
        field = relation.field
        on_delete = field.remote_field.on_delete
        if on_delete is models.DO_NOTHING:
            continue
        related = relation.related_model
        related_table = quote(related._meta.db_table)
        target = quote(field.target_field.column)
        referring = (
            f"{quote(field.column)} IN (SELECT {table}.{target} FROM {table} WHERE {condition})"
        )
        if on_delete is models.CASCADE:
            if not _plan_deletes(cursor, related, referring, statements, depth + 1):
                return False
        elif on_delete is models.SET_NULL:
            statements.append(
                (f"UPDATE {related_table} SET {quote(field.column)} = NULL WHERE {referring}", [])
            )
        elif on_delete in (models.PROTECT, models.RESTRICT):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {related_table} WHERE {referring})")
            if cursor.fetchone()[0]:
                return False
        else:
            return False
    statements.append((f"DELETE FROM {table} WHERE {condition}", []))
    return True


def _run_delete_plan(statements):
    """Run the statements; returns the row count of the last DELETE (the rows asked for)."""
    count = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            if sql.startswith("DELETE "):
                count = cursor.rowcount
    return count
