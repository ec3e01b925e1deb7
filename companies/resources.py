"""Import and export of member companies (django-import-export): CSV and Excel.

A row is matched on country + business ID, so importing the same file twice changes nothing
(unchanged rows are skipped). The business ID is normalised first (0737546 2 → 0737546-2), so
the spellings of one company match. Municipalities are named by slug or by their name in any
language; sectors by NACE code; capabilities and materials by slug; certifications by code;
clusters by slug. A coordinator's rows are checked against their clusters: a company of
another cluster is refused, and a new company becomes a member of the coordinator's cluster.
"""

import functools
import operator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from clusters import roles
from clusters.models import Cluster, Municipality
from clusters.slugs import unique_slug

from .models import (
    Capability,
    Certification,
    Company,
    CompanyCertificate,
    Material,
    Membership,
    Sector,
    SpokenLanguage,
)
from .validators import normalize_business_id


def _split(value, separator=","):
    return [item.strip() for item in str(value or "").split(separator) if item.strip()]


class MunicipalityWidget(widgets.ForeignKeyWidget):
    """A municipality by its slug or its name in any language (Vaasa, Vasa, vaasa)."""

    def __init__(self):
        super().__init__(Municipality, field="slug")

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        if not value:
            return None
        names = [Q(**{f"name_{code}__iexact": value}) for code in settings.LANGUAGE_CODES]
        query = Q(slug__iexact=value) | functools.reduce(operator.or_, names)
        candidates = Municipality.objects.filter(query).select_related("region")
        country = str((row or {}).get("country") or "").strip().upper()
        if country:
            candidates = candidates.filter(region__country=country)
        found = list(candidates[:2])
        if not found:
            raise ValueError(_("Unknown municipality “%(name)s”.") % {"name": value})
        if len(found) > 1:
            raise ValueError(
                _("“%(name)s” names several municipalities: use the slug.") % {"name": value}
            )
        return found[0]


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """Like ManyToManyWidget, but an unknown code is an error rather than silently dropped."""

    def clean(self, value, row=None, **kwargs):
        codes = _split(value, self.separator)
        if not codes:
            return self.model.objects.none()
        found = self.model.objects.filter(**{f"{self.field}__in": codes})
        known = {str(getattr(obj, self.field)) for obj in found}
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ValueError(_("Unknown: %(codes)s.") % {"codes": ", ".join(unknown)})
        return found


class CountriesWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return [code.upper() for code in _split(value)]

    def render(self, value, obj=None, **kwargs):
        return ",".join(
            str(country.code if hasattr(country, "code") else country) for country in value or []
        )


def _column(name, widget):
    """A column that reads and writes the model attribute of the same name."""
    return fields.Field(attribute=name, column_name=name, widget=widget)


