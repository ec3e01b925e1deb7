"""The OpenAPI schema is valid (openapi-spec-validator), describes every endpoint, and holds no
non-public field: every property of every component is on an explicit list of public fields per
resource, and the answers themselves carry no other key. The documentation page is served from
the portal's own static files under the strict Content-Security-Policy."""

import json

import pytest
import yaml
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

from tests.portal.test_settings import assert_security_headers

pytestmark = pytest.mark.django_db

PLACE = {"id", "slug", "name"}
ORGANIZATION = {"name", "short_name", "kind", "country", "website"}
CLUSTER_REF = {"id", "slug", "name", "api_url"}
PROJECT_REF = {"slug", "name", "acronym", "api_url"}
TERM = {"id", "slug", "name"}
# The public fields, per component of the schema. A new field must be added here on purpose.
PUBLIC = {
    "Company": {
        "id", "slug", "name", "url", "api_url", "description", "business_id", "vat_number",
        "country", "street_address", "postal_code", "municipality", "region", "latitude",
        "longitude", "website", "phone", "logo", "founded", "employees", "size_class",
        "size_class_label", "languages", "export_markets", "sectors", "capabilities",
        "materials", "certificates", "clusters", "open_offers", "updated_at", "confirmed_at",
    },
    "Place": PLACE,
    "SpokenLanguage": {"id", "code", "name"},
    "Sector": {"id", "nace_code", "name"},
    "Capability": {*TERM, "parent_id"},
    "Material": TERM,
    "Certificate": {"certification", "valid_until", "issued_by", "certificate_number"},
    "Certification": {"id", "code", "name"},
    "Membership": {"cluster", "member_since"},
    "ClusterRef": CLUSTER_REF,
    "OfferRef": {"slug", "title", "valid_until", "api_url"},
    "Cluster": {
        "id", "slug", "name", "short_name", "url", "api_url", "companies_api_url", "sector",
        "sector_label", "country", "region", "summary", "description", "goals",
        "member_benefits", "coordinator", "member_count", "reported_member_count",
        "founded_year", "logo", "website", "updated_at",
    },
    "Organization": ORGANIZATION,
    "Project": {
        "id", "slug", "name", "acronym", "url", "api_url", "status", "status_label",
        "start_date", "end_date", "lead_organization", "clusters", "summary", "description",
        "target_group", "programme", "reference_number", "total_budget", "currency", "website",
        "predecessor", "objectives", "benefits", "partners", "funding", "results", "documents",
        "last_updated",
    },
    "ProjectRef": PROJECT_REF,
    "Partner": {"organization", "role", "role_label", "role_description"},
    "Funding": {"name", "funder", "amount", "currency", "share_percent"},
    "Result": {"value", "unit", "label"},
    "Document": {"title", "url", "language", "published_on"},
    "Event": {
        "id", "slug", "title", "url", "api_url", "ical_url", "kind", "kind_label", "summary",
        "description", "programme", "organizer", "cluster", "project", "starts_at", "ends_at",
        "time_zone", "venue_name", "venue_address", "municipality", "country", "online_url",
        "registration_open", "places_left",
    },
    "Offer": {
        "id", "slug", "title", "url", "api_url", "direction", "direction_label", "category",
        "category_label", "description", "offered_by", "company", "cluster", "capabilities",
        "materials", "target_countries", "valid_from", "valid_until", "updated_at",
    },
    "CompanyRef": {"slug", "name", "api_url"},
    # Envelopes.
    "Root": {"links", "meta"},
    "RootLinks": {
        "self", "companies", "company_facets", "clusters", "projects", "events", "offers",
        "schema", "docs", "open_data", "license",
    },
    "RootMeta": {"language", "license", "attribution"},
    "Meta": {"language", "license", "attribution"},
    "ItemLinks": {"self", "html", "license", "docs"},
    "Error": {"detail", "links"},
    "ErrorLinks": {"license", "docs"},
    "CompanyFacets": {"links", "meta", "facets"},
    "FacetLinks": {"self", "html", "license", "docs"},
    "FacetMeta": {
        "count", "language", "license", "attribution", "ignored_parameters", "ignored_filters",
    },
    "Facet": {"name", "label", "options"},
    "FacetOption": {"value", "label", "count", "selected"},
    **{f"{name}Response": {"links", "meta", "data"} for name in (
        "Company", "Cluster", "Project", "Event", "Offer",
    )},
    **{f"Paginated{name}List": {"links", "meta", "results"} for name in (
        "Company", "Cluster", "Project", "Event", "Offer",
    )},
    "Paginated.links": {"self", "first", "next", "prev", "html", "license", "docs"},
    "Paginated.meta": {
        "count", "page_size", "language", "license", "attribution", "ignored_parameters",
        "ignored_filters",
    },
}  # fmt: skip
# Never a property anywhere, whatever the component.
FORBIDDEN = {
    "email", "contact_email", "submitter_email", "submitter_name", "submitter_language",
    "contact_name", "manage_token", "cancel_token", "rejection_reason", "internal_notes",
    "internal", "is_published", "review_profile_changes", "created_by", "reminder_sent_at",
    "contacts", "contact_roles", "coordinator_roles", "person", "first_name", "last_name",
    "registrations", "interests", "consent_at", "password", "token", "moderation",
}  # fmt: skip


