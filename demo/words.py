"""What the generator draws words and choices from.

The word lists and text patterns are data, in the JSON files of ``fixtures/demo/`` (one per
topic, each table under its name in lower case), read once per process by ``load``. The few
tables that name the models' choices, and the countries, stay in code. Everything here is a plain
dict, list or set: the generator reads them in its inner loop.
"""

import functools
import json
from pathlib import Path

from django.conf import settings

from board.models import CooperationOffer
from clusters.emails import COUNTRY_LANGUAGES
from companies.models import Company

DATA_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"


@functools.cache
def load(name: str) -> dict:
    """The tables of ``fixtures/demo/<name>.json`` by name."""
    with (DATA_DIR / f"{name}.json").open(encoding="utf-8") as file:
        return json.load(file)


# --- In code ---------------------------------------------------------------------------------

SUPPORTED_COUNTRIES = tuple(COUNTRY_LANGUAGES)
FAKER_LOCALES = {"fi": "fi_FI", "sv": "sv_SE", "pl": "pl_PL", "lt": "lt_LT", "en": "en_GB"}
# Finnish regions with many Swedish-speaking firms (by region slug).
SWEDISH_SPEAKING_REGIONS = {"ostrobothnia", "central-ostrobothnia"}
INDUSTRIES = ("metal", "wood", "paper", "cleantech")
CLUSTER_INDUSTRY = {"metal": "metal", "wood": "wood", "paper": "paper", "cleantech": "cleantech"}

SIZE_CLASSES = [
    # (size class, weight, smallest headcount, largest headcount)
    (Company.SizeClass.MICRO, 45, 1, 9),
    (Company.SizeClass.SMALL, 35, 10, 49),
    (Company.SizeClass.MEDIUM, 15, 50, 249),
    (Company.SizeClass.LARGE, 5, 250, 2400),
]
OFFER_KINDS = [
    # (category, direction, weight)
    (CooperationOffer.Category.SUBCONTRACTING, CooperationOffer.Direction.OFFER, 4),
    (CooperationOffer.Category.CAPACITY, CooperationOffer.Direction.OFFER, 3),
    (CooperationOffer.Category.SUPPLY, CooperationOffer.Direction.OFFER, 2),
    (CooperationOffer.Category.PARTNER, CooperationOffer.Direction.REQUEST, 2),
    (CooperationOffer.Category.RESEARCH, CooperationOffer.Direction.REQUEST, 1),
]

# --- Company names (names.json) --------------------------------------------------------------

_names = load("names")
# Industry words as they appear in company names, per language and industry.
NAME_WORDS = _names["name_words"]
# English words for brand-style names ("Botnia Steel Oy"), common in all four countries, and
# the first words of such names per language.
BRAND_WORDS = _names["brand_words"]
BRAND_PREFIXES = _names["brand_prefixes"]
# Place words for names when the region's own name cannot be put in the right form.
REGION_WORDS = _names["region_words"]
# "… Zakłady Mechaniczne S.A." per industry; Polish and Lithuanian invented brands
# (root + suffix: "Stalpol", "Medita").
PL_WORKS_ADJECTIVES = _names["pl_works_adjectives"]
PL_BRAND_ROOTS = _names["pl_brand_roots"]
PL_BRAND_SUFFIXES = _names["pl_brand_suffixes"]
LT_BRAND_ROOTS = _names["lt_brand_roots"]
LT_BRAND_SUFFIXES = _names["lt_brand_suffixes"]

# --- Descriptions (descriptions.json) --------------------------------------------------------

_descriptions = load("descriptions")
# A description's first sentence per language and industry ("{name} is a …").
INTRO = _descriptions["intro"]
# One sentence or "label: list." line each, so that no word has to be inflected.
PHRASES = _descriptions["phrases"]
# The word before the last item of a list, per language.
AND = _descriptions["and"]

# --- Cooperation offers (offers.json) --------------------------------------------------------

