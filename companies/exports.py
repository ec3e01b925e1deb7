"""The directory and the profile in other formats: CSV, vCard, schema.org JSON-LD."""

import csv
import datetime
import json
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from .directory import companies_in_order
from .models import Capability, CompanyCertificate, Membership

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


def csv_prefetched(queryset):
    """What a CSV row shows, in three prefetches."""
    return queryset.select_related("municipality").prefetch_related(
        Prefetch("capabilities", queryset=Capability.objects.order_by("path")),
        Prefetch(
            "certificates",
            queryset=CompanyCertificate.objects.valid().select_related("certification"),
            to_attr="valid_certificates",
        ),
        Prefetch(
            "memberships",
            queryset=Membership.objects.active()
            .filter(cluster__is_published=True)
            .select_related("cluster"),
            to_attr="active_memberships",
        ),
    )


def csv_lines(ids, absolute_url, chunk_size=500):
    """CSV lines of the companies ``ids``, in that order (a UTF-8 byte-order mark first so
    spreadsheets read the accents), loaded ``chunk_size`` at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(csv_header())
    for start in range(0, len(ids), chunk_size):
        for company in companies_in_order(ids[start : start + chunk_size], csv_prefetched):
            row = [
                company.name,
                company.business_id,
                company.municipality.name,
                company.country.name,
                company.website,
                "; ".join(c.name for c in company.capabilities.all()),
                "; ".join(c.certification.code for c in company.valid_certificates),
                "; ".join(m.cluster.name for m in company.active_memberships),
                absolute_url(company.get_absolute_url()),
            ]
            yield writer.writerow([safe_cell(cell) for cell in row])


# --- vCard 3.0 (RFC 2426) --------------------------------------------------------------------


def _vcard_escape(value) -> str:
    text = "" if value is None else str(value)
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 2425 5.8.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        octets = char.encode("utf-8")
        if len(current) + len(octets) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += octets
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def vcard(company, profile_url) -> str:
    municipality = company.municipality
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"FN:{_vcard_escape(company.name)}",
        f"ORG:{_vcard_escape(company.name)}",
        ";".join(
            [
                "ADR;TYPE=WORK:",
                "",
                _vcard_escape(company.street_address),
                _vcard_escape(municipality.name),
                _vcard_escape(municipality.region.name),
                _vcard_escape(company.postal_code),
                _vcard_escape(company.country.name),
            ]
        ),
    ]
    if company.phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{_vcard_escape(company.phone.as_e164)}")
    if company.email:
        lines.append(f"EMAIL;TYPE=INTERNET,WORK:{_vcard_escape(company.email)}")
    if company.website:
        lines.append(f"URL:{_vcard_escape(company.website)}")
    latitude, longitude = coordinates(company)
    if latitude is not None:
        lines.append(f"GEO:{latitude};{longitude}")
    lines.append(f"SOURCE:{_vcard_escape(profile_url)}")
    lines.append(f"REV:{company.updated_at.astimezone(datetime.UTC).strftime('%Y%m%dT%H%M%SZ')}")
    lines.append("END:VCARD")
    return "\r\n".join(_fold(line) for line in lines if line) + "\r\n"


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
