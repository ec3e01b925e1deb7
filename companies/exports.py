"""The directory and the profile in other formats: CSV, vCard, schema.org JSON-LD."""

import collections
import csv
import datetime
import json
from urllib.parse import urlencode

import vobject
from django.urls import reverse
from django.utils.translation import gettext as _
from django_countries.fields import Country

from . import engine
from .models import Company, CompanyCertificate, Membership

CSV_MAX_ROWS = 10_000
# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_PREFIXES) else text


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def csv_header():
    return [
        _("Name"),
        _("Business ID"),
        _("Town"),
        _("Country"),
        _("Website"),
        _("Capabilities"),
        _("Valid certifications"),
        _("Clusters"),
        _("Profile"),
    ]


def csv_rows(ids, vocabulary, absolute_url):
    """The CSV rows of the companies ``ids``, in that order: four plain queries for the lot, the
    names of towns, capabilities, certifications and clusters from the directory's vocabulary
    (already loaded, in the active language with its fallbacks) rather than one model object
    per related row."""
    companies = {
        row[0]: row
        for row in Company.objects.using(engine.read_alias())
        .published()
        .filter(pk__in=ids)
        .values_list("pk", "name", "business_id", "municipality_id", "country", "website", "slug")
    }
    capabilities = _related(
        Company.capabilities.through.objects.filter(company_id__in=ids), "capability_id"
    )
    certificates = _related(
        CompanyCertificate.objects.valid().filter(company_id__in=ids), "certification_id"
    )
    memberships = _related(Membership.objects.active().filter(company_id__in=ids), "cluster_id")
    # Names looked up once per value, not once per row (a translated attribute is costly).
    towns = {pk: str(town.name) for pk, town in vocabulary.objects("municipality").items()}
    capability_objects = vocabulary.objects("capability").items()
    capability_names = {pk: (c.path, str(c.name)) for pk, c in capability_objects}
    codes = {pk: c.code for pk, c in vocabulary.objects("certification").items()}
    clusters = {pk: str(c.name) for pk, c in vocabulary.objects("cluster").items()}  # published
    country_names = {}
    # Slugs are [-a-z0-9]: the profile address is the same pattern for every company.
    profile = absolute_url(reverse("companies:detail", kwargs={"slug": "slug-placeholder"}))
    for pk in ids:
        row = companies.get(pk)
        if row is None:
            continue
        _pk, name, business_id, town_id, country, website, slug = row
        if country not in country_names:
            country_names[country] = str(Country(code=country).name)
        held = sorted(capability_names[c] for c in capabilities[pk] if c in capability_names)
        yield [
            name,
            business_id,
            towns.get(str(town_id), ""),
            country_names[country],
            website,
            "; ".join(capability_name for _path, capability_name in held),
            "; ".join(sorted({codes[c] for c in certificates[pk] if c in codes})),
            "; ".join(clusters[c] for c in memberships[pk] if c in clusters),
            profile.replace("slug-placeholder", slug),
        ]


def _related(queryset, column):
    """{company id: [str(value id)]} of a relation (a default of [] for every company)."""
    found = collections.defaultdict(list)
    for company_id, value in (
        queryset.using(engine.read_alias()).order_by().values_list("company_id", column)
    ):
        found[company_id].append(str(value))
    return found


def csv_lines(ids, vocabulary, absolute_url, chunk_size=2000):
    """CSV lines of the companies ``ids``, in that order (a UTF-8 byte-order mark first so
    spreadsheets read the accents), loaded ``chunk_size`` at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(csv_header())
    for start in range(0, len(ids), chunk_size):
        for row in csv_rows(ids[start : start + chunk_size], vocabulary, absolute_url):
            yield writer.writerow([safe_cell(cell) for cell in row])


# --- vCard 3.0 (RFC 2426) --------------------------------------------------------------------


def vcard(company, profile_url) -> str:
    """The company's vCard; vobject escapes the values and folds the lines."""
    municipality = company.municipality
    card = vobject.vCard()
    card.add("fn").value = company.name
    card.add("org").value = [company.name]
    address = card.add("adr")
    address.type_param = "WORK"
    address.value = vobject.vcard.Address(
        street=company.street_address or "",
        city=str(municipality.name),
        region=str(municipality.region.name),
        code=company.postal_code or "",
        country=str(company.country.name),
    )
    if company.phone:
        phone = card.add("tel")
        phone.type_paramlist = ["WORK", "VOICE"]
        phone.value = company.phone.as_e164
    if company.email:
        email = card.add("email")
        email.type_paramlist = ["INTERNET", "WORK"]
        email.value = company.email
    if company.website:
        card.add("url").value = company.website
    latitude, longitude = coordinates(company)
    if latitude is not None:
        card.add("geo").value = f"{latitude};{longitude}"
    card.add("source").value = profile_url
    card.add("rev").value = company.updated_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return card.serialize()


# --- Map and structured data -----------------------------------------------------------------


def coordinates(company):
    """The company's own coordinates, else its town's; (None, None) when neither is known."""
    if company.latitude is not None and company.longitude is not None:
        return company.latitude, company.longitude
    municipality = company.municipality
    if municipality.latitude is not None and municipality.longitude is not None:
        return municipality.latitude, municipality.longitude
    return None, None


def map_url(company):
    """An OpenStreetMap link (nothing is embedded: no third-party request from the page)."""
    latitude, longitude = coordinates(company)
    if latitude is not None:
        return f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=14/{latitude}/{longitude}"
    parts = [
        company.street_address,
        company.postal_code,
        company.municipality.name,
        company.country.name,
    ]
    return "https://www.openstreetmap.org/search?" + urlencode(
        {"query": " ".join(p for p in parts if p)}
    )


def organization_json_ld(company, profile_url, directory_url) -> dict:
    """schema.org Organization. The e-mail address is left out: it would feed harvesters."""
    municipality = company.municipality
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": profile_url,
        "name": company.name,
        "url": company.website or profile_url,
        "mainEntityOfPage": profile_url,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": company.street_address or None,
            "postalCode": company.postal_code or None,
            "addressLocality": municipality.name,
            "addressRegion": municipality.region.name,
            "addressCountry": company.country.code,
        },
        "taxID": company.business_id,
    }
    if company.description:
        data["description"] = company.description
    if company.vat_number:
        data["vatID"] = company.vat_number
    if company.phone:
        data["telephone"] = company.phone.as_e164
    if company.founded:
        data["foundingDate"] = str(company.founded)
    if company.employees:
        data["numberOfEmployees"] = {"@type": "QuantitativeValue", "value": company.employees}
    if company.logo:
        data["logo"] = company.logo.url
    latitude, longitude = coordinates(company)
    if latitude is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(latitude),
            "longitude": float(longitude),
        }
    capabilities = [c.name for c in company.capabilities.all()]
    if capabilities:
        data["knowsAbout"] = capabilities
    languages = [language.name for language in company.languages.all()]
    if languages:
        data["knowsLanguage"] = languages
    clusters = [
        {"@type": "Organization", "name": m.cluster.name, "url": directory_url(m.cluster)}
        for m in company.active_memberships
    ]
    if clusters:
        data["memberOf"] = clusters
    data["address"] = {k: v for k, v in data["address"].items() if v is not None}
    return data


def json_ld_text(data) -> str:
    """JSON safe inside <script>: <, > and & escaped as json_script does."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, default=str)
    return text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