_offers = load("offers")
# Titles per language and offer category ("{item}": a capability or material).
OFFER_TITLES = _offers["offer_titles"]
# The sentences of an offer's description per language.
OFFER_TEXTS = _offers["offer_texts"]

# --- Jobs (jobs.json) ------------------------------------------------------------------------

_jobs = load("jobs")
# Per industry ("any": every industry), each profession in the portal's languages.
PROFESSIONS = _jobs["professions"]
# Per contract type (JobPosting.ContractType's values, in the order that the weights in
# ContentMaker.make_job_offer follow), its name in the portal's languages.
CONTRACTS = _jobs["contracts"]
JOB_OFFER_TEXT = _jobs["job_offer_text"]
JOB_WANTED_TITLE = _jobs["job_wanted_title"]
JOB_WANTED_TEXT = _jobs["job_wanted_text"]
MONTHS_EN = _jobs["months_en"]

# --- Classification by industry (classification.json) ----------------------------------------

_classification = load("classification")
# Word beginnings in a capability's English name that tie it to an industry ("weld" matches
# "TIG welding"; at a word boundary, so "mill" does not match "Sawmilling").
CAPABILITY_KEYWORDS = _classification["capability_keywords"]
# NACE sections and divisions, material categories and certification kinds of each industry.
SECTOR_DIVISIONS = {k: set(v) for k, v in _classification["sector_divisions"].items()}
MATERIAL_CATEGORIES = {k: set(v) for k, v in _classification["material_categories"].items()}
CERTIFICATION_KINDS = {k: set(v) for k, v in _classification["certification_kinds"].items()}
# How much likelier a certification of the kind is than one of another kind (1).
CERTIFICATION_WEIGHTS = _classification["certification_weights"]
CERTIFICATION_BODIES = _classification["certification_bodies"]
# Word beginnings of the capabilities that work metal itself (machining, welding, cutting and
# forming sheet, casting, forging): every metal company has at least one of them.
METALWORKING_KEYWORDS = _classification["metalworking_keywords"]
# How much likelier a capability (by its English name) is than a rare one (1): laser cutting and
# MIG/MAG welding are what most subcontractors sell, gear cutting or EDM what few do.
CAPABILITY_WEIGHTS = _classification["capability_weights"]

# --- Where companies are and which clusters they join (clusters.json) --------------------------

_clusters = load("clusters")
# Per cluster (by slug), the towns its members come from: "home" (regions, towns, countries) and,
# where the seed describes cooperation across a border, "cross_border", which gives a minority of
# the members. A cluster not listed draws its members from its region, or else its country.
CLUSTER_AREAS = _clusters["cluster_areas"]
# The chance that a company of the cluster's industry in its home area joins it, that one in its
# cross-border area does, and that a member also joins another cluster of its home area.
MEMBERSHIP = _clusters["membership"]
# How many more companies a town of the region has than a town elsewhere (1): the seeds' regions.
REGION_WEIGHTS = _clusters["region_weights"]
# The industries of a region's (else its country's) companies, weighted.
INDUSTRY_WEIGHTS = _clusters["industry_weights"]

# --- Languages and markets (markets.json) ----------------------------------------------------

_markets = load("markets")
# Languages a company may do business in, with their names in the portal's languages.
LANGUAGE_NAMES = _markets["language_names"]
# Per country, the languages a company may speak besides its own and English.
EXTRA_LANGUAGES = _markets["extra_languages"]
EXPORT_MARKETS = _markets["export_markets"]

# --- Addresses, phones, tax offices (contacts.json) ------------------------------------------

_contacts = load("contacts")
INDUSTRIAL_STREETS = _contacts["industrial_streets"]
LT_STREETS = _contacts["lt_streets"]
# Fake numbers only: Sweden's numbers reserved for fiction (PTS), elsewhere libphonenumber's
# documented example numbers with their last two digits varied; all checked with phonenumbers.
PHONE_PATTERNS = _contacts["phone_patterns"]
# The tax office codes a Polish NIP begins with.
PL_TAX_OFFICES = _contacts["pl_tax_offices"]
