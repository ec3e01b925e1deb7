"""What the open data API and the bulk files show of each resource: public fields only, each
named here (never ``fields = "__all__"``), so a new model field stays private until it is added.

Companies show what their public profile shows (companies/directory.py's ``profile_queryset``),
without the e-mail address (the profile hides it from harvesters, and so does its JSON-LD).
Nothing about people is published: no contact persons, no submitters, no e-mail addresses, no
moderation state, tokens or internal notes, no internal project documents, nothing unpublished.
Texts are in the active language with the portal's fallback chain (api/language.py).
"""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from board.models import CooperationOffer
from clusters.models import Cluster, Organization
from companies.models import Company
from events.models import Event
from projects.models import Project, ProjectPartner


def absolute_url(serializer, path):
    """``path`` as an absolute URL: the request's host in the API, SITE_URL in the bulk files."""
    if not path:
        return None
    if path.startswith(("http://", "https://", "//")):
        return path
    build = serializer.context.get("absolute_url")
    return build(path) if build else f"{settings.SITE_URL}{path}"


def file_url(serializer, field_file):
    return absolute_url(serializer, field_file.url) if field_file else None


@extend_schema_field(OpenApiTypes.URI)
class PageUrlField(serializers.Field):
    """The absolute URL of the object's page on the portal (in the active language)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return absolute_url(self, obj.get_absolute_url())


@extend_schema_field(OpenApiTypes.URI)
class ApiUrlField(serializers.Field):
    """The absolute URL of the object in the API (``view_name`` reversed with its slug)."""

    def __init__(self, view_name, **kwargs):
        self.view_name = view_name
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return absolute_url(self, reverse(self.view_name, kwargs={"slug": obj.slug}))


class LinesField(serializers.ListField):
    """A text kept one item per line (goals, benefits, programme) as a list of lines."""

    def __init__(self, method, **kwargs):
        self.method = method
        super().__init__(child=serializers.CharField(), source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return list(getattr(obj, self.method)())


# --- Shared parts ----------------------------------------------------------------------------


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class OrganizationSerializer(serializers.Serializer):
    name = serializers.CharField()
    short_name = serializers.CharField()
    kind = serializers.CharField(help_text=f"One of {', '.join(Organization.Kind.values)}.")
    country = serializers.CharField(source="country.code")
    website = serializers.CharField()


class ClusterRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    api_url = ApiUrlField("api:cluster-detail")


class ProjectRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    acronym = serializers.CharField()
    api_url = ApiUrlField("api:project-detail")


def published_or_none(obj):
    return obj if obj is not None and obj.is_published else None


# --- Companies -------------------------------------------------------------------------------


class CapabilitySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The directory's capability filter value.")
    slug = serializers.CharField()
    name = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)


class MaterialSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The directory's material filter value.")
    slug = serializers.CharField()
    name = serializers.CharField()


class SectorSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The directory's sector filter value.")
    nace_code = serializers.CharField()
    name = serializers.CharField()


class SpokenLanguageSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The directory's language filter value.")
    code = serializers.CharField()
    name = serializers.CharField()


class CertificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The directory's certification filter value.")
    code = serializers.CharField()
    name = serializers.CharField()


class CertificateSerializer(serializers.Serializer):
    certification = CertificationSerializer()
    valid_until = serializers.DateField(allow_null=True)
    issued_by = serializers.CharField()
    certificate_number = serializers.CharField()


class MembershipSerializer(serializers.Serializer):
    cluster = ClusterRefSerializer()
    member_since = serializers.SerializerMethodField()

    def get_member_since(self, membership) -> int | None:
        return membership.joined_on.year if membership.joined_on else None


class OfferRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    valid_until = serializers.DateField()
    api_url = ApiUrlField("api:offer-detail")


class CompanySerializer(serializers.Serializer):
    """A published company's public profile."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    url = PageUrlField()
    api_url = ApiUrlField("api:company-detail")
    description = serializers.CharField()
    business_id = serializers.CharField()
    vat_number = serializers.CharField()
    country = serializers.CharField(source="country.code")
    street_address = serializers.CharField()
    postal_code = serializers.CharField()
    municipality = PlaceSerializer()
    region = PlaceSerializer(source="municipality.region")
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    website = serializers.CharField()
    phone = serializers.SerializerMethodField()
    logo = serializers.SerializerMethodField()
    founded = serializers.IntegerField(allow_null=True)
    employees = serializers.IntegerField(allow_null=True)
    size_class = serializers.ChoiceField(choices=Company.SizeClass.choices)
    size_class_label = serializers.CharField(source="get_size_class_display")
    languages = SpokenLanguageSerializer(many=True, source="languages.all")
    export_markets = serializers.SerializerMethodField()
    sectors = SectorSerializer(many=True, source="sectors.all")
    capabilities = CapabilitySerializer(many=True, source="capabilities.all")
    materials = MaterialSerializer(many=True, source="materials.all")
    certificates = CertificateSerializer(
        many=True, source="valid_certificates", help_text="Certificates valid today."
    )
    clusters = MembershipSerializer(many=True, source="active_memberships")
    open_offers = OfferRefSerializer(many=True)
    updated_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the company last confirmed its profile."
    )

    @staticmethod
    def _coordinates(company):
        """The company's own coordinates, else its town's (as its page and JSON-LD show)."""
        if company.latitude is not None and company.longitude is not None:
            return company.latitude, company.longitude
        town = company.municipality
        return town.latitude, town.longitude

    def get_latitude(self, company) -> float | None:
        latitude = self._coordinates(company)[0]
        return float(latitude) if latitude is not None else None

    def get_longitude(self, company) -> float | None:
        longitude = self._coordinates(company)[1]
        return float(longitude) if longitude is not None else None

    def get_phone(self, company) -> str:
        return company.phone.as_e164 if company.phone else ""

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_logo(self, company):
        return file_url(self, company.logo)

    def get_export_markets(self, company) -> list[str]:
        return [country.code for country in company.export_markets]