@pytest.fixture(scope="module")
def spec(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def properties(schema, spec, seen=()):
    """Every (path, property) of a schema, following $refs and nested objects and arrays."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        yield from properties(spec["components"]["schemas"][name], spec, (*seen, name))
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            yield from properties(part, spec, seen)
    if "items" in schema:
        yield from properties(schema["items"], spec, seen)
    for name, child in schema.get("properties", {}).items():
        yield seen, name
        yield from properties(child, spec, seen)


def test_the_schema_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert spec["info"]["license"] == {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }


def test_the_yaml_schema_is_the_same(client, spec):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content) == spec
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'


def test_the_schema_describes_every_endpoint(spec):
    assert set(spec["paths"]) == {
        "/api/v1/",
        "/api/v1/companies/",
        "/api/v1/companies/{slug}/",
        "/api/v1/company-facets/",
        "/api/v1/clusters/",
        "/api/v1/clusters/{slug}/",
        "/api/v1/projects/",
        "/api/v1/projects/{slug}/",
        "/api/v1/events/",
        "/api/v1/events/{slug}/",
        "/api/v1/offers/",
        "/api/v1/offers/{slug}/",
    }
    companies = spec["paths"]["/api/v1/companies/"]["get"]
    names = {parameter["name"] for parameter in companies["parameters"]}
    assert {"q", "sort", "cursor", "page_size", "lang", "cluster", "capability", "offers"} <= names
    for path in spec["paths"].values():
        assert set(path) == {"get"}  # read-only
        assert {"200", "400", "429"} <= set(path["get"]["responses"])


def test_every_component_property_is_on_the_public_list(spec):
    components = spec["components"]["schemas"]
    unexpected = {}
    for name, schema in components.items():
        if schema.get("type") != "object" and "properties" not in schema:
            continue  # enums
        allowed = PUBLIC.get(name)
        assert allowed is not None, f"component {name} has no public list"
        extra = set(schema.get("properties", {})) - allowed
        if extra:
            unexpected[name] = extra
        if name.startswith("Paginated"):
            for part in ("links", "meta"):
                inline = set(schema["properties"][part]["properties"]) - PUBLIC[f"Paginated.{part}"]
                if inline:
                    unexpected[f"{name}.{part}"] = inline
    assert unexpected == {}


def test_no_private_property_anywhere_in_the_schema(spec):
    found = set()
    for path in spec["paths"].values():
        for operation in path.values():
            for response in operation["responses"].values():
                for content in response.get("content", {}).values():
                    found |= {name for _seen, name in properties(content["schema"], spec)}
    assert found and found.isdisjoint(FORBIDDEN), found & FORBIDDEN


def keys(value, prefix=""):
    """(path, key) of every key of a JSON answer, lists flattened."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield prefix, key
            yield from keys(child, f"{prefix}.{key}")
    elif isinstance(value, list):
        for child in value:
            yield from keys(child, prefix)


def test_the_answers_carry_only_documented_keys(client, world, spec):
    documented = {
        name for _seen, name in properties({"$ref": "#/components/schemas/Company"}, spec)
    }
    for component in PUBLIC.values():
        documented |= component
    urls = [
        "/api/v1/",
        "/api/v1/companies/?page_size=100",
        "/api/v1/company-facets/",
        "/api/v1/clusters/",
        "/api/v1/projects/",
        "/api/v1/events/?when=all",
        "/api/v1/offers/",
        f"/api/v1/companies/{world['a'].slug}/",
        f"/api/v1/clusters/{world['cluster'].slug}/",
        f"/api/v1/projects/{world['project'].slug}/",
        f"/api/v1/events/{world['upcoming'].slug}/",
        f"/api/v1/offers/{world['open_offer'].slug}/",
    ]
    for url in urls:
        body = client.get(url).json()
        found = {key for _path, key in keys(body)}
        assert found <= documented, (url, found - documented)
        assert found.isdisjoint(FORBIDDEN), url


def test_the_schema_speaks_the_requested_language(client):
    response = client.get("/api/v1/schema/", {"format": "json", "lang": "fi"})
    assert response.status_code == 200
    assert client.get("/api/v1/schema/", {"lang": "xx"}).status_code == 400


def test_the_docs_page_uses_local_assets_under_the_strict_csp(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert_security_headers(response)
    html = response.content.decode()
    assert "<script>" not in html and "<style>" not in html and " style=" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    for asset in (
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "api/docs.css",
    ):
        assert f"/static/{asset}" in html
        assert finders.find(asset), asset
    assert 'src="/api/v1/docs/?script="' in html
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()
    assert client.get("/api/v1/docs/", {"lang": "zz"}).status_code == 400