class CompanyResource(resources.ModelResource):
    country = _column("country", widgets.CharWidget())
    municipality = _column("municipality", MunicipalityWidget())
    sectors = _column("sectors", StrictManyToManyWidget(Sector, field="nace_code"))
    capabilities = _column("capabilities", StrictManyToManyWidget(Capability, field="slug"))
    materials = _column("materials", StrictManyToManyWidget(Material, field="slug"))
    languages = _column("languages", StrictManyToManyWidget(SpokenLanguage, field="code"))
    export_markets = _column("export_markets", CountriesWidget())
    certifications = fields.Field(column_name="certifications", attribute=None)
    clusters = fields.Field(column_name="clusters", attribute=None)

    class Meta:
        model = Company
        import_id_fields = ("country", "business_id")
        fields = (
            "name",
            "country",
            "business_id",
            "vat_number",
            "municipality",
            "street_address",
            "postal_code",
            "website",
            "email",
            "phone",
            "founded",
            "employees",
            "size_class",
            *[f"description_{code}" for code in settings.LANGUAGE_CODES],
            "sectors",
            "capabilities",
            "materials",
            "languages",
            "export_markets",
            "certifications",
            "clusters",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_bulk = False

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._seen = {}

    # --- export

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("municipality")
            .prefetch_related(
                "sectors",
                "capabilities",
                "materials",
                "languages",
                "certificates__certification",
                "clusters",
            )
        )

    def dehydrate_certifications(self, company):
        return ",".join(
            certificate.certification.code for certificate in company.certificates.all()
        )

    def dehydrate_clusters(self, company):
        return ",".join(cluster.slug for cluster in company.clusters.all())

    # --- import

    def _cluster_ids(self):
        return roles.cluster_ids_for(self.user) if self.user is not None else None

    def before_import_row(self, row, **kwargs):
        country = str(row.get("country") or "").strip().upper()
        row["country"] = country
        business_id = str(row.get("business_id") or "").strip()
        try:
            business_id = normalize_business_id(country, business_id)
        except ValidationError:
            pass  # full_clean reports it on the row
        row["business_id"] = business_id
        key = (country, business_id)
        row_number = kwargs.get("row_number")
        if business_id and key in self._seen:
            raise ValidationError(
                {
                    "business_id": _("Duplicate: the same business ID is on row %(row)s.")
                    % {"row": self._seen[key]}
                }
            )
        self._seen[key] = row_number

    def after_init_instance(self, instance, new, row, **kwargs):
        ids = self._cluster_ids()
        if new or ids is None:
            return
        if not instance.memberships.filter(cluster_id__in=ids).exists():
            raise ValidationError(
                {"business_id": _("This company is a member of a cluster you do not coordinate.")}
            )

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [str(error)]
        try:
            instance._import_certifications = self._clean_certifications(row)
        except ValidationError as error:
            errors["certifications"] = error.messages
        try:
            instance._import_clusters = self._clean_clusters(row, instance)
        except ValidationError as error:
            errors["clusters"] = error.messages
        if errors:
            raise ValidationError(errors)

    def _clean_certifications(self, row):
        codes = _split(row.get("certifications"))
        found = {
            certification.code: certification
            for certification in Certification.objects.filter(code__in=codes)
        }
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise ValidationError(
                _("Unknown certification: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return list(found.values())

    def _clean_clusters(self, row, instance):
        slugs = _split(row.get("clusters"))
        found = {cluster.slug: cluster for cluster in Cluster.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise ValidationError(_("Unknown cluster: %(slugs)s.") % {"slugs": ", ".join(unknown)})
        ids = self._cluster_ids()
        if ids is None:
            return list(found.values())
        foreign = [slug for slug, cluster in found.items() if cluster.pk not in ids]
        if foreign:
            raise ValidationError(
                _("You do not coordinate the cluster: %(slugs)s.") % {"slugs": ", ".join(foreign)}
            )
        if not found and instance.pk is None:
            if len(ids) != 1:
                raise ValidationError(_("Name the cluster (its slug) the company joins."))
            return [Cluster.objects.get(pk=ids[0])]
        return list(found.values())

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if not instance.slug and instance.name:
            instance.slug = unique_slug(Company, instance.name)
        super().validate_instance(instance, import_validation_errors, validate_unique)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if original is not None and original.pk is not None:
            member_of = set(original.memberships.values_list("cluster_id", flat=True))
            if any(
                cluster.pk not in member_of for cluster in getattr(instance, "_import_clusters", [])
            ):
                return False
            held = set(original.certificates.values_list("certification_id", flat=True))
            if any(cert.pk not in held for cert in getattr(instance, "_import_certifications", [])):
                return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        # Add what is missing; never remove another cluster's membership or a certificate.
        for cluster in getattr(instance, "_import_clusters", []):
            Membership.objects.get_or_create(
                company=instance, cluster=cluster, defaults={"joined_on": timezone.localdate()}
            )
        for certification in getattr(instance, "_import_certifications", []):
            CompanyCertificate.objects.get_or_create(
                company=instance,
                certification=certification,
                defaults={"valid_from": timezone.localdate()},
            )