# --- Clusters --------------------------------------------------------------------------------


class ClusterSerializer(serializers.Serializer):
    """A published cluster."""

    id = serializers.IntegerField(help_text="The directory's cluster filter value.")
    slug = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    url = PageUrlField()
    api_url = ApiUrlField("api:cluster-detail")
    companies_api_url = serializers.SerializerMethodField()
    sector = serializers.ChoiceField(choices=Cluster.Sector.choices)
    sector_label = serializers.CharField(source="get_sector_display")
    country = serializers.CharField(source="country.code")
    region = PlaceSerializer(allow_null=True)
    summary = serializers.CharField()
    description = serializers.CharField()
    goals = LinesField("goal_list")
    member_benefits = LinesField("benefit_list")
    coordinator = OrganizationSerializer(allow_null=True)
    member_count = serializers.SerializerMethodField()
    reported_member_count = serializers.IntegerField(
        allow_null=True, help_text="The companies in the cluster's sector, as the cluster reports."
    )
    founded_year = serializers.IntegerField(allow_null=True)
    logo = serializers.SerializerMethodField()
    website = serializers.CharField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_companies_api_url(self, cluster):
        return absolute_url(self, f"{reverse('api:company-list')}?cluster={cluster.pk}")

    def get_member_count(self, cluster) -> int:
        """Published member companies (the directory's cluster filter)."""
        return self.context["member_counts"].get(cluster.pk, 0)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_logo(self, cluster):
        return file_url(self, cluster.logo)


# --- Projects --------------------------------------------------------------------------------


class PartnerSerializer(serializers.Serializer):
    organization = OrganizationSerializer()
    role = serializers.ChoiceField(choices=ProjectPartner.Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    role_description = serializers.CharField()


class FundingSerializer(serializers.Serializer):
    name = serializers.CharField()
    funder = OrganizationSerializer(allow_null=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    share_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class ResultSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit = serializers.CharField()
    label = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.SerializerMethodField()
    language = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, document):
        return file_url(self, document.file)


class ProjectSerializer(serializers.Serializer):
    """A published development project."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    acronym = serializers.CharField()
    url = PageUrlField()
    api_url = ApiUrlField("api:project-detail")
    status = serializers.ChoiceField(choices=Project.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    lead_organization = OrganizationSerializer()
    clusters = ClusterRefSerializer(many=True, source="published_clusters")
    summary = serializers.CharField()
    description = serializers.CharField()
    target_group = serializers.CharField()
    programme = serializers.CharField()
    reference_number = serializers.CharField()
    total_budget = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    website = serializers.CharField()
    predecessor = serializers.SerializerMethodField()
    objectives = serializers.SerializerMethodField()
    benefits = serializers.SerializerMethodField()
    partners = PartnerSerializer(many=True, source="partners.all")
    funding = FundingSerializer(many=True, source="funding.all")
    results = ResultSerializer(many=True, source="results.all")
    documents = DocumentSerializer(
        many=True, source="public_documents", help_text="Public documents only."
    )
    last_updated = serializers.DateField()

    @extend_schema_field(ProjectRefSerializer(allow_null=True))
    def get_predecessor(self, project):
        predecessor = published_or_none(project.predecessor)
        return ProjectRefSerializer(predecessor, context=self.context).data if predecessor else None

    def get_objectives(self, project) -> list[str]:
        return [item.text for item in project.objectives()]

    def get_benefits(self, project) -> list[str]:
        return [item.text for item in project.benefits()]


# --- Events ----------------------------------------------------------------------------------


class EventSerializer(serializers.Serializer):
    """A published event."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    url = PageUrlField()
    api_url = ApiUrlField("api:event-detail")
    ical_url = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    summary = serializers.CharField()
    description = serializers.CharField()
    programme = LinesField("programme_lines")
    organizer = OrganizationSerializer()
    cluster = serializers.SerializerMethodField()
    project = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    time_zone = serializers.CharField(help_text="The zone the event's times are given in.")
    venue_name = serializers.CharField()
    venue_address = serializers.CharField()
    municipality = PlaceSerializer(allow_null=True)
    country = serializers.SerializerMethodField()
    online_url = serializers.CharField()
    registration_open = serializers.SerializerMethodField()
    places_left = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_ical_url(self, event):
        return absolute_url(self, reverse("events:ical", kwargs={"slug": event.slug}))

    @extend_schema_field(ClusterRefSerializer(allow_null=True))
    def get_cluster(self, event):
        cluster = published_or_none(event.cluster)
        return ClusterRefSerializer(cluster, context=self.context).data if cluster else None

    @extend_schema_field(ProjectRefSerializer(allow_null=True))
    def get_project(self, event):
        project = published_or_none(event.project)
        return ProjectRefSerializer(project, context=self.context).data if project else None

    def get_country(self, event) -> str | None:
        return event.municipality.region.country.code if event.municipality else None

    def get_registration_open(self, event) -> bool:
        return event.accepts_registrations()

    def get_places_left(self, event) -> int | None:
        """Free places (null: no limit)."""
        return event.places_left()


# --- Cooperation offers ----------------------------------------------------------------------


class CompanyRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    api_url = ApiUrlField("api:company-detail")


class OfferSerializer(serializers.Serializer):
    """A published cooperation offer or request, open today."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    url = PageUrlField()
    api_url = ApiUrlField("api:offer-detail")
    direction = serializers.ChoiceField(choices=CooperationOffer.Direction.choices)
    direction_label = serializers.CharField(source="get_direction_display")
    category = serializers.ChoiceField(choices=CooperationOffer.Category.choices)
    category_label = serializers.CharField(source="get_category_display")
    description = serializers.CharField()
    offered_by = serializers.CharField(help_text="The company's name, as the offer's page shows.")
    company = serializers.SerializerMethodField()
    cluster = serializers.SerializerMethodField()
    capabilities = CapabilitySerializer(many=True, source="capabilities.all")
    materials = MaterialSerializer(many=True, source="materials.all")
    target_countries = serializers.SerializerMethodField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(CompanyRefSerializer(allow_null=True))
    def get_company(self, offer):
        company = published_or_none(offer.company)
        return CompanyRefSerializer(company, context=self.context).data if company else None

    @extend_schema_field(ClusterRefSerializer(allow_null=True))
    def get_cluster(self, offer):
        cluster = published_or_none(offer.cluster)
        return ClusterRefSerializer(cluster, context=self.context).data if cluster else None

    def get_target_countries(self, offer) -> list[str]:
        return [country.code for country in offer.target_countries]
